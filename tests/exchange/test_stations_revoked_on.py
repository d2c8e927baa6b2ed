"""The Stations sheet's `revoked_on / 撤销时间`: a revoked station imports with its date and counts in
coverage until then; a revoked row without a date, or a date on a station that is not revoked, is
refused; the export writes it and imports back."""

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from exchange.exporter import export_workbook
from exchange.importer import import_workbook
from stations.coverage import coverage
from stations.models import Station
from stations.services import station_set_status
from tests.exchange.test_workbook import HEADERS, problems_text, valid_sheets, write_xlsx
from tests.factories import World, make_institution

pytestmark = pytest.mark.django_db


def _stations_sheet(status: str, revoked_on: Any) -> dict[str, list[list[Any]]]:
    sheets = valid_sheets()
    sheets["Stations"][0] = [*HEADERS["Stations"], "revoked_on"]
    sheets["Stations"][1] = [*sheets["Stations"][1][:7], status, revoked_on]
    # Only the reference sheets: a revoked station's postdocs are not this test's subject.
    return {
        name: rows for name, rows in sheets.items() if name in ("Disciplines", "Units", "DoctoralRights", "Stations")
    }


def test_a_revoked_station_imports_with_its_date_and_counts_in_coverage_until_then(world: World, tmp_path: Path):
    path = write_xlsx(tmp_path / "r.xlsx", _stations_sheet("revoked", "2024-06-30"))
    report = import_workbook(path=path, institution=world.institution, by=world.admin)
    assert report.ok, problems_text(report)
    station = Station.objects.get(institution=world.institution, code="S0831")
    assert (station.status, station.revoked_on) == ("revoked", dt.date(2024, 6, 30))
    assert "0831" not in coverage(world.institution.pk, dt.date(2024, 6, 29)).missing
    assert "0831" in coverage(world.institution.pk, dt.date(2024, 6, 30)).missing


def test_the_chinese_header_and_value_are_read(world: World, tmp_path: Path):
    sheets = _stations_sheet("撤销", "2024年6月30日")
    sheets["Stations"][0][-1] = "撤销时间"
    report = import_workbook(
        path=write_xlsx(tmp_path / "zh.xlsx", sheets), institution=world.institution, by=world.admin
    )
    assert report.ok, problems_text(report)
    assert Station.objects.get(code="S0831").revoked_on == dt.date(2024, 6, 30)


@pytest.mark.parametrize(
    ("status", "revoked_on", "message"),
    [
        ("revoked", "", "A revoked station needs its revocation date"),
        ("active", "2024-06-30", "Only a revoked station has a revocation date"),
        ("warned", "2024-06-30", "Only a revoked station has a revocation date"),
        ("revoked", "2011-12-31", "cannot be revoked before it was established (2012-01-01)"),
    ],
)
def test_a_date_that_does_not_fit_the_status_is_refused(world: World, tmp_path: Path, status, revoked_on, message):
    path = write_xlsx(tmp_path / "bad.xlsx", _stations_sheet(status, revoked_on))
    report = import_workbook(path=path, institution=world.institution, by=world.admin)
    assert not report.ok
    assert message in problems_text(report)
    assert any(p.column == "revoked_on" for p in report.problems)
    assert not Station.objects.filter(code="S0831").exists()


def test_a_future_revocation_is_refused(world: World, tmp_path: Path):
    path = write_xlsx(tmp_path / "future.xlsx", _stations_sheet("revoked", "2999-01-01"))
    report = import_workbook(path=path, institution=world.institution, by=world.admin)
    assert not report.ok and "cannot be in the future" in problems_text(report)


def test_a_changed_revocation_date_is_corrected_and_keeps_the_document_number(world: World, tmp_path: Path):
    import_workbook(
        path=write_xlsx(tmp_path / "a.xlsx", _stations_sheet("revoked", "2024-06-30")),
        institution=world.institution,
        by=world.admin,
    )
    station = Station.objects.get(code="S0831")
    station_set_status(
        station=station,
        status="revoked",
        on=dt.date(2024, 6, 30),
        revocation_no="人社部函〔2024〕7号",
        note="文号",
        by=world.admin,
    )
    report = import_workbook(
        path=write_xlsx(tmp_path / "b.xlsx", _stations_sheet("revoked", "2024-07-15")),
        institution=world.institution,
        by=world.admin,
    )
    assert report.ok and report.counts["Stations"]["changed"] == 1
    station.refresh_from_db()
    assert (station.revoked_on, station.revocation_no) == (dt.date(2024, 7, 15), "人社部函〔2024〕7号")


def test_export_writes_revoked_on_and_a_round_trip_keeps_it(world: World, tmp_path: Path):
    station_set_status(
        station=world.other_station, status="revoked", on=dt.date(2023, 1, 1), note="撤销", by=world.admin
    )
    path = tmp_path / "export.xlsx"
    export_workbook(path=path, institution=world.institution, user=world.admin)
    sheet = load_workbook(path)["Stations"]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    column = rows[0].index("revoked_on")
    by_code = {row[0]: row[column] for row in rows[1:]}
    assert str(by_code["S0710"])[:10] == "2023-01-01" and by_code["S1002"] in (None, "")
    target, admin = make_institution("U3", "第三所大学")
    stations_only = tmp_path / "stations.xlsx"
    wanted = ("Disciplines", "Units", "DoctoralRights", "Stations")
    book = load_workbook(path)
    for name in book.sheetnames:
        if name not in wanted:
            del book[name]
    book.save(stations_only)
    report = import_workbook(path=stations_only, institution=target, by=admin)
    assert report.ok, problems_text(report)
    imported = Station.objects.get(institution=target, code="S0710")
    assert (imported.status, imported.revoked_on) == ("revoked", dt.date(2023, 1, 1))
    assert coverage(target.pk, dt.date(2022, 12, 31)).missing == []
    assert coverage(target.pk, dt.date(2023, 1, 1)).missing == ["0710"]
    again = import_workbook(path=stations_only, institution=target, by=admin)
    assert again.ok and again.counts["Stations"]["changed"] == again.counts["Stations"]["new"] == 0
