"""A project from application to end: applied → awarded or not funded → completed or terminated.
Only awarded projects count, by their award date; every refusal writes nothing."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from appointments.models import Appointment
from audit.models import AuditEvent
from core.bulk import new_record
from core.errors import DomainError
from funding.models import Project
from funding.services import (
    project_award,
    project_complete,
    project_reject,
    project_terminate,
    project_update,
    projects_record,
)
from reports.selectors import headline_figures
from tests.funding.helpers import apply, programme, record, shipped, written

pytestmark = pytest.mark.django_db


def projects(world, as_of=dt.date(2025, 6, 30)):
    return headline_figures(institution_id=world.institution.pk, as_of=as_of, years=3)["projects"]


def test_an_application_counts_once_it_is_awarded_by_its_award_date(world):
    application = apply(
        world,
        "2024-A-1",
        funder="国家自然科学基金委员会",
        programme="青年科学基金项目",
        applied_on=dt.date(2024, 3, 10),
        extension_commitment_until=dt.date(2028, 12, 31),
    )
    assert (application.status, application.awarded_on, application.level) == ("applied", None, "national")
    assert projects(world) == 0
    awarded = project_award(
        project=application,
        awarded_on=dt.date(2024, 8, 25),
        amount=300000,
        project_no="82401234",
        period_start=dt.date(2025, 1, 1),
        period_end=dt.date(2027, 12, 31),
        by=world.admin,
    )
    assert (awarded.status, awarded.project_no, awarded.amount) == ("awarded", "82401234", Decimal("300000.00"))
    assert projects(world) == 1 and projects(world, as_of=dt.date(2024, 8, 24)) == 0
    done = project_complete(project=awarded, on=dt.date(2026, 10, 1), by=world.admin)
    assert (done.status, done.ended_on) == ("completed", dt.date(2026, 10, 1))
    assert projects(world) == 1  # still obtained in the window
    events = list(
        AuditEvent.objects.filter(target_type="funding.project", target_id=str(application.pk))
        .order_by("pk")
        .values_list("event", flat=True)
    )
    assert events == ["project.applied", "project.awarded", "project.completed"]


def test_a_refused_application_is_kept_and_never_counted(world):
    application = apply(world, "A1", funder="CPSF", programme="面上资助")
    refused = project_reject(project=application, on=dt.date(2024, 11, 20), by=world.admin)
    assert (refused.status, refused.rejected_on, refused.awarded_on) == ("rejected", dt.date(2024, 11, 20), None)
    assert projects(world) == 0
    with pytest.raises(DomainError, match="Only an application can be awarded"):
        project_award(project=refused, awarded_on=dt.date(2024, 12, 1), by=world.admin)


def test_a_terminated_project_keeps_its_reason_in_the_audit(world):
    project = record(world, "P1", funder="CPSF")
    before = written()
    with pytest.raises(DomainError, match="reason"):
        project_terminate(project=project, on=dt.date(2025, 3, 1), reason=" ", by=world.admin)
    assert written() == before
    project_terminate(project=project, on=dt.date(2025, 3, 1), reason="博士后退站", by=world.admin)
    event = AuditEvent.objects.get(event="project.terminated")
    assert event.note == "博士后退站" and event.after["status"] == "terminated"


@pytest.mark.parametrize(
    ("what", "match"),
    [
        ("award_awarded", "Only an application can be awarded"),
        ("complete_application", "cannot be marked"),
        ("reject_awarded", "cannot be marked"),
        ("award_before_entry", "before the holder entered"),
        ("award_before_application", "before the application"),
        ("award_in_future", "in the future"),
        ("apply_in_future", "in the future"),
        ("complete_before_award", "ends before it was awarded"),
        ("reject_before_application", "before the application"),
        ("number_taken", "already recorded"),
        ("negative_amount", "cannot be negative"),
        ("period_backwards", "ends before it starts"),
        ("record_application", "record an application as one"),
        ("secretary_of_another_station", "may not record projects"),
        ("supervisor", "may not record projects"),
        ("other_institutions_funder", "another institution"),
        ("programme_of_another_funder", "not a programme of"),
        ("no_funder", "Name the funder"),
    ],
)
def test_bad_input_is_refused_whole(world, what, match):
    application = apply(world, "A1", funder="CPSF", applied_on=dt.date(2024, 6, 1))
    awarded = record(world, "P1", funder="CPSF", awarded_on=dt.date(2024, 9, 1))
    future = dt.date.today() + dt.timedelta(days=2)
    from funding.services import funder_save, project_apply

    theirs = funder_save(
        institution=world.outsider.institution, code="THEIRS", name_zh="他校基金", kind="university", by=world.outsider
    )
    actions = {
        "award_awarded": lambda: project_award(project=awarded, awarded_on=dt.date(2024, 10, 1), by=world.admin),
        "complete_application": lambda: project_complete(project=application, on=dt.date(2024, 10, 1), by=world.admin),
        "reject_awarded": lambda: project_reject(project=awarded, on=dt.date(2024, 10, 1), by=world.admin),
        "award_before_entry": lambda: project_award(
            project=application, awarded_on=dt.date(2024, 2, 1), by=world.admin
        ),
        "award_before_application": lambda: project_award(
            project=application, awarded_on=dt.date(2024, 5, 1), by=world.admin
        ),
        "award_in_future": lambda: project_award(project=application, awarded_on=future, by=world.admin),
        "apply_in_future": lambda: apply(world, "A2", funder="CPSF", applied_on=future),
        "complete_before_award": lambda: project_complete(project=awarded, on=dt.date(2024, 8, 1), by=world.admin),
        "reject_before_application": lambda: project_reject(
            project=application, on=dt.date(2024, 5, 1), by=world.admin
        ),
        "number_taken": lambda: apply(world, "P1", funder="CPSF"),
        "negative_amount": lambda: record(world, "P2", funder="CPSF", amount=-1),
        "period_backwards": lambda: record(
            world, "P2", funder="CPSF", period_start=dt.date(2025, 1, 1), period_end=dt.date(2024, 1, 1)
        ),
        "record_application": lambda: record(world, "P2", funder="CPSF", status="applied"),
        "secretary_of_another_station": lambda: apply(
            world, "A2", holder=world.other_appointment, funder="CPSF", by=world.secretary
        ),
        "supervisor": lambda: apply(world, "A2", funder="CPSF", by=world.supervisor_user),
        "other_institutions_funder": lambda: apply(world, "A2", funder_ref=theirs, level_override="university"),
        "programme_of_another_funder": lambda: project_apply(
            holder=world.appointment,
            project_no="A2",
            title="t",
            applied_on=dt.date(2024, 6, 1),
            funder_ref=shipped("NSFC"),
            programme_ref=programme("CPSF", "general"),
            by=world.admin,
        ),
        "no_funder": lambda: apply(world, "A2", level_override="national"),
    }
    before = written()
    states = list(Project.objects.order_by("pk").values_list("status", "awarded_on", "rejected_on", "ended_on"))
    with pytest.raises(DomainError, match=match):
        actions[what]()
    assert written() == before
    assert list(Project.objects.order_by("pk").values_list("status", "awarded_on", "rejected_on", "ended_on")) == states


def test_the_secretary_of_the_station_records_its_postdocs_applications(world):
    application = apply(world, "A1", funder="CPSF", by=world.secretary)
    assert application.created_by == world.secretary


def test_the_database_keeps_an_award_date_iff_awarded(world):
    project = record(world, "P1", funder="CPSF")
    for status, awarded_on in (("applied", dt.date(2024, 9, 1)), ("awarded", None)):
        with pytest.raises(IntegrityError), transaction.atomic():
            Project.objects.filter(pk=project.pk).update(status=status, awarded_on=awarded_on)
    with pytest.raises(IntegrityError), transaction.atomic():
        Project.objects.filter(pk=project.pk).update(status="rejected", awarded_on=None, rejected_on=None)


def test_a_correction_is_checked_like_a_new_record(world):
    project = record(world, "P1", funder="CPSF", awarded_on=dt.date(2024, 9, 1))
    record(world, "P2", funder="CPSF")
    before = written()
    for changes, match in (
        ({"awarded_on": dt.date(2023, 1, 1)}, "before the holder entered"),
        ({"project_no": "P2"}, "already recorded"),
        ({"amount": -5}, "cannot be negative"),
        ({"level": "county"}, "Choose a level"),
        ({"holder": world.outside_appointment}, "may not record projects"),
    ):
        with pytest.raises(DomainError, match=match):
            project_update(project=project, by=world.admin, **changes)
    with pytest.raises(DomainError, match="Only an awarded project has an award date"):
        project_update(project=apply(world, "A1", funder="CPSF"), awarded_on=dt.date(2024, 9, 1), by=world.admin)
    assert written()[1:] == (before[1] + 1, *before[2:])  # only the application and its event
    changed = project_update(
        project=project, title="新题目", amount=80000, grade="二等", batch="第72批", by=world.admin
    )
    assert (changed.title, changed.amount, changed.grade, changed.batch) == ("新题目", 80000, "二等", "第72批")


def test_the_bulk_path_writes_nothing_when_one_project_is_bad(world):
    holder = Appointment.objects.select_related("station").get(pk=world.appointment.pk)

    def project(number, **values):
        values.setdefault("awarded_on", dt.date(2024, 9, 1))
        values.setdefault("funder", "CPSF")
        return new_record(Project, holder=holder, project_no=number, title="t", **values)

    before = written()
    errors = projects_record(
        projects=[project("B1"), project("B2", awarded_on=dt.date(2020, 1, 1)), project("B3", funder="某基金")],
        by=world.admin,
    )
    assert errors[0] is None
    assert "before the holder entered" in errors[1].message and errors[2].field == "level"
    assert written() == before
    assert projects_record(
        projects=[project("B1"), project("B3", funder="某基金", level="municipal")], by=world.admin
    ) == [
        None,
        None,
    ]
    assert list(Project.objects.order_by("project_no").values_list("project_no", "level", "level_override")) == [
        ("B1", "provincial", ""),
        ("B3", "municipal", "municipal"),
    ]
    assert AuditEvent.objects.filter(event="project.recorded").count() == 2
