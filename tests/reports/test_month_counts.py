"""The month counts behind the institution's figures (docs/decisions/0068): the migrations
backfill them from the records already there, the bulk writers keep them, and the dashboard's
queries do not grow with the appointments."""

import datetime as dt
import importlib

import pytest
from django.apps import apps as global_apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from appointments.due_counts import due_counts_direct, due_counts_kept, institution_due_counts
from appointments.models import Appointment, AppointmentDueCount, AppointmentMonthCount, AppointmentMonthFlow, Policy
from appointments.month_counts import (
    month_counts_direct,
    month_counts_kept,
    month_flows_kept,
    month_flows_of,
)
from appointments.selectors import due_counts
from appointments.services import appointment_exit, appointment_withdraw
from demo.dataset import generate_dataset
from funding.models import ProjectMonthCount
from funding.month_counts import project_counts_direct, project_counts_kept
from funding.services import project_record
from reports.selectors import headline_figures
from tests.factories import make_appointment

pytestmark = pytest.mark.django_db

appointments_migration = importlib.import_module("appointments.migrations.0005_appointment_month_counts")
due_counts_migration = importlib.import_module("appointments.migrations.0008_appointment_due_counts")
funding_migration = importlib.import_module("funding.migrations.0005_project_month_counts")


def test_the_migrations_backfill_the_counts_of_existing_records(world):
    by = world.admin
    ended = make_appointment(world.station, world.supervisor, by, entry_date=dt.date(2021, 2, 10))
    appointment_exit(appointment=ended, on=dt.date(2023, 3, 1), by=by, exception_reason="test")
    withdrawn = make_appointment(world.station, world.supervisor, by, entry_date=dt.date(2022, 5, 3), enter=False)
    appointment_withdraw(appointment=withdrawn, on=dt.date(2022, 6, 1), ground="personal", by=by)
    make_appointment(world.station, world.supervisor, by, entry_date=dt.date(2024, 1, 1), enter=False)  # admitted
    project_record(
        holder=world.appointment, project_no="N1", title="课题", funder="NSFC", awarded_on=dt.date(2024, 9, 1), by=by
    )
    due = due_counts_kept(world.institution.pk)
    assert due == due_counts_direct(world.institution.pk) and sum(due.values()) == 2  # the world's live ones
    kept, flows, projects = (
        month_counts_kept(world.institution.pk),
        month_flows_kept(world.institution.pk),
        project_counts_kept(world.institution.pk),
    )
    assert kept == month_counts_direct(world.institution.pk) and sum(kept.values()) == 4  # and two of the world
    assert projects == project_counts_direct(world.institution.pk) == {(dt.date(2024, 9, 1), "national"): 1}
    # A database of the previous release has the records but no counts.
    AppointmentMonthCount.objects.all().delete()
    AppointmentMonthFlow.objects.all().delete()
    ProjectMonthCount.objects.all().delete()
    AppointmentDueCount.objects.all().delete()
    appointments_migration.backfill(global_apps, None)
    funding_migration.backfill(global_apps, None)
    due_counts_migration.backfill(global_apps, None)
    assert due_counts_kept(world.institution.pk) == due
    assert month_counts_kept(world.institution.pk) == kept
    assert month_flows_kept(world.institution.pk) == flows == month_flows_of(kept)
    assert project_counts_kept(world.institution.pk) == projects


def test_the_generated_dataset_has_its_counts_and_its_figures_equal_direct_counts():
    result = generate_dataset(postdocs=300, seed=7, today=dt.date(2025, 6, 30))
    pk = result.institution.pk
    assert month_counts_kept(pk) == month_counts_direct(pk)
    assert month_flows_kept(pk) == month_flows_of(month_counts_kept(pk))
    assert project_counts_kept(pk) == project_counts_direct(pk)
    assert due_counts_kept(pk) == due_counts_direct(pk) and due_counts_kept(pk)
    ours = Appointment.objects.filter(institution_id=pk)
    for day in (dt.date(2025, 6, 30), dt.date(2024, 1, 1)):
        assert institution_due_counts(pk, Policy(), day) == due_counts(ours, Policy(), day)
    for as_of, years in ((dt.date(2025, 6, 30), 3), (dt.date(2010, 1, 31), 5), (dt.date(1999, 12, 1), 1)):
        assert headline_figures(institution_id=pk, as_of=as_of, years=years) == headline_figures(
            institution_id=pk, as_of=as_of, years=years, source="direct"
        )


def test_the_institution_figures_take_the_same_queries_at_any_size(world):
    def count_queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            headline_figures(institution_id=world.institution.pk, as_of=dt.date(2025, 6, 30), years=3)
        return len(captured.captured_queries)

    before = count_queries()
    for month in range(1, 13):
        make_appointment(world.station, world.supervisor, world.admin, entry_date=dt.date(2023, month, 2))
    assert count_queries() == before == 4
