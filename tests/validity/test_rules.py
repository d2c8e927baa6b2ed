"""No impossible records (docs/decisions/0018): each rule refused, with its sentence, by the services that
pages, API and workbook share."""

import datetime as dt

import pytest
from django.utils import timezone

from appointments.models import Appointment, PolicyException
from appointments.services import appointment_admit, appointment_correct, appointment_enter
from core.errors import DomainError, RuleViolation
from people.models import Person
from people.services import person_create, person_update
from stations.models import Station
from tests.factories import make_person, make_supervisor, resident_id

pytestmark = pytest.mark.django_db

BIRTH = dt.date(1992, 5, 17)


def register(world, **details):
    birth = details.pop("birth_date", BIRTH)
    return person_create(
        institution=world.institution,
        name="测试",
        gender=Person.Gender.FEMALE,
        birth_date=birth,
        id_type=Person.IdType.PASSPORT,
        id_number=details.pop("id_number", "E12345678"),
        by=world.admin,
        **details,
    )


def admit(world, person, *, entry_date=dt.date(2024, 3, 1), station=None, supervisor=None, **kwargs):
    return appointment_admit(
        person=person,
        station=station or world.station,
        postdoc_no=kwargs.pop("postdoc_no", "V-1"),
        entry_date=entry_date,
        primary_supervisor=supervisor or world.supervisor,
        by=kwargs.pop("by", world.admin),
        **kwargs,
    )


def test_a_birth_date_in_the_future_is_refused(world):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(DomainError, match="is in the future; a birth date must be on or before today") as refused:
        register(world, birth_date=tomorrow)
    assert refused.value.field == "birth_date"
    assert not Person.objects.filter(id_number="E12345678").exists()


def test_a_phd_before_the_age_of_18_is_refused(world):
    with pytest.raises(DomainError, match="is before the person turned 18") as refused:
        register(world, phd_date=dt.date(2009, 6, 30))
    assert refused.value.field == "phd_date"


def test_a_correction_to_a_birth_date_in_the_future_is_refused(world):
    person = world.appointment.person
    with pytest.raises(DomainError, match="is in the future"):
        person_update(person=person, birth_date=timezone.localdate() + dt.timedelta(days=3), by=world.admin)
    person.refresh_from_db()
    assert person.birth_date == BIRTH


def test_a_correction_that_makes_a_recorded_stay_impossible_is_refused(world):
    person = register(world, phd_date=None)  # a passport: no birth date inside the number
    admit(world, person)  # entry 2024-03-01
    with pytest.raises(RuleViolation, match="would be younger than 18") as refused:
        person_update(person=person, birth_date=dt.date(2006, 9, 9), by=world.admin)
    assert refused.value.violations[0].rule == "entry_under_age"
    with pytest.raises(RuleViolation, match="is after the entry date 2024-03-01"):
        person_update(person=person, phd_date=dt.date(2025, 6, 30), by=world.admin)


def test_an_entry_before_the_age_of_18_is_refused_and_no_exception_covers_it(world):
    person = register(world, birth_date=dt.date(2007, 1, 1), phd_date=None)
    with pytest.raises(RuleViolation, match="younger than 18") as refused:
        admit(world, person, exception_reason="the office insists")
    assert not refused.value.overridable
    assert not Appointment.objects.filter(postdoc_no="V-1").exists()


def test_a_phd_after_entry_is_refused_beyond_the_certificate_window(world):
    person = register(world, phd_date=dt.date(2024, 9, 2))  # six months and a day after entry
    with pytest.raises(RuleViolation, match="a PhD may follow entry only by the 6 months") as refused:
        admit(world, person, exception_reason="the office insists")
    assert refused.value.violations[0].rule == "phd_after_entry"
    assert refused.value.field == "phd_date"


def test_a_phd_within_the_certificate_window_after_entry_is_admitted(world):
    # A doctor admitted on the strength of the defence shows the certificate within six months.
    person = register(world, phd_date=dt.date(2024, 6, 24))
    assert admit(world, person).status == Appointment.Status.ADMITTED


def test_an_entry_before_the_station_was_established_is_refused(world):
    Station.objects.filter(pk=world.station.pk).update(established_on=dt.date(2024, 6, 1))
    world.station.refresh_from_db()
    person = register(world, phd_date=dt.date(2022, 6, 30))
    with pytest.raises(RuleViolation, match="is before .* was established \\(2024-06-01\\)") as refused:
        admit(world, person)
    assert refused.value.violations[0].rule == "entry_before_established"


def test_an_entry_on_or_after_the_revocation_is_refused_but_one_before_it_is_history(world):
    Station.objects.filter(pk=world.station.pk).update(status="revoked", revoked_on=dt.date(2024, 3, 1))
    world.station.refresh_from_db()
    person = register(world, phd_date=dt.date(2022, 6, 30))
    with pytest.raises(RuleViolation, match="is not before .* was revoked \\(2024-03-01\\)") as refused:
        admit(world, person)
    assert refused.value.violations[0].rule == "entry_after_revoked"
    assert admit(world, person, entry_date=dt.date(2023, 3, 1)).entry_date == dt.date(2023, 3, 1)


def test_entering_on_a_day_after_the_revocation_is_refused(world):
    person = register(world, phd_date=dt.date(2022, 6, 30))
    appointment = admit(world, person, entry_date=dt.date(2024, 3, 1))
    Station.objects.filter(pk=world.station.pk).update(status="revoked", revoked_on=dt.date(2024, 4, 1))
    with pytest.raises(RuleViolation, match="was revoked"):
        appointment_enter(appointment=appointment, on=dt.date(2024, 4, 2), by=world.admin)


def test_a_supervisor_of_another_station_as_supervisor_needs_a_recorded_exception(world):
    person = register(world)
    with pytest.raises(RuleViolation, match="is a supervisor of another station; record them as the co-supervisor"):
        admit(world, person, supervisor=world.other_supervisor)
    # The secretary cannot record an exception; the office can, and it is kept.
    appointment = admit(world, person, supervisor=world.other_supervisor, exception_reason="跨学科联合指导")
    assert PolicyException.objects.filter(appointment=appointment, rule="supervisor_of_other_station").exists()


def test_a_supervisor_of_another_station_may_be_the_co_supervisor(world):
    person = register(world)
    appointment = admit(world, person, co_supervisor=world.other_supervisor)
    assert appointment.co_supervisor == world.other_supervisor


def test_the_workstations_supervisor_may_supervise_a_joint_training_stay(world):
    workstation = Station.objects.create(
        institution=world.institution,
        code="W001",
        kind=Station.Kind.WORKSTATION,
        unit=world.station.unit,
        name_zh="某公司博士后科研工作站",
        established_on=dt.date(2010, 1, 1),
    )
    company_supervisor = make_supervisor(workstation, world.admin, name="钱工")
    person = register(world)
    appointment = admit(
        world, person, supervisor=company_supervisor, route=Appointment.Route.JOINT, workstation=workstation
    )
    assert appointment.primary_supervisor == company_supervisor


def test_a_correction_to_a_supervisor_of_another_station_is_refused(world):
    with pytest.raises(RuleViolation, match="is a supervisor of another station"):
        appointment_correct(appointment=world.appointment, primary_supervisor=world.other_supervisor, by=world.admin)


def test_a_secretary_learns_only_that_the_office_must_admit_a_person_registered_elsewhere(world):
    other = world.other_appointment.person  # a postdoc of another station
    with pytest.raises(DomainError) as refused:
        admit(world, other, by=world.secretary, entry_date=dt.date(2026, 9, 1))
    message = refused.value.message
    assert "only the office administrator can admit them" in message
    for secret in (other.name, world.other_station.code, world.other_appointment.postdoc_no, "2024"):
        assert secret not in message
    # Registering them again says the same, and nothing more.
    with pytest.raises(DomainError) as again:
        person_create(
            institution=world.institution,
            name="冒名",
            gender="male",
            birth_date=other.birth_date,
            id_type=other.id_type,
            id_number=other.id_number,
            by=world.secretary,
        )
    assert again.value.message == message


def test_the_office_admits_a_registered_person_to_a_second_station(world):
    person = make_person(
        world.institution, world.admin, id_number=resident_id(BIRTH, 990), phd_date=dt.date(2019, 12, 18)
    )
    first = admit(world, person, entry_date=dt.date(2020, 1, 6), station=world.other_station,
                  supervisor=world.other_supervisor, planned_exit_date=dt.date(2022, 1, 6))  # fmt: skip
    appointment_enter(appointment=first, on=dt.date(2020, 1, 6), by=world.admin)
    assert first.person == person
    second = admit(world, person, entry_date=dt.date(2022, 3, 1), postdoc_no="V-2")
    assert second.person == person
