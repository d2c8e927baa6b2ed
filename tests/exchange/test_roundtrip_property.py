"""Generated postdoc rows → import → export → import again: the same records, nothing changed."""

import datetime as dt
import itertools
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from appointments.models import Appointment
from audit.models import AuditEvent
from core.sheets.writers import neutralise
from exchange.exporter import export_workbook
from exchange.importer import import_workbook
from tests.exchange.test_workbook import HEADERS, write_xlsx
from tests.factories import World, resident_id

_serials = itertools.count(100)
_numbers = itertools.count(1)

TEXT = st.text(alphabet="张王李赵钱孙周吴郑大学院=+-@ abcXYZ", min_size=1, max_size=12).map(str.strip).filter(bool)


@st.composite
def postdoc_row(draw: Any) -> dict[str, Any]:
    entry = draw(st.dates(dt.date(2018, 1, 1), dt.date(2023, 12, 31)))
    birth = draw(st.dates(dt.date(1989, 1, 1), dt.date(1996, 12, 31)))
    status = draw(st.sampled_from(["in_station", "exited", "withdrawn", "transferred"]))
    exit_date = entry + dt.timedelta(days=draw(st.integers(650, 900))) if status != "in_station" else None
    return {
        "name": draw(TEXT),
        "gender": draw(st.sampled_from(["male", "female", "男", "女"])),
        "birth_date": birth,
        "phd_institution": draw(TEXT),
        "phd_date": entry - dt.timedelta(days=draw(st.integers(0, 900))),
        "entry_date": entry,
        "exit_date": exit_date,
        "status": status,
    }


def _snapshot(institution: Any) -> set[tuple[Any, ...]]:
    return set(
        Appointment.objects.filter(institution=institution, postdoc_no__startswith="HP").values_list(
            "postdoc_no",
            "person__name",
            "person__gender",
            "person__birth_date",
            "person__id_number",
            "person__phd_institution",
            "person__phd_date",
            "station__code",
            "entry_date",
            "planned_exit_date",
            "ended_on",
            "status",
        )
    )


@pytest.mark.django_db
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(postdoc_row(), min_size=1, max_size=4))
def test_generated_postdocs_survive_export_and_import(world: World, tmp_path: Path, rows: list[dict[str, Any]]) -> None:
    with transaction.atomic():
        sheet: list[list[Any]] = [list(HEADERS["Postdocs"])]
        for row in rows:
            sheet.append(
                [
                    f"HP{next(_numbers):06d}",
                    neutralise(row["name"]),  # as an office types '=… in Excel
                    row["gender"],
                    row["birth_date"],
                    "resident_id",
                    resident_id(row["birth_date"], 900 + next(_serials) % 100),
                    "中国",
                    neutralise(row["phd_institution"]),
                    row["phd_date"],
                    world.station.code,
                    world.supervisor.staff_no,
                    "",
                    "",
                    row["entry_date"],
                    "",
                    row["exit_date"],
                    row["status"],
                ]
            )
        source = tmp_path / f"gen-{next(_numbers)}.xlsx"
        first = import_workbook(
            path=write_xlsx(source, {"Postdocs": sheet}), institution=world.institution, by=world.admin
        )
        assert first.ok, [str(p) for p in first.problems]
        records = _snapshot(world.institution)
        assert len(records) == len(rows)
        assert {r[1] for r in records} == {row["name"] for row in rows}
        exported = tmp_path / f"export-{next(_numbers)}.xlsx"
        export_workbook(path=exported, institution=world.institution, user=world.admin)
        events = AuditEvent.objects.count()
        again = import_workbook(path=exported, institution=world.institution, by=world.admin)
        assert again.ok, [str(p) for p in again.problems]
        assert _snapshot(world.institution) == records
        assert AuditEvent.objects.count() == events
        assert all(c["new"] == 0 and c["changed"] == 0 for c in again.counts.values())
        transaction.set_rollback(True)


STATUSES = ["applied", "rejected", "awarded", "completed", "terminated", ""]


@st.composite
def project_row(draw: Any) -> dict[str, Any]:
    """A project of BH900001 (entered 2023-03-01) at any stage of its life cycle, its dates in order."""
    status = draw(st.sampled_from(STATUSES))
    applied = draw(st.one_of(st.none(), st.dates(dt.date(2023, 1, 1), dt.date(2024, 6, 30))))
    if status in ("applied", "rejected"):
        applied = applied or dt.date(2023, 5, 1)
    start = max(applied or dt.date(2023, 3, 1), dt.date(2023, 3, 1))
    awarded = start + dt.timedelta(days=draw(st.integers(0, 300))) if status not in ("applied", "rejected") else None
    ended = None
    if status in ("completed", "terminated") and draw(st.booleans()):
        assert awarded is not None
        ended = awarded + dt.timedelta(days=draw(st.integers(0, 400)))
    return {
        "title": draw(TEXT),
        "funder": draw(st.sampled_from(["中国博士后科学基金会", "重庆市教委", "CPSF"])),
        "status": status,
        "applied_on": applied,
        "awarded_on": awarded,
        "rejected_on": (applied + dt.timedelta(days=draw(st.integers(0, 90))))
        if status == "rejected" and applied
        else None,
        "ended_on": ended,
        "role": draw(st.sampled_from(["", "pi", "participant", "参与人"])),
        "amount": draw(st.integers(0, 10**6)),
    }


@st.composite
def output_row(draw: Any) -> dict[str, Any]:
    authors = draw(st.lists(TEXT.filter(lambda t: ";" not in t), min_size=1, max_size=4))
    kind = draw(st.sampled_from(["paper", "book", "standard", "论文"]))
    return {
        "kind": kind,
        "title": draw(TEXT.filter(lambda t: any(c.isalnum() for c in t))),
        "year": draw(st.integers(2015, 2025)),
        "authors": "; ".join(authors),
        "author_position": draw(st.integers(1, len(authors))),
        "corresponding": draw(st.sampled_from(["yes", "no", "是", ""])),
        "number": "GB/T 1-2020" if kind == "standard" else "",
    }


@pytest.mark.django_db
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(projects=st.lists(project_row(), max_size=5), outputs=st.lists(output_row(), max_size=4))
def test_generated_projects_and_outputs_survive_export_and_import(
    world: World, tmp_path: Path, projects: list[dict[str, Any]], outputs: list[dict[str, Any]]
) -> None:
    from openpyxl import load_workbook  # noqa: F401 - the sheets are written by write_xlsx

    from exchange.layout import SHEET_BY_NAME
    from funding.models import Project
    from outputs.identifiers import normalise_title
    from outputs.models import Output
    from tests.exchange.test_workbook import valid_sheets

    # Distinct outputs only: a repeated title of one kind is a duplicate the import refuses.
    kinds = {"论文": "paper"}
    unique: dict[tuple[str, str], dict[str, Any]] = {}
    for row in outputs:
        unique.setdefault((kinds.get(row["kind"], row["kind"]), normalise_title(row["title"])), row)
    with transaction.atomic():
        sheets = valid_sheets()
        project_columns = [c.key for c in SHEET_BY_NAME["Projects"].columns]
        output_columns = [c.key for c in SHEET_BY_NAME["Outputs"].columns]
        sheets["Projects"] = [project_columns] + [
            [
                {**row, "project_no": f"GP{index}", "postdoc_no": "BH900001", "title": neutralise(row["title"])}.get(
                    key, ""
                )
                for key in project_columns
            ]
            for index, row in enumerate(projects)
        ]
        sheets["Outputs"] = [output_columns] + [
            [
                {
                    **row,
                    "postdoc_no": "BH900001",
                    "title": neutralise(row["title"]),
                    "authors": neutralise(row["authors"]),
                }.get(key, "")
                for key in output_columns
            ]
            for row in unique.values()
        ]
        first = import_workbook(
            path=write_xlsx(tmp_path / f"gp-{next(_numbers)}.xlsx", sheets),
            institution=world.institution,
            by=world.admin,
        )
        assert first.ok, [str(p) for p in first.problems]

        def records() -> tuple[set[tuple[Any, ...]], set[tuple[Any, ...]]]:
            return set(
                Project.objects.filter(institution=world.institution).values_list(
                    "project_no",
                    "title",
                    "status",
                    "applied_on",
                    "awarded_on",
                    "rejected_on",
                    "ended_on",
                    "role",
                    "amount",
                )
            ), set(
                Output.objects.filter(institution=world.institution).values_list(
                    "kind", "title", "year", "authors", "author_position", "corresponding", "phase", "number"
                )
            )

        before = records()
        assert len(before[0]) == len(projects) and len(before[1]) == len(unique)
        assert {p[2] for p in before[0]} == {row["status"] or "awarded" for row in projects}
        exported = tmp_path / f"gp-export-{next(_numbers)}.xlsx"
        export_workbook(path=exported, institution=world.institution, user=world.admin)
        events = AuditEvent.objects.count()
        again = import_workbook(path=exported, institution=world.institution, by=world.admin)
        assert again.ok, [str(p) for p in again.problems]
        assert records() == before
        assert AuditEvent.objects.count() == events
        assert all(c["new"] == 0 and c["changed"] == 0 for c in again.counts.values()), again.counts
        transaction.set_rollback(True)
