"""The Experts sheet (the review engine's pool) and the supervisors' doctoral-supervisor column:
imported through `expert_save` and the supervisor services, exported, and back again."""

from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from audit.models import AuditEvent
from core.sheets.cells import parse_code_list
from exchange.exporter import export_workbook
from exchange.import_rows import Report
from exchange.importer import import_workbook
from exchange.layout import parse_enum
from people.models import Supervisor
from reviews.models import Expert, Rank
from reviews.services import expert_save
from tests.exchange.test_workbook import _forget_appointments, problems_text, valid_sheets, write_xlsx
from tests.factories import World, make_institution

EXPERTS = [
    "code",
    "name",
    "name_en",
    "external",
    "affiliation",
    "unit_code",
    "staff_no",
    "title",
    "rank",
    "doctoral_supervisor",
    "disciplines",
    "email",
    "phone",
    "language",
    "active",
]
EXPERTS_ZH = [
    "专家编号",
    "姓名",
    "英文姓名",
    "校外",
    "工作单位",
    "单位代码",
    "工号",
    "职称",
    "职称级别",
    "博导",
    "专业领域",
    "邮箱",
    "电话",
    "语言",
    "在库",
]
SUPERVISORS = ["staff_no", "name", "unit_code", "station_code", "title", "external", "doctoral_supervisor"]


def reference_sheets() -> dict[str, list[list[Any]]]:
    """Discipline 0831, unit C900, station S0831 and supervisor T900 (a doctoral supervisor), in the file."""
    sheets = valid_sheets()
    sheets["Supervisors"] = [SUPERVISORS, ["T900", "孙导师", "C900", "S0831", "教授", "no", "yes"]]
    return {name: sheets[name] for name in ("Disciplines", "Units", "DoctoralRights", "Stations", "Supervisors")}


def expert_sheets() -> dict[str, list[list[Any]]]:
    sheets = reference_sheets()
    sheets["Experts"] = [
        EXPERTS,
        # internal, linked to the supervisor of the same file, two disciplines in two separators
        ["E001", "孙导师", "Sun Daoshi", "no", "", "C900", "T900", "教授", "full", "yes", "0831、710", "", "", "", ""],
        # external; the discipline code as Excel writes a number; a phone that looks like a formula
        [
            "E002",
            "Jane Roe",
            "Jane Roe",
            "yes",
            "University of Example",
            "",
            "",
            "Professor",
            "associate",
            "no",
            831,
            "jane@example.org",
            "+44 20 7946 0000",
            "en",
            "yes",
        ],
        # internal without a staff record, out of the pool
        [
            "E003",
            "钱研究员",
            "",
            "",
            "",
            "C900",
            "",
            "研究员",
            "intermediate",
            "",
            "0710;0831",
            "",
            "",
            "zh-hans",
            "no",
        ],
    ]
    return sheets


def _import(world: World, path: Path, **kwargs: Any) -> Report:
    return import_workbook(path=path, institution=world.institution, by=world.admin, **kwargs)


def _state() -> tuple[int, ...]:
    return (
        Expert.objects.count(),
        Expert.disciplines.through.objects.count(),
        Supervisor.objects.count(),
        AuditEvent.objects.count(),
    )


def _experts(institution: Any) -> dict[str, tuple[Any, ...]]:
    return {
        e.code: (
            e.name,
            e.name_en,
            e.is_external,
            e.affiliation,
            e.unit.code if e.unit else None,
            e.supervisor.staff_no if e.supervisor else None,
            e.title,
            e.rank,
            e.is_doctoral_supervisor,
            tuple(sorted(d.code for d in e.disciplines.all())),
            e.email,
            e.phone,
            e.language,
            e.is_active,
        )
        for e in Expert.objects.filter(institution=institution).select_related("unit", "supervisor")
    }


@pytest.mark.django_db
def test_new_experts_are_created_through_the_service_with_their_disciplines_and_links(
    world: World, tmp_path: Path
) -> None:
    report = _import(world, write_xlsx(tmp_path / "e.xlsx", expert_sheets()))
    assert report.ok, problems_text(report)
    assert report.counts["Experts"] == {"new": 3, "changed": 0, "unchanged": 0}
    experts = _experts(world.institution)
    default_language = Expert._meta.get_field("language").get_default()
    assert experts["E001"] == (
        "孙导师",
        "Sun Daoshi",
        False,
        "",
        "C900",
        "T900",
        "教授",
        Rank.FULL,
        True,
        ("0710", "0831"),
        "",
        "",
        default_language,
        True,
    )
    assert experts["E002"] == (
        "Jane Roe",
        "Jane Roe",
        True,
        "University of Example",
        None,
        None,
        "Professor",
        Rank.ASSOCIATE,
        False,
        ("0831",),
        "jane@example.org",
        "+44 20 7946 0000",
        "en",
        True,
    )
    assert experts["E003"][4:10] == ("C900", None, "研究员", Rank.INTERMEDIATE, False, ("0710", "0831"))
    assert experts["E003"][-1] is False
    created = AuditEvent.objects.filter(event="expert.created")
    assert created.count() == 3 and all(e.actor == world.admin for e in created)
    assert Supervisor.objects.get(staff_no="T900").is_doctoral_supervisor is True


@pytest.mark.django_db
def test_a_second_import_of_the_same_file_changes_nothing(world: World, tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "e.xlsx", expert_sheets())
    assert _import(world, path).ok
    before = _state()
    again = _import(world, path)
    assert again.ok, problems_text(again)
    assert again.counts["Experts"] == {"new": 0, "changed": 0, "unchanged": 3}
    assert again.counts["Supervisors"] == {"new": 0, "changed": 0, "unchanged": 1}
    assert _state() == before


@pytest.mark.django_db
def test_a_changed_row_is_corrected_through_the_service_with_before_and_after(world: World, tmp_path: Path) -> None:
    sheets = expert_sheets()
    assert _import(world, write_xlsx(tmp_path / "a.xlsx", sheets)).ok
    sheets["Experts"][2][7] = "Emeritus Professor"  # E002's title
    sheets["Experts"][2][10] = "0831;0710"  # and a discipline more
    events = AuditEvent.objects.count()
    report = _import(world, write_xlsx(tmp_path / "b.xlsx", sheets))
    assert report.ok, problems_text(report)
    assert report.counts["Experts"] == {"new": 0, "changed": 1, "unchanged": 2}
    assert AuditEvent.objects.count() == events + 1
    expert = Expert.objects.get(code="E002")
    assert expert.title == "Emeritus Professor"
    event = AuditEvent.objects.get(event="expert.changed", target_id=str(expert.pk))
    assert (event.before["title"], event.after["title"]) == ("Professor", "Emeritus Professor")
    assert (event.before["disciplines"], event.after["disciplines"]) == (["0831"], ["0710", "0831"])
    assert event.actor == world.admin


@pytest.mark.django_db
def test_an_expert_of_the_pool_is_matched_by_number(world: World, tmp_path: Path) -> None:
    """An expert added on the pages is the same expert when the workbook names their number."""
    expert_save(
        institution=world.institution,
        by=world.admin,
        code="E002",
        name="Jane Roe",
        is_external=True,
        affiliation="Old University",
    )
    report = _import(world, write_xlsx(tmp_path / "e.xlsx", expert_sheets()))
    assert report.ok, problems_text(report)
    assert report.counts["Experts"] == {"new": 2, "changed": 1, "unchanged": 0}
    assert Expert.objects.filter(code="E002").get().affiliation == "University of Example"


def _cell(sheets: dict[str, list[list[Any]]], row: int, column: str, value: Any) -> None:
    sheets["Experts"][row][EXPERTS.index(column)] = value


def _linked_elsewhere(world: World, sheets: dict[str, list[list[Any]]]) -> None:
    expert_save(
        institution=world.institution,
        by=world.admin,
        code="X1",
        name="李导师",
        unit=world.station.unit,
        supervisor=world.supervisor,
    )
    _cell(sheets, 3, "staff_no", world.supervisor.staff_no)
    _cell(sheets, 3, "unit_code", world.station.unit.code)


# case: (spoil the file, row, column, value in the problem, words of the sentence)
BAD_CASES: dict[str, tuple[Any, int, str, str, str]] = {
    "unknown discipline": (
        lambda w, s: _cell(s, 1, "disciplines", "0831;9999"),
        2,
        "disciplines",
        "0831;9999",
        "No discipline 9999",
    ),
    "unknown unit": (lambda w, s: _cell(s, 3, "unit_code", "C404"), 4, "unit_code", "C404", "No unit C404"),
    "unknown staff number": (
        lambda w, s: _cell(s, 1, "staff_no", "T404"),
        2,
        "staff_no",
        "T404",
        "No supervisor T404",
    ),
    "external without affiliation": (
        lambda w, s: _cell(s, 2, "affiliation", ""),
        3,
        "affiliation",
        "",
        "external expert needs the name of their affiliation",
    ),
    "external with a unit": (
        lambda w, s: _cell(s, 2, "unit_code", "C900"),
        3,
        "unit_code",
        "C900",
        "has no unit or staff number",
    ),
    "internal without unit": (
        lambda w, s: _cell(s, 3, "unit_code", ""),
        4,
        "unit_code",
        "",
        "internal expert needs the code of their unit",
    ),
    "duplicate code": (
        lambda w, s: s["Experts"].append(
            ["E001", "另一位", "", "yes", "某大学", "", "", "", "", "", "", "", "", "", ""]
        ),
        5,
        "code",
        "E001",
        "appears twice",
    ),
    "missing code": (lambda w, s: _cell(s, 3, "code", ""), 4, "code", "", "needs a value"),
    "unknown rank word": (
        lambda w, s: _cell(s, 2, "rank", "senior-ish"),
        3,
        "rank",
        "senior-ish",
        "full / 正高",
    ),
    "unknown language": (lambda w, s: _cell(s, 2, "language", "fr"), 3, "language", "fr", "zh-hans / 中文"),
    "staff number twice in the file": (
        lambda w, s: _cell(s, 3, "staff_no", "T900"),
        4,
        "staff_no",
        "T900",
        "linked to another expert of this sheet too (row 2)",
    ),
    "staff record held by another expert": (
        _linked_elsewhere,
        4,
        "staff_no",
        "",  # filled in by the test: the world's staff number
        "already linked to expert X1",
    ),
    "service refuses (email)": (
        lambda w, s: _cell(s, 2, "email", "jane-at-example"),
        3,
        "email",
        "jane-at-example",
        "email",
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", list(BAD_CASES))
def test_bad_rows_are_problems_by_sheet_row_and_column_and_nothing_is_written(
    world: World, tmp_path: Path, case: str
) -> None:
    spoil, row, column, value, words = BAD_CASES[case]
    sheets = expert_sheets()
    spoil(world, sheets)
    value = value or (world.supervisor.staff_no if case == "staff record held by another expert" else "")
    before = _state()
    report = _import(world, write_xlsx(tmp_path / "bad.xlsx", sheets))
    assert not report.ok
    assert _state() == before
    assert not Expert.objects.filter(code__in=["E001", "E002", "E003"]).exists()
    matching = [
        p
        for p in report.problems
        if (p.sheet, p.row, p.column, p.value) == ("Experts", row, column, value) and words in p.message
    ]
    assert matching, problems_text(report)


@pytest.mark.django_db
def test_a_dry_run_reports_the_experts_and_writes_nothing(world: World, tmp_path: Path) -> None:
    before = _state()
    report = _import(world, write_xlsx(tmp_path / "e.xlsx", expert_sheets()), dry_run=True)
    assert report.ok, problems_text(report)
    assert report.counts["Experts"]["new"] == 3
    assert _state() == before


@pytest.mark.django_db
def test_chinese_sheet_headers_and_enumerations(world: World, tmp_path: Path) -> None:
    sheets = reference_sheets()
    sheets["合作导师"] = [
        ["工号", "姓名", "单位代码", "站点编号", "职称", "校外", " 博导 "],
        ["T900", "孙导师", "C900", "S0831", "教授", "否", "是"],
    ]
    del sheets["Supervisors"]
    sheets[" 专家 "] = [
        EXPERTS_ZH,
        ["E001", "孙导师", "", "否", "", "C900", "T900", "教授", "正高", "是", "0831，0710", "", "", "中文", "是"],
        ["E002", "Jane Roe", "", "是", "某大学", "", "", "教授", "副高", "否", "０８３１", "", "", "英文", "否"],
        ["E003", "钱研究员", "", "否", "", "C900", "", "", "中级", "", "", "", "", "", ""],
    ]
    report = _import(world, write_xlsx(tmp_path / "zh.xlsx", sheets))
    assert report.ok, problems_text(report)
    experts = {e.code: e for e in Expert.objects.filter(institution=world.institution)}
    assert (experts["E001"].rank, experts["E001"].is_doctoral_supervisor, experts["E001"].language) == (
        Rank.FULL,
        True,
        "zh-hans",
    )
    assert {d.code for d in experts["E001"].disciplines.all()} == {"0710", "0831"}
    assert experts["E001"].supervisor == Supervisor.objects.get(staff_no="T900")
    assert (experts["E002"].is_external, experts["E002"].rank, experts["E002"].language) == (True, Rank.ASSOCIATE, "en")
    assert experts["E002"].is_active is False
    assert [d.code for d in experts["E002"].disciplines.all()] == ["0831"]
    assert (experts["E003"].rank, experts["E003"].is_active) == (Rank.INTERMEDIATE, True)
    assert Supervisor.objects.get(staff_no="T900").is_doctoral_supervisor is True


def test_ranks_and_languages_in_either_language() -> None:
    assert [parse_enum("rank", w) for w in ("正高", "副高级", "中级", "Full", "3", "1")] == [
        "full",
        "associate",
        "intermediate",
        "full",
        "full",
        "intermediate",
    ]
    assert [parse_enum("language", w) for w in ("中文", "英文", "zh-Hans", "EN")] == ["zh-hans", "en", "zh-hans", "en"]


def test_code_lists_take_every_separator_and_restore_the_width() -> None:
    assert parse_code_list("0710;1002，831、 0831 ,1002", 4) == ["0710", "1002", "0831"]
    assert parse_code_list(710.0, 4) == ["0710"]
    assert parse_code_list("", 4) == [] and parse_code_list(None, 4) == []


@pytest.mark.django_db
def test_export_then_import_into_an_empty_institution_gives_the_same_experts(world: World, tmp_path: Path) -> None:
    assert _import(world, write_xlsx(tmp_path / "e.xlsx", expert_sheets())).ok
    source = _experts(world.institution)
    flags = dict(
        Supervisor.objects.filter(institution=world.institution).values_list("staff_no", "is_doctoral_supervisor")
    )
    path = tmp_path / "export.xlsx"
    counts = export_workbook(path=path, institution=world.institution, user=world.admin)
    assert counts["Experts"] == 3
    rows = list(load_workbook(path)["Experts"].iter_rows(values_only=True))
    assert list(rows[0]) == EXPERTS
    phone = next(r for r in rows if r[0] == "E002")[EXPERTS.index("phone")]
    assert phone == "'+44 20 7946 0000"  # neutralised, and restored by the import
    supervisors = list(load_workbook(path)["Supervisors"].iter_rows(values_only=True))
    assert supervisors[0][-1] == "doctoral_supervisor"
    assert next(r for r in supervisors if r[0] == "T900")[-1] == "yes"

    _forget_appointments(world.institution)
    target, admin = make_institution("U3", "第三所大学")
    report = import_workbook(path=path, institution=target, by=admin)
    assert report.ok, problems_text(report)
    assert report.counts["Experts"] == {"new": 3, "changed": 0, "unchanged": 0}
    assert _experts(target) == source
    assert (
        dict(Supervisor.objects.filter(institution=target).values_list("staff_no", "is_doctoral_supervisor")) == flags
    )
    events = AuditEvent.objects.count()
    again = import_workbook(path=path, institution=target, by=admin)
    assert again.ok and AuditEvent.objects.count() == events


@pytest.mark.django_db
def test_only_those_who_see_the_whole_institution_get_the_experts_sheet(world: World, tmp_path: Path) -> None:
    assert _import(world, write_xlsx(tmp_path / "e.xlsx", expert_sheets())).ok
    export_workbook(path=tmp_path / "lead.xlsx", institution=world.institution, user=world.leadership)
    assert "Experts" in load_workbook(tmp_path / "lead.xlsx").sheetnames
    counts = export_workbook(path=tmp_path / "sec.xlsx", institution=world.institution, user=world.secretary)
    assert "Experts" not in counts
    assert "Experts" not in load_workbook(tmp_path / "sec.xlsx").sheetnames


@pytest.mark.django_db
def test_the_doctoral_supervisor_column_of_supervisors_both_ways(world: World, tmp_path: Path) -> None:
    staff_no = world.supervisor.staff_no
    unit, station = world.station.unit.code, world.station.code
    sheets = {
        "Supervisors": [
            SUPERVISORS,
            [staff_no, world.supervisor.name, unit, station, "教授", "no", "yes"],  # existing: per record
            ["T950", "新导师", unit, station, "", "no", "是"],  # new: in bulk
            ["T951", "另一位", unit, station, "", "no", ""],  # blank = no
        ]
    }
    report = _import(world, write_xlsx(tmp_path / "a.xlsx", sheets))
    assert report.ok, problems_text(report)
    assert report.counts["Supervisors"] == {"new": 2, "changed": 1, "unchanged": 0}
    flags = dict(
        Supervisor.objects.filter(institution=world.institution).values_list("staff_no", "is_doctoral_supervisor")
    )
    assert (flags[staff_no], flags["T950"], flags["T951"]) == (True, True, False)
    event = AuditEvent.objects.filter(event="supervisor.changed", target_id=str(world.supervisor.pk)).get()
    assert (event.before["is_doctoral_supervisor"], event.after["is_doctoral_supervisor"]) == (False, True)
    # A bulk service's events keep their data in the compact form (decision 69): read, not queried by key.
    new = Supervisor.objects.get(institution=world.institution, staff_no="T950")
    assert AuditEvent.objects.get(event="supervisor.created", target_id=str(new.pk)).after["is_doctoral_supervisor"]

    # A sheet as in the spec's table, without the column, leaves the flag as it is.
    without = {"Supervisors": [row[:-1] for row in sheets["Supervisors"]]}
    events = AuditEvent.objects.count()
    again = _import(world, write_xlsx(tmp_path / "b.xlsx", without))
    assert again.ok, problems_text(again)
    assert again.counts["Supervisors"] == {"new": 0, "changed": 0, "unchanged": 3}
    assert AuditEvent.objects.count() == events
    assert Supervisor.objects.get(pk=world.supervisor.pk).is_doctoral_supervisor is True

    # Set to no in the file: corrected.
    sheets["Supervisors"][2][-1] = "否"
    third = _import(world, write_xlsx(tmp_path / "c.xlsx", sheets))
    assert third.counts["Supervisors"] == {"new": 0, "changed": 1, "unchanged": 2}
    assert Supervisor.objects.get(staff_no="T950").is_doctoral_supervisor is False

    path = tmp_path / "out.xlsx"
    export_workbook(path=path, institution=world.institution, user=world.admin)
    exported = {r[0]: r[-1] for r in list(load_workbook(path)["Supervisors"].iter_rows(values_only=True))[1:]}
    assert (exported[staff_no], exported["T950"], exported["T951"]) == ("yes", "no", "no")


@pytest.mark.django_db
def test_experts_without_a_number_are_exported_and_the_import_asks_for_one(world: World, tmp_path: Path) -> None:
    expert_save(
        institution=world.institution, by=world.admin, name="无编号专家", is_external=True, affiliation="某研究院"
    )
    path = tmp_path / "out.xlsx"
    export_workbook(path=path, institution=world.institution, user=world.admin)
    rows = list(load_workbook(path)["Experts"].iter_rows(values_only=True))
    assert [r[1] for r in rows[1:]] == ["无编号专家"] and rows[1][0] in (None, "")
    _forget_appointments(world.institution)
    target, admin = make_institution("U3", "第三所大学")
    report = import_workbook(path=path, institution=target, by=admin)
    assert [(p.sheet, p.row, p.column) for p in report.problems] == [("Experts", 2, "code")]
    assert not Expert.objects.filter(institution=target).exists()


@pytest.mark.django_db
def test_the_workbook_with_an_error_column_puts_an_experts_problem_beside_its_row(world: World, tmp_path: Path) -> None:
    from exchange.annotated import write_error_workbook

    sheets = expert_sheets()
    _cell(sheets, 2, "rank", "senior-ish")
    source = write_xlsx(tmp_path / "bad.xlsx", sheets)
    report = _import(world, source)
    target = tmp_path / "errors.xlsx"
    write_error_workbook(source=source, problems=report.problems, target=target)
    rows = list(load_workbook(target)["Experts"].iter_rows(values_only=True))
    assert rows[0][-1] == "errors"
    assert "full / 正高" in rows[2][-1] and not rows[1][-1] and not rows[3][-1]
