"""The supervisors' pages for every persona, inside and outside their scope.

Office administrators manage every supervisor of their institution; a station secretary those of
their station; leadership reads the list; a supervisor sees their own page; others get 404 (a
record outside their scope) or 403 (a page they may not use)."""

from collections.abc import Callable

import pytest
from django.test.client import Client
from django.urls import reverse

from audit.models import AuditEvent
from people.models import Supervisor
from people.services import supervisor_create, supervisor_set_active
from tests.clients import PERSONAS
from tests.factories import World

LIST = reverse("people:supervisor-list")
NEW = reverse("people:supervisor-new")

# Who may open each page, for the secretary's station's supervisor (inside) and the other
# station's one (outside the secretary's and the supervisor's scope).
READ = {"admin": 200, "secretary": 200, "supervisor": 200, "postdoc": 404, "leadership": 200, "outsider": 404}
READ_OUTSIDE = {"admin": 200, "secretary": 404, "supervisor": 404, "postdoc": 404, "leadership": 200, "outsider": 404}
MANAGE = {"admin": 200, "secretary": 200, "supervisor": 403, "postdoc": 404, "leadership": 403, "outsider": 404}
MANAGE_OUTSIDE = {"admin": 200, "secretary": 404, "supervisor": 404, "postdoc": 404, "leadership": 403, "outsider": 404}
ADMIN_ONLY = {"admin": 200, "secretary": 403, "supervisor": 403, "postdoc": 404, "leadership": 403, "outsider": 404}


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_list_is_for_the_office_leadership_and_secretaries(
    signed_in: Callable[[str], Client], persona: str
) -> None:
    # The outsider administers another institution: their own list, without ours (tested below).
    expected = {"admin": 200, "secretary": 200, "leadership": 200, "outsider": 200}.get(persona, 403)
    assert signed_in(persona).get(LIST).status_code == expected


def test_the_list_shows_what_is_in_scope(signed_in: Callable[[str], Client], world: World) -> None:
    admin_page = signed_in("admin").get(LIST).content.decode()
    assert "李导师" in admin_page and "赵导师" in admin_page
    secretary_page = signed_in("secretary").get(LIST).content.decode()
    assert "李导师" in secretary_page and "赵导师" not in secretary_page


def test_an_outsider_sees_none_of_another_institutions_supervisors(
    signed_in: Callable[[str], Client], world: World
) -> None:
    page = signed_in("outsider").get(LIST).content.decode()
    assert "李导师" not in page and "赵导师" not in page


def test_search_and_filters(signed_in: Callable[[str], Client], world: World) -> None:
    client = signed_in("admin")
    assert "赵导师" not in client.get(LIST, {"q": "李"}).content.decode()
    assert "李导师" in client.get(LIST, {"q": "li dao"}).content.decode()  # pinyin
    by_station = client.get(LIST, {"station": world.other_station.pk}).content.decode()
    assert "赵导师" in by_station and "李导师" not in by_station
    assert "No supervisors match." in client.get(LIST, {"doctoral": "yes"}).content.decode()
    supervisor_set_active(supervisor=world.supervisor, active=False, by=world.admin)
    assert "李导师" not in client.get(LIST).content.decode()  # active by default
    assert "李导师" in client.get(LIST, {"active": "no"}).content.decode()


def test_the_htmx_list_returns_the_rows_only(signed_in: Callable[[str], Client], world: World) -> None:
    response = signed_in("secretary").get(LIST, {"q": "李"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    content = response.content.decode()
    assert 'id="rows"' in content and "<html" not in content


def test_the_list_is_paginated(signed_in: Callable[[str], Client], world: World, settings: object) -> None:
    settings.PAGE_SIZE = 2  # type: ignore[attr-defined]
    for n in range(3):
        supervisor_create(
            institution=world.institution,
            staff_no=f"P{n}",
            name=f"王{n}",
            unit=world.station.unit,
            station=world.station,
            by=world.admin,
        )
    response = signed_in("admin").get(LIST, {"page": 2})
    assert response.status_code == 200 and response.context["page_obj"].number == 2


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(
    ("name", "inside", "outside"),
    [
        ("supervisor-detail", READ, READ_OUTSIDE),
        ("supervisor-edit", MANAGE, MANAGE_OUTSIDE),
        ("supervisor-move", MANAGE, MANAGE_OUTSIDE),
        ("supervisor-active", MANAGE, MANAGE_OUTSIDE),
        ("supervisor-delete", ADMIN_ONLY, {**ADMIN_ONLY, "secretary": 404, "supervisor": 404}),
        ("supervisor-link", ADMIN_ONLY, {**ADMIN_ONLY, "secretary": 404, "supervisor": 404}),
    ],
)
def test_supervisor_pages_by_persona_inside_and_outside_scope(
    signed_in: Callable[[str], Client],
    world: World,
    persona: str,
    name: str,
    inside: dict[str, int],
    outside: dict[str, int],
) -> None:
    client = signed_in(persona)
    assert client.get(reverse(f"people:{name}", args=[world.supervisor.pk])).status_code == inside[persona]
    assert client.get(reverse(f"people:{name}", args=[world.other_supervisor.pk])).status_code == outside[persona]


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_new_supervisor_page_by_persona(signed_in: Callable[[str], Client], world: World, persona: str) -> None:
    expected = {"admin": 200, "secretary": 200, "outsider": 200}.get(persona, 403)
    response = signed_in(persona).get(NEW)
    assert response.status_code == expected
    if persona == "outsider":  # their own institution's stations, none of ours
        assert world.station.name not in response.content.decode()


def test_a_secretary_adds_a_supervisor_to_their_station(signed_in: Callable[[str], Client], world: World) -> None:
    client = signed_in("secretary")
    form = client.get(NEW).content.decode()
    assert world.other_station.name not in form  # only their own station is offered
    response = client.post(
        NEW,
        {
            "staff_no": "S9",
            "name": "欧阳修",
            "station": world.station.pk,
            "unit": world.station.unit_id,
            "title": "教授",
        },
    )
    supervisor = Supervisor.objects.get(staff_no="S9")
    assert response.status_code == 302 and response["Location"] == reverse(
        "people:supervisor-detail", args=[supervisor.pk]
    )
    assert supervisor.station == world.station and supervisor.name_sort == "ou yang xiu"


def test_the_station_is_preselected_from_the_station_page(signed_in: Callable[[str], Client], world: World) -> None:
    response = signed_in("admin").get(NEW, {"station": world.other_station.pk})
    assert response.context["form"]["station"].value() == world.other_station.pk


def test_a_refused_supervisor_keeps_the_input_and_names_the_field(
    signed_in: Callable[[str], Client], world: World
) -> None:
    response = signed_in("admin").post(
        NEW,
        {
            "staff_no": world.supervisor.staff_no,
            "name": "新导师",
            "station": world.station.pk,
            "unit": world.station.unit_id,
        },
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "already registered" in form.errors["staff_no"][0]
    assert 'value="新导师"' in response.content.decode()


def test_an_overlong_name_is_refused_on_the_page(signed_in: Callable[[str], Client], world: World) -> None:
    response = signed_in("admin").post(
        NEW, {"staff_no": "L1", "name": "长" * 101, "station": world.station.pk, "unit": world.station.unit_id}
    )
    assert response.status_code == 200 and response.context["form"].errors["name"]


def test_edit_move_deactivate_through_the_pages(signed_in: Callable[[str], Client], world: World) -> None:
    client = signed_in("admin")
    pk = world.supervisor.pk
    response = client.post(
        reverse("people:supervisor-edit", args=[pk]),
        {"staff_no": world.supervisor.staff_no, "name": "李导师", "title": "研究员", "is_doctoral_supervisor": "on"},
    )
    assert response.status_code == 302
    supervisor = Supervisor.objects.get(pk=pk)
    assert supervisor.title == "研究员" and supervisor.is_doctoral_supervisor
    # A move without a note stays on the page and says why.
    move = reverse("people:supervisor-move", args=[pk])
    response = client.post(move, {"station": world.other_station.pk, "unit": world.other_station.unit_id, "note": ""})
    assert response.status_code == 200 and response.context["form"].errors["note"]
    response = client.post(
        move, {"station": world.other_station.pk, "unit": world.other_station.unit_id, "note": "调动"}
    )
    assert response.status_code == 302 and Supervisor.objects.get(pk=pk).station == world.other_station
    # Deactivation asks for confirmation first.
    active = reverse("people:supervisor-active", args=[pk])
    response = client.post(active, {"note": "退休"})
    assert response.status_code == 200 and response.context["form"].errors["confirm"]
    assert client.post(active, {"note": "退休", "confirm": "on"}).status_code == 302
    assert not Supervisor.objects.get(pk=pk).is_active
    assert AuditEvent.objects.filter(event="supervisor.deactivated", target_id=str(pk)).count() == 1


def test_a_supervisor_with_postdocs_offers_no_delete(signed_in: Callable[[str], Client], world: World) -> None:
    client = signed_in("admin")
    detail = client.get(reverse("people:supervisor-detail", args=[world.supervisor.pk])).content.decode()
    assert reverse("people:supervisor-delete", args=[world.supervisor.pk]) not in detail
    page = client.get(reverse("people:supervisor-delete", args=[world.supervisor.pk]))
    assert "never deleted" in page.content.decode()
    response = client.post(reverse("people:supervisor-delete", args=[world.supervisor.pk]), {"confirm": "on"})
    assert response.status_code == 200 and Supervisor.objects.filter(pk=world.supervisor.pk).exists()


def test_deleting_a_supervisor_with_nothing_attached_is_confirmed(
    signed_in: Callable[[str], Client], world: World
) -> None:
    supervisor = supervisor_create(
        institution=world.institution,
        staff_no="X1",
        name="错录",
        unit=world.station.unit,
        station=world.station,
        by=world.admin,
    )
    client = signed_in("admin")
    assert (
        reverse("people:supervisor-delete", args=[supervisor.pk])
        in client.get(reverse("people:supervisor-detail", args=[supervisor.pk])).content.decode()
    )
    url = reverse("people:supervisor-delete", args=[supervisor.pk])
    assert client.post(url, {}).status_code == 200  # not confirmed: nothing deleted
    assert Supervisor.objects.filter(pk=supervisor.pk).exists()
    assert client.post(url, {"confirm": "on"}).status_code == 302
    assert not Supervisor.objects.filter(pk=supervisor.pk).exists()


def test_link_to_a_new_login_in_one_step(signed_in: Callable[[str], Client], world: World) -> None:
    supervisor = supervisor_create(
        institution=world.institution,
        staff_no="X2",
        name="新导师",
        unit=world.station.unit,
        station=world.station,
        by=world.admin,
    )
    client = signed_in("admin")
    url = reverse("people:supervisor-link", args=[supervisor.pk])
    response = client.post(url, {"user": world.leadership.pk, "username": "both"})
    assert response.status_code == 200 and response.context["form"].non_field_errors()
    response = client.post(url, {"username": "xin", "email": "xin@example.org"})
    assert response.status_code == 302
    supervisor.refresh_from_db()
    assert supervisor.user is not None and supervisor.user.username == "xin"


def test_a_link_refused_by_the_service_is_shown_on_the_page(signed_in: Callable[[str], Client], world: World) -> None:
    response = signed_in("admin").post(
        reverse("people:supervisor-link", args=[world.other_supervisor.pk]), {"username": "secretary"}
    )
    assert response.status_code == 200
    assert "taken" in response.context["form"].errors["username"][0]
