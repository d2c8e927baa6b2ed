"""The streaming .xlsx reader: the cell kinds Excel, WPS and openpyxl write."""

import datetime as dt
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from core.sheets.xlsx import NotAWorkbook, XlsxReader
from exchange.workbook import open_workbook, read_workbook

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _handmade(path: Path, sheet_xml: str, *, date1904: bool = False) -> Path:
    """A workbook as Excel writes it: shared strings, built-in number formats, sparse cells."""
    files = {
        "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
        "_rels/.rels": f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="r1" Type="{RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<workbook xmlns="{MAIN}" xmlns:r="{RELS}"><workbookPr date1904="{int(date1904)}"/><sheets><sheet name="博士后" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="{RELS}/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="{RELS}/sharedStrings" Target="sharedStrings.xml"/><Relationship Id="rId3" Type="{RELS}/styles" Target="styles.xml"/></Relationships>',
        "xl/sharedStrings.xml": f'<sst xmlns="{MAIN}"><si><t>博士后编号</t></si><si><r><t>进站</t></r><r><t>时间</t></r></si><si><t>BH0001</t><rPh><t>ハ</t></rPh></si></sst>',
        # Style 1: built-in 31 (yyyy年m月d日), style 2: built-in 14 (a date), style 3: a number.
        "xl/styles.xml": f'<styleSheet xmlns="{MAIN}"><cellXfs count="4"><xf numFmtId="0"/><xf numFmtId="31"/><xf numFmtId="14"/><xf numFmtId="2"/></cellXfs></styleSheet>',
        "xl/worksheets/sheet1.xml": f'<worksheet xmlns="{MAIN}"><sheetData>{sheet_xml}</sheetData></worksheet>',
    }
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return path


def test_cells_as_excel_writes_them(tmp_path: Path) -> None:
    sheet = (
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="C1" t="s"><v>1</v></c></row>'
        '<row r="3"><c r="A3" t="s"><v>2</v></c><c r="B3" t="b"><v>1</v></c>'
        '<c r="C3" s="1"><v>45078</v></c><c r="D3" s="2"><v>45078.5</v></c><c r="E3" s="3"><v>710</v></c>'
        '<c r="F3" t="inlineStr"><is><t>内联</t></is></c><c r="G3"><f>1+1</f><v>2</v></c></row>'
    )
    reader = XlsxReader(str(_handmade(tmp_path / "a.xlsx", sheet)))
    assert reader.sheets == [("博士后", "xl/worksheets/sheet1.xml")]
    rows = list(reader.rows(reader.sheets[0][1]))
    assert rows[0] == (1, [("博士后编号", False), (None, False), ("进站时间", False)])
    number, cells = rows[1]
    assert number == 3  # the row number as Excel shows it, though row 2 is absent
    assert cells[:6] == [
        ("BH0001", False),  # phonetic runs left out
        (True, False),
        (dt.date(2023, 6, 1), False),  # built-in East Asian date format 31
        (dt.datetime(2023, 6, 1, 12, 0), False),
        (710, False),
        ("内联", False),
    ]
    assert cells[6] == (2, True)  # a formula, flagged


def test_the_1904_date_system(tmp_path: Path) -> None:
    path = _handmade(tmp_path / "a.xlsx", '<row r="1"><c r="A1" s="1"><v>0</v></c></row>', date1904=True)
    reader = XlsxReader(str(path))
    assert next(reader.rows(reader.sheets[0][1]))[1] == [(dt.date(1904, 1, 1), False)]


@pytest.mark.parametrize("content", [b"", b"not a zip", b"PK\x03\x04broken"])
def test_what_is_not_a_workbook(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "a.xlsx"
    path.write_bytes(content)
    with pytest.raises(NotAWorkbook):
        XlsxReader(str(path))


def test_the_same_rows_as_openpyxl_reads(tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Units"
    rows = [["code", "name", "kind"], ["C1", "学院一", "college"], [710, "数字", "hospital"], [None, None, None]]
    rows.append(["C2", "=不是公式'", "institute"])
    for row in rows:
        sheet.append(row)
    sheet["D5"] = dt.date(2024, 2, 29)
    workbook.save(tmp_path / "a.xlsx")
    result = read_workbook(tmp_path / "a.xlsx")
    units = result.sheets["Units"].rows
    assert [(r.number, r.values["code"]) for r in units] == [(2, "C1"), (3, 710), (5, "C2")]
    assert any(p.row == 5 and "formula" in p.message for p in result.problems)


def test_a_downloaded_csv_keeps_its_sheet(tmp_path: Path) -> None:
    path = tmp_path / "stations-2026-11-28.csv"
    path.write_text("code,kind,name,unit_code,established_on\n", encoding="utf-8-sig")
    with open_workbook(path) as source:
        assert list(source.sheets) == ["Stations"]
