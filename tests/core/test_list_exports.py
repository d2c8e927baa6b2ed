"""Export on the list pages: the rows the list's filters select, every page, within the user's scope,
as the exchange workbook's sheets in .xlsx or CSV (one file, or a .zip of one file per sheet)."""

import csv
import dataclasses
import datetime as dt
import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test.client import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from appointments.services import assessment_record
from audit.models import AuditEvent
from exchange.layout import SHEET_BY_NAME
from exchange.workbook import read_workbook
from funding.services import project_record
from stations.services import station_set_status
from tests.clients import PERSONAS, add_appointments
from tests.factories import World, make_appointment, make_person, make_station

BOM = b"\xef\xbb\xbf"


def _body(response: Any) -> bytes:
    assert response.status_code == 200, response.status_code
    # Consuming the content closes the response, as a WSGI server would (the test client's
    # wrapper): closing it again here would send request_finished and close the database
    # connection, which PostgreSQL tests then find closed.
    return b"".join(response.streaming_content)


def _xlsx(response: Any) -> dict[str, list[tuple[Any, ...]]]:
    workbook = load_workbook(io.BytesIO(_body(response)))
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in workbook.worksheets}


def _csv_text(data: bytes) -> list[list[str]]:
    assert data.startswith(BOM)
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def _zip(response: Any) -> dict[str, list[list[str]]]:
    with zipfile.ZipFile(io.BytesIO(_body(response))) as archive:
        return {info.filename: _csv_text(archive.read(info)) for info in archive.infolist()}


def _column(rows: list[Any], sheet: str, key: str) -> list[Any]:
    """One column's values below the header, found by the header (so added columns do not matter)."""
    index = list(rows[0]).index(key)
    assert list(rows[0]) == [c.key for c in SHEET_BY_NAME[sheet].columns]
    return [row[index] for row in rows[1:]]


def _listed_postdocs(client: Client, params: dict[str, Any] | None = None) -> list[str]:
    response = client.get(reverse("postdoc-list"), params or {})
    return [a.postdoc_no for a in response.context["page_obj"].paginator.object_list]


def _listed_stations(client: Client, params: dict[str, Any] | None = None) -> list[str]:
    response = client.get(reverse("station-list"), params or {})
    return [s.code for s in response.context["page_obj"].paginator.object_list]


def _export(client: Client, name: str, fmt: str, params: dict[str, Any] | None = None) -> Any:
    return client.get(reverse(name, kwargs={"fmt": fmt}), params or {})


def _project(world: World, appointment: Any, number: str, **details: Any) -> Any:
    details.setdefault("title", f"课题{number}")
    return project_record(
        holder=appointment,
        project_no=number,
        funder=details.pop("funder", "国家自然科学基金委员会"),
        level="national",
        awarded_on=details.pop("awarded_on", appointment.entry_date),
        amount=details.pop("amount", 300000),
        by=world.admin,
        **details,
    )


@pytest.fixture
def projects(world: World) -> dict[str, str]:
    """One project for each appointment of the world: project number → its postdoc number."""
    made = {
        "P-IN": world.appointment,
        "P-OTHER": world.other_appointment,
    }
    for number, appointment in made.items():
        _project(world, appointment, number)
    return {number: appointment.postdoc_no for number, appointment in made.items()}


# ---------------------------------------------------------------------------------------------
# Scope: each persona exports exactly what its list shows


@pytest.mark.parametrize("persona", PERSONAS)
def test_each_persona_exports_exactly_the_postdocs_its_list_shows(signed_in, world, projects, persona):
    client = signed_in(persona)
    listed = _listed_postdocs(client)
    assert listed  # every persona sees at least one postdoc
    workbook = _xlsx(_export(client, "postdoc-export", "xlsx"))
    assert list(workbook) == ["Postdocs", "Projects"]
    assert _column(workbook["Postdocs"], "Postdocs", "postdoc_no") == listed
    expected_projects = sorted(number for number, postdoc in projects.items() if postdoc in listed)
    assert _column(workbook["Projects"], "Projects", "project_no") == expected_projects
    files = _zip(_export(client, "postdoc-export", "csv"))
    assert list(files) == ["Postdocs.csv", "Projects.csv"]
    assert _column(files["Postdocs.csv"], "Postdocs", "postdoc_no") == listed
    assert _column(files["Projects.csv"], "Projects", "project_no") == expected_projects
    if persona == "outsider":
        assert listed == [world.outside_appointment.postdoc_no]
    elif persona in ("admin", "leadership"):
        assert set(listed) == {world.appointment.postdoc_no, world.other_appointment.postdoc_no}
    else:
        assert listed == [world.appointment.postdoc_no]


@pytest.mark.parametrize("persona", PERSONAS)
def test_each_persona_exports_exactly_the_stations_its_list_shows(signed_in, world, persona):
    client = signed_in(persona)
    listed = _listed_stations(client)
    assert listed
    workbook = _xlsx(_export(client, "station-export", "xlsx"))
    assert list(workbook) == ["Stations"]
    assert _column(workbook["Stations"], "Stations", "code") == listed
    rows = _csv_text(_body(_export(client, "station-export", "csv")))
    assert _column(rows, "Stations", "code") == listed
    expected = {"outsider": ["S1001"], "admin": ["S0710", "S1002"], "leadership": ["S0710", "S1002"]}
    assert sorted(listed) == expected.get(persona, ["S1002"])


def test_anonymous_export_redirects_to_sign_in(client, world):
    for name in ("postdoc-export", "station-export"):
        for fmt in ("xlsx", "csv"):
            response = client.get(reverse(name, kwargs={"fmt": fmt}))
            assert response.status_code == 302
            assert reverse("login") in response["Location"]


def test_only_xlsx_and_csv_and_only_get(signed_in, world):
    client = signed_in("admin")
    assert client.get(reverse("postdoc-export", kwargs={"fmt": "pdf"})).status_code == 404
    assert client.get(reverse("station-export", kwargs={"fmt": "json"})).status_code == 404
    assert client.post(reverse("postdoc-export", kwargs={"fmt": "xlsx"})).status_code == 405


# ---------------------------------------------------------------------------------------------
# Filters, sort, every page


def test_postdoc_export_follows_every_filter_and_the_sort_across_pages(signed_in, world, projects, settings):
    settings.PAGE_SIZE = 2
    add_appointments(world, 4)  # entered in 2023, in the secretary's station
    person = make_person(world.institution, world.admin, name="黄博士", name_en="Huang Li")
    huang = make_appointment(world.station, world.supervisor, world.admin, person=person, postdoc_no="BH2023099")
    _project(world, huang, "P-HUANG")
    assessment_record(
        appointment=world.appointment, kind="proposal", held_on=dt.date(2024, 5, 1), grade="pass", by=world.admin
    )
    client = signed_in("admin")
    cases: list[dict[str, Any]] = [
        {},
        {"sort": "entry"},
        {"q": "huang"},
        {"q": "黄博"},
        {"station": world.other_station.pk},
        {"status": "in_station"},
        {"status": "exited"},
        {"year": 2023},
        {"year": 2023, "sort": "entry"},
        {"due": "proposal_overdue"},
        {"station": world.station.pk, "year": 2024, "page": 2},
    ]
    for params in cases:
        listed = _listed_postdocs(client, params)
        workbook = _xlsx(_export(client, "postdoc-export", "xlsx", params))
        assert _column(workbook["Postdocs"], "Postdocs", "postdoc_no") == listed, params
        files = _zip(_export(client, "postdoc-export", "csv", params))
        assert _column(files["Postdocs.csv"], "Postdocs", "postdoc_no") == listed, params
        holders = set(_column(workbook["Projects"], "Projects", "postdoc_no"))
        assert holders <= set(listed), params
    assert len(_listed_postdocs(client)) == 7  # more than one page of 2: the export has them all
    assert _column(
        _xlsx(_export(client, "postdoc-export", "xlsx", {"q": "huang"}))["Projects"], "Projects", "project_no"
    ) == ["P-HUANG"]
    assert (
        _column(
            _xlsx(_export(client, "postdoc-export", "xlsx", {"status": "exited"}))["Postdocs"], "Postdocs", "postdoc_no"
        )
        == []
    )


def test_postdoc_export_leaves_out_an_invalid_filter_as_the_list_does(signed_in, world):
    client = signed_in("secretary")
    params = {"station": world.other_station.pk}  # outside the secretary's scope: not a choice
    listed = _listed_postdocs(client, params)
    assert listed == [world.appointment.postdoc_no]
    workbook = _xlsx(_export(client, "postdoc-export", "xlsx", params))
    assert _column(workbook["Postdocs"], "Postdocs", "postdoc_no") == listed


def test_station_export_follows_search_kind_and_status(signed_in, world, settings):
    settings.PAGE_SIZE = 1
    station_set_status(station=world.other_station, status="warned", by=world.admin, note="整改")
    client = signed_in("admin")
    for params in (
        {},
        {"q": "0710"},
        {"q": world.station.name_zh[:3]},
        {"kind": "mobile"},
        {"kind": "workstation"},
        {"status": "warned"},
        {"status": "active", "kind": "mobile"},
    ):
        listed = _listed_stations(client, params)
        workbook = _xlsx(_export(client, "station-export", "xlsx", params))
        assert _column(workbook["Stations"], "Stations", "code") == listed, params
        rows = _csv_text(_body(_export(client, "station-export", "csv", params)))
        assert _column(rows, "Stations", "code") == listed, params
    assert _column(
        _xlsx(_export(client, "station-export", "xlsx", {"status": "warned"}))["Stations"], "Stations", "status"
    ) == ["warned"]


# ---------------------------------------------------------------------------------------------
# IDs, formulas, dates, files


@pytest.mark.parametrize("persona", ["secretary", "supervisor", "postdoc", "leadership"])
def test_ids_are_masked_without_the_reveal_permission(signed_in, world, persona):
    client = signed_in(persona)
    workbook = _xlsx(_export(client, "postdoc-export", "xlsx"))
    files = _zip(_export(client, "postdoc-export", "csv"))
    for ids in (
        _column(workbook["Postdocs"], "Postdocs", "id_number"),
        _column(files["Postdocs.csv"], "Postdocs", "id_number"),
    ):
        assert world.appointment.person.masked_id in ids
        assert world.appointment.person.id_number not in ids
    assert not AuditEvent.objects.filter(event="exchange.exported_with_ids").exists()


def test_an_administrator_exports_full_ids_and_each_export_is_audited(signed_in, world):
    client = signed_in("admin")
    workbook = _xlsx(_export(client, "postdoc-export", "xlsx", {"station": world.station.pk}))
    assert _column(workbook["Postdocs"], "Postdocs", "id_number") == [world.appointment.person.id_number]
    files = _zip(_export(client, "postdoc-export", "csv"))
    assert world.other_appointment.person.id_number in _column(files["Postdocs.csv"], "Postdocs", "id_number")
    events = list(AuditEvent.objects.filter(event="exchange.exported_with_ids").order_by("pk"))
    assert [e.actor for e in events] == [world.admin, world.admin]
    assert [e.institution for e in events] == [world.institution, world.institution]
    assert "(1 postdoc rows)" in events[0].note and "(2 postdoc rows)" in events[1].note
    assert "postdoc list" in events[0].note
    _body(_export(client, "station-export", "xlsx"))  # no ID numbers in the Stations sheet
    assert AuditEvent.objects.filter(event="exchange.exported_with_ids").count() == 2


def test_cells_that_look_like_formulas_are_neutralised(signed_in, world):
    _project(world, world.appointment, "P-EVIL", title='=HYPERLINK("http://evil")', programme="@SUM(1)")
    _project(world, world.appointment, "P-PLUS", title="+1", programme="-2", funder="=cmd")
    client = signed_in("admin")
    response = _export(client, "postdoc-export", "xlsx")
    data = _body(response)
    workbook = load_workbook(io.BytesIO(data))
    assert not any(cell.data_type == "f" for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row)
    rows = {r[0]: r for r in workbook["Projects"].iter_rows(values_only=True)}
    assert rows["P-EVIL"][1] == '\'=HYPERLINK("http://evil")' and rows["P-EVIL"][3] == "'@SUM(1)"
    assert rows["P-PLUS"][1:4] == ("'+1", "'=cmd", "'-2")
    files = _zip(_export(client, "postdoc-export", "csv"))
    csv_rows = {r[0]: r for r in files["Projects.csv"]}
    assert csv_rows["P-EVIL"][1] == '\'=HYPERLINK("http://evil")' and csv_rows["P-EVIL"][3] == "'@SUM(1)"
    assert csv_rows["P-PLUS"][1:4] == ["'+1", "'=cmd", "'-2"]


def test_dates_are_real_dates_in_xlsx_and_iso_in_csv(signed_in, world):
    _project(world, world.appointment, "P-DATE", awarded_on=dt.date(2024, 7, 9))
    client = signed_in("admin")
    workbook = load_workbook(
        io.BytesIO(_body(_export(client, "postdoc-export", "xlsx", {"station": world.station.pk})))
    )
    header = [c.value for c in next(workbook["Postdocs"].iter_rows())]
    row = list(workbook["Postdocs"].iter_rows())[1]
    entry = row[header.index("entry_date")]
    assert entry.is_date and entry.value.date() == world.appointment.entry_date
    assert entry.number_format == "yyyy-mm-dd"
    assert row[header.index("birth_date")].value.date() == world.appointment.person.birth_date
    files = _zip(_export(client, "postdoc-export", "csv", {"station": world.station.pk}))
    assert _column(files["Postdocs.csv"], "Postdocs", "entry_date") == [world.appointment.entry_date.isoformat()]
    assert _column(files["Projects.csv"], "Projects", "awarded_on") == ["2024-07-09"]
    assert _column(files["Projects.csv"], "Projects", "amount") == ["300000.00"]
    stations = _csv_text(_body(_export(client, "station-export", "csv", {"q": "S1002"})))
    assert _column(stations, "Stations", "established_on") == ["2005-01-01"]


def test_file_names_types_and_encoding(signed_in, world):
    today = timezone.localdate().isoformat()
    client = signed_in("admin")
    expected = {
        ("postdoc-export", "xlsx"): (f"postdocs-{today}.xlsx", "application/vnd.openxmlformats"),
        ("postdoc-export", "csv"): (f"postdocs-{today}.zip", "application/zip"),
        ("station-export", "xlsx"): (f"stations-{today}.xlsx", "application/vnd.openxmlformats"),
        ("station-export", "csv"): (f"stations-{today}.csv", "text/csv; charset=utf-8"),
    }
    for (name, fmt), (filename, content_type) in expected.items():
        response = _export(client, name, fmt)
        assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
        assert response["Content-Type"].startswith(content_type)
        assert "no-store" in response["Cache-Control"]
        data = _body(response)
        if fmt == "csv" and name == "station-export":
            assert data.startswith(BOM) and "博士后科研流动站" in data.decode("utf-8-sig")
    with zipfile.ZipFile(io.BytesIO(_body(_export(client, "postdoc-export", "csv")))) as archive:
        for info in archive.infolist():
            assert archive.read(info).startswith(BOM)
        assert "陈博士" in archive.read("Postdocs.csv").decode("utf-8-sig")


def test_the_temporary_file_goes_with_the_response(signed_in, world, monkeypatch):
    import tempfile

    made: list[Any] = []
    original = tempfile.TemporaryFile

    def temporary_file(**kwargs: Any) -> Any:
        made.append(original(**kwargs))  # noqa: SIM115 - the response closes it
        return made[-1]

    monkeypatch.setattr(tempfile, "TemporaryFile", temporary_file)
    client = signed_in("admin")
    for fmt in ("xlsx", "csv"):
        response = _export(client, "postdoc-export", fmt)
        file = made[-1]
        assert not file.closed and not isinstance(file.name, str)  # anonymous: no path on disk
        _body(response)
        assert file.closed
    assert len(made) == 2


# ---------------------------------------------------------------------------------------------
# Round trip and cost


def test_list_exports_read_back_without_problems_of_form(signed_in, world, projects, tmp_path: Path):
    client = signed_in("admin")
    files = {
        "postdocs.xlsx": _body(_export(client, "postdoc-export", "xlsx")),
        "postdocs.zip": _body(_export(client, "postdoc-export", "csv")),
        "stations.xlsx": _body(_export(client, "station-export", "xlsx")),
        "Stations.csv": _body(_export(client, "station-export", "csv")),  # the importer names a CSV's sheet by its file
    }
    expected = {
        "postdocs.xlsx": {"Postdocs": 2, "Projects": 2},
        "postdocs.zip": {"Postdocs": 2, "Projects": 2},
        "stations.xlsx": {"Stations": 2},
        "Stations.csv": {"Stations": 2},
    }
    for name, data in files.items():
        path = tmp_path / name
        path.write_bytes(data)
        result = read_workbook(path)
        assert result.problems == [], [str(p) for p in result.problems]
        assert result.warnings == []
        assert {sheet: len(s.rows) for sheet, s in result.sheets.items()} == expected[name]
    postdocs = read_workbook(tmp_path / "postdocs.xlsx").sheets["Postdocs"].rows
    assert {row.values["id_number"] for row in postdocs} == {
        world.appointment.person.id_number,
        world.other_appointment.person.id_number,
    }


def _queries(client: Client, name: str, fmt: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        _body(_export(client, name, fmt))
    return len(queries)


def test_export_queries_do_not_grow_with_the_rows(signed_in, world, monkeypatch):
    monkeypatch.setattr("exchange.exporter.CHUNK_SIZE", 3)  # several chunks, still one query a sheet
    client = signed_in("admin")
    kinds = [
        ("postdoc-export", "xlsx"),
        ("postdoc-export", "csv"),
        ("station-export", "xlsx"),
        ("station-export", "csv"),
    ]
    before = {kind: _queries(client, *kind) for kind in kinds}
    add_appointments(world, 8)
    for index, appointment in enumerate(world.station.appointments.all()):
        _project(world, appointment, f"P-MORE-{index}")
    for code in ("S0831", "S0832", "S0833"):
        make_station(world.institution, world.admin, code=code, discipline_code=code[1:])
    assert len(_listed_postdocs(client)) == 10 and len(_listed_stations(client)) == 5
    after = {kind: _queries(client, *kind) for kind in kinds}
    assert after == before


def test_a_column_the_rows_do_not_give_is_an_empty_cell(signed_in, world, monkeypatch):
    import appointments.export
    from core.sheets.specs import Column

    spec = SHEET_BY_NAME["Postdocs"]
    wider = dataclasses.replace(spec, columns=(*spec.columns, Column("not_given_by_rows", "未提供")))
    monkeypatch.setitem(SHEET_BY_NAME, "Postdocs", wider)
    monkeypatch.setattr(appointments.export, "POSTDOCS_SHEET", wider)  # the list's export writes the sheet
    client = signed_in("admin")
    workbook = _xlsx(_export(client, "postdoc-export", "xlsx"))
    assert _column(workbook["Postdocs"], "Postdocs", "not_given_by_rows") == [None, None]
    files = _zip(_export(client, "postdoc-export", "csv"))
    assert _column(files["Postdocs.csv"], "Postdocs", "not_given_by_rows") == ["", ""]


def test_the_lists_offer_the_export_with_their_current_filters(signed_in, world):
    client = signed_in("secretary")
    page = client.get(reverse("postdoc-list"), {"status": "in_station", "page": 1}).content.decode()
    assert 'href="/postdocs/export.xlsx?status=in_station"' in page
    assert 'href="/postdocs/export.csv?status=in_station"' in page
    rows = client.get(reverse("postdoc-list"), {"q": "陈"}, headers={"HX-Request": "true"}).content.decode()
    assert rows.lstrip().startswith('<section id="rows"')  # the links change with the filters
    assert "/postdocs/export.xlsx?q=%E9%99%88" in rows
    stations = client.get(reverse("station-list"), {"kind": "mobile"}).content.decode()
    assert (
        'href="/stations/export.xlsx?kind=mobile"' in stations and 'href="/stations/export.csv?kind=mobile"' in stations
    )
    nothing = client.get(reverse("postdoc-list"), {"q": "nobody like this"}).content.decode()
    assert "export.xlsx" not in nothing  # nothing to export


def test_an_administrators_list_export_imports_back_changing_nothing(signed_in, world, projects, tmp_path: Path):
    from exchange.importer import import_workbook

    client = signed_in("admin")
    for name, fmt in (("postdocs.xlsx", "xlsx"), ("postdocs.zip", "csv")):
        path = tmp_path / name
        path.write_bytes(_body(_export(client, "postdoc-export", fmt, {"station": world.station.pk})))
        report = import_workbook(path=path, institution=world.institution, by=world.admin, dry_run=True)
        assert report.ok, [str(p) for p in report.problems]
        assert report.counts == {
            "Postdocs": {"new": 0, "changed": 0, "unchanged": 1},
            "Projects": {"new": 0, "changed": 0, "unchanged": 1},
        }
