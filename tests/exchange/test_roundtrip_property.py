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
from exchange.exporter import export_workbook, neutralise
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
                    resident_id(row["birth_date"], next(_serials) % 1000),
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
