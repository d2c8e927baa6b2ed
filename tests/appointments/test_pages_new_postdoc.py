import datetime as dt

from django.urls import reverse

from appointments.models import Appointment, PolicyException
from people.models import Person
from tests.factories import resident_id


def _data(world, **changes):
    data = {
        "name": "吴博士",
        "name_en": "Wu Bo",
        "gender": "male",
        "birth_date": "1993-04-05",
        "id_type": "resident_id",
        "id_number": resident_id(dt.date(1993, 4, 5), serial=321),
        "nationality": "中国",
        "phd_institution": "Some University",
        "phd_date": "2024-06-30",
        "prior_postdoc_months": "0",
        "email": "wu@example.org",
        "station": str(world.station.pk),
        "postdoc_no": "BH2025001",
        "entry_date": "2025-09-01",
        "planned_exit_date": "",
        "primary_supervisor": str(world.supervisor.pk),
        "co_supervisor": "",
        "route": "independent",
        "workstation": "",
    }
    data.update(changes)
    return data


def test_secretary_registers_and_admits_a_postdoc_in_one_step(signed_in, world):
    response = signed_in("secretary").post(reverse("postdoc-new"), _data(world))
    appointment = Appointment.objects.get(postdoc_no="BH2025001")
    assert response.status_code == 302
    assert response["Location"] == reverse("postdoc-detail", kwargs={"pk": appointment.pk})
    assert appointment.person.name == "吴博士"
    assert appointment.status == Appointment.Status.ADMITTED
    assert appointment.planned_exit_date == dt.date(2027, 9, 1)  # the policy's normal two years


def test_a_refused_admission_leaves_no_person_behind(signed_in, world):
    people = Person.objects.count()
    response = signed_in("secretary").post(
        reverse("postdoc-new"), _data(world, postdoc_no=world.appointment.postdoc_no)
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["postdoc_no"] == [f"Postdoc number {world.appointment.postdoc_no} is already used."]
    assert Person.objects.count() == people
    assert 'value="吴博士"' in response.content.decode()  # the input is kept


def test_a_bad_id_number_is_shown_next_to_its_field(signed_in, world):
    response = signed_in("secretary").post(reverse("postdoc-new"), _data(world, id_number="500101199304050000"))
    assert "check digit" in " ".join(response.context["form"].errors["id_number"])
    assert not Appointment.objects.filter(postdoc_no="BH2025001").exists()


def test_a_station_the_secretary_does_not_manage_is_not_a_choice(signed_in, world):
    response = signed_in("secretary").post(reverse("postdoc-new"), _data(world, station=str(world.other_station.pk)))
    assert "station" in response.context["form"].errors
    assert not Person.objects.filter(name="吴博士").exists()


def test_an_age_over_the_limit_is_refused_then_admitted_with_an_exception_by_the_admin(signed_in, world):
    old = _data(world, birth_date="1985-04-05", id_number=resident_id(dt.date(1985, 4, 5), serial=322))
    secretary = signed_in("secretary").post(reverse("postdoc-new"), old)
    assert "Age at entry would be 40" in " ".join(secretary.context["form"].errors["entry_date"])
    assert 'name="exception_reason"' not in secretary.content.decode()

    client = signed_in("admin")
    first = client.post(reverse("postdoc-new"), old)
    assert 'name="exception_reason"' in first.content.decode()
    assert not Person.objects.filter(name="吴博士").exists()
    second = client.post(reverse("postdoc-new"), {**old, "exception_reason": "Outstanding candidate."})
    assert second.status_code == 302
    assert PolicyException.objects.get().rule == "entry_age"


def test_required_fields_are_named(signed_in, world):
    response = signed_in("admin").post(reverse("postdoc-new"), {})
    errors = response.context["form"].errors
    assert {"name", "birth_date", "id_number", "station", "postdoc_no", "entry_date", "primary_supervisor"} <= set(
        errors
    )
