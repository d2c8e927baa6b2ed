import copy
import datetime as dt
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook, load_workbook

from appointments.models import Appointment
from audit.models import AuditEvent
from catalogue.models import Discipline, Unit
from exchange.exporter import export_workbook
from exchange.importer import import_workbook
from funding.models import Project
from outputs.models import Output
from people.models import Person, Supervisor
from stations.models import Station
from tests.factories import World, resident_id

BIRTH = dt.date(1992, 5, 17)
ID_A = resident_id(BIRTH, 901)
ID_B = resident_id(dt.date(1990, 1, 2), 902)

HEADERS: dict[str, list[str]] = {
    "Units": ["code", "name", "kind"],
    "DoctoralRights": ["discipline_code", "since"],
    "Stations": ["code", "kind", "discipline_code", "name", "unit_code", "established_on", "approval_no", "status"],
    "Supervisors": ["staff_no", "name", "unit_code", "station_code", "title", "external"],
    "Postdocs": [
        "postdoc_no",
        "name",
        "gender",
        "birth_date",
        "id_type",
        "id_number",
        "nationality",
        "phd_institution",
        "phd_date",
        "station_code",
        "supervisor_staff_no",
        "workstation_code",
        "route",
        "entry_date",
        "planned_exit_date",
        "exit_date",
        "status",
    ],
    "Projects": ["project_no", "title", "funder", "programme", "level", "amount", "awarded_on", "postdoc_no", "status"],
}


def valid_sheets() -> dict[str, list[list[Any]]]:
    return copy.deepcopy(_valid_sheets())


def _valid_sheets() -> dict[str, list[list[Any]]]:
    return {
        "Disciplines": [
            ["code", "name_zh", "name_en", "category"],
            ["0831", "生物医学工程", "Biomedical Engineering", "08"],
        ],
        "Units": [HEADERS["Units"], ["C900", "生物医学工程学院", "college"]],
        "DoctoralRights": [HEADERS["DoctoralRights"], ["0831", "2010-06-01"]],
        "Stations": [
            HEADERS["Stations"],
            [
                "S0831",
                "mobile",
                "0831",
                "生物医学工程博士后科研流动站",
                "C900",
                "2012-01-01",
                "人社部发〔2012〕1号",
                "active",
            ],
        ],
        "Supervisors": [HEADERS["Supervisors"], ["T900", "孙导师", "C900", "S0831", "教授", "no"]],
        "Postdocs": [
            HEADERS["Postdocs"],
            [
                "BH900001",
                "钱博士",
                "female",
                "1992-05-17",
                "resident_id",
                ID_A,
                "中国",
                "四川大学",
                "2022-06-30",
                "S0831",
                "T900",
                "",
                "independent",
                "2023-03-01",
                "2025-03-01",
                "",
                "in_station",
            ],
            [
                "BH900002",
                "吴博士",
                "male",
                "1990-01-02",
                "resident_id",
                ID_B,
                "中国",
                "重庆大学",
                "2020-06-30",
                "S0831",
                "T900",
                "",
                "independent",
                "2021-01-04",
                "2023-01-04",
                "2023-02-01",
                "exited",
            ],
        ],
        "Projects": [
            HEADERS["Projects"],
            [
                "P900",
                "组织工程支架",
                "国家自然科学基金委员会",
                "青年科学基金",
                "national",
                300000,
                "2023-09-01",
                "BH900001",
                "awarded",
            ],
        ],
    }


def write_xlsx(path: Path, sheets: dict[str, list[list[Any]]]) -> Path:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        worksheet = workbook.create_sheet(name)
        for row in rows:
            worksheet.append(row)
    workbook.save(path)
    if any("HUGE-CELL" in row for rows in sheets.values() for row in rows):
        swollen = path.with_suffix(".tmp")
        with zipfile.ZipFile(path) as source, zipfile.ZipFile(swollen, "w") as target:
            for info in source.infolist():
                target.writestr(info, source.read(info).replace(b"HUGE-CELL", ("长" * 1_000_000).encode()))
        swollen.replace(path)
    return path


def counts() -> tuple[int, ...]:
    return (
        Person.objects.count(),
        Appointment.objects.count(),
        AuditEvent.objects.count(),
        Station.objects.count(),
        Unit.objects.count(),
        Project.objects.count(),
        Supervisor.objects.count(),
        Discipline.objects.count(),
    )


def problems_text(report: Any) -> str:
    return "\n".join(str(p) for p in report.problems)


@pytest.mark.django_db
def test_valid_workbook_imports_and_second_import_changes_nothing(world: World, tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "valid.xlsx", valid_sheets())
    report = import_workbook(path=path, institution=world.institution, by=world.admin, dry_run=False)
    assert report.ok, problems_text(report)
    assert report.counts["Postdocs"] == {"new": 2, "changed": 0, "unchanged": 0}
    exited = Appointment.objects.get(postdoc_no="BH900002")
    assert exited.status == Appointment.Status.EXITED and exited.ended_on == dt.date(2023, 2, 1)
    assert Appointment.objects.get(postdoc_no="BH900001").status == Appointment.Status.IN_STATION
    assert Project.objects.get(project_no="P900").holder.postdoc_no == "BH900001"
    before = counts()
    again = import_workbook(path=path, institution=world.institution, by=world.admin, dry_run=False)
    assert again.ok, problems_text(again)
    assert counts() == before
    assert all(c["new"] == 0 and c["changed"] == 0 for c in again.counts.values()), again.counts


@pytest.mark.django_db
def test_changed_row_updates_its_record(world: World, tmp_path: Path) -> None:
    sheets = valid_sheets()
    import_workbook(path=write_xlsx(tmp_path / "a.xlsx", sheets), institution=world.institution, by=world.admin)
    sheets["Supervisors"][1][4] = "研究员"
    sheets["Postdocs"][1][15], sheets["Postdocs"][1][16] = "2025-01-10", "withdrawn"
    report = import_workbook(
        path=write_xlsx(tmp_path / "b.xlsx", sheets), institution=world.institution, by=world.admin
    )
    assert report.ok, problems_text(report)
    assert report.counts["Supervisors"]["changed"] == 1 and report.counts["Postdocs"]["changed"] == 1
    assert Supervisor.objects.get(staff_no="T900").title == "研究员"
    assert Appointment.objects.get(postdoc_no="BH900001").status == Appointment.Status.WITHDRAWN


@pytest.mark.django_db
@pytest.mark.parametrize(
    "entry",
    [
        dt.datetime(2023, 3, 1),
        "2023-03-01",
        "2023/3/1",
        "2023.03.01",
        "2023年3月1日",
        "20230301",
        20230301,
        "２０２３－０３－０１",
    ],
)
def test_chinese_names_and_every_date_form(world: World, tmp_path: Path, entry: Any) -> None:
    sheets = valid_sheets()
    zh = {
        "学科": [["学科代码", "学科名称", "英文名称", " 学科门类 "], sheets["Disciplines"][1]],
        "单位": [["单位代码", "单位名称", "类型"], ["C900", "生物医学工程学院", "学院"]],
        "博士学位授权点": [["学科代码", "获批时间"], ["0831", "2010年6月1日"]],
        "博士后站": [
            ["站点编号", "类型", "学科代码", "名称", "依托单位代码", "设站时间", "批准文号", "状态"],
            ["S0831", "流动站", "0831", "生物医学工程博士后科研流动站", "C900", "2012.01.01", "", "正常"],
        ],
        "合作导师": [
            ["工号", "姓名", "单位代码", "站点编号", "职称", "校外"],
            ["T900", "孙导师", "C900", "S0831", "教授", "否"],
        ],
        " ＰＯＳＴＤＯＣＳ ": [
            ["备注", *HEADERS["Postdocs"][:-1], "状态"],
            ["x", *sheets["Postdocs"][1][:13], entry, "", "", "在站"],
            [],
        ],
    }
    zh[" ＰＯＳＴＤＯＣＳ "][0][1] = "博士后编号"
    zh[" ＰＯＳＴＤＯＣＳ "][0][3] = "性别"
    zh[" ＰＯＳＴＤＯＣＳ "][1][3] = "女"
    report = import_workbook(path=write_xlsx(tmp_path / "zh.xlsx", zh), institution=world.institution, by=world.admin)
    assert report.ok, problems_text(report)
    assert any("备注" in w for w in report.warnings)
    appointment = Appointment.objects.get(postdoc_no="BH900001")
    assert appointment.entry_date == dt.date(2023, 3, 1)
    assert appointment.person.gender == "female"


@pytest.mark.django_db
def test_numeric_code_restored_to_its_width(world: World, tmp_path: Path) -> None:
    discipline = Discipline.objects.get(code="0710")
    sheets = {
        "Disciplines": [["code", "name_zh", "name_en"], [710, discipline.name_zh, discipline.name_en]],
        "DoctoralRights": [["discipline_code", "since"], [710, dt.datetime(2000, 1, 1)]],
    }
    before = counts()
    report = import_workbook(
        path=write_xlsx(tmp_path / "n.xlsx", sheets), institution=world.institution, by=world.admin
    )
    assert report.ok, problems_text(report)
    assert report.counts["Disciplines"] == {"new": 0, "changed": 0, "unchanged": 1}
    assert report.counts["DoctoralRights"] == {"new": 0, "changed": 0, "unchanged": 1}
    assert counts() == before
    assert not Discipline.objects.filter(code="710").exists()


def _set(sheets: dict[str, list[list[Any]]], sheet: str, column: str, value: Any, row: int = 1) -> None:
    header = sheets[sheet][0]
    sheets[sheet][row][header.index(column)] = value


def bad_missing_column(s: dict[str, list[list[Any]]]) -> None:
    for row in s["Postdocs"]:
        del row[HEADERS["Postdocs"].index("entry_date")]


def bad_duplicate(s: dict[str, list[list[Any]]]) -> None:
    s["Supervisors"].append(list(s["Supervisors"][1]))


def bad_formula(s: dict[str, list[list[Any]]]) -> None:
    _set(s, "Projects", "amount", "=100*3")


BAD_CASES = {
    "missing required column": (bad_missing_column, "Postdocs", "entry_date", "missing"),
    "unparseable date": (
        lambda s: _set(s, "Postdocs", "entry_date", "last spring"),
        "Postdocs",
        "entry_date",
        "Write the date",
    ),
    "impossible date": (
        lambda s: _set(s, "Postdocs", "entry_date", "2023-02-30"),
        "Postdocs",
        "entry_date",
        "does not exist",
    ),
    "unknown reference": (
        lambda s: _set(s, "Postdocs", "station_code", "S9999"),
        "Postdocs",
        "station_code",
        "No station S9999",
    ),
    "wrong check digit": (
        lambda s: _set(s, "Postdocs", "id_number", ID_A[:17] + ("0" if ID_A[17] != "0" else "1")),
        "Postdocs",
        "id_number",
        "check digit",
    ),
    "id and birth date differ": (
        lambda s: _set(s, "Postdocs", "birth_date", "1992-05-18"),
        "Postdocs",
        "id_number",
        "differs",
    ),
    "duplicate key": (bad_duplicate, "Supervisors", "staff_no", "appears twice"),
    "masked id": (lambda s: _set(s, "Postdocs", "id_number", "500*************12"), "Postdocs", "id_number", "masked"),
    "formula": (bad_formula, "Projects", "amount", "formula"),
    "unknown enumeration": (
        lambda s: _set(s, "Postdocs", "status", "on leave"),
        "Postdocs",
        "status",
        "in_station / 在站",
    ),
    # openpyxl truncates on writing, so the test puts a marker there and swells it in the XML.
    "huge cell": (lambda s: _set(s, "Projects", "title", "HUGE-CELL"), "Projects", "title", "at most 32767"),
    "rule refuses (age at entry)": (
        lambda s: (
            _set(s, "Postdocs", "birth_date", "1980-05-17"),
            _set(s, "Postdocs", "id_number", resident_id(dt.date(1980, 5, 17), 903)),
        ),
        "Postdocs",
        "entry_date",
        "Age at entry would be 42",
    ),
    "service refuses (award before entry)": (
        lambda s: _set(s, "Projects", "awarded_on", "2020-01-01"),
        "Projects",
        "awarded_on",
        "before the holder entered",
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", list(BAD_CASES))
def test_bad_input_is_a_clear_problem_and_writes_nothing(world: World, tmp_path: Path, case: str) -> None:
    spoil, sheet, column, words = BAD_CASES[case]
    sheets = valid_sheets()
    spoil(sheets)
    before = counts()
    report = import_workbook(
        path=write_xlsx(tmp_path / "bad.xlsx", sheets), institution=world.institution, by=world.admin
    )
    assert not report.ok
    assert counts() == before
    matching = [p for p in report.problems if p.sheet == sheet and p.column == column and words in p.message]
    assert matching, problems_text(report)
    assert matching[0].row is not None and matching[0].row >= 1


@pytest.mark.django_db
def test_merged_header_cells_are_refused(world: World, tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "merged.xlsx", valid_sheets())
    workbook = load_workbook(path)
    workbook["Units"].merge_cells("A1:B1")
    workbook.save(path)
    before = counts()
    report = import_workbook(path=path, institution=world.institution, by=world.admin)
    assert counts() == before
    assert any(p.sheet == "Units" and "merged" in p.message for p in report.problems), problems_text(report)


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["empty workbook", "zero bytes", "not a workbook"])
def test_unreadable_files_are_refused(world: World, tmp_path: Path, kind: str) -> None:
    path = tmp_path / "file.xlsx"
    if kind == "empty workbook":
        write_xlsx(path, {"Postdocs": [HEADERS["Postdocs"]]})
        words = "no rows"
    elif kind == "zero bytes":
        path.write_bytes(b"")
        words = "0 bytes"
    else:
        path.write_text("name,code\n张三,1\n")
        words = "not an Excel workbook"
    before = counts()
    report = import_workbook(path=path, institution=world.institution, by=world.admin)
    assert counts() == before
    assert any(words in p.message for p in report.problems), problems_text(report)


@pytest.mark.django_db
def test_dry_run_writes_nothing(world: World, tmp_path: Path) -> None:
    before = counts()
    report = import_workbook(
        path=write_xlsx(tmp_path / "v.xlsx", valid_sheets()),
        institution=world.institution,
        by=world.admin,
        dry_run=True,
    )
    assert report.ok, problems_text(report)
    assert report.counts["Postdocs"]["new"] == 2
    assert counts() == before


@pytest.mark.django_db
def test_csv_folder_and_zip(world: World, tmp_path: Path) -> None:
    import csv

    folder = tmp_path / "csv"
    folder.mkdir()
    for name, rows in valid_sheets().items():
        with (folder / f"{name}.csv").open("w", newline="", encoding="utf-8-sig") as stream:
            csv.writer(stream).writerows(rows)
    dry = import_workbook(path=folder, institution=world.institution, by=world.admin, dry_run=True)
    assert dry.ok and dry.counts["Postdocs"]["new"] == 2, problems_text(dry)
    archive = tmp_path / "book.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for file in folder.iterdir():
            z.write(file, file.name)
    report = import_workbook(path=archive, institution=world.institution, by=world.admin)
    assert report.ok, problems_text(report)
    assert Appointment.objects.filter(postdoc_no__in=["BH900001", "BH900002"]).count() == 2


@pytest.mark.django_db
def test_only_an_administrator_of_the_institution_imports(world: World, tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "v.xlsx", valid_sheets())
    before = counts()
    for user in (world.secretary, world.outsider):
        report = import_workbook(path=path, institution=world.institution, by=user)
        assert not report.ok
    assert counts() == before


def _records(institution: Any) -> dict[str, set[tuple[Any, ...]]]:
    appointments = Appointment.objects.filter(institution=institution)
    return {
        "units": set(Unit.objects.filter(institution=institution).values_list("code", "name_zh", "kind")),
        "stations": set(
            Station.objects.filter(institution=institution).values_list(
                "code", "kind", "discipline__code", "unit__code", "name_zh", "established_on", "status"
            )
        ),
        "supervisors": set(
            Supervisor.objects.filter(institution=institution).values_list(
                "staff_no", "name", "unit__code", "station__code", "title", "is_external"
            )
        ),
        "postdocs": set(
            appointments.values_list(
                "postdoc_no",
                "person__name",
                "person__id_number",
                "person__birth_date",
                "station__code",
                "primary_supervisor__staff_no",
                "entry_date",
                "planned_exit_date",
                "ended_on",
                "status",
            )
        ),
        "projects": set(
            Project.objects.filter(institution=institution).values_list(
                "project_no",
                "title",
                "level",
                "amount",
                "awarded_on",
                "holder__postdoc_no",
                "status",
                "applied_on",
                "rejected_on",
                "ended_on",
                "role",
                "grade",
                "batch",
                "period_start",
                "period_end",
                "extension_commitment_until",
            )
        ),
        "outputs": set(
            Output.objects.filter(institution=institution).values_list(
                "appointment__postdoc_no",
                "person__id_number",
                "kind",
                "title",
                "year",
                "published_on",
                "dated_on",
                "phase",
                "authors",
                "author_position",
                "corresponding",
                "doi",
                "journal",
                "issn",
                "isbn",
                "number",
                "patent_kind",
                "granted_on",
                "award_level",
                "award_grade",
            )
        ),
    }


def _forget_appointments(institution: Any) -> None:
    """Test-only: postdoc numbers are unique across institutions, so the source's must go first."""
    from appointments.models import Assessment, Extension, PolicyException
    from outputs.models import Output

    Output.objects.filter(institution=institution).delete()
    Project.objects.filter(institution=institution).delete()
    for model in (Assessment, Extension, PolicyException):
        model.objects.filter(appointment__institution=institution).delete()
    Appointment.objects.filter(institution=institution).delete()


@pytest.mark.django_db
def test_export_then_import_into_an_empty_institution_gives_the_same_records(world: World, tmp_path: Path) -> None:
    from funding.services import project_apply, project_award, project_complete, project_reject
    from outputs.services import output_record
    from reports.selectors import headline_figures
    from tests.factories import make_institution

    import_workbook(path=write_xlsx(tmp_path / "v.xlsx", valid_sheets()), institution=world.institution, by=world.admin)
    # Every status of the project's life cycle, and outputs of every kind.
    holder = Appointment.objects.get(postdoc_no="BH900001")
    applied = {"holder": holder, "funder": "CPSF", "by": world.admin}
    project_apply(project_no="A1", title="申请中", applied_on=dt.date(2024, 3, 1), **applied)
    refused = project_apply(project_no="R1", title="未获资助", applied_on=dt.date(2023, 4, 1), **applied)
    project_reject(project=refused, on=dt.date(2023, 6, 1), by=world.admin)
    won = project_apply(
        project_no="W1", title="结题", applied_on=dt.date(2023, 4, 1), period_end=dt.date(2024, 12, 31), **applied
    )
    won = project_award(project=won, awarded_on=dt.date(2023, 7, 1), grade="一等", batch="第73批", by=world.admin)
    project_complete(project=won, on=dt.date(2024, 12, 31), by=world.admin)
    paper = {"appointment": holder, "by": world.admin, "authors": "钱博士\nSun Dao", "author_position": 1}
    output_record(
        kind="paper",
        title="Scaffolds: a review",
        year=2024,
        published_on=dt.date(2024, 5, 2),
        corresponding=True,
        doi="https://doi.org/10.1000/XYZ.9",
        journal="Biomaterials",
        issn="0142-9612",
        **paper,
    )
    output_record(
        kind="patent", title="一种支架", year=2022, number="ZL202210000000.1", patent_kind="invention", **paper
    )
    output_record(kind="award", title="科技进步奖", year=2024, award_level="provincial", award_grade="second", **paper)
    path = tmp_path / "export.xlsx"
    export_workbook(path=path, institution=world.institution, user=world.admin)
    source = _records(world.institution)
    assert {p[6] for p in source["projects"]} == {"awarded", "applied", "rejected", "completed"}
    assert len(source["outputs"]) == 3
    figures = headline_figures(institution_id=world.institution.pk, as_of=dt.date(2025, 6, 30), years=3)
    _forget_appointments(world.institution)
    target, admin = make_institution("U3", "第三所大学")
    report = import_workbook(path=path, institution=target, by=admin)
    assert report.ok, problems_text(report)
    assert report.counts["Projects"]["new"] == 4 and report.counts["Outputs"]["new"] == 3
    assert _records(target) == source
    assert headline_figures(institution_id=target.pk, as_of=dt.date(2025, 6, 30), years=3) == figures
    events = AuditEvent.objects.count()
    again = import_workbook(path=path, institution=target, by=admin)
    assert again.ok and all(c["new"] == c["changed"] == 0 for c in again.counts.values()), again.counts
    assert AuditEvent.objects.count() == events


@pytest.mark.django_db
def test_export_neutralises_formulas(world: World, tmp_path: Path) -> None:
    sheets = valid_sheets()
    _set(sheets, "Projects", "title", '\'=HYPERLINK("http://evil")')
    _set(sheets, "Projects", "programme", "'@SUM(1)")
    report = import_workbook(
        path=write_xlsx(tmp_path / "v.xlsx", sheets), institution=world.institution, by=world.admin
    )
    assert report.ok, problems_text(report)
    assert Project.objects.get(project_no="P900").title == '=HYPERLINK("http://evil")'
    path = tmp_path / "out.xlsx"
    export_workbook(path=path, institution=world.institution, user=world.admin)
    rows = list(load_workbook(path)["Projects"].iter_rows(values_only=True))
    row = next(r for r in rows if r[0] == "P900")
    assert row[1] == '\'=HYPERLINK("http://evil")' and row[3] == "'@SUM(1)"
    cells = [c for r in load_workbook(path)["Projects"].iter_rows() for c in r]
    assert not any(c.data_type == "f" for c in cells)


@pytest.mark.django_db
def test_ids_masked_for_a_secretary_and_full_export_audited(world: World, tmp_path: Path) -> None:
    path = tmp_path / "sec.xlsx"
    export_workbook(path=path, institution=world.institution, user=world.secretary)
    rows = list(load_workbook(path)["Postdocs"].iter_rows(values_only=True))
    ids = [r[5] for r in rows[1:]]
    assert ids == [world.appointment.person.masked_id]  # the secretary's station only, masked
    assert not AuditEvent.objects.filter(event="exchange.exported_with_ids").exists()
    export_workbook(path=tmp_path / "admin.xlsx", institution=world.institution, user=world.admin)
    admin_ids = {r[5] for r in list(load_workbook(tmp_path / "admin.xlsx")["Postdocs"].iter_rows(values_only=True))[1:]}
    assert world.appointment.person.id_number in admin_ids
    assert AuditEvent.objects.filter(event="exchange.exported_with_ids", actor=world.admin).count() == 1


@pytest.mark.django_db
def test_commands(world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = write_xlsx(tmp_path / "v.xlsx", valid_sheets())
    call_command("import_workbook", str(good), "--as-user", world.admin.username, "--dry-run")
    assert not Appointment.objects.filter(postdoc_no="BH900001").exists()
    call_command("import_workbook", str(good), "--as-user", world.admin.username)
    assert Appointment.objects.filter(postdoc_no="BH900001").exists()
    sheets = valid_sheets()
    _set(sheets, "Postdocs", "entry_date", "2023-13-01")
    with pytest.raises(CommandError):
        call_command("import_workbook", str(write_xlsx(tmp_path / "b.xlsx", sheets)), "--as-user", world.admin.username)
    assert "entry_date" in capsys.readouterr().out
    with pytest.raises(CommandError):
        call_command("import_workbook", str(good), "--as-user", world.secretary.username)
    out = tmp_path / "out.xlsx"
    call_command("export_workbook", str(out), "--as-user", world.admin.username)
    assert out.stat().st_size > 0
