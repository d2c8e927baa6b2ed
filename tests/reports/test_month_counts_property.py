"""Property: after any sequence of life-cycle changes made through the services (admissions,
entries on another day than planned, extensions, exits, withdrawals, transfers, workbook imports,
assessments, PhD certificates, corrected planned exits, projects recorded, applied, awarded,
redated and relevelled, a change of the level mapping), the institution's figures read from the
month counts equal a direct count, for any date and window, the dashboard's due counts read from
the kept due counts equal a direct count for any day and policy, and the kept counts equal a
rebuild from scratch (docs/decisions/0068, 0073)."""

import datetime as dt
import itertools
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from appointments.due_counts import due_counts_direct, due_counts_kept, due_counts_rebuild, institution_due_counts
from appointments.models import Appointment, Assessment, Grade, Policy
from appointments.month_counts import (
    month_counts_direct,
    month_counts_kept,
    month_counts_rebuild,
    month_flows_kept,
    month_flows_of,
)
from appointments.selectors import due_counts
from appointments.services import (
    ImportedPostdoc,
    appointment_correct,
    appointment_enter,
    appointment_exit,
    appointment_extend,
    appointment_transfer,
    appointment_withdraw,
    appointments_import,
    assessment_record,
    phd_certificate_record,
)
from core.dates import add_months
from core.errors import DomainError
from funding.models import Level, Project
from funding.month_counts import project_counts_direct, project_counts_kept
from funding.services import level_rule_save, project_apply, project_award, project_record, project_update
from reports.selectors import headline_figures
from tests.factories import World, make_appointment, resident_id
from tests.funding.helpers import shipped

FIRST_DAY = dt.date(2018, 1, 1)
DAYS = st.integers(0, 8 * 365)  # a day from FIRST_DAY, up to 2025
LATER = st.integers(0, 4 * 365)  # days after an entry
FUNDERS = ["国家自然科学基金", "中国博士后科学基金会", "重庆市卫生健康委员会", "示例医科大学"]
_numbers = itertools.count(1)

STEP = st.one_of(
    st.tuples(st.just("admit"), DAYS, st.sampled_from([None, 0, 0, 3, -20, 45])),
    st.tuples(st.just("enter"), st.integers(0, 50), st.integers(-10, 40)),
    st.tuples(st.just("extend"), st.integers(0, 50), st.integers(30, 400)),
    st.tuples(st.just("exit"), st.integers(0, 50), LATER),
    st.tuples(st.just("withdraw"), st.integers(0, 50), LATER),
    st.tuples(st.just("transfer"), st.integers(0, 50), LATER),
    st.tuples(st.just("import"), DAYS, st.sampled_from(["in_station", "exited", "withdrawn", "transferred"]), LATER),
    st.tuples(
        st.just("assess"),
        st.integers(0, 50),
        st.sampled_from(Assessment.Kind.values),
        LATER,
        st.sampled_from(Grade.values),
    ),
    st.tuples(st.just("certificate"), st.integers(0, 50), LATER),
    st.tuples(st.just("correct"), st.integers(0, 50), st.integers(-200, 400)),
    st.tuples(st.just("record"), st.integers(0, 50), LATER, st.sampled_from(FUNDERS)),
    st.tuples(st.just("apply_award"), st.integers(0, 50), LATER, st.booleans()),
    st.tuples(st.just("redate"), st.integers(0, 50), LATER, st.sampled_from(["", *Level.values])),
    st.tuples(st.just("mapping"), st.sampled_from(["NSFC", "CPSF"]), st.sampled_from(Level.values)),
)


# The national defaults, and an institution's own: the due counts apply the policy when asked.
POLICIES = [
    Policy(),
    Policy(
        proposal_due_months=1,
        phd_certificate_due_months=2,
        midterm_from_months=6,
        midterm_due_months=9,
        exit_application_lead_months=1,
    ),
]


def _day(offset: int) -> dt.date:
    return min(FIRST_DAY + dt.timedelta(days=offset), dt.date(2025, 12, 31))


def _after(appointment: Appointment, days: int) -> dt.date:
    """A day in the appointment's stay (the funding rules refuse an award before the entry)."""
    appointment.refresh_from_db()
    return min(appointment.entry_date + dt.timedelta(days=days), dt.date(2025, 12, 31))


def _pick(items: list[Any], index: int) -> Any:
    return items[index % len(items)] if items else None


def _imported(world: World, entry: dt.date, status: str, later: int) -> ImportedPostdoc:
    birth = dt.date(1990, 3, 4)
    n = next(_numbers)
    return ImportedPostdoc(
        name=f"导入{n}",
        gender="female",
        birth_date=birth,
        id_type="resident_id",
        id_number=resident_id(birth, 100 + n % 700),
        nationality="中国",
        is_foreign=False,
        phd_institution="某大学",
        phd_date=entry - dt.timedelta(days=200),
        station=world.station,
        primary_supervisor=world.supervisor,
        workstation=None,
        route=Appointment.Route.INDEPENDENT,
        postdoc_no=f"IMP{n:06d}",
        entry_date=entry,
        planned_exit_date=None,
        status=status,
        ended_on=None if status == "in_station" else entry + dt.timedelta(days=later),
        exception_reason="generated",
        exit_exception_reason="generated",
    )


def _step(world: World, step: tuple[Any, ...], appointments: list[Appointment], projects: list[Project]) -> None:
    by, kind = world.admin, step[0]
    if kind == "admit":
        _kind, offset, shift = step
        entry = _day(offset)
        appointment = make_appointment(world.station, world.supervisor, by, entry_date=entry, enter=False)
        if shift is not None:  # entered, possibly on another day than planned (the entry date moves)
            appointment = appointment_enter(appointment=appointment, on=entry + dt.timedelta(days=shift), by=by)
        appointments.append(appointment)
    elif kind == "enter":
        appointment = _pick(appointments, step[1])
        appointment_enter(appointment=appointment, on=appointment.entry_date + dt.timedelta(days=step[2]), by=by)
    elif kind == "extend":
        appointment = _pick(appointments, step[1])
        appointment.refresh_from_db()
        until = appointment.planned_exit_date + dt.timedelta(days=step[2])
        appointment_extend(appointment=appointment, until=until, reason="课题", by=by, exception_reason="generated")
    elif kind in ("exit", "withdraw", "transfer"):
        appointment = _pick(appointments, step[1])
        on = _after(appointment, step[2])
        if kind == "exit":
            appointment_exit(appointment=appointment, on=on, by=by, exception_reason="generated")
        elif kind == "withdraw":
            appointment_withdraw(appointment=appointment, on=on, ground="personal", by=by)
        else:
            appointment_transfer(appointment=appointment, on=on, to="某大学", by=by)
    elif kind == "import":
        _kind, offset, status, later = step
        errors = appointments_import(
            institution=world.institution, entries=[_imported(world, _day(offset), status, later)], by=by
        )
        if any(errors):
            raise errors[0] or DomainError("refused")
    elif kind == "assess":
        _kind, index, assessment_kind, later, grade = step
        appointment = _pick(appointments, index)
        held_on = _after(appointment, later)
        assessment_record(appointment=appointment, kind=assessment_kind, held_on=held_on, grade=grade, by=by)
    elif kind == "certificate":
        appointment = _pick(appointments, step[1])
        phd_certificate_record(appointment=appointment, received_on=_after(appointment, step[2]), by=by)
    elif kind == "correct":
        appointment = _pick(appointments, step[1])
        appointment.refresh_from_db()
        planned_exit = appointment.planned_exit_date + dt.timedelta(days=step[2])
        appointment_correct(
            appointment=appointment, planned_exit_date=planned_exit, exception_reason="generated", by=by
        )
    elif kind == "record":
        _kind, index, offset, funder = step
        level = Level.UNIVERSITY if funder == "示例医科大学" else ""
        holder = _pick(appointments, index)
        projects.append(
            project_record(
                holder=holder,
                project_no=f"R{next(_numbers)}",
                title="课题",
                funder=funder,
                level=level,
                awarded_on=_after(holder, offset),
                acknowledged=True,
                by=by,
            )
        )
    elif kind == "apply_award":
        _kind, index, offset, award = step
        holder = _pick(appointments, index)
        applied = _after(holder, offset)
        project = project_apply(
            holder=holder,
            project_no=f"A{next(_numbers)}",
            title="申请",
            funder="中国博士后科学基金会",
            applied_on=applied,
            acknowledged=True,
            by=by,
        )
        if award:
            on = min(applied + dt.timedelta(days=90), dt.date(2025, 12, 31))
            project = project_award(project=project, awarded_on=on, acknowledged=True, by=by)
        projects.append(project)
    elif kind == "redate":
        _kind, index, offset, level = step
        project = _pick(projects, index)
        if project is None:
            raise DomainError("no project yet")
        project.refresh_from_db()
        changes: dict[str, Any] = {"level": level} if level else {}
        if project.awarded_on is not None:
            changes["awarded_on"] = _after(project.holder, offset)
        project_update(project=project, by=by, acknowledged=True, **changes)
    elif kind == "mapping":
        level_rule_save(institution=world.institution, funder=shipped(step[1]), level=step[2], by=by)


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    steps=st.lists(STEP, min_size=1, max_size=14),
    as_of=st.lists(st.tuples(st.integers(-400, 9 * 365), st.integers(1, 8)), min_size=3, max_size=3),
)
def test_figures_from_month_counts_equal_direct_counts(
    world: World, steps: list[tuple[Any, ...]], as_of: list[tuple[int, int]]
) -> None:
    with transaction.atomic():
        institution_id = world.institution.pk
        appointments = [world.appointment, world.other_appointment]
        projects: list[Project] = []
        for step in steps:
            try:
                _step(world, step, appointments, projects)
            except DomainError as error:
                event(f"{step[0]} refused: {str(error)[:60]}")
            else:
                event(f"{step[0]} done")
        kept = month_counts_kept(institution_id)
        assert kept == month_counts_direct(institution_id)
        flows = month_flows_kept(institution_id)
        assert flows == month_flows_of(kept)
        assert project_counts_kept(institution_id) == project_counts_direct(institution_id)
        for offset, years in as_of:
            day = _day(0) + dt.timedelta(days=offset)
            for as_of_day in (day, add_months(day.replace(day=1), 1) - dt.timedelta(days=1), day.replace(day=1)):
                from_counts = headline_figures(institution_id=institution_id, as_of=as_of_day, years=years)
                direct = headline_figures(institution_id=institution_id, as_of=as_of_day, years=years, source="direct")
                assert from_counts == direct, (as_of_day, years)
        month_counts_rebuild(institution_id)
        assert month_counts_kept(institution_id) == kept
        assert month_flows_kept(institution_id) == flows
        due_kept = due_counts_kept(institution_id)
        assert due_kept == due_counts_direct(institution_id)
        ours = Appointment.objects.filter(institution_id=institution_id)
        for policy in POLICIES:
            for offset, _years in as_of:
                day = _day(0) + dt.timedelta(days=offset)
                assert institution_due_counts(institution_id, policy, day) == due_counts(ours, policy, day), day
        due_counts_rebuild(institution_id)
        assert due_counts_kept(institution_id) == due_kept
        transaction.set_rollback(True)
