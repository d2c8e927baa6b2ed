"""`headline_figures` counts the projects obtained in the window by the level each counts at
(docs/decisions/0042): the same projects as `projects`, in the same query, the institution's way."""

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import call_command

from appointments.access import figures_scope
from audit.models import AuditEvent
from funding.models import Level
from funding.services import level_rule_save, project_apply, project_record
from reports.selectors import headline_figures
from tests.funding.helpers import shipped

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2025, 6, 30)
ZERO = {"national": 0, "provincial": 0, "municipal": 0, "university": 0}


def project(world, number, funder, holder=None, **details):
    details.setdefault("awarded_on", dt.date(2024, 9, 1))
    return project_record(
        holder=holder or world.appointment, project_no=number, title="课题", funder=funder, by=world.admin, **details
    )


def figures(world, **kwargs):
    return headline_figures(institution_id=world.institution.pk, as_of=AS_OF, years=3, **kwargs)


def stats_json():
    out = StringIO()
    call_command("stats", "--as-of", AS_OF.isoformat(), "--institution", "U1", "--format", "json", stdout=out)
    return json.loads(out.getvalue())


def test_projects_by_level_counts_the_same_projects_as_projects(world):
    project(world, "N1", "国家自然科学基金")
    project(world, "C1", "中国博士后科学基金会")
    project(world, "C2", "中国博士后科学基金会", holder=world.other_appointment)
    project(world, "H1", "重庆市卫生健康委员会")
    project(world, "U1", "示例医科大学", level=Level.UNIVERSITY)
    project(world, "LATE", "中国博士后科学基金会", awarded_on=dt.date(2025, 7, 15))  # after the window
    project_apply(
        holder=world.appointment,
        project_no="A1",
        title="申请",
        funder="中国博士后科学基金会",
        applied_on=dt.date(2025, 1, 5),
        by=world.admin,
    )  # an application counts nowhere
    result = figures(world)
    assert result["projects_by_level"] == {"national": 1, "provincial": 2, "municipal": 1, "university": 1}
    assert result["projects"] == 5 == sum(result["projects_by_level"].values())
    secretary = figures(world, scope=figures_scope(world.secretary))  # her station only
    assert secretary["projects_by_level"] == {"national": 1, "provincial": 1, "municipal": 1, "university": 1}
    assert (
        headline_figures(institution_id=world.institution.pk, as_of=dt.date(2019, 1, 1), years=3)["projects_by_level"]
        == ZERO
    )


def test_a_change_of_the_mapping_changes_the_figures_and_the_audit_says_who_and_when(world):
    for number in ("C1", "C2"):
        project(world, number, "中国博士后科学基金")
    assert stats_json()["projects_by_level"] == {**ZERO, "provincial": 2}
    started = dt.datetime.now(tz=dt.UTC)
    level_rule_save(institution=world.institution, funder=shipped("CPSF"), level=Level.NATIONAL, by=world.admin)
    figures_now = stats_json()
    assert figures_now["projects_by_level"] == {**ZERO, "national": 2}
    assert figures_now["projects"] == 2
    event = AuditEvent.objects.get(event="level_rule.saved")
    assert (event.actor, event.actor_label, event.institution) == (world.admin, "admin-U1", world.institution)
    assert started <= event.occurred_at <= dt.datetime.now(tz=dt.UTC)
    assert event.note == "2 project(s) moved from provincial or ministerial (省部级) to national (国家级)."


def test_the_stats_command_prints_the_levels(world):
    project(world, "N1", "NSFC")
    out = StringIO()
    call_command("stats", "--as-of", AS_OF.isoformat(), "--institution", "U1", stdout=out)
    assert "  by level                  national 1, provincial 0, municipal 0, university 0" in out.getvalue()


def test_the_figures_take_a_fixed_number_of_queries_in_any_scope(world, django_assert_num_queries):
    for index, funder in enumerate(("NSFC", "CPSF", "重庆市教委", "NSFC")):
        project(world, f"P{index}", funder)
    # The whole institution reads the month counts (four queries), a scope counts directly (six).
    for scope, queries in ((None, 4), (figures_scope(world.secretary), 6)):
        with django_assert_num_queries(queries):
            figures(world, scope=scope)
