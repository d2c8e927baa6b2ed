"""Reading the lists funders publish: .xlsx and GB 18030 .csv, the header found by its names; bad
input refused whole with sentences, and nothing stored."""

import io
from pathlib import Path

import pytest
from django.conf import settings
from openpyxl import Workbook

from audit.models import AuditEvent
from awardlists.models import AwardList, AwardListRow
from awardlists.reading import read_list
from awardlists.services import ListRefused
from tests.awardlists.conftest import HEADER, Lists, csv_bytes, row, upload, xlsx_bytes

ROWS = [row(1, "陈晓东", "BH-CXD-01"), row(2, "陳曉東", "", 710), row(3, "Smith John", "BH-JS-03", "1002", "二等")]


def written(tmp_path: Path, name: str, content: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def test_an_xlsx_list_with_a_title_above_its_header(tmp_path: Path) -> None:
    read = read_list(written(tmp_path, "list.xlsx", xlsx_bytes(ROWS)))
    assert not read.problems
    assert [(r.number, r["name"], r["discipline"], r["grade"]) for r in read.rows] == [
        (3, "陈晓东", "0710", "一等"),
        (4, "陳曉東", "710", "一等"),
        (5, "Smith John", "1002", "二等"),
    ]


def test_a_gb18030_csv_list(tmp_path: Path) -> None:
    content = csv_bytes(ROWS, encoding="gb18030")
    with pytest.raises(UnicodeDecodeError):
        content.decode("utf-8")
    read = read_list(written(tmp_path, "list.csv", content))
    assert not read.problems
    assert [r["name"] for r in read.rows] == ["陈晓东", "陳曉東", "Smith John"]
    assert read.rows[0]["institution"] == "示例医科大学"


def test_english_headers_in_another_order_and_extra_columns(tmp_path: Path) -> None:
    header = ["Name", "Host institution", "Discipline", "Remarks", "Postdoc number"]
    content = csv_bytes([["陈晓东", "示例医科大学", "0710", "备注", "BH-CXD-01"]], header=header, encoding="utf-8")
    read = read_list(written(tmp_path, "list.csv", content))
    assert not read.problems
    assert read.rows[0].values["postdoc_no"] == "BH-CXD-01"
    assert any("Remarks" in warning for warning in read.warnings)


def test_merged_institution_cells_are_read_as_the_row_above(tmp_path: Path) -> None:
    rows = [row(1, "陈晓东", "BH-CXD-01"), [2, "", "", "张三", "BH-ZS-02", "1002", "二等"]]
    read = read_list(written(tmp_path, "list.xlsx", xlsx_bytes(rows)))
    assert not read.problems
    assert read.rows[1]["institution"] == "示例医科大学"
    assert read.warnings


def test_a_note_under_the_list_is_skipped(tmp_path: Path) -> None:
    rows = [row(1, "陈晓东", "BH-CXD-01"), ["注：排名不分先后"]]
    read = read_list(written(tmp_path, "list.xlsx", xlsx_bytes(rows)))
    assert not read.problems
    assert len(read.rows) == 1


def refused(lists: Lists, name: str, content: bytes) -> list[str]:
    before = (AwardList.objects.count(), AwardListRow.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ListRefused) as caught:
        upload(lists, [], name=name, content=content)
    assert (AwardList.objects.count(), AwardListRow.objects.count(), AuditEvent.objects.count()) == before
    media = Path(settings.MEDIA_ROOT)
    assert not media.exists() or not any(media.rglob("*.*"))
    return [str(problem) for problem in caught.value.problems]


def test_missing_required_columns_refuse_the_list(lists: Lists) -> None:
    header = ["序号", "省份", "姓名", "博士后编号", "资助等级"]
    content = xlsx_bytes([[1, "重庆", "陈晓东", "BH-CXD-01", "一等"]], header=header)
    sentences = refused(lists, "list.xlsx", content)
    assert len(sentences) == 2
    assert "设站单位名称" in sentences[0] and "missing" in sentences[0]
    assert "一级学科" in sentences[1]


def test_an_empty_file_is_refused(lists: Lists) -> None:
    assert refused(lists, "list.csv", b"") == ["list.csv: The file is empty (0 bytes)."]


def test_a_header_without_rows_is_refused(lists: Lists) -> None:
    (sentence,) = refused(lists, "list.xlsx", xlsx_bytes([], title=None))
    assert "no rows" in sentence


def test_a_junk_file_is_refused(lists: Lists) -> None:
    (sentence,) = refused(lists, "list.xlsx", b"PK\x03\x04 this is no workbook at all")
    assert "not an Excel workbook" in sentence
    (sentence,) = refused(lists, "list.csv", bytes(range(256)) * 4)
    assert "binary" in sentence


def test_a_text_file_without_the_lists_columns_is_refused(lists: Lists) -> None:
    (sentence,) = refused(lists, "list.csv", b"hello,world\n1,2\n")
    assert "No header row" in sentence and "设站单位名称" in sentence


def test_a_spreadsheet_of_another_kind_is_refused_before_reading(lists: Lists) -> None:
    from core.errors import DomainError

    with pytest.raises(DomainError) as caught:
        upload(lists, [], name="list.xls", content=b"\xd0\xcf\x11\xe0")
    assert ".xlsx" in caught.value.message
    assert AwardList.objects.count() == 0


def test_a_row_without_a_name_refuses_the_list(lists: Lists) -> None:
    rows = [row(1, "陈晓东", "BH-CXD-01"), [2, "重庆", "示例医科大学", "", "BH-ZS-02", "1002", "一等"]]
    (sentence,) = refused(lists, "list.xlsx", xlsx_bytes(rows))
    assert "row 4" in sentence and "no name" in sentence


def test_a_grade_the_programme_does_not_have_refuses_the_list(lists: Lists) -> None:
    rows = [row(1, "陈晓东", "BH-CXD-01"), row(2, "张三", "BH-ZS-02", "1002", "特等")]
    (sentence,) = refused(lists, "list.xlsx", xlsx_bytes(rows))
    assert "row 4" in sentence and "特等" in sentence and "一等、二等" in sentence


def test_grades_written_otherwise_are_the_programmes(lists: Lists) -> None:
    rows = [row(1, "陈晓东", "BH-CXD-01", grade="一等资助"), row(2, "张三", "BH-ZS-02", "1002", "2")]
    award_list = upload(lists, rows)
    assert sorted(award_list.rows.values_list("programme_grade", flat=True)) == ["一等", "二等"]


def test_an_xlsx_with_two_sheets_reads_both(tmp_path: Path) -> None:
    workbook = Workbook()
    first = workbook.active
    assert first is not None
    first.title = "一等"
    first.append(HEADER)
    first.append(row(1, "陈晓东", "BH-CXD-01"))
    second = workbook.create_sheet("二等")
    second.append(HEADER)
    second.append(row(1, "张三", "BH-ZS-02", "1002", "二等"))
    workbook.create_sheet("说明").append(["本名单按姓氏笔画排序"])
    stream = io.BytesIO()
    workbook.save(stream)
    read = read_list(written(tmp_path, "list.xlsx", stream.getvalue()))
    assert not read.problems
    assert [(r.sheet, r["name"]) for r in read.rows] == [("一等", "陈晓东"), ("二等", "张三")]
    assert any("说明" in warning for warning in read.warnings)


def test_a_list_without_grades_is_refused_for_a_programme_with_grades(lists: Lists) -> None:
    rows = [row(1, "陈晓东", "BH-CXD-01", grade=""), row(2, "张三", "BH-ZS-02", "1002", grade="")]
    (sentence,) = refused(lists, "list.xlsx", xlsx_bytes(rows))
    assert "一等、二等" in sentence and "资助等级" in sentence
