"""The programmes' rules, each off, a warning or a refusal as the institution chooses: once per
station, the eligible period after entry, the office's extension commitment."""

import datetime as dt

import pytest

from appointments.models import Appointment
from appointments.services import appointment_withdraw
from audit.models import AuditEvent
from core.bulk import new_record
from core.errors import DomainError
from funding.models import FundingRules, Programme, Project, RuleMode
from funding.rules import (
    RuleWarning,
    apply_window_breach,
    extension_commitment_breach,
    once_per_station_breach,
)
from funding.services import funding_rules_for, funding_rules_save, project_award, projects_record
from tests.factories import make_appointment, make_station, make_supervisor
from tests.funding.helpers import apply, other_postdoc, programme, record, written

pytestmark = pytest.mark.django_db

ENTRY = dt.date(2024, 3, 1)  # the world's postdoc


def set_mode(world, rule, mode):
    funding_rules_save(institution=world.institution, by=world.admin, **{rule: mode})


def note_of(project):
    return AuditEvent.objects.get(target_type="funding.project", target_id=str(project.pk)).note


# ---- the pure checks ---------------------------------------------------------------------------


def test_the_checks_are_pure_functions_of_what_is_known():
    general = Programme(name_zh="面上资助", once_per_station=True, apply_within_months=18)
    young = Programme(name_zh="青年科学基金项目（C类）", needs_extension_commitment=True)
    plain = Programme(name_zh="其他")
    named = {"holder_name": "陈博士", "station_name": "临床医学博士后科研流动站"}
    assert once_per_station_breach(programme=general, awarded_before=True, **named).rule == "once_per_station"
    assert once_per_station_breach(programme=general, awarded_before=False, **named) is None
    assert once_per_station_breach(programme=plain, awarded_before=True, **named) is None
    last = dt.date(2025, 9, 1)  # 18 months after 2024-03-01
    assert apply_window_breach(programme=general, entry_date=ENTRY, applied_on=last) is None
    late = apply_window_breach(programme=general, entry_date=ENTRY, applied_on=last + dt.timedelta(days=1))
    assert late.field == "applied_on" and "by 2025-09-01" in late.message
    assert apply_window_breach(programme=general, entry_date=ENTRY, applied_on=None) is None
    end, short = dt.date(2028, 12, 31), dt.date(2026, 3, 1)
    check = extension_commitment_breach
    assert check(programme=young, commitment_until=None, period_end=end, planned_exit=short).field == (
        "extension_commitment_until"
    )
    assert (
        "ends before the grant"
        in check(programme=young, commitment_until=dt.date(2027, 1, 1), period_end=end, planned_exit=short).message
    )
    assert check(programme=young, commitment_until=end, period_end=end, planned_exit=short) is None
    assert check(programme=young, commitment_until=None, period_end=end, planned_exit=end) is None  # runs long enough
    assert check(programme=young, commitment_until=None, period_end=None, planned_exit=short) is not None
    assert check(programme=plain, commitment_until=None, period_end=end, planned_exit=short) is None


def test_the_rules_default_to_refuse_warn_refuse_and_only_the_office_changes_them(world):
    rules = funding_rules_for(world.institution)
    assert rules.pk is None
    assert (rules.once_per_station, rules.apply_window, rules.extension_commitment) == ("refuse", "warn", "refuse")
    before = written()
    with pytest.raises(DomainError, match="Only an office administrator"):
        funding_rules_save(institution=world.institution, once_per_station="off", by=world.secretary)
    with pytest.raises(DomainError):
        funding_rules_save(institution=world.institution, once_per_station="maybe", by=world.admin)
    assert written() == before
    set_mode(world, "apply_window", RuleMode.REFUSE)
    assert FundingRules.objects.get(institution=world.institution).apply_window == "refuse"
    event = AuditEvent.objects.get(event="funding_rules.saved")
    assert event.before is None and event.after["apply_window"] == "refuse" and event.actor == world.admin


# ---- once per station --------------------------------------------------------------------------


def second_general(world, **details):
    return record(world, "M2", funder="CPSF", programme="面上资助", awarded_on=dt.date(2025, 5, 26), **details)


@pytest.mark.parametrize("mode", ["off", "warn", "refuse"])
def test_once_per_station_in_each_mode(world, mode):
    set_mode(world, "once_per_station", mode)
    record(world, "M1", funder="CPSF", programme="面上资助 第68批")
    before = written()
    if mode == "off":
        assert note_of(second_general(world)) == ""
        return
    error = RuleWarning if mode == "warn" else DomainError
    with pytest.raises(error, match="at most once per station, and .* already has it at 临床医学") as refused:
        second_general(world)
    assert refused.value.field == "programme_ref"
    assert written() == before
    if mode == "refuse":
        assert not isinstance(refused.value, RuleWarning)
        with pytest.raises(DomainError):
            second_general(world, acknowledged=True)  # a refusal is not acknowledged away
        assert written() == before
        return
    project = second_general(world, acknowledged=True)
    assert note_of(project).startswith("Acknowledged warning: 面上资助 is awarded at most once per station")


def test_once_per_station_counts_the_persons_other_stays_at_the_station_only(world):
    record(world, "M1", funder="CPSF", programme="面上资助")
    appointment_withdraw(appointment=world.appointment, on=dt.date(2025, 1, 10), ground="personal", by=world.admin)
    again = make_appointment(
        world.station, world.supervisor, world.admin, person=world.appointment.person, entry_date=dt.date(2025, 3, 1)
    )
    with pytest.raises(DomainError, match="at most once per station"):
        record(world, "M2", holder=again, funder="CPSF", programme="面上资助", awarded_on=dt.date(2025, 5, 26))
    record(world, "S2", holder=again, funder="CPSF", programme="特别资助（站中）", awarded_on=dt.date(2025, 4, 20))
    # At another station the same person may have it again.
    third = make_station(world.institution, world.admin, code="S1001", discipline_code="1001")
    appointment_withdraw(appointment=again, on=dt.date(2025, 5, 1), ground="personal", by=world.admin)
    elsewhere = make_appointment(
        third,
        make_supervisor(third, world.admin),
        world.admin,
        person=world.appointment.person,
        entry_date=dt.date(2025, 6, 1),
    )
    assert record(
        world, "M3", holder=elsewhere, funder="CPSF", programme="面上资助", awarded_on=dt.date(2025, 11, 20)
    ).pk


def test_once_per_station_is_asked_again_at_the_award(world):
    application = apply(world, "A1", funder="CPSF", programme="面上资助", applied_on=dt.date(2024, 4, 1))
    record(world, "M1", funder="CPSF", programme="面上资助", awarded_on=dt.date(2024, 5, 26))
    with pytest.raises(DomainError, match="at most once per station"):
        project_award(project=application, awarded_on=dt.date(2024, 11, 20), by=world.admin)
    assert Project.objects.get(pk=application.pk).status == "applied"


def test_once_per_station_in_the_bulk_path_counts_the_batch_too(world):
    holder = Appointment.objects.select_related("station").get(pk=world.appointment.pk)

    def general(number, day):
        return new_record(
            Project, holder=holder, project_no=number, title="t", funder="CPSF", programme="面上资助", awarded_on=day
        )

    errors = projects_record(
        projects=[general("M1", dt.date(2024, 5, 26)), general("M2", dt.date(2024, 11, 20))], by=world.admin
    )
    assert errors[0] is None and "at most once per station" in errors[1].message
    assert not Project.objects.exists()
    set_mode(world, "once_per_station", "warn")
    warnings: list[tuple[int, str]] = []
    batch = [general("M1", dt.date(2024, 5, 26)), general("M2", dt.date(2024, 11, 20))]
    assert projects_record(projects=batch, by=world.admin, acknowledged=True, warnings=warnings) == [None, None]
    assert [position for position, _text in warnings] == [1]
    assert note_of(batch[1]).startswith("Acknowledged warning") and note_of(batch[0]) == ""


def test_once_per_station_in_the_bulk_path_reads_the_awards_recorded_before(world):
    """The bulk path finds earlier awards through the person's stays: those of the same person at
    the same station count, in any of their stays there; applications, other programmes, other
    people and other stations do not."""
    apply(world, "A1", funder="CPSF", programme="面上资助", applied_on=dt.date(2024, 4, 1))
    record(world, "S1", funder="CPSF", programme="特别资助（站中）", awarded_on=dt.date(2024, 5, 1))
    appointment_withdraw(appointment=world.appointment, on=dt.date(2025, 1, 10), ground="personal", by=world.admin)
    again = make_appointment(
        world.station, world.supervisor, world.admin, person=world.appointment.person, entry_date=dt.date(2025, 3, 1)
    )
    other = other_postdoc(world)
    record(world, "O1", holder=other, funder="CPSF", programme="面上资助", awarded_on=dt.date(2024, 5, 26))
    third = make_station(world.institution, world.admin, code="S1001", discipline_code="1001")
    appointment_withdraw(appointment=again, on=dt.date(2025, 5, 1), ground="personal", by=world.admin)
    elsewhere = make_appointment(
        third, make_supervisor(third, world.admin), world.admin, person=world.appointment.person,
        entry_date=dt.date(2025, 6, 1),
    )  # fmt: skip
    record(world, "E1", holder=elsewhere, funder="CPSF", programme="面上资助", awarded_on=dt.date(2025, 7, 1))

    def general(holder, number):
        holder = Appointment.objects.select_related("station").get(pk=holder.pk)
        return new_record(
            Project, holder=holder, project_no=number, title="t", funder="CPSF", programme="面上资助",
            awarded_on=dt.date(2025, 8, 1),
        )  # fmt: skip

    # The application, the other programme, the other postdoc's and the other station's awards: none counts.
    assert projects_record(projects=[general(again, "M1")], by=world.admin) == [None]
    # Now each holds it at that station: the person here (from another stay) and at the third, the other postdoc here.
    errors = projects_record(
        projects=[general(world.appointment, "M2"), general(other, "O2"), general(elsewhere, "E2")], by=world.admin
    )
    assert all("at most once per station" in error.message for error in errors)


# ---- the eligible period -----------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["off", "warn", "refuse"])
def test_the_eligible_period_in_each_mode(world, mode):
    set_mode(world, "apply_window", mode)
    assert apply(world, "A0", funder="CPSF", programme="面上资助", applied_on=dt.date(2025, 9, 1)).pk  # the last day
    late = {"funder": "CPSF", "programme": "面上资助", "applied_on": dt.date(2025, 9, 2)}
    if mode == "off":
        assert note_of(apply(world, "A1", **late)) == ""
        return
    before = written()
    with pytest.raises(RuleWarning if mode == "warn" else DomainError, match="within 18 months of entry") as refused:
        apply(world, "A1", **late)
    assert refused.value.field == "applied_on" and written() == before
    if mode == "warn":
        assert "within 18 months" in note_of(apply(world, "A1", acknowledged=True, **late))
    else:
        with pytest.raises(DomainError):
            apply(world, "A1", acknowledged=True, **late)
    # Programmes without the rule are not asked.
    assert apply(world, "A2", funder="CPSF", programme="特别资助（站中）", applied_on=dt.date(2025, 10, 1)).pk


# ---- the extension commitment ------------------------------------------------------------------


def nsfc(world, number="N1", **details):
    details.setdefault("period_end", dt.date(2028, 12, 31))
    return apply(
        world,
        number,
        funder="国家自然科学基金委员会",
        programme="青年科学基金项目",
        applied_on=dt.date(2025, 3, 1),
        period_start=dt.date(2026, 1, 1),
        **details,
    )


@pytest.mark.parametrize("mode", ["off", "warn", "refuse"])
def test_the_extension_commitment_in_each_mode(world, mode):
    set_mode(world, "extension_commitment", mode)
    before = written()
    if mode == "off":
        assert note_of(nsfc(world)) == ""
        return
    for commitment in (None, dt.date(2027, 12, 31)):
        with pytest.raises(RuleWarning if mode == "warn" else DomainError, match="commitment") as refused:
            nsfc(world, extension_commitment_until=commitment)
        assert refused.value.field == "extension_commitment_until"
    assert written() == before
    assert nsfc(world, extension_commitment_until=dt.date(2028, 12, 31)).extension_commitment_until
    if mode == "warn":
        assert "commitment" in note_of(nsfc(world, "N2", acknowledged=True))


def test_no_commitment_is_asked_when_the_appointment_runs_to_the_grants_end(world):
    assert nsfc(world, period_end=dt.date(2026, 2, 28)).pk  # the world's postdoc stays until 2026-03-01
    assert programme("NSFC", "young-c").needs_extension_commitment


def test_a_later_change_is_asked_only_about_what_it_breaks_anew(world):
    from funding.services import project_update

    set_mode(world, "apply_window", "warn")
    late = apply(world, "A1", funder="CPSF", programme="面上资助", applied_on=dt.date(2025, 10, 1), acknowledged=True)
    assert project_update(project=late, title="改题目", by=world.admin).title == "改题目"
    application = nsfc(world, "N1", extension_commitment_until=dt.date(2028, 12, 31))
    with pytest.raises(DomainError, match="ends before the grant"):
        project_update(project=application, period_end=dt.date(2029, 12, 31), by=world.admin)
