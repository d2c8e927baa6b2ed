"""The Projects sheet from application to end, and the Outputs sheet: imported in bulk, checked
whole (a bad status, contradicting dates, a wrong DOI or ISSN, a duplicate output refuse the file
with the row and a sentence), matched on a second import, never counted before an award."""

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit.models import AuditEvent
from exchange.exporter import export_workbook
from exchange.importer import import_workbook
from exchange.layout import SHEET_BY_NAME
from funding.models import Project
from outputs.models import Output
from outputs.services import output_record
from reports.selectors import headline_figures
from tests.exchange.test_workbook import HEADERS, counts, problems_text, valid_sheets, write_xlsx
from tests.factories import World

pytestmark = pytest.mark.django_db

PROJECT_COLUMNS = [c.key for c in SHEET_BY_NAME["Projects"].columns]
OUTPUT_COLUMNS = [c.key for c in SHEET_BY_NAME["Outputs"].columns]


def project(number: str, status: str = "", **cells: Any) -> list[Any]:
    values = {
        "project_no": number,
        "title": "课题",
        "funder": "中国博士后科学基金会",
        "programme": "",
        "level": "",
        "amount": 80000,
        "awarded_on": "2023-09-01",
        "postdoc_no": "BH900001",
        "status": status,
        **cells,
    }
    return [values.get(key, "") for key in PROJECT_COLUMNS]


def output(title: str, **cells: Any) -> list[Any]:
    values = {
        "postdoc_no": "BH900001",
        "kind": "paper",
        "title": title,
        "year": 2024,
        "authors": "钱博士; Sun Dao",
        "author_position": 1,
        **cells,
    }
    return [values.get(key, "") for key in OUTPUT_COLUMNS]


def sheets_with(projects: list[list[Any]] | None = None, outputs: list[list[Any]] | None = None) -> dict:
    sheets = valid_sheets()
    sheets["Projects"] = [PROJECT_COLUMNS, *(projects or [])]
    if outputs is not None:
        sheets["Outputs"] = [OUTPUT_COLUMNS, *outputs]
    return sheets


def run(world: World, tmp_path: Path, sheets: dict, name: str = "w.xlsx", **kwargs: Any):
    path = write_xlsx(tmp_path / name, sheets)
    return import_workbook(path=path, institution=world.institution, by=world.admin, **kwargs)


EVERY_STATUS = [
    project("AP1", "applied", awarded_on="", applied_on="2024-04-01"),
    project("RJ1", "未获资助", awarded_on="", applied_on="2023-04-01", rejected_on="2023-06-30"),
    project("AW1", "", applied_on="2023-04-01", grade="一等", batch="第74批", role="participant"),
    project("CO1", "completed", ended_on="2024-08-31", period_start="2023-09-01", period_end="2024-08-31"),
    project("TE1", "terminated", awarded_on="2023-10-01"),
]


def test_every_status_imports_with_its_dates_and_only_awards_count(world, tmp_path):
    as_of = dt.date(2025, 6, 30)
    before = headline_figures(institution_id=world.institution.pk, as_of=as_of, years=3)["projects"]
    report = run(world, tmp_path, sheets_with(EVERY_STATUS))
    assert report.ok, problems_text(report)
    assert report.counts["Projects"] == {"new": 5, "changed": 0, "unchanged": 0}
    found = {
        p.project_no: (p.status, p.applied_on, p.awarded_on, p.rejected_on, p.ended_on, p.level)
        for p in Project.objects.filter(institution=world.institution)
    }
    assert found == {
        "AP1": ("applied", dt.date(2024, 4, 1), None, None, None, "provincial"),
        "RJ1": ("rejected", dt.date(2023, 4, 1), None, dt.date(2023, 6, 30), None, "provincial"),
        "AW1": ("awarded", dt.date(2023, 4, 1), dt.date(2023, 9, 1), None, None, "provincial"),
        "CO1": ("completed", None, dt.date(2023, 9, 1), None, dt.date(2024, 8, 31), "provincial"),
        "TE1": ("terminated", None, dt.date(2023, 10, 1), None, None, "provincial"),
    }
    awarded = Project.objects.get(project_no="AW1")
    assert (awarded.grade, awarded.batch, awarded.role) == ("一等", "第74批", "participant")
    assert Project.objects.get(project_no="CO1").period_end == dt.date(2024, 8, 31)
    # The application and the refusal are known, never counted.
    assert headline_figures(institution_id=world.institution.pk, as_of=as_of, years=3)["projects"] == before + 3
    events = sorted(AuditEvent.objects.filter(event__startswith="project.").values_list("event", flat=True))
    assert events == ["project.applied", "project.applied", "project.recorded", "project.recorded"] + [
        "project.recorded",
        "project.rejected",
    ]
    events_before = AuditEvent.objects.count()
    again = run(world, tmp_path, sheets_with(EVERY_STATUS), "again.xlsx")
    assert again.ok and again.counts["Projects"] == {"new": 0, "changed": 0, "unchanged": 5}, problems_text(again)
    assert AuditEvent.objects.count() == events_before


def test_a_workbook_without_the_life_cycle_columns_imports_as_before_and_keeps_them(world, tmp_path):
    """An older workbook: a blank status is awarded; a second import of it does not clear what the
    columns it lacks hold."""
    assert run(world, tmp_path, sheets_with(EVERY_STATUS)).ok
    old = valid_sheets()
    old["Projects"] = [HEADERS["Projects"], row := project("AW1", "", applied_on="2023-04-01")[:9]]
    row[8] = ""  # blank status: awarded
    report = run(world, tmp_path, old, "old.xlsx")
    assert report.ok and report.counts["Projects"] == {"new": 0, "changed": 0, "unchanged": 1}, problems_text(report)
    kept = Project.objects.get(project_no="AW1")
    assert (kept.applied_on, kept.grade, kept.role) == (dt.date(2023, 4, 1), "一等", "participant")
    old["Projects"][1][0] = "NEW1"
    assert run(world, tmp_path, old, "new.xlsx").ok
    assert Project.objects.get(project_no="NEW1").status == "awarded"


def test_an_application_moves_on_through_the_services_when_a_later_workbook_says_so(world, tmp_path):
    applications = [
        project("A1", "applied", awarded_on="", applied_on="2023-05-01"),
        project("A2", "applied", awarded_on="", applied_on="2023-05-01"),
    ]
    assert run(world, tmp_path, sheets_with(applications)).ok
    decided = [
        project("A1", "completed", applied_on="2023-05-01", awarded_on="2023-09-01", ended_on="2024-09-01"),
        project("A2", "rejected", awarded_on="", applied_on="2023-05-01", rejected_on="2023-08-01"),
    ]
    report = run(world, tmp_path, sheets_with(decided), "decided.xlsx")
    assert report.ok and report.counts["Projects"]["changed"] == 2, problems_text(report)
    a1, a2 = Project.objects.get(project_no="A1"), Project.objects.get(project_no="A2")
    assert (a1.status, a1.awarded_on, a1.ended_on) == ("completed", dt.date(2023, 9, 1), dt.date(2024, 9, 1))
    assert (a2.status, a2.rejected_on) == ("rejected", dt.date(2023, 8, 1))
    assert {"project.awarded", "project.completed", "project.rejected"} <= set(
        AuditEvent.objects.values_list("event", flat=True)
    )
    undo = [project("A2", "awarded", applied_on="2023-05-01")]
    refused = run(world, tmp_path, sheets_with(undo), "undo.xlsx")
    assert [(p.row, p.column) for p in refused.problems] == [(2, "status")], problems_text(refused)
    assert "changes status of an existing project" in refused.problems[0].message
    assert Project.objects.get(project_no="A2").status == "rejected"


BAD_PROJECTS = {
    "unknown status": (project("X", "pending"), "status", "Use one of"),
    "application with an award date": (
        project("X", "applied", applied_on="2023-05-01"),
        "awarded_on",
        "An application (status applied) has no award date",
    ),
    "application without its date": (
        project("X", "applied", awarded_on=""),
        "applied_on",
        "needs the date it was made",
    ),
    "refusal without its decision date": (
        project("X", "rejected", awarded_on="", applied_on="2023-05-01"),
        "rejected_on",
        "needs the date of the decision",
    ),
    "award without its date": (project("X", "awarded", awarded_on=""), "awarded_on", "needs its award date"),
    "end date on a running project": (project("X", "awarded", ended_on="2024-01-01"), "ended_on", "Only a completed"),
    "decision date on an award": (
        project("X", "completed", rejected_on="2024-01-01"),
        "rejected_on",
        "Only a project that was not funded",
    ),
    "award before the application": (
        project("X", "awarded", applied_on="2023-10-01"),
        "awarded_on",
        "before the application",
    ),
    "decision before the application": (
        project("X", "rejected", awarded_on="", applied_on="2023-10-01", rejected_on="2023-09-01"),
        "rejected_on",
        "dated before the application",
    ),
    "end before the award": (
        project("X", "completed", ended_on="2023-08-01"),
        "ended_on",
        "ends before it was awarded",
    ),
    "application in the future (service)": (
        project("X", "applied", awarded_on="", applied_on="2099-01-01"),
        "applied_on",
        "",
    ),
}


@pytest.mark.parametrize("case", list(BAD_PROJECTS))
def test_a_bad_status_or_contradicting_dates_refuse_the_whole_file(world, tmp_path, case):
    bad, column, words = BAD_PROJECTS[case]
    before = counts()
    report = run(world, tmp_path, sheets_with([project("GOOD1"), bad]))
    assert not report.ok and counts() == before
    assert [(p.sheet, p.row, p.column) for p in report.problems] == [("Projects", 3, column)], problems_text(report)
    assert words in report.problems[0].message


def test_applications_and_outputs_go_in_bulk_not_one_query_per_row(world, tmp_path):
    def queries(n: int) -> int:
        rows = [project(f"A{i}", "applied", awarded_on="", applied_on="2024-01-02") for i in range(n)]
        papers = [output(f"Paper number {i}", doi=f"10.1000/p.{n}.{i}") for i in range(n)]
        with CaptureQueriesContext(connection) as captured:
            report = run(world, tmp_path, sheets_with(rows, papers), f"n{n}.xlsx", dry_run=True)
        assert report.ok and report.counts["Outputs"]["new"] == n, problems_text(report)
        return len(captured.captured_queries)

    assert queries(3) == queries(40)


def test_outputs_import_with_their_identifiers_checked_and_match_on_a_second_import(world, tmp_path):
    outputs = [
        output(
            "Scaffolds for bone",
            doi="https://doi.org/10.1000/ABC.1",
            issn="01429612",
            journal="Biomaterials",
            corresponding="是",
            published_on="2024-05-02",
        ),
        output("一种支架", kind="专利", year=2022, number="ZL202210000000.1", patent_kind="发明"),
        output("科技进步奖", kind="award", award_level="省部级", award_grade="二等奖", authors="钱博士"),
    ]
    report = run(world, tmp_path, sheets_with([], outputs))
    assert report.ok and report.counts["Outputs"] == {"new": 3, "changed": 0, "unchanged": 0}, problems_text(report)
    paper = Output.objects.get(kind="paper")
    assert (paper.doi, paper.issn, paper.corresponding, paper.authors) == (
        "10.1000/abc.1",
        "0142-9612",
        True,
        "钱博士\nSun Dao",
    )
    assert paper.phase == "in_station" and paper.appointment.postdoc_no == "BH900001"
    patent = Output.objects.get(kind="patent")
    assert (patent.patent_kind, patent.phase) == ("invention", "before_entry")
    award = Output.objects.get(kind="award")
    assert (award.award_level, award.award_grade, award.author_count) == ("provincial", "second", 1)
    assert AuditEvent.objects.filter(event="output.imported").count() == 3
    events = AuditEvent.objects.count()
    again = run(world, tmp_path, sheets_with([], outputs), "again.xlsx")
    assert again.ok and again.counts["Outputs"] == {"new": 0, "changed": 0, "unchanged": 3}, problems_text(again)
    assert AuditEvent.objects.count() == events
    outputs[0][OUTPUT_COLUMNS.index("journal")] = "Biomaterials Science"
    changed = run(world, tmp_path, sheets_with([], outputs), "changed.xlsx")
    assert changed.ok and changed.counts["Outputs"] == {"new": 0, "changed": 1, "unchanged": 2}
    assert Output.objects.get(kind="paper").journal == "Biomaterials Science"
    assert AuditEvent.objects.get(event="output.changed").before["journal"] == "Biomaterials"


def test_an_output_recorded_on_a_page_is_matched_not_repeated(world, tmp_path):
    assert run(world, tmp_path, sheets_with([])).ok
    from appointments.models import Appointment

    stay = Appointment.objects.get(postdoc_no="BH900001")
    output_record(
        appointment=stay, by=world.admin, kind="paper", title="Typed in", year=2024, authors="钱博士", author_position=1
    )
    same = run(world, tmp_path, sheets_with([], [output("Typed in", authors="钱博士")]), "s.xlsx")
    assert same.ok and same.counts["Outputs"] == {"new": 0, "changed": 0, "unchanged": 1}, problems_text(same)
    # Matched by its normalised title: the row's punctuation corrects the title, adds no output.
    report = run(world, tmp_path, sheets_with([], [output("Typed  in!", authors="钱博士")]), "m.xlsx")
    assert report.ok and report.counts["Outputs"] == {"new": 0, "changed": 1, "unchanged": 0}, problems_text(report)
    assert list(Output.objects.values_list("title", flat=True)) == ["Typed in!"]
    moved = two_stays(sheets_with([], [output("Typed in", postdoc_no="BH900009")]))
    refused = run(world, tmp_path, moved, "x.xlsx")
    assert [(p.column, "cannot move it" in p.message) for p in refused.problems] == [("postdoc_no", True)]


def two_stays(sheets: dict) -> dict:
    """钱博士 (BH900001) exits on 2025-03-01 and comes back the next day as BH900009."""
    second = list(sheets["Postdocs"][1])
    second[0], second[13], second[14], second[16] = "BH900009", "2025-03-02", "2027-03-01", "in_station"
    first = sheets["Postdocs"][1]
    first[14], first[15], first[16] = "2025-03-01", "2025-03-01", "exited"
    sheets["Postdocs"].append(second)
    return sheets


BAD_OUTPUTS = {
    "wrong DOI": ([output("A", doi="10.12/x")], 2, "doi", "is not a DOI"),
    "wrong ISSN": ([output("A", issn="0142-9613")], 2, "issn", "check digit"),
    "year out of range": ([output("A", year=1850)], 2, "year", "outside"),
    "position beyond the authors (service)": ([output("A", author_position=3)], 2, "author_position", "beyond"),
    "patent without its number (service)": ([output("A", kind="patent")], 2, "number", "number"),
    "unknown kind": ([output("A", kind="poster")], 2, "kind", "Use one of"),
    "unknown postdoc": ([output("A", postdoc_no="BH999999")], 2, "postdoc_no", "No postdoc BH999999"),
    "same DOI twice": (
        [output("A", doi="10.1000/d.1"), output("B", doi="10.1000/D.1")],
        3,
        "doi",
        "repeats row 3",
    ),
    "same title twice": ([output("Same: title"), output("same title")], 3, "title", "repeats row 3"),
    "same output on the person's two stays": (
        [output("A", doi="10.1000/d.1"), output("A", doi="10.1000/d.1", postdoc_no="BH900009")],
        3,
        "doi",
        "already recorded for this postdoc",
    ),
}


@pytest.mark.parametrize("case", list(BAD_OUTPUTS))
def test_a_bad_or_repeated_output_refuses_the_whole_file(world, tmp_path, case):
    rows, row, column, words = BAD_OUTPUTS[case]
    sheets = two_stays(sheets_with([project("GOOD1")], [output("Good one"), *rows]))  # for the case across stays
    before = counts(), Output.objects.count()
    report = run(world, tmp_path, sheets)
    assert not report.ok and (counts(), Output.objects.count()) == before
    found = [(p.sheet, p.row, p.column) for p in report.problems]
    assert found == [("Outputs", row + 1, column)], problems_text(report)
    assert words in report.problems[0].message


def test_the_export_carries_every_project_and_output_of_the_visible_postdocs(world, tmp_path):
    from openpyxl import load_workbook

    assert run(world, tmp_path, sheets_with(EVERY_STATUS, [output("Paper", doi="10.1000/e.1")])).ok
    path = tmp_path / "out.xlsx"
    export_workbook(path=path, institution=world.institution, user=world.admin)
    book = load_workbook(path, read_only=True)
    projects = list(book["Projects"].iter_rows(values_only=True))
    assert list(projects[0]) == PROJECT_COLUMNS
    assert PROJECT_COLUMNS[:9] == HEADERS["Projects"]  # the older columns first, in their order
    assert {r[0]: r[8] for r in projects[1:]} == {
        "AP1": "applied",
        "RJ1": "rejected",
        "AW1": "awarded",
        "CO1": "completed",
        "TE1": "terminated",
    }
    outputs = list(book["Outputs"].iter_rows(values_only=True))
    assert list(outputs[0]) == OUTPUT_COLUMNS and [r[2] for r in outputs[1:]] == ["Paper"]
    export_workbook(path=tmp_path / "sec.xlsx", institution=world.institution, user=world.secretary)
    # The secretary's station holds none of the imported postdocs: none of their outputs either.
    assert list(load_workbook(tmp_path / "sec.xlsx", read_only=True)["Outputs"].iter_rows(values_only=True))[1:] == []
