"""What an import holds in memory (issue 15): the read-ahead process loads no app, and the importer
lets go of the referenced records no later sheet reads."""

import json
import pickle
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import override_settings
from django.utils import translation

from core.sheets.cells import Notices, Problem
from exchange.importer import Importer, import_workbook
from exchange.readahead import reader_settings
from exchange.workbook import open_workbook
from tests.exchange.test_workbook import counts, problems_text, valid_sheets, write_xlsx
from tests.factories import World

ROOT = Path(__file__).resolve().parents[2]

# Set up as the read-ahead process is, read a sheet, and say what was loaded on the way.
READER = """
import json, pickle, sys
from exchange.readahead import set_up_reader
with open(sys.argv[1], "rb") as values:
    set_up_reader(pickle.load(values))
from django.conf import settings
from django.utils import translation
from core.sheets.cells import Notices
from exchange.workbook import open_workbook
translation.activate("zh-hans")
problems = []
with open_workbook(sys.argv[2]) as source:
    rows = [[row.number, sorted(row.values.items(), key=str)] for row in source.sheets["Postdocs"].rows(problems, Notices())]
apps = {"accounts", "appointments", "audit", "catalogue", "funding", "people", "stations", "outputs", "reviews"}
loaded = sorted(
    name for name in sys.modules
    if name.split(".")[0] == "pypinyin"
    or name.startswith("django.db.backends.sqlite3") or name.startswith("django.db.backends.postgresql")
    or (name.endswith(".models") and name.split(".")[0] in apps)
)
print(json.dumps({"rows": rows, "problems": [str(p) for p in problems], "loaded": loaded,
                  "cell_chars": settings.IMPORT_MAX_CELL_CHARS}, default=str))
"""


def _read_as_the_child_does(tmp_path: Path, workbook: Path) -> dict[str, object]:
    values = tmp_path / "settings.pickle"
    values.write_bytes(pickle.dumps(reader_settings()))
    done = subprocess.run(
        [sys.executable, "-c", READER, str(values), str(workbook)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


@override_settings(IMPORT_MAX_CELL_CHARS=20_000)
def test_the_read_ahead_process_reads_the_same_rows_without_loading_an_app(tmp_path: Path) -> None:
    sheets = valid_sheets()
    sheets["Postdocs"].append([*sheets["Postdocs"][1][:-1], "=1+1"])  # a formula: a problem of form, in Chinese
    workbook = write_xlsx(tmp_path / "a.xlsx", sheets)
    child = _read_as_the_child_does(tmp_path, workbook)
    # No model, no database backend, no pypinyin (a name's pinyin is written by the importing process).
    assert child["loaded"] == []
    assert child["cell_chars"] == 20_000  # the parent's settings, an override in force too
    problems: list[Problem] = []
    with translation.override("zh-hans"), open_workbook(workbook) as source:
        rows = [
            [row.number, sorted(row.values.items(), key=str)]
            for row in source.sheets["Postdocs"].rows(problems, Notices())
        ]
        expected_problems = [str(p) for p in problems]
    assert child["rows"] == json.loads(json.dumps(rows, default=str))
    assert child["problems"] == expected_problems and "公式" in expected_problems[0]


@pytest.mark.django_db
def test_the_importer_lets_go_of_the_records_no_later_sheet_reads(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    held: dict[str, set[str]] = {}
    import_sheet = Importer._import_sheet

    def spy(self: Importer, source: object) -> int:
        held[source.spec.name] = set(self._caches)  # type: ignore[attr-defined]
        return import_sheet(self, source)  # type: ignore[arg-type]

    monkeypatch.setattr(Importer, "_import_sheet", spy)
    before = counts()
    report = import_workbook(
        path=write_xlsx(tmp_path / "a.xlsx", valid_sheets()), institution=world.institution, by=world.admin
    )
    assert report.ok, problems_text(report)
    assert counts() != before
    # The units and disciplines go once the Stations and Supervisors are written, the supervisors
    # once the Postdocs are: the Projects sheet reads only the stations (its holders').
    assert held["Postdocs"] <= {"station", "supervisor"}
    assert held["Projects"] == {"station"}
