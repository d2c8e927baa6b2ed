"""The Projects sheet and the level mapping: a blank level is the mapping's (spec), funder and
programme text are matched to the catalogue once per import, the export's levels import back the same."""

import datetime as dt
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit.models import AuditEvent
from exchange.exporter import export_workbook
from exchange.importer import import_workbook
from funding.models import Project
from funding.services import funding_rules_save, project_apply, project_record
from tests.exchange.test_workbook import HEADERS, counts, problems_text, valid_sheets, write_xlsx
from tests.factories import World, make_institution
from tests.funding.helpers import programme, shipped

pytestmark = pytest.mark.django_db


def with_projects(*rows: list) -> dict:
    sheets = valid_sheets()
    sheets["Projects"] = [HEADERS["Projects"], *[list(row) for row in rows]]
    return sheets


def row(number, funder, programme_text="", level="", awarded_on="2023-09-01", postdoc="BH900001"):
    return [number, "课题", funder, programme_text, level, 100000, awarded_on, postdoc, "awarded"]


def run(world: World, tmp_path: Path, sheets: dict, name: str = "p.xlsx"):
    return import_workbook(path=write_xlsx(tmp_path / name, sheets), institution=world.institution, by=world.admin)


def test_a_blank_level_is_the_one_the_mapping_gives(world, tmp_path):
    report = run(
        world,
        tmp_path,
        with_projects(
            row("P1", "国家自然科学基金委员会", "青年科学基金项目"),
            row("P2", "中国博士后科学基金", "面上资助 第69批 一等"),
            row("P3", "CPSF", "", "national"),
            row("P4", "某市科协", "", "municipal"),
        ),
    )
    assert report.ok, problems_text(report)
    found = {
        p.project_no: (p.funder_ref_id, p.programme_ref_id, p.level, p.level_override) for p in Project.objects.all()
    }
    assert found == {
        "P1": (shipped("NSFC").pk, programme("NSFC", "young-c").pk, "national", ""),
        "P2": (shipped("CPSF").pk, programme("CPSF", "general").pk, "provincial", ""),
        "P3": (shipped("CPSF").pk, None, "national", "national"),
        "P4": (None, None, "municipal", "municipal"),
    }


def test_a_blank_level_without_a_mapping_is_a_problem_naming_the_column(world, tmp_path):
    before = counts()
    report = run(world, tmp_path, with_projects(row("P1", "某市科协"), row("P2", "NSFC")))
    assert not report.ok and counts() == before
    [problem] = report.problems
    assert (problem.sheet, problem.row, problem.column) == ("Projects", 2, "level")
    assert "某市科协 is not in the catalogue of funders" in problem.message
    from funding.models import LevelRule

    LevelRule.objects.filter(institution=world.institution, funder__code="NSFC").delete()
    report = run(world, tmp_path, with_projects(row("P2", "NSFC")), "q.xlsx")
    assert [(p.column, "gives 国家自然科学基金委员会 no level" in p.message) for p in report.problems] == [
        ("level", True)
    ]


def test_export_then_import_keeps_every_counted_level_and_own_level(world, tmp_path):
    holder = world.appointment
    for number, details in (
        ("F1", {"funder": "国家自然科学基金委员会"}),
        ("O1", {"funder": "中国博士后科学基金会", "level": "national"}),
        ("O2", {"funder": "重庆市教委", "level_override": "university"}),
        ("U1", {"funder": "某市科协", "level": "municipal"}),
    ):
        project_record(
            holder=holder, project_no=number, title="课题", awarded_on=dt.date(2024, 9, 1), by=world.admin, **details
        )
    project_apply(
        holder=holder, project_no="A1", title="申请", funder="CPSF", applied_on=dt.date(2025, 2, 1), by=world.admin
    )

    def levels(institution):
        return set(
            Project.objects.filter(institution=institution).values_list(
                "project_no", "funder_ref__code", "level", "level_override", "status"
            )
        )

    source = levels(world.institution)
    assert ("A1", "CPSF", "provincial", "", "applied") in source
    path = tmp_path / "export.xlsx"
    export_workbook(path=path, institution=world.institution, user=world.admin)
    from tests.exchange.test_workbook import _forget_appointments

    _forget_appointments(world.institution)
    target, admin = make_institution("U3", "第三所大学")
    report = import_workbook(path=path, institution=target, by=admin)
    assert report.ok, problems_text(report)
    assert levels(target) == source  # the application too, at the level the mapping gives it
    events = AuditEvent.objects.count()
    again = import_workbook(path=path, institution=target, by=admin)
    assert again.ok and again.counts["Projects"] == {"new": 0, "changed": 0, "unchanged": 5}
    assert AuditEvent.objects.count() == events


def test_a_changed_row_goes_through_the_funding_services(world, tmp_path):
    first = run(world, tmp_path, with_projects(row("P1", "CPSF", "", "national")))
    assert first.ok, problems_text(first)
    report = run(world, tmp_path, with_projects(row("P1", "CPSF", "", "")), "b.xlsx")  # now: the mapping's
    assert report.ok and report.counts["Projects"]["changed"] == 1, problems_text(report)
    project = Project.objects.get(project_no="P1")
    assert (project.level, project.level_override) == ("provincial", "")
    event = AuditEvent.objects.get(event="project.changed")
    assert event.before == {"level": "national", "level_override": "national"} and "imported from" in event.note
    ended = with_projects(row("P1", "CPSF"))
    ended["Projects"][1][8] = "completed"
    assert run(world, tmp_path, ended, "c.xlsx").ok
    assert Project.objects.get(project_no="P1").status == "completed"
    assert AuditEvent.objects.filter(event="project.completed").count() == 1


def test_the_rules_apply_to_imported_projects(world, tmp_path):
    twice = with_projects(
        row("M1", "CPSF", "面上资助 第68批", awarded_on="2023-05-26"),
        row("M2", "CPSF", "面上资助 第69批", awarded_on="2023-11-20"),
    )
    refused = run(world, tmp_path, twice)
    assert [(p.row, p.column) for p in refused.problems] == [(3, "programme")], problems_text(refused)
    assert not Project.objects.exists()
    funding_rules_save(institution=world.institution, once_per_station="warn", by=world.admin)
    dry = import_workbook(
        path=write_xlsx(tmp_path / "w.xlsx", twice), institution=world.institution, by=world.admin, dry_run=True
    )
    assert dry.ok and any("row 3: Acknowledged warning: 面上资助 is awarded at most once" in w for w in dry.warnings)
    assert run(world, tmp_path, twice, "x.xlsx").ok
    assert Project.objects.count() == 2


def test_funders_are_read_once_per_import_not_per_row(world, tmp_path):
    def catalogue_queries(n):
        rows = [
            row(f"P{index}", "中国博士后科学基金会", "面上资助" if index == 0 else "特别资助") for index in range(n)
        ]
        with CaptureQueriesContext(connection) as queries:
            report = run(world, tmp_path, with_projects(*rows), f"n{n}.xlsx")
        assert report.ok, problems_text(report)
        Project.objects.all().delete()
        return sum(
            '"funding_funder"' in q["sql"] or '"funding_levelrule"' in q["sql"] for q in queries.captured_queries
        )

    assert catalogue_queries(2) == catalogue_queries(30)
