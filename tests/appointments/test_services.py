"""The life cycle and its policy rules, through the services."""

import datetime as dt

import pytest

from appointments.models import Appointment, Assessment, Grade, PolicyException
from appointments.services import (
    appointment_admit,
    appointment_enter,
    appointment_exit,
    appointment_extend,
    appointment_transfer,
    appointment_withdraw,
    assessment_record,
)
from audit.models import AuditEvent
from core.errors import DomainError, RuleViolation
from tests.factories import make_appointment, make_person

pytestmark = pytest.mark.django_db

ENTRY = dt.date(2022, 3, 1)


def admit(world, *, by=None, person=None, entry_date=ENTRY, **kwargs):
    return appointment_admit(
        person=person or make_person(world.institution, world.admin),
        station=world.station,
        postdoc_no=kwargs.pop("postdoc_no", "BH-NEW-1"),
        entry_date=entry_date,
        primary_supervisor=world.supervisor,
        by=by or world.secretary,
        **kwargs,
    )


def in_station(world, **kwargs):
    return make_appointment(world.station, world.supervisor, world.admin, entry_date=ENTRY, **kwargs)


def pass_exit_assessment(world, appointment, on):
    return assessment_record(
        appointment=appointment, kind=Assessment.Kind.EXIT, held_on=on, grade=Grade.GOOD, by=world.secretary
    )


class TestAdmission:
    def test_admission_starts_admitted_with_the_normal_two_year_period(self, world):
        appointment = admit(world)
        assert appointment.status == Appointment.Status.ADMITTED
        assert appointment.planned_exit_date == dt.date(2024, 3, 1)

    def test_entry_age_over_35_is_refused_with_the_rule_and_nothing_is_written(self, world):
        person = make_person(world.institution, world.admin, birth_date=dt.date(1985, 1, 10))
        events = AuditEvent.objects.count()
        with pytest.raises(RuleViolation, match="Age at entry would be 37; the policy allows at most 35"):
            admit(world, person=person)
        assert not Appointment.objects.filter(postdoc_no="BH-NEW-1").exists()
        assert AuditEvent.objects.count() == events

    def test_a_secretary_cannot_record_an_exception(self, world):
        person = make_person(world.institution, world.admin, birth_date=dt.date(1985, 1, 10))
        with pytest.raises(RuleViolation, match="Only an office administrator can record an exception"):
            admit(world, person=person, exception_reason="Outstanding candidate")

    def test_an_administrator_records_an_exception_with_a_reason(self, world):
        person = make_person(world.institution, world.admin, birth_date=dt.date(1985, 1, 10))
        events = AuditEvent.objects.count()
        appointment = admit(world, person=person, by=world.admin, exception_reason="Approved by the province")
        exception = PolicyException.objects.get(appointment=appointment)
        assert (exception.rule, exception.reason, exception.granted_by) == (
            "entry_age",
            "Approved by the province",
            world.admin,
        )
        event = AuditEvent.objects.get(event="appointment.admitted", target_id=str(appointment.pk))
        assert event.after["policy_exceptions"][0]["rule"] == "entry_age"
        assert AuditEvent.objects.count() == events + 1

    def test_phd_older_than_three_years_is_refused(self, world):
        person = make_person(world.institution, world.admin, phd_date=dt.date(2018, 6, 30))
        with pytest.raises(
            RuleViolation,
            match=r"PhD was awarded more than 3 years before entry \(2018-06-30\); the policy allows at most 3 years",
        ):
            admit(world, person=person)

    def test_overlapping_appointments_of_one_person_are_refused(self, world):
        first = in_station(world)
        with pytest.raises(RuleViolation, match=f"overlaps appointment {first.postdoc_no}"):
            admit(world, person=first.person, entry_date=dt.date(2023, 1, 1))

    def test_six_years_in_total_across_stations_is_the_limit(self, world):
        person = make_person(world.institution, world.admin, prior_postdoc_months=60)
        with pytest.raises(RuleViolation, match="would be 84 months; the policy allows at most 72"):
            admit(world, person=person)

    def test_a_planned_exit_before_entry_is_refused_even_with_an_exception(self, world):
        with pytest.raises(RuleViolation, match="planned exit date must be after the entry date"):
            admit(world, by=world.admin, planned_exit_date=ENTRY, exception_reason="typo")

    def test_a_secretary_of_another_station_may_not_admit(self, world):
        with pytest.raises(DomainError, match="may not admit"):
            appointment_admit(
                person=make_person(world.institution, world.admin),
                station=world.other_station,
                postdoc_no="X1",
                entry_date=ENTRY,
                primary_supervisor=world.other_supervisor,
                by=world.secretary,
            )

    def test_duplicate_postdoc_number_is_named(self, world):
        with pytest.raises(DomainError, match=f"Postdoc number {world.appointment.postdoc_no} is already used"):
            admit(world, postdoc_no=world.appointment.postdoc_no)

    def test_entering_on_another_day_moves_the_planned_exit_with_it(self, world):
        appointment = admit(world)
        appointment = appointment_enter(appointment=appointment, on=dt.date(2022, 4, 15), by=world.secretary)
        assert appointment.status == Appointment.Status.IN_STATION
        assert appointment.planned_exit_date == dt.date(2024, 4, 15)


class TestExit:
    def test_exit_before_21_months_is_refused(self, world):
        appointment = in_station(world)
        pass_exit_assessment(world, appointment, dt.date(2023, 9, 1))
        with pytest.raises(RuleViolation, match="An exit is allowed from 2023-12-01 on, 21 months after entry"):
            appointment_exit(appointment=appointment, on=dt.date(2023, 10, 1), by=world.secretary)
        appointment.refresh_from_db()
        assert appointment.status == Appointment.Status.IN_STATION

    def test_foreign_postdocs_may_exit_after_12_months(self, world):
        person = make_person(world.institution, world.admin, is_foreign=True)
        appointment = in_station(world, person=person)
        pass_exit_assessment(world, appointment, dt.date(2023, 3, 1))
        appointment_exit(appointment=appointment, on=dt.date(2023, 3, 15), by=world.secretary)
        appointment.refresh_from_db()
        assert (appointment.status, appointment.ended_on) == (Appointment.Status.EXITED, dt.date(2023, 3, 15))

    def test_exit_needs_a_passed_exit_assessment(self, world):
        appointment = in_station(world)
        assessment_record(
            appointment=appointment,
            kind=Assessment.Kind.EXIT,
            held_on=dt.date(2024, 2, 1),
            grade=Grade.FAIL,
            by=world.secretary,
        )
        with pytest.raises(RuleViolation, match="needs a passed exit assessment"):
            appointment_exit(appointment=appointment, on=dt.date(2024, 3, 1), by=world.secretary)

    def test_exit_before_entry_is_refused_outright(self, world):
        appointment = in_station(world)
        with pytest.raises(RuleViolation, match="before the entry date") as refusal:
            appointment_exit(appointment=appointment, on=dt.date(2021, 1, 1), by=world.admin, exception_reason="please")
        assert not refusal.value.overridable

    def test_an_exit_in_the_future_is_refused(self, world):
        appointment = in_station(world)
        with pytest.raises(RuleViolation, match="is in the future"):
            appointment_exit(appointment=appointment, on=dt.date(2999, 1, 1), by=world.admin)

    def test_an_ended_appointment_cannot_exit_again(self, world):
        appointment = in_station(world)
        appointment_withdraw(appointment=appointment, on=dt.date(2022, 5, 1), ground="personal", by=world.secretary)
        with pytest.raises(DomainError, match="Only a postdoc in station can exit"):
            appointment_exit(appointment=appointment, on=dt.date(2024, 3, 1), by=world.admin)


class TestExtensionWithdrawalTransfer:
    def test_extensions_repeat_and_keep_their_history(self, world):
        appointment = in_station(world)
        appointment_extend(appointment=appointment, until=dt.date(2025, 3, 1), reason="NSFC grant", by=world.secretary)
        appointment_extend(appointment=appointment, until=dt.date(2026, 3, 1), reason="Second year", by=world.secretary)
        appointment.refresh_from_db()
        assert appointment.status == Appointment.Status.EXTENDED
        assert appointment.planned_exit_date == dt.date(2026, 3, 1)
        assert [(e.previous_exit_date, e.new_exit_date) for e in appointment.extensions.all()] == [
            (dt.date(2024, 3, 1), dt.date(2025, 3, 1)),
            (dt.date(2025, 3, 1), dt.date(2026, 3, 1)),
        ]

    def test_an_extension_beyond_six_years_in_total_is_refused(self, world):
        appointment = in_station(world)
        with pytest.raises(RuleViolation, match="at most 72 months across stations"):
            appointment_extend(appointment=appointment, until=dt.date(2028, 4, 1), reason="more", by=world.secretary)

    def test_an_extension_needs_a_reason(self, world):
        with pytest.raises(DomainError, match="needs a reason"):
            appointment_extend(appointment=in_station(world), until=dt.date(2025, 3, 1), reason=" ", by=world.admin)

    def test_withdrawal_records_its_ground(self, world):
        appointment = in_station(world)
        appointment_withdraw(
            appointment=appointment, on=dt.date(2022, 9, 1), ground="no_phd_certificate", by=world.secretary
        )
        appointment.refresh_from_db()
        assert (appointment.status, appointment.withdrawal_ground) == (
            Appointment.Status.WITHDRAWN,
            "no_phd_certificate",
        )

    def test_withdrawal_without_a_known_ground_is_refused(self, world):
        with pytest.raises(DomainError, match="Choose a ground"):
            appointment_withdraw(appointment=in_station(world), on=dt.date(2022, 9, 1), ground="", by=world.admin)

    def test_transfer_ends_the_stay_and_names_the_next_station(self, world):
        appointment = in_station(world)
        appointment_transfer(
            appointment=appointment, on=dt.date(2023, 1, 1), to="Another University, Biology", by=world.secretary
        )
        appointment.refresh_from_db()
        assert (appointment.status, appointment.transferred_to) == (
            Appointment.Status.TRANSFERRED,
            "Another University, Biology",
        )

    def test_supervisors_and_leadership_cannot_change_appointments(self, world):
        for user in (world.supervisor_user, world.leadership, world.postdoc_user, world.outsider):
            with pytest.raises(DomainError, match="may not change this appointment"):
                appointment_extend(appointment=world.appointment, until=dt.date(2026, 6, 1), reason="x", by=user)


class TestAudit:
    def test_every_transition_leaves_exactly_one_event_on_the_timeline(self, world):
        appointment = in_station(world)
        before = AuditEvent.objects.for_record(appointment).count()
        assessment_record(
            appointment=appointment,
            kind=Assessment.Kind.MIDTERM,
            held_on=dt.date(2023, 3, 15),
            grade=Grade.EXCELLENT,
            by=world.secretary,
        )
        appointment_extend(appointment=appointment, until=dt.date(2024, 9, 1), reason="Project", by=world.secretary)
        events = list(AuditEvent.objects.for_record(appointment))
        assert len(events) == before + 2
        assert [e.event for e in events[:2]] == ["appointment.extended", "assessment.recorded"]
        assert ("planned_exit_date", "2024-03-01", "2024-09-01") in events[0].changes
        assert events[0].actor == world.secretary

    def test_audit_events_are_append_only(self, world):
        event = AuditEvent.objects.first()
        with pytest.raises(PermissionError):
            event.save()
        with pytest.raises(PermissionError):
            event.delete()
        with pytest.raises(PermissionError):
            AuditEvent.objects.all().delete()
        with pytest.raises(PermissionError):
            AuditEvent.objects.update(note="x")
