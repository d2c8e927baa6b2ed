"""Workbooks as offices keep them (issue 12): a title above the table, a 序号 column, a totals and
a sign-off row under it, amounts in 万元, dates in Excel's many forms, the words offices use for
values, sheets left as `Sheet1` or hidden. Forgiving about form, each form said in the report;
strict about meaning, with a sentence where it cannot be known."""

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from core.sheets.cells import DateForm, read_date
from exchange.annotated import write_error_workbook
from exchange.importer import import_workbook
from exchange.layout import ENUMS, VALUE_WORDS, read_enum
from funding.models import Project
from people.models import Person
from tests.exchange.test_workbook import HEADERS, ID_A, ID_B, counts, problems_text, valid_sheets, write_xlsx
from tests.factories import World

ZH = {
    "postdoc_no": "博士后编号",
    "name": "姓名",
    "gender": "性别",
    "birth_date": "出生日期",
    "id_type": "证件类型",
    "id_number": "证件号码",
    "nationality": "国籍",
    "phd_institution": "博士毕业院校",
    "phd_date": "博士学位获得时间",
    "station_code": "站点编号",
    "supervisor_staff_no": "合作导师工号",
    "workstation_code": "联合培养工作站编号",
    "route": "招收方式",
    "entry_date": "进站时间",
    "planned_exit_date": "计划出站时间",
    "exit_date": "出站时间",
    "status": "状态",
}


def column(key: str) -> int:
    return HEADERS["Postdocs"].index(key)


def office_postdocs() -> list[list[Any]]:
    """The Postdocs sheet as an office keeps it: a merged title, a blank row and a date line above
    the header, a 序号 column first, Chinese headers, then a row holding only its number, a row
    of spaces, a totals row and a sign-off row under the table."""
    sheets = valid_sheets()
    header, *rows = sheets["Postdocs"]
    table = [["序号", *(ZH[key] for key in header)]]
    table += [[number, *row] for number, row in enumerate(rows, start=1)]
    table += [
        [3],
        ["  ", " ", "\u3000"],
        ["合计", "2人"],
        ["制表人：张三", None, None, "审核人：李四", "填表日期：2026年3月"],
    ]
    return [["2026年度博士后人员信息表"], [], ["填报单位：渝州医科大学"], *table]


def write_office_xlsx(path: Path, postdocs: list[list[Any]], *, hidden_copy: bool = False) -> Path:
    sheets = valid_sheets()
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        worksheet = workbook.create_sheet("博士后" if name == "Postdocs" else name)
        for row in postdocs if name == "Postdocs" else rows:
            worksheet.append(row)
        if name == "Postdocs":
            worksheet.merge_cells("A1:R1")
    if hidden_copy:
        old = workbook.create_sheet("Postdocs")
        for row in sheets["Postdocs"][:2]:
            old.append(row)
        old.sheet_state = "hidden"
    workbook.save(path)
    return path


@pytest.mark.django_db
def test_a_title_a_row_number_column_a_totals_and_a_sign_off_row_import_and_are_each_said(world: World, tmp_path):
    report = import_workbook(
        path=write_office_xlsx(tmp_path / "office.xlsx", office_postdocs()),
        institution=world.institution,
        by=world.admin,
    )
    assert report.ok, problems_text(report)
    assert set(Person.objects.filter(institution=world.institution).values_list("id_number", flat=True)) >= {
        ID_A,
        ID_B,
    }
    said = "\n".join(report.warnings)
    assert (
        "Sheet 博士后: the header is row 4; the rows above it (2026年度博士后人员信息表 / 填报单位：渝州医科大学)"
        in said
    )
    assert "Sheet 博士后: column 序号 numbers the rows; it is not imported." in said
    assert "Sheet 博士后: rows that hold only a row number were skipped (row 7)." in said
    assert "Sheet 博士后: a totals row (合计, 总计) was skipped (row 9)." in said
    assert "Sheet 博士后: a sign-off row (制表人, 审核人, 填表日期) was skipped (row 10)." in said


@pytest.mark.django_db
def test_a_row_that_looks_like_a_total_but_fills_the_columns_is_a_record(world: World, tmp_path):
    """Only a row that leaves most required columns empty is a total: a postdoc named 合计 stays one."""
    postdocs = office_postdocs()[:6]  # title, blank, unit line, header and the two postdocs
    postdocs[4][1 + column("name")] = "合计"
    report = import_workbook(
        path=write_office_xlsx(tmp_path / "named.xlsx", postdocs), institution=world.institution, by=world.admin
    )
    assert report.ok, problems_text(report)
    assert Person.objects.filter(institution=world.institution, name="合计").exists()


@pytest.mark.django_db
def test_a_formula_in_the_row_number_column_is_no_problem_but_an_error_value_in_a_column_is(world: World, tmp_path):
    postdocs = office_postdocs()[:6]
    postdocs[4][0] = "=ROW()-4"
    postdocs[5][1 + column("supervisor_staff_no")] = "#N/A"
    before = counts()
    report = import_workbook(
        path=write_office_xlsx(tmp_path / "errors.xlsx", postdocs), institution=world.institution, by=world.admin
    )
    assert counts() == before
    assert [(p.row, p.column, p.heading) for p in report.problems] == [(6, "supervisor_staff_no", "L 合作导师工号")]
    assert "The cell shows Excel's error #N/A: the formula that filled it failed." in report.problems[0].message


@pytest.mark.django_db
def test_every_problem_of_a_row_is_named_with_the_column_as_the_sheet_shows_it(world: World, tmp_path):
    postdocs = office_postdocs()[:6]
    row = postdocs[4]
    row[1 + column("name")] = ""
    row[1 + column("gender")] = "不详"
    row[1 + column("entry_date")] = "2023年13月1日"
    before = counts()
    report = import_workbook(
        path=write_office_xlsx(tmp_path / "many.xlsx", postdocs), institution=world.institution, by=world.admin
    )
    assert counts() == before
    found = {(p.row, p.heading) for p in report.problems}
    assert found == {(5, "C 姓名"), (5, "D 性别"), (5, "O 进站时间")}
    assert "博士后 row 5 [D 性别] '不详': Use one of: male / 男, female / 女." in problems_text(report)


@pytest.mark.django_db
def test_a_hidden_sheet_repeating_a_visible_one_is_not_read_and_is_said(world: World, tmp_path):
    report = import_workbook(
        path=write_office_xlsx(tmp_path / "hidden.xlsx", office_postdocs(), hidden_copy=True),
        institution=world.institution,
        by=world.admin,
    )
    assert report.ok, problems_text(report)
    assert "Sheet Postdocs is hidden and repeats sheet 博士后; the hidden one was not read." in report.warnings


@pytest.mark.django_db
def test_a_sheet_left_as_sheet1_is_placed_by_its_columns(world: World, tmp_path):
    sheets = valid_sheets()
    sheets["Sheet1"] = sheets.pop("Postdocs")
    report = import_workbook(
        path=write_xlsx(tmp_path / "sheet1.xlsx", sheets), institution=world.institution, by=world.admin
    )
    assert report.ok, problems_text(report)
    assert "Sheet Sheet1 was read as 博士后 (Postdocs): its columns are that sheet's." in report.warnings
    assert Person.objects.filter(institution=world.institution, id_number=ID_A).exists()


@pytest.mark.django_db
def test_a_workbook_of_sheets_that_cannot_be_placed_names_them_and_the_names_expected(world: World, tmp_path):
    path = write_xlsx(tmp_path / "list.xlsx", {"Sheet1": [["人员", "备注"], ["钱博士", "在站"]], "Sheet2": [["x"]]})
    report = import_workbook(path=path, institution=world.institution, by=world.admin)
    assert not report.ok
    message = report.problems[0].message
    assert "it holds the sheets Sheet1, Sheet2, and none is named or laid out as an exchange sheet" in message
    assert "博士后 (Postdocs)" in message and "项目 (Projects)" in message


@pytest.mark.django_db
def test_amounts_in_wan_yuan_are_converted_to_yuan_and_said(world: World, tmp_path):
    sheets = valid_sheets()
    sheets["Projects"][0][HEADERS["Projects"].index("amount")] = "资助金额（万元）"
    sheets["Projects"][1][HEADERS["Projects"].index("amount")] = 8.5
    report = import_workbook(
        path=write_xlsx(tmp_path / "wan.xlsx", sheets), institution=world.institution, by=world.admin
    )
    assert report.ok, problems_text(report)
    assert Project.objects.get(project_no="P900").amount == Decimal("85000.00")
    assert "Sheet Projects: column 资助金额（万元） gives amounts in 万元 (10,000 yuan); they were read as yuan." in (
        report.warnings
    )


@pytest.mark.django_db
def test_office_words_and_date_forms_import_and_each_is_said_once_with_its_rows(world: World, tmp_path):
    sheets = valid_sheets()
    for row in sheets["Postdocs"][1:]:
        row[column("gender")] = {"female": "女性", "male": "M"}[row[column("gender")]]
        row[column("id_type")] = "二代身份证"
        row[column("route")] = "统招"
    first, second = sheets["Postdocs"][1], sheets["Postdocs"][2]
    first[column("status")] = "在站中"
    first[column("birth_date")] = 33741  # 1992-05-17 as Excel's day number, in a General cell
    first[column("entry_date")] = "2023/3/1 0:00"  # as an Excel-saved CSV writes a date
    first[column("planned_exit_date")] = "2025.3"
    second[column("phd_date")] = "20200630"
    report = import_workbook(
        path=write_xlsx(tmp_path / "words.xlsx", sheets), institution=world.institution, by=world.admin
    )
    assert report.ok, problems_text(report)
    person = Person.objects.get(institution=world.institution, id_number=ID_A)
    assert (person.gender, person.birth_date) == ("female", dt.date(1992, 5, 17))
    appointment = person.appointments.get()
    assert appointment.entry_date == dt.date(2023, 3, 1)
    assert appointment.planned_exit_date == dt.date(2025, 3, 1)
    said = report.warnings
    assert "Sheet Postdocs, column B gender: “二代身份证” was read as 居民身份证 (resident_id) (rows 2, 3)." not in said
    assert "Sheet Postdocs, column E id_type: “二代身份证” was read as 居民身份证 (resident_id) (rows 2, 3)." in said
    assert "Sheet Postdocs, column C gender: “女性” was read as 女 (female) (row 2)." in said
    assert "Sheet Postdocs, column C gender: “M” was read as 男 (male) (row 3)." in said
    assert "Sheet Postdocs, column M route: “统招” was read as 自主招收 (independent) (rows 2, 3)." in said
    assert "Sheet Postdocs, column Q status: “在站中” was read as 在站 (in_station) (row 2)." in said
    assert "Sheet Postdocs, column D birth_date: Excel day numbers were read as dates (row 2)." in said
    assert "Sheet Postdocs, column N entry_date: dates with a time of day were read without it (row 2)." in said
    assert (
        "Sheet Postdocs, column O planned_exit_date: dates giving only a year and month were read as the month's "
        "first day (row 2)."
    ) in said


def test_every_value_word_reads_as_a_value_of_its_enumeration():
    for kind, words in VALUE_WORDS.items():
        for word, code in words.items():
            assert code in ENUMS[kind], (kind, word)
            assert read_enum(kind, word) == (code, True), (kind, word)
            assert read_enum(kind, word.upper()) == (code, True), (kind, word)
        for code, label in ENUMS[kind].items():
            assert read_enum(kind, code) == (code, False)
            assert read_enum(kind, label) == (code, False)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (dt.date(2026, 3, 5), (dt.date(2026, 3, 5), DateForm.SPEC)),
        ("2026-03-05", (dt.date(2026, 3, 5), DateForm.SPEC)),
        ("2026年3月5日", (dt.date(2026, 3, 5), DateForm.SPEC)),
        ("20260305", (dt.date(2026, 3, 5), DateForm.SPEC)),
        (20260305, (dt.date(2026, 3, 5), DateForm.SPEC)),
        (20260305.0, (dt.date(2026, 3, 5), DateForm.SPEC)),
        (46086, (dt.date(2026, 3, 5), DateForm.SERIAL)),
        (46086.75, (dt.date(2026, 3, 5), DateForm.SERIAL)),
        ("46086", (dt.date(2026, 3, 5), DateForm.SERIAL)),
        ("2026/3/11 0:00", (dt.date(2026, 3, 11), DateForm.DATETIME)),
        ("2026-03-11 08:30:00", (dt.date(2026, 3, 11), DateForm.DATETIME)),
        ("2026-03-11T08:30:00", (dt.date(2026, 3, 11), DateForm.DATETIME)),
        ("2026.3", (dt.date(2026, 3, 1), DateForm.MONTH)),
        (2026.3, (dt.date(2026, 3, 1), DateForm.MONTH)),
        ("2026.10", (dt.date(2026, 10, 1), DateForm.MONTH)),
        ("2026年3月", (dt.date(2026, 3, 1), DateForm.MONTH)),
        ("2026-03", (dt.date(2026, 3, 1), DateForm.MONTH)),
    ],
)
def test_date_forms(value, expected):
    assert read_date(value) == expected


@pytest.mark.parametrize(
    ("value", "sentence"),
    [
        (2026.1, "reads the same for January and October"),
        (2026, "Write the date as"),
        ("2026", "Write the date as"),
        ("2026/2/30", "This date does not exist in the calendar."),
        ("2026.13", "This date does not exist in the calendar."),
        (99999999, "This date does not exist in the calendar."),
        (True, "Write the date as"),
        ("明年三月", "Write the date as"),
    ],
)
def test_what_cannot_be_a_date_is_named(value, sentence):
    with pytest.raises(ValueError, match=sentence):
        read_date(value)


@pytest.mark.django_db
def test_an_excel_saved_csv_with_a_title_row_and_datetime_dates(world: World, tmp_path):
    header, *rows = valid_sheets()["Postdocs"]
    lines = ["博士后花名册,,,", ",".join(["序号", *(ZH[key] for key in header)])]
    for number, row in enumerate(rows, start=1):
        cells = [str(number), *(str(v) for v in row)]
        cells[1 + column("entry_date")] = cells[1 + column("entry_date")].replace("-0", "/").replace("-", "/") + " 0:00"
        lines.append(",".join(cells))
    lines.append("合计,2,,")
    for name in ("Disciplines", "Units", "DoctoralRights", "Stations", "Supervisors"):
        sheet = valid_sheets()[name]
        (tmp_path / "csvs").mkdir(exist_ok=True)
        (tmp_path / "csvs" / f"{name}.csv").write_text(
            "\n".join(",".join(str(v) for v in row) for row in sheet), encoding="utf-8"
        )
    (tmp_path / "csvs" / "博士后.csv").write_bytes("\r\n".join(lines).encode("gb18030"))
    report = import_workbook(path=tmp_path / "csvs", institution=world.institution, by=world.admin)
    assert report.ok, problems_text(report)
    person = Person.objects.get(institution=world.institution, id_number=ID_B)
    assert person.appointments.get().entry_date == dt.date(2021, 1, 4)
    assert "Sheet 博士后: a totals row (合计, 总计) was skipped (row 5)." in report.warnings


@pytest.mark.django_db
def test_the_annotated_workbook_puts_each_problem_on_its_row_under_a_title(world: World, tmp_path):
    postdocs = office_postdocs()[:6]
    postdocs[5][1 + column("gender")] = "不详"
    source = write_office_xlsx(tmp_path / "annotate.xlsx", postdocs)
    report = import_workbook(path=source, institution=world.institution, by=world.admin)
    assert [p.row for p in report.problems] == [6]
    write_error_workbook(source=source, problems=report.problems, target=tmp_path / "errors.xlsx")
    sheet = load_workbook(tmp_path / "errors.xlsx")["博士后"]
    errors = sheet.max_column
    assert [sheet.cell(row, errors).value for row in (4, 5)] == ["errors", None]
    assert sheet.cell(6, errors).value.startswith("性别: Use one of")


def roster_with_supervisor_names(names: list[str]) -> dict[str, list[list[Any]]]:
    """The Postdocs sheet naming each postdoc's supervisor (合作导师) instead of the staff number."""
    sheets = valid_sheets()
    index = column("supervisor_staff_no")
    sheets["Postdocs"][0][index] = "合作导师"
    for row, name in zip(sheets["Postdocs"][1:], names, strict=True):
        row[index] = name
    return sheets


@pytest.mark.django_db
def test_a_supervisor_named_instead_of_a_staff_number_is_found_by_the_name(world: World, tmp_path):
    sheets = roster_with_supervisor_names(["孙导师", " 孙导师 "])
    report = import_workbook(
        path=write_xlsx(tmp_path / "names.xlsx", sheets), institution=world.institution, by=world.admin
    )
    assert report.ok, problems_text(report)
    person = Person.objects.get(institution=world.institution, id_number=ID_A)
    assert person.appointments.get().primary_supervisor.staff_no == "T900"
    assert (
        "Sheet Postdocs: supervisors named without a staff number were found by their name (rows 2, 3)."
        in report.warnings
    )


@pytest.mark.django_db
def test_a_supervisor_name_that_fits_none_or_several_or_contradicts_the_number_is_refused(world: World, tmp_path):
    sheets = roster_with_supervisor_names(["钟导师", "孙导师"])
    sheets["Supervisors"].append(["T901", "孙导师", "C900", "S0831", "副教授", "no"])
    before = counts()
    report = import_workbook(
        path=write_xlsx(tmp_path / "x.xlsx", sheets), institution=world.institution, by=world.admin
    )
    assert counts() == before
    said = problems_text(report)
    assert "No supervisor named 钟导师 exists in this file or in the institution" in said
    assert "2 supervisors are named 孙导师 (staff numbers T900, T901); give 合作导师工号 to say which." in said

    both = valid_sheets()
    both["Postdocs"][0].append("合作导师姓名")
    both["Postdocs"][1].append("周导师")
    both["Postdocs"][2].append("孙导师")
    report = import_workbook(path=write_xlsx(tmp_path / "y.xlsx", both), institution=world.institution, by=world.admin)
    assert [str(p.message) for p in report.problems] == [
        "Staff number T900 is the supervisor 孙导师, not 周导师; correct one of the two."
    ]


@pytest.mark.django_db
def test_birth_year_and_month_under_the_header_chu_sheng_nian_yue(world: World, tmp_path):
    sheets = valid_sheets()
    sheets["Postdocs"][0][column("birth_date")] = "出生年月"
    sheets["Postdocs"][1][column("birth_date")] = "1992.05"
    report = import_workbook(
        path=write_xlsx(tmp_path / "m.xlsx", sheets), institution=world.institution, by=world.admin
    )
    # The ID number's birth date (1992-05-17) is not the first of May: the month alone cannot pass
    # the check the ID number gives, and the row says so rather than storing a wrong birth date.
    assert [p.column for p in report.problems] == ["id_number"]
    assert "column 出生年月 was read as 出生日期 (birth_date)" in "\n".join(report.warnings)


def test_the_appendix_in_docs_is_the_one_the_tables_write():
    """docs/exchange-workbook-appendix.md lists what the importer reads: rewrite it with
    `manage.py workbook_appendix` after changing a table."""
    from django.conf import settings

    from exchange.appendix import appendix_text

    written = (Path(settings.BASE_DIR) / "docs" / "exchange-workbook-appendix.md").read_text(encoding="utf-8")
    assert written == appendix_text()
    for words in VALUE_WORDS.values():
        assert all(f"| {word} |" in written for word in words)
