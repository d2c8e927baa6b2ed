"""Uploads built to expand: memory is bounded by the stream, not by what a file expands to (issue 13).

Each hostile file is built here, small on disk: a 1 GiB cell (shared or inline string) in a ~1 MB
.xlsx, a zipped CSV with a 1 GiB line, a zip whose declared size is a bomb and one that lies about
its size. They are read in a child process (`_read_in_child`), which reports the sentences it
refused them with and how far its memory grew: a reader that held the cell would grow by a GiB or
more, and a failing test must not take the test run's own process with it.
"""

import json
import os
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path
from typing import Any

import pytest

from exchange.importer import import_workbook
from exchange.workbook import open_workbook, read_workbook
from outputs import parsers
from tests.exchange.test_workbook import HEADERS, counts, problems_text, valid_sheets
from tests.factories import World

ROOT = Path(__file__).resolve().parents[2]
GIB = 1 << 30
MB = 1 << 20
# How far the child's peak memory may grow while it reads a hostile file (it reads 1 GiB).
BOUND_MB = 200
CHUNK = b"a" * MB


# ---------------------------------------------------------------------------------------------
# Building the files: deflate streams of a GiB without compressing a GiB


class Deflated:
    """A member's bytes as a raw deflate stream, assembled from pieces: compressing a 1 MiB run
    once and repeating its full-flushed blocks gives a GiB of `a` in about a MiB, in no time."""

    def __init__(self) -> None:
        self.blocks: list[bytes] = []
        self.crc = 0
        self.size = 0

    def text(self, data: bytes) -> "Deflated":
        compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
        self.blocks.append(compressor.compress(data) + compressor.flush(zlib.Z_FULL_FLUSH))
        self.crc = zlib.crc32(data, self.crc)
        self.size += len(data)
        return self

    def run(self, size: int) -> "Deflated":
        """`size` bytes of `a` (a multiple of a MiB)."""
        compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
        block = compressor.compress(CHUNK) + compressor.flush(zlib.Z_FULL_FLUSH)
        for _ in range(size // MB):
            self.blocks.append(block)
            self.crc = zlib.crc32(CHUNK, self.crc)
            self.size += MB
        return self

    def data(self) -> bytes:
        end = zlib.compressobj(9, zlib.DEFLATED, -15).flush(zlib.Z_FINISH)  # the final, empty block
        return b"".join(self.blocks) + end


def write_zip(path: Path, members: dict[str, Deflated | bytes], declared: dict[str, int] | None = None) -> Path:
    """A zip archive of deflated members; `declared` gives a member a size other than its own."""
    declared = declared or {}
    body, directory = bytearray(), bytearray()
    for name, member in members.items():
        deflated = member if isinstance(member, Deflated) else Deflated().text(member)
        data, raw = deflated.data(), name.encode()
        size = declared.get(name, deflated.size)
        fields = (20, 0, 8, 0, 0x21, deflated.crc, len(data), size, len(raw))
        offset = len(body)
        body += struct.pack("<IHHHHHIIIHH", 0x04034B50, *fields, 0) + raw + data
        directory += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, *fields, 0, 0, 0, 0, 0, offset) + raw
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(directory), len(body), 0)
    path.write_bytes(bytes(body + directory + end))
    return path


WORKBOOK = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    b'<sheets><sheet name="Projects" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
PACKAGE_RELS = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    b'Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK_RELS = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    b'Target="worksheets/sheet1.xml"/>'
    b'<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
    b'Target="sharedStrings.xml"/></Relationships>'
)
SHEET_HEAD = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
SHEET_TAIL = b"</sheetData></worksheet>"
SST_HEAD = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">'


def _inline(reference: str, text: str) -> bytes:
    return f'<c r="{reference}" t="inlineStr"><is><t>{text}</t></is></c>'.encode()


def _projects_rows(title: bytes | None = None) -> tuple[bytes, bytes]:
    """The Projects header row and a data row up to its `title` cell, and the rest of the data row:
    the huge cell goes between them."""
    header = HEADERS["Projects"]
    row = valid_sheets()["Projects"][1]
    letters = [chr(65 + i) for i in range(len(header))]
    head = b'<row r="1">' + b"".join(_inline(f"{c}1", h) for c, h in zip(letters, header, strict=True)) + b"</row>"
    at = header.index("title")
    cells = [_inline(f"{c}2", str(v)) for c, v in zip(letters, row, strict=True)]
    before = head + b'<row r="2">' + b"".join(cells[:at])
    after = b"".join(cells[at + 1 :]) + b"</row>"
    return before + (title or b""), after


def huge_shared_string_xlsx(path: Path, size: int = GIB) -> Path:
    before, after = _projects_rows(
        f'<c r="{chr(65 + HEADERS["Projects"].index("title"))}2" t="s"><v>0</v></c>'.encode()
    )
    sst = Deflated().text(SST_HEAD + b"<si><t>").run(size).text(b"</t></si></sst>")
    return write_zip(
        path,
        {
            "_rels/.rels": PACKAGE_RELS,
            "xl/workbook.xml": WORKBOOK,
            "xl/_rels/workbook.xml.rels": WORKBOOK_RELS,
            "xl/sharedStrings.xml": sst,
            "xl/worksheets/sheet1.xml": SHEET_HEAD + before + after + SHEET_TAIL,
        },
    )


def huge_inline_cell_xlsx(path: Path, size: int = GIB, declared: int | None = None) -> Path:
    column = chr(65 + HEADERS["Projects"].index("title"))
    before, after = _projects_rows(f'<c r="{column}2" t="inlineStr"><is><t>'.encode())
    sheet = Deflated().text(SHEET_HEAD + before).run(size).text(b"</t></is></c>" + after + SHEET_TAIL)
    return write_zip(
        path,
        {
            "_rels/.rels": PACKAGE_RELS,
            "xl/workbook.xml": WORKBOOK,
            "xl/_rels/workbook.xml.rels": WORKBOOK_RELS,
            "xl/sharedStrings.xml": SST_HEAD + b"</sst>",
            "xl/worksheets/sheet1.xml": sheet,
        },
        declared={"xl/worksheets/sheet1.xml": declared} if declared is not None else None,
    )


def _csv_rows(sheet: str) -> bytes:
    return "\n".join(",".join(str(v) for v in row) for row in valid_sheets()[sheet]).encode() + b"\n"


def csv_zip_with_a_huge_line(path: Path, size: int = GIB - MB) -> Path:
    """Postdocs.csv whose third line is `size` bytes of `a` (within the archive limit, so that the
    line limit is what refuses it)."""
    member = Deflated().text(_csv_rows("Postdocs")).run(size).text(b"\n")
    return write_zip(path, {"Postdocs.csv": member})


# ---------------------------------------------------------------------------------------------
# Reading them in a child process


CHILD = r"""
import json, os, resource, sys, tempfile
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
import django
django.setup()
from django.utils import translation
translation.activate("en")
import openpyxl  # imported before the baseline: the error workbook uses it
from exchange.annotated import write_error_workbook
from exchange.workbook import read_workbook
from awardlists.reading import read_list

path, readers = sys.argv[1], sys.argv[2].split(",")
def status(field):
    with open("/proc/self/status") as lines:
        return next(int(line.split()[1]) for line in lines if line.startswith(field + ":")) / 1024
def peak():
    # VmHWM is this program's own peak: ru_maxrss keeps, across exec, the RSS of the process that
    # started it (a pytest worker of 600 MB would show as this reader's peak).
    if os.path.exists("/proc/self/status"):
        return status("VmHWM")
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux
before = status("VmRSS") if os.path.exists("/proc/self/status") else peak()  # now, not the peak
said = {}
for reader in readers:
    if reader == "workbook":
        said[reader] = [p.message for p in read_workbook(path).problems]
    elif reader == "annotated":
        with tempfile.TemporaryDirectory() as folder:
            write_error_workbook(source=path, problems=[], target=os.path.join(folder, "e.xlsx"))
        said[reader] = []
    elif reader == "awardlist":
        said[reader] = [p.message for p in read_list(path).problems]
    elif reader == "control":  # what holding 300 MB looks like to this measure
        held = bytearray(300 * 1024 * 1024)
        held[::4096] = b"x" * len(held[::4096])
print(json.dumps({"said": said, "grown_mb": peak() - before, "peak_mb": peak()}))
"""


def _read_in_child(path: Path, readers: str = "workbook,annotated", **settings: int) -> dict[str, Any]:
    env = {**os.environ, **{name: str(value) for name, value in settings.items()}}
    env.pop("DATABASE_URL", None)  # nothing is written; the child needs no database
    done = subprocess.run(  # noqa: S603 - our own interpreter, our own script
        [sys.executable, "-c", CHILD, str(path), readers],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _bounded(result: dict[str, Any]) -> None:
    print(f"peak memory grew by {result['grown_mb']:.0f} MB, to {result['peak_mb']:.0f} MB")  # shown with -s
    assert result["grown_mb"] < BOUND_MB, f"the reader's memory grew by {result['grown_mb']:.0f} MB"


def _one(said: list[str], words: str) -> None:
    assert any(words in sentence for sentence in said), said


# ---------------------------------------------------------------------------------------------
# The files are small; what they expand to is refused, with the limit named


def test_the_measure_sees_a_reader_that_holds_what_it_reads(tmp_path: Path) -> None:
    result = _read_in_child(write_zip(tmp_path / "x.zip", {"a.csv": b"a"}), "control")
    assert result["grown_mb"] > BOUND_MB


def test_a_one_mb_xlsx_with_a_1_gib_shared_string_is_refused_by_its_declared_size(tmp_path: Path) -> None:
    path = huge_shared_string_xlsx(tmp_path / "cell.xlsx")
    assert path.stat().st_size < 2 * MB
    result = _read_in_child(path, "workbook,annotated,awardlist")
    _bounded(result)
    for reader in ("workbook", "awardlist"):
        _one(result["said"][reader], "The file xl/sharedStrings.xml in cell.xlsx would expand to 1.0 GB; at most")


def test_a_1_gib_shared_string_read_to_its_end_is_a_refused_cell_with_bounded_memory(tmp_path: Path) -> None:
    # With room to expand to 2 GiB, the reader streams the GiB and keeps the cell's first characters.
    path = huge_shared_string_xlsx(tmp_path / "cell.xlsx")
    result = _read_in_child(path, "workbook,annotated", IMPORT_MAX_EXPANDED_MB=2048)
    _bounded(result)
    _one(result["said"]["workbook"], "The cell holds more than 32767 characters; a cell may hold at most 32767.")


def test_a_1_gib_inline_cell_is_a_refused_cell_with_bounded_memory(tmp_path: Path) -> None:
    path = huge_inline_cell_xlsx(tmp_path / "inline.xlsx")
    assert path.stat().st_size < 2 * MB
    # The award-list reader reads the same cells (the sheet is no award list: bounded all the same).
    result = _read_in_child(path, "workbook,awardlist", IMPORT_MAX_EXPANDED_MB=2048)
    _bounded(result)
    _one(result["said"]["workbook"], "The cell holds more than 32767 characters")


def test_a_zipped_csv_with_a_1_gib_line_is_refused_by_the_line_limit(tmp_path: Path) -> None:
    path = csv_zip_with_a_huge_line(tmp_path / "lines.zip")
    assert path.stat().st_size < 2 * MB
    result = _read_in_child(path)
    _bounded(result)
    _one(
        result["said"]["workbook"],
        "Row 4 of Postdocs.csv holds more than 1,000,000 characters; a line of a CSV file may hold at most",
    )


def test_a_zip_bomb_by_declared_size_is_refused_before_anything_is_read(tmp_path: Path) -> None:
    path = write_zip(
        tmp_path / "bomb.zip", {"Postdocs.csv": _csv_rows("Postdocs")}, declared={"Postdocs.csv": 4 * GIB - 1}
    )
    said = [p.message for p in read_workbook(path).problems]
    assert said == ["The file Postdocs.csv in bomb.zip would expand to 4.0 GB; at most 1.0 GB is read."]


def test_a_zip_that_lies_about_its_size_is_refused_where_it_passes_it(tmp_path: Path) -> None:
    # Declares 64 KB, holds a GiB: read only as far as it declares, then refused.
    path = huge_inline_cell_xlsx(tmp_path / "liar.xlsx", declared=64 * 1024)
    result = _read_in_child(path, "workbook,annotated,awardlist")
    _bounded(result)
    for reader in ("workbook", "awardlist"):
        _one(
            result["said"][reader],
            "The file xl/worksheets/sheet1.xml in the archive is damaged or expands beyond the 64.0 KB it declares",
        )


def test_a_csv_zip_that_lies_about_its_size_is_refused(tmp_path: Path) -> None:
    data = _csv_rows("Postdocs") + b"a" * 200_000 + b"\n"
    path = write_zip(tmp_path / "liar.zip", {"Postdocs.csv": data}, declared={"Postdocs.csv": 1000})
    said = [p.message for p in read_workbook(path).problems]
    assert any("Postdocs.csv in the archive is damaged or expands beyond the 1000 bytes it declares" in s for s in said)


def test_markup_no_spreadsheet_writes_is_refused(tmp_path: Path) -> None:
    before, after = _projects_rows(b"")
    sheet = SHEET_HEAD + b'<!DOCTYPE x [<!ENTITY a "aaaa">]>' + before + after + SHEET_TAIL
    members = {
        "_rels/.rels": PACKAGE_RELS,
        "xl/workbook.xml": WORKBOOK,
        "xl/_rels/workbook.xml.rels": WORKBOOK_RELS,
        "xl/sharedStrings.xml": SST_HEAD + b"</sst>",
        "xl/worksheets/sheet1.xml": sheet,
    }
    said = [p.message for p in read_workbook(write_zip(tmp_path / "dtd.xlsx", members)).problems]
    assert any("holds a comment, a processing instruction or a document type declaration" in s for s in said), said


def test_a_tag_longer_than_any_cell_is_refused(tmp_path: Path) -> None:
    before, after = _projects_rows(b'<c r="Z2" t="inlineStr" x="' + b"a" * (2 * MB) + b'"/>')
    members = {
        "_rels/.rels": PACKAGE_RELS,
        "xl/workbook.xml": WORKBOOK,
        "xl/_rels/workbook.xml.rels": WORKBOOK_RELS,
        "xl/sharedStrings.xml": SST_HEAD + b"</sst>",
        "xl/worksheets/sheet1.xml": SHEET_HEAD + before + after + SHEET_TAIL,
    }
    said = [p.message for p in read_workbook(write_zip(tmp_path / "tag.xlsx", members)).problems]
    assert any("The part xl/worksheets/sheet1.xml of the workbook holds a tag of more than" in s for s in said), said


# ---------------------------------------------------------------------------------------------
# Through the importer and the other readers: the sentence, never an unexpected error


@pytest.mark.django_db
def test_the_importer_refuses_a_long_csv_line_with_its_sentence_and_writes_nothing(
    world: World, tmp_path: Path, settings: Any
) -> None:
    settings.IMPORT_MAX_LINE_CHARS = 10_000
    before = counts()
    data = _csv_rows("Postdocs") + b"x" * 20_000 + b"\n"
    path = tmp_path / "Postdocs.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("Postdocs.csv", data)
    report = import_workbook(path=path, institution=world.institution, by=world.admin)
    assert not report.ok
    assert "Row 4 of Postdocs.csv holds more than 10,000 characters" in problems_text(report)
    assert counts() == before


@pytest.mark.django_db
def test_the_importer_refuses_a_zip_bomb_with_its_sentence(world: World, tmp_path: Path, settings: Any) -> None:
    settings.IMPORT_MAX_EXPANDED_MB = 1
    path = write_zip(tmp_path / "bomb.zip", {"Postdocs.csv": Deflated().text(_csv_rows("Postdocs")).run(2 * MB)})
    report = import_workbook(path=path, institution=world.institution, by=world.admin)
    assert "The file Postdocs.csv in bomb.zip would expand to 2.0 MB; at most 1.0 MB is read." in problems_text(report)


def test_a_sheet_refused_while_its_rows_stream_says_so_as_a_problem(tmp_path: Path, settings: Any) -> None:
    # Past the rows the header is looked for in: the header is read, the rows stream and stop there.
    settings.IMPORT_MAX_LINE_CHARS = 10_000
    rows = _csv_rows("Postdocs")
    data = rows + rows.split(b"\n", 1)[1] * 5 + b"x" * 20_000 + b"\n"
    path = tmp_path / "Postdocs.csv"
    path.write_bytes(data)
    with open_workbook(path) as source:
        problems: list[Any] = []
        read = list(source.sheets["Postdocs"].rows(problems))
    assert len(read) == 12
    assert [p.message for p in problems] == [
        "Row 14 of Postdocs.csv holds more than 10,000 characters; a line of a CSV file may hold at most 10,000 "
        "characters."
    ]


def test_a_reference_file_with_a_long_line_is_refused(settings: Any) -> None:
    settings.IMPORT_MAX_LINE_CHARS = 1000
    text = "TY  - JOUR\nTI  - " + "x" * 2000 + "\nER  - \n"
    parsed = parsers.parse(text.encode(), parsers.RIS)
    assert parsed.problems == ["Line 2 of the file holds more than 1,000 characters; a line may hold at most 1,000."]
    assert parsers.parse(text, parsers.RIS).problems == parsed.problems


@pytest.mark.django_db
def test_an_award_list_csv_with_a_long_line_is_refused(settings: Any, tmp_path: Path) -> None:
    from awardlists.reading import read_list

    settings.IMPORT_MAX_LINE_CHARS = 1000
    path = tmp_path / "list.csv"
    path.write_text("序号,设站单位名称,姓名,一级学科\n1,北京大学," + "长" * 2000 + ",数学\n", encoding="utf-8")
    said = [p.message for p in read_list(path).problems]
    assert said == [
        "Row 2 of list.csv holds more than 1,000 characters; a line of a CSV file may hold at most 1,000 characters."
    ]


def _projects_xlsx(path: Path, data_row: bytes) -> Path:
    header, _rest = _projects_rows(b"")
    header = header.split(b'<row r="2">')[0]
    members = {
        "_rels/.rels": PACKAGE_RELS,
        "xl/workbook.xml": WORKBOOK,
        "xl/_rels/workbook.xml.rels": WORKBOOK_RELS,
        "xl/sharedStrings.xml": SST_HEAD + b"<si><t>one</t></si></sst>",
        "xl/worksheets/sheet1.xml": SHEET_HEAD + header + data_row + SHEET_TAIL,
    }
    return write_zip(path, members)


def test_a_row_of_many_long_cells_is_refused_by_the_row_limit(tmp_path: Path, settings: Any) -> None:
    settings.IMPORT_MAX_LINE_CHARS = 1000
    row = b'<row r="2">' + b"".join(_inline(f"A{i}", "x" * 400) for i in range(3)) + b"</row>"
    said = [p.message for p in read_workbook(_projects_xlsx(tmp_path / "row.xlsx", row)).problems]
    assert said == ["Row 2 of sheet Projects holds more than 1,000 characters; a row may hold at most 1,000."]


@pytest.mark.parametrize(
    ("row", "words"),
    [
        (b'<row r="2"><c r="A2" t="s"><v>7</v></c></row>', "a cell refers to a shared text the workbook does not hold"),
        (b'<row r="2"><c r="A2"><v>1</v></row>', "mismatched tag"),
    ],
)
def test_a_sheet_damaged_past_its_header_is_a_problem_not_an_error(tmp_path: Path, row: bytes, words: str) -> None:
    said = [p.message for p in read_workbook(_projects_xlsx(tmp_path / "bad.xlsx", row)).problems]
    assert any("Sheet Projects of the workbook is damaged" in s and words in s for s in said), said


def test_a_number_cell_holding_no_number_is_read_as_its_text(tmp_path: Path) -> None:
    row = b'<row r="2"><c r="A2"><v>P1x</v></c><c r="B2" s="x"><v>' + b"9" * 5000 + b"</v></c></row>"
    result = read_workbook(_projects_xlsx(tmp_path / "text.xlsx", row))
    assert not result.problems, [p.message for p in result.problems]
    (read,) = result.sheets["Projects"].rows
    assert read.values["project_no"] == "P1x" and read.values["title"] == "9" * 5000
