"""A postdoc's identity pages (personal details, ID number, its reveal) and admission of a
registered person to another station, for every persona inside and outside their scope."""

import datetime as dt
from collections.abc import Callable

import pytest
from django.test.client import Client
from django.urls import reverse

from appointments.models import Appointment
from audit.models import AuditEvent
from people.models import Person
from tests.clients import PERSONAS
from tests.factories import World, resident_id

MANAGE = {"admin": 200, "secretary": 200, "supervisor": 403, "postdoc": 403, "leadership": 403, "outsider": 404}
MANAGE_OUTSIDE = {"admin": 200, "secretary": 404, "supervisor": 404, "postdoc": 404, "leadership": 403, "outsider": 404}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", ["person-edit", "person-id", "person-admit"])
def test_person_pages_by_persona_inside_and_outside_scope(
    signed_in: Callable[[str], Client], world: World, persona: str, name: str
) -> None:
    client = signed_in(persona)
    inside, outside = world.appointment.person, world.other_appointment.person
    assert client.get(reverse(f"people:{name}", args=[inside.pk])).status_code == MANAGE[persona]
    assert client.get(reverse(f"people:{name}", args=[outside.pk])).status_code == MANAGE_OUTSIDE[persona]


@pytest.mark.parametrize("persona", PERSONAS)
def test_posts_are_as_protected_as_their_pages(signed_in: Callable[[str], Client], world: World, persona: str) -> None:
    person = world.other_appointment.person
    client = signed_in(persona)
    response = client.post(reverse("people:person-edit", args=[person.pk]), {"name": "改"})
    assert response.status_code == MANAGE_OUTSIDE[persona]
    person.refresh_from_db()
    assert person.name == "周博士" or persona == "admin"


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_full_id_is_revealed_only_with_the_permission_and_audited(
    signed_in: Callable[[str], Client], world: World, persona: str
) -> None:
    person = world.appointment.person
    response = signed_in(persona).post(
        reverse("people:person-reveal-id", args=[person.pk]), headers={"HX-Request": "true"}
    )
    expected = {"admin": 200, "outsider": 404}.get(persona, 403)
    assert response.status_code == expected
    revealed = AuditEvent.objects.filter(event="person.id_revealed", target_id=str(person.pk)).count()
    if expected == 200:
        assert person.id_number in response.content.decode() and revealed == 1
    else:
        assert revealed == 0


def test_the_id_page_shows_the_number_masked(signed_in: Callable[[str], Client], world: World) -> None:
    person = world.appointment.person
    page = signed_in("secretary").get(reverse("people:person-id", args=[person.pk])).content.decode()
    assert person.masked_id in page and person.id_number not in page
    assert "Show full ID" not in page  # a secretary may not reveal it


def test_the_postdoc_page_links_the_new_pages_for_those_who_manage_it(
    signed_in: Callable[[str], Client], world: World
) -> None:
    url = reverse("postdoc-detail", args=[world.appointment.pk])
    edit = reverse("people:person-edit", args=[world.appointment.person.pk])
    assert edit in signed_in("secretary").get(url).content.decode()
    assert edit not in signed_in("supervisor").get(url).content.decode()


def test_personal_details_are_saved_with_before_and_after(signed_in: Callable[[str], Client], world: World) -> None:
    person = world.appointment.person
    url = reverse("people:person-edit", args=[person.pk]) + f"?from={world.appointment.pk}"
    data = {
        "name": "陈新",
        "name_en": "Chen Xin",
        "gender": person.gender,
        "birth_date": person.birth_date.isoformat(),
        "nationality": "中国",
        "phd_institution": "重庆大学",
        "phd_date": person.phd_date.isoformat() if person.phd_date else "",
        "email": "chen@example.org",
        "note": "更名",
    }
    response = signed_in("secretary").post(url, data)
    assert response.status_code == 302
    assert response["Location"] == reverse("postdoc-detail", args=[world.appointment.pk])
    person.refresh_from_db()
    assert (person.name, person.name_en, person.email) == ("陈新", "Chen Xin", "chen@example.org")
    event = AuditEvent.objects.get(event="person.changed", target_id=str(person.pk))
    assert event.before["name"] == "陈博士" and event.after["name"] == "陈新" and event.note == "更名"
    assert set(event.after) >= {"name", "email"}


def test_a_refused_detail_keeps_the_input(signed_in: Callable[[str], Client], world: World) -> None:
    person = world.appointment.person
    response = signed_in("admin").post(
        reverse("people:person-edit", args=[person.pk]),
        {
            "name": "陈" * 101,
            "gender": person.gender,
            "birth_date": person.birth_date.isoformat(),
            "nationality": "中国",
        },
    )
    assert response.status_code == 200 and response.context["form"].errors["name"]


def test_a_birth_date_that_contradicts_the_id_is_refused_on_the_page(
    signed_in: Callable[[str], Client], world: World
) -> None:
    person = world.appointment.person
    response = signed_in("admin").post(
        reverse("people:person-edit", args=[person.pk]),
        {
            "name": person.name,
            "gender": person.gender,
            "birth_date": (person.birth_date - dt.timedelta(days=3)).isoformat(),
            "nationality": "中国",
            "phd_date": person.phd_date.isoformat() if person.phd_date else "",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors  # the service's sentence, next to its field or the form
    person.refresh_from_db()
    assert person.birth_date == dt.date(1992, 5, 17)


def test_an_id_is_corrected_through_the_page(signed_in: Callable[[str], Client], world: World) -> None:
    person = world.appointment.person
    url = reverse("people:person-id", args=[person.pk])
    client = signed_in("secretary")
    wrong = resident_id(person.birth_date, 960)[:17] + "Y"
    response = client.post(url, {"id_type": "resident_id", "id_number": wrong, "note": "录入错误"})
    assert response.status_code == 200 and response.context["form"].errors["id_number"]
    assert wrong in response.content.decode()  # the input is kept
    right = resident_id(person.birth_date, 960)
    assert client.post(url, {"id_type": "resident_id", "id_number": right, "note": "录入错误"}).status_code == 302
    person.refresh_from_db()
    assert person.id_number == right


def test_admission_to_another_station_offers_its_supervisors_first(
    signed_in: Callable[[str], Client], world: World
) -> None:
    person = world.appointment.person
    page = signed_in("admin").get(reverse("people:person-admit", args=[person.pk]), {"station": world.other_station.pk})
    content = page.content.decode()
    this_station = content.index('label="This station"')
    others = content.index('label="Other stations"')
    assert this_station < content.index("赵导师") < others < content.index("李导师")


def test_an_overlapping_admission_is_refused_then_recorded_as_an_exception(
    signed_in: Callable[[str], Client], world: World
) -> None:
    person = world.appointment.person
    url = reverse("people:person-admit", args=[person.pk])
    data = {
        "station": world.other_station.pk,
        "postdoc_no": "BH-2ND",
        "entry_date": "2025-03-01",
        "primary_supervisor": world.other_supervisor.pk,
        "route": Appointment.Route.INDEPENDENT,
    }
    client = signed_in("admin")
    response = client.post(url, data)
    assert response.status_code == 200
    assert response.context["show_exception"] and response.context["form"].errors
    assert 'value="BH-2ND"' in response.content.decode()
    response = client.post(url, {**data, "exception_reason": "双站联合培养，经学校批准"})
    second = Appointment.objects.get(postdoc_no="BH-2ND")
    assert response.status_code == 302 and response["Location"] == reverse("postdoc-detail", args=[second.pk])
    assert second.person == person and second.station == world.other_station
    assert Person.objects.filter(name="陈博士").count() == 1  # the same person, not a new one


def test_a_secretary_admits_only_to_their_own_station(signed_in: Callable[[str], Client], world: World) -> None:
    person = world.appointment.person
    client = signed_in("secretary")
    page = client.get(reverse("people:person-admit", args=[person.pk])).content.decode()
    assert world.other_station.name not in page.split('name="station"')[1].split("</select>")[0]
    response = client.post(
        reverse("people:person-admit", args=[person.pk]),
        {
            "station": world.other_station.pk,
            "postdoc_no": "BH-X",
            "entry_date": "2025-03-01",
            "primary_supervisor": world.other_supervisor.pk,
            "route": Appointment.Route.INDEPENDENT,
        },
    )
    assert response.status_code == 200 and response.context["form"].errors["station"]
    assert not Appointment.objects.filter(postdoc_no="BH-X").exists()
