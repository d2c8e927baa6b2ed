"""A streaming reader for the cells of an .xlsx file, on the standard library's expat parser.

openpyxl's read-only mode reads a 100,000-postdoc exchange workbook in about 34 s on a 2-core
machine; this reader reads the same cells with bounded memory (docs/decisions/0010). It reads
only what an import needs: sheet names, cell values (shared and inline strings, numbers,
booleans, dates by their number format) and whether a cell holds a formula. Merged cells in the
header row are found by scanning the sheet's XML for `mergeCell` ranges that start in it; hidden
sheets are named in `hidden`.

Memory is bounded by the stream, not by what the file expands to (issue 13): an .xlsx is a zip,
and a 1 MB upload can hold a 1 GiB cell. So the archive is refused by the sizes its members
declare before anything is read, and by what they really expand to while they are read; the XML
is parsed by expat's callbacks (no element tree kept), a cell's text is kept only up to the
cell limit (beyond it the cell is an `Oversized`, refused by the workbook reader with its place),
and markup that would make the parser itself buffer without bound (a tag longer than any cell,
comments, processing instructions, document type declarations, none of which a spreadsheet
program writes) is refused. CSV text is read record by record up to a line limit (`csv_records`). A refusal is a `ReadLimit` carrying its sentence.
"""

import codecs
import csv
import datetime as dt
import functools
import io
import posixpath
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Any, NoReturn
from xml.parsers import expat  # noqa: S408 - no DTD is accepted (see _parse_chunks), so nothing expands

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format

from core.errors import DomainError

# Built-in number formats that are dates: the ones openpyxl knows, plus the East Asian ones
# (27–36, 50–58) that Chinese Excel and WPS write for 2023年6月1日 and the like.
_CJK_DATE_FORMATS = set(range(27, 37)) | set(range(50, 59))
_REFERENCE = re.compile(r"([A-Z]+)(\d+)")
_DIGITS = "0123456789"
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_EXCEL_EPOCH_1904 = dt.date(1904, 1, 1)
_OFFICE_DOCUMENT = "officeDocument"
_RELATIONSHIPS_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

EXCEL_MAX_ROWS = 1_048_576  # Excel's own limits for one sheet
EXCEL_MAX_COLUMNS = 16_384
EXCEL_MAX_CELL_FORMATS = 65_490
# The package's small parts (workbook, relationships, styles) are read whole; none is near this.
MAX_METADATA_PART_BYTES = 16 * 1024 * 1024
# Members in one archive: an .xlsx has dozens, a .zip of CSV files one per sheet.
MAX_ARCHIVE_MEMBERS = 10_000
CHUNK_BYTES = 1 << 16
# The longest character reference (`&#x10FFFF;`): a cell of N characters is at most this many bytes
# per character in the XML. No tag (its attributes) is accepted longer than a cell could be.
_BYTES_PER_CHARACTER = 10


class NotAWorkbook(Exception):
    """The file is not an .xlsx workbook this reader can open."""


class ReadLimit(DomainError):
    """A file read as far as a limit on what it may expand to, or as far as damage found only while
    it is read; `message` says which (the limit and its number, or the place).
    A DomainError, so that every reader of uploads refuses it the way it refuses other files."""


class Oversized(str):
    """A cell whose text passed the cell limit: only its first characters are kept (the cell is
    refused; `limit` says the limit it passed)."""

    limit: int

    def __new__(cls, head: str, limit: int) -> "Oversized":
        text = super().__new__(cls, head[:40] + "…")
        text.limit = limit
        return text


@dataclass(frozen=True)
class Limits:
    """What reading an upload may hold: a cell's characters, a CSV record's characters, the bytes
    an archive may expand to, the bytes of shared strings kept in memory (settings, with Excel's
    own limit for a cell)."""

    cell_chars: int = 32_767
    line_chars: int = 1_000_000
    expanded_bytes: int = 1024 * 1024 * 1024
    shared_strings_bytes: int = 256 * 1024 * 1024

    @classmethod
    def from_settings(cls) -> "Limits":
        mb = 1024 * 1024
        # config/settings.py states them; the defaults here keep a settings module without them working.
        return cls(
            cell_chars=int(getattr(settings, "IMPORT_MAX_CELL_CHARS", cls.cell_chars)),
            line_chars=int(getattr(settings, "IMPORT_MAX_LINE_CHARS", cls.line_chars)),
            expanded_bytes=int(getattr(settings, "IMPORT_MAX_EXPANDED_MB", cls.expanded_bytes // mb)) * mb,
            shared_strings_bytes=int(getattr(settings, "IMPORT_MAX_SHARED_STRINGS_MB", cls.shared_strings_bytes // mb))
            * mb,
        )


Cell = tuple[Any, bool]  # (value, whether the cell holds a formula)


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


@functools.cache
def _column_index(letters: str) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index - 1


def _size(number: int) -> str:
    return str(filesizeformat(number)).replace("\xa0", " ")


# ---------------------------------------------------------------------------------------------
# Archives: declared and real sizes


def check_archive(archive: zipfile.ZipFile, name: str, limits: Limits) -> None:
    """Refuses an archive by the sizes its members declare, before any is read."""
    members = archive.infolist()
    total = sum(info.file_size for info in members)
    largest = max(members, key=lambda info: info.file_size, default=None)
    if largest is not None and largest.file_size > limits.expanded_bytes:
        raise ReadLimit(
            _("The file %(member)s in %(name)s would expand to %(size)s; at most %(limit)s is read.")
            % {
                "member": largest.filename,
                "name": name,
                "size": _size(largest.file_size),
                "limit": _size(limits.expanded_bytes),
            }
        )
    if total > limits.expanded_bytes:
        raise ReadLimit(
            _("The archive %(name)s would expand to %(size)s; at most %(limit)s is read.")
            % {"name": name, "size": _size(total), "limit": _size(limits.expanded_bytes)}
        )


def open_archive(path: str, name: str, limits: Limits) -> zipfile.ZipFile:
    """A zip archive whose member count and declared sizes are within the limits (ReadLimit
    otherwise); zipfile.BadZipFile for what is no zip."""
    with open(path, "rb") as stream:
        end = zipfile._EndRecData(stream)  # type: ignore[attr-defined] # the count, before the directory is read
    if end is None:
        raise zipfile.BadZipFile("File is not a zip file")
    count = end[zipfile._ECD_ENTRIES_TOTAL]  # type: ignore[attr-defined]  # private, as above
    if count > MAX_ARCHIVE_MEMBERS:
        raise ReadLimit(
            _("The archive %(name)s holds %(count)s files; at most %(max)s are read.")
            % {"name": name, "count": f"{count:,}", "max": f"{MAX_ARCHIVE_MEMBERS:,}"}
        )
    archive = zipfile.ZipFile(path)
    try:
        check_archive(archive, name, limits)
    except BaseException:
        archive.close()
        raise
    return archive


class BoundedMember(io.RawIOBase):
    """An archive member's bytes, refused (ReadLimit) where they expand beyond what the member
    declares or the limit, or where the archive is damaged: zipfile cuts a member at its declared
    size and only then finds the checksum wrong. Wrap it in io.BufferedReader for text."""

    def __init__(self, archive: zipfile.ZipFile, member: str | zipfile.ZipInfo, limit: int) -> None:
        super().__init__()
        self.info = member if isinstance(member, zipfile.ZipInfo) else archive.getinfo(member)
        self.stream = archive.open(self.info)
        self.limit = limit
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        try:
            data = self.stream.read(len(buffer))
        except (zipfile.BadZipFile, zlib.error, EOFError) as error:
            raise ReadLimit(
                _(
                    "The file %(member)s in the archive is damaged or expands beyond the %(size)s it declares "
                    "(%(error)s); nothing was imported."
                )
                % {"member": self.info.filename, "size": _size(self.info.file_size), "error": error}
            ) from error
        self.read_bytes += len(data)
        if self.read_bytes > self.info.file_size:
            raise ReadLimit(
                _("The file %(member)s in the archive expands beyond the %(size)s it declares; nothing was imported.")
                % {"member": self.info.filename, "size": _size(self.info.file_size)}
            )
        if self.read_bytes > self.limit:
            raise ReadLimit(
                _("The file %(member)s expands beyond %(limit)s; at most %(limit)s is read.")
                % {"member": self.info.filename, "limit": _size(self.limit)}
            )
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self.stream.close()
        super().close()


def open_member(archive: zipfile.ZipFile, member: zipfile.ZipInfo, limits: Limits) -> IO[bytes]:
    """A member's bytes as a buffered stream, bounded as BoundedMember bounds them."""
    return io.BufferedReader(BoundedMember(archive, member, limits.expanded_bytes), CHUNK_BYTES)


# ---------------------------------------------------------------------------------------------
# CSV text: records of bounded length


class CappedLines:
    """A text stream's lines for csv.reader, refused (ReadLimit) where one record would hold more
    than `limit` characters: the csv module, and the text stream under it, would otherwise hold a
    whole line however long (a zipped 1 GiB line). Call `record_read()` after each record."""

    def __init__(self, text: IO[str], limit: int, name: str) -> None:
        self.text, self.limit, self.name = text, limit, name
        self.held = 0
        self.record = 1

    def __iter__(self) -> "CappedLines":
        return self

    def __next__(self) -> str:
        line = self.text.readline(self.limit - self.held + 1)
        if not line:
            raise StopIteration
        self.held += len(line)
        if self.held > self.limit:
            raise ReadLimit(
                _(
                    "Row %(row)s of %(name)s holds more than %(limit)s characters; "
                    "a line of a CSV file may hold at most %(limit)s characters."
                )
                % {"row": f"{self.record:,}", "name": self.name, "limit": f"{self.limit:,}"}
            )
        return line

    def record_read(self) -> None:
        self.held = 0
        self.record += 1


def csv_encoding(open_bytes: Callable[[], IO[bytes]]) -> str:
    """UTF-8 (with or without BOM) if the whole file decodes as such, else GB 18030 (WPS on Windows)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with open_bytes() as stream:
        try:
            while chunk := stream.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "gb18030"
    return "utf-8-sig"


def csv_records(stream: IO[bytes], encoding: str, name: str, limits: Limits | None = None) -> Iterator[list[str]]:
    """The records of a CSV file's bytes, each at most `limits.line_chars` characters."""
    limits = limits or Limits.from_settings()
    # A field is never longer than its record: the csv module's own limit must not refuse first.
    if csv.field_size_limit() <= limits.line_chars:
        csv.field_size_limit(limits.line_chars + 1)
    lines = CappedLines(
        io.TextIOWrapper(stream, encoding=encoding, errors="replace", newline=""), limits.line_chars, name
    )
    for record in csv.reader(lines):
        lines.record_read()
        yield record


# ---------------------------------------------------------------------------------------------
# XML, parsed by callbacks


# Markup no spreadsheet program writes and that expat would hold whole (a comment, a processing
# instruction) or use to expand entities (a document type declaration); CDATA is streamed.
_UNWRITTEN_MARKUP = re.compile(rb"<(?:\?|!(?!\[CDATA\[))")
_LOOKAHEAD = 9


def _parse_chunks(parser: Any, stream: "io.RawIOBase | IO[bytes]", part: str, span: int) -> Iterator[None]:
    """Feeds the part's bytes to expat chunk by chunk (yielding after each), refused where expat
    would have to buffer more than `span` bytes at once. Text is handed on as it comes (the
    handlers keep at most a cell's worth of it), but a tag is held whole until its end: a tag no
    event has come from for `span` bytes (`CurrentByteIndex` is where the last event began) is
    one no spreadsheet program writes, so the part is refused there rather than buffered."""
    tail = b""
    offset = 0
    while chunk := stream.read(CHUNK_BYTES):
        data = tail + chunk
        for match in _UNWRITTEN_MARKUP.finditer(data, 0, max(len(data) - _LOOKAHEAD, 0)):
            _refuse_markup(part, offset - len(tail) + match.start())
        tail = data[max(len(data) - _LOOKAHEAD, 0) :]
        offset += len(chunk)
        parser.Parse(chunk, False)
        if offset - parser.CurrentByteIndex > span:
            raise ReadLimit(
                _(
                    "The part %(part)s of the workbook holds a tag of more than %(limit)s; "
                    "no spreadsheet program writes one, and it was not read."
                )
                % {"part": part, "limit": _size(span)}
            )
        yield
    for match in _UNWRITTEN_MARKUP.finditer(tail):
        _refuse_markup(part, offset - len(tail) + match.start())
    parser.Parse(b"", True)


def _refuse_markup(part: str, position: int) -> None:
    if position <= 3:  # the XML declaration, after a byte-order mark
        return
    raise ReadLimit(
        _(
            "The part %(part)s of the workbook holds a comment, a processing instruction or a document type "
            "declaration, which no spreadsheet program writes; the file was not read. Save it again from Excel or WPS."
        )
        % {"part": part}
    )


def _parser() -> Any:
    parser = expat.ParserCreate(namespace_separator="}")
    parser.buffer_text = True
    parser.buffer_size = CHUNK_BYTES
    # Text is handed on (and dropped) as it comes, so that CurrentByteIndex moves with it.
    parser.CharacterDataHandler = _ignore
    return parser


def _ignore(data: str) -> None:
    pass


class XlsxReader:
    """Opens a workbook: `sheets` lists (title, part); `rows(part)` streams a sheet's rows."""

    def __init__(self, path: str, limits: Limits | None = None, name: str = "") -> None:
        self.limits = limits or Limits.from_settings()
        self.name = name or posixpath.basename(path)
        try:
            self.archive = open_archive(path, self.name, self.limits)
        except (zipfile.BadZipFile, OSError, ValueError) as error:
            raise NotAWorkbook from error
        try:
            self._read_workbook()
        except ReadLimit:
            self.archive.close()
            raise
        except (zipfile.BadZipFile, KeyError, NotAWorkbook, expat.ExpatError, ValueError, OSError) as error:
            self.archive.close()
            raise NotAWorkbook from error

    def close(self) -> None:
        self.archive.close()

    def _stream(self, part: str, limit: int | None = None) -> BoundedMember:
        return BoundedMember(self.archive, part, min(limit or self.limits.expanded_bytes, self.limits.expanded_bytes))

    def _span(self) -> int:
        # The longest tag accepted: a tag holds no cell text, and no attribute comes near a cell's length.
        return self.limits.cell_chars * _BYTES_PER_CHARACTER + 4096

    def _parse(self, part: str, parser: Any, limit: int | None = None) -> None:
        if limit is not None and self.archive.getinfo(part).file_size > limit:
            raise ReadLimit(
                _("The part %(part)s of the workbook is larger than %(limit)s; no workbook needs that much.")
                % {"part": part, "limit": _size(limit)}
            )
        with self._stream(part, limit) as stream:
            for _chunk in _parse_chunks(parser, stream, part, self._span()):
                pass

    def _walk(self, part: str, start: Callable[[str, dict[str, str]], None]) -> None:
        """Calls `start(local name, attributes)` for every element of a small part."""
        parser = _parser()
        local = _local
        parser.StartElementHandler = lambda name, attrs: start(local(name), attrs)
        self._parse(part, parser, MAX_METADATA_PART_BYTES)

    def _relationships(self, part: str) -> dict[str, tuple[str, str]]:
        """Relationship id → (type, target part) for a part."""
        folder, name = posixpath.split(part)
        rels = posixpath.join(folder, "_rels", name + ".rels")
        if rels not in self.archive.namelist():
            return {}
        found = {}

        def start(tag: str, attrs: dict[str, str]) -> None:
            if tag != "Relationship":
                return
            target = attrs.get("Target", "")
            target = (
                target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
            )
            found[attrs.get("Id", "")] = (attrs.get("Type", "").rpartition("/")[2], target)

        self._walk(rels, start)
        return found

    def _read_workbook(self) -> None:
        package = self._relationships("")
        workbook_part = next((t for kind, t in package.values() if kind == _OFFICE_DOCUMENT), "xl/workbook.xml")
        relationships = self._relationships(workbook_part)
        self.date1904 = False
        self.sheets: list[tuple[str, str]] = []
        self.hidden: set[str] = set()  # the parts of sheets hidden in Excel

        def start(tag: str, attrs: dict[str, str]) -> None:
            if tag == "workbookPr" and attrs.get("date1904") in ("1", "true"):
                self.date1904 = True
            elif tag == "sheet":
                rid = next((v for k, v in attrs.items() if _local(k) == "id"), "")
                kind, target = relationships.get(rid, ("", ""))
                if kind == "worksheet":
                    self.sheets.append((attrs.get("name", ""), target))
                    if attrs.get("state") in ("hidden", "veryHidden"):
                        self.hidden.add(target)

        self._walk(workbook_part, start)
        by_kind = dict(relationships.values())
        self.shared_strings = self._read_shared_strings(by_kind.get("sharedStrings"))
        self.date_styles = self._read_date_styles(by_kind.get("styles"))

    def _read_shared_strings(self, part: str | None) -> list[str]:
        """The shared strings, each kept up to the cell limit (an `Oversized` beyond it), all of
        them together up to the shared-strings limit."""
        if not part:
            return []
        strings: list[str] = []
        cap, budget = self.limits.cell_chars, self.limits.shared_strings_bytes
        state = {"in_rph": 0, "capture": False, "length": 0, "held": 0}
        parts: list[str] = []

        def start(name: str, attrs: dict[str, str]) -> None:
            tag = _local(name)
            if tag == "si":
                parts.clear()
                state["length"] = 0
            elif tag == "rPh":
                state["in_rph"] += 1
            elif tag == "t" and not state["in_rph"]:
                state["capture"] = True

        def end(name: str) -> None:
            tag = _local(name)
            if tag == "t":
                state["capture"] = False
            elif tag == "rPh":
                state["in_rph"] -= 1
            elif tag == "si":
                text = "".join(parts)
                value = Oversized(text, cap) if state["length"] > cap else text
                state["held"] += len(value) * 2 + 64  # a str's characters and its overhead, roughly
                if state["held"] > budget:
                    raise ReadLimit(
                        _(
                            "The workbook's shared strings (the text Excel keeps once for all cells) need more than "
                            "%(limit)s; at most %(limit)s is read. Save the sheets as CSV files in a .zip instead."
                        )
                        % {"limit": _size(budget)}
                    )
                strings.append(value)
                parts.clear()

        def characters(data: str) -> None:
            if state["capture"]:
                length = state["length"]
                if length <= cap:
                    parts.append(data[: cap + 1 - length])
                state["length"] = length + len(data)

        parser = _parser()
        parser.StartElementHandler, parser.EndElementHandler = start, end
        parser.CharacterDataHandler = characters
        self._parse(part, parser)
        return strings

    def _read_date_styles(self, part: str | None) -> set[int]:
        """Indexes of the cell styles whose number format shows a date."""
        if not part:
            return set()
        formats: dict[int, str] = dict(BUILTIN_FORMATS)
        cell_formats: list[int] = []
        depth = {"cellXfs": 0, "level": 0, "at": -1}

        def start(name: str, attrs: dict[str, str]) -> None:
            depth["level"] += 1
            tag = _local(name)
            if tag == "numFmt":
                formats[int(attrs.get("numFmtId", "0"))] = attrs.get("formatCode", "")
            elif tag == "cellXfs":
                depth["at"] = depth["level"]
            elif (
                tag == "xf"
                and depth["at"] >= 0
                and depth["level"] == depth["at"] + 1
                and len(cell_formats) < EXCEL_MAX_CELL_FORMATS
            ):
                cell_formats.append(int(attrs.get("numFmtId", "0")))

        def end(name: str) -> None:
            if depth["level"] == depth["at"]:
                depth["at"] = -1
            depth["level"] -= 1

        parser = _parser()
        parser.StartElementHandler, parser.EndElementHandler = start, end
        self._parse(part, parser, MAX_METADATA_PART_BYTES)
        return {
            index
            for index, format_id in enumerate(cell_formats)
            if format_id in _CJK_DATE_FORMATS or is_date_format(formats.get(format_id, ""))
        }

    def part_size(self, part: str) -> int:
        return self.archive.getinfo(part).file_size

    def row_is_merged(self, part: str, row: int) -> bool:
        """Whether a merged range starts in a row (the header's); mergeCells follow the data, so
        the sheet's bytes are scanned rather than parsed."""
        pattern = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="[A-Z]+' + str(row).encode() + rb":")
        tail = b""
        with self._stream(part) as stream:
            while chunk := stream.read(1 << 20):
                if pattern.search(tail + chunk):
                    return True
                tail = chunk[-200:]
        return False

    def rows(self, part: str) -> Iterator[tuple[int, list[Cell]]]:
        """(row number, cells) for every row that has cells; cells are dense, from column A."""
        sheet = _SheetParser(self, part)
        parser = _parser()
        parser.StartElementHandler, parser.EndElementHandler = sheet.start, sheet.end
        parser.CharacterDataHandler = sheet.characters
        with self._stream(part) as stream:
            try:
                for _chunk in _parse_chunks(parser, stream, part, self._span()):
                    if sheet.done:
                        yield from sheet.done
                        sheet.done = []
            except expat.ExpatError as error:  # found only as far as the sheet is read
                sheet._damaged(str(error))
            yield from sheet.done

    def _epoch(self) -> dt.date:
        return _EXCEL_EPOCH_1904 if self.date1904 else _EXCEL_EPOCH

    def sheet_title(self, part: str) -> str:
        return next((title for title, p in self.sheets if p == part), part)


class _SheetParser:
    """expat's callbacks for a sheet: rows of cells, each finished row in `done`."""

    def __init__(self, reader: XlsxReader, part: str) -> None:
        self.reader, self.part = reader, part
        self.strings, self.date_styles, self.epoch = reader.shared_strings, reader.date_styles, reader._epoch()
        self.cap = reader.limits.cell_chars
        self.done: list[tuple[int, list[Cell]]] = []
        self.cells: list[Cell] = []
        self.row_number = 0
        self.text: list[str] = []
        self.length = 0
        self.capture = False
        self.in_rph = 0
        self.kind: str | None = None
        self.style: str | None = None
        self.reference: str | None = None
        self.formula = False
        self.raw: str | None = None
        self.inline: str | None = None
        self.tags: dict[str, str] = {}
        # The characters of the row's own text (inline strings, values): a row of 16,384 cells each
        # just under the cell limit would otherwise hold half a GiB.
        self.row_chars = 0
        self.row_limit = reader.limits.line_chars

    def _tag(self, name: str) -> str:
        tag = self.tags.get(name)
        if tag is None:
            tag = self.tags[name] = _local(name)
        return tag

    def start(self, name: str, attrs: dict[str, str]) -> None:
        tag = self.tags.get(name) or self._tag(name)
        if tag == "c":
            self.kind, self.style, self.reference = attrs.get("t"), attrs.get("s"), attrs.get("r")
            self.formula, self.raw, self.inline = False, None, None
        elif tag == "v":
            self.text, self.length, self.capture = [], 0, True
        elif tag == "row":
            number = attrs.get("r")
            self.row_number = int(number) if number and number.isdigit() else self.row_number + 1
            if self.row_number > EXCEL_MAX_ROWS:
                raise ReadLimit(
                    _(
                        "Sheet %(sheet)s has a row numbered beyond %(max)s, the most rows a sheet may hold (Excel's own limit)."
                    )
                    % {"sheet": self.reader.sheet_title(self.part), "max": f"{EXCEL_MAX_ROWS:,}"}
                )
            self.cells = []
            self.row_chars = 0
        elif tag == "f":
            self.formula = True
        elif tag == "is":
            self.inline = ""
            self.text, self.length = [], 0
        elif tag == "t" and self.inline is not None and not self.in_rph:
            self.capture = True
        elif tag == "rPh":
            self.in_rph += 1

    def characters(self, data: str) -> None:
        if self.capture:
            length = self.length
            if length <= self.cap:
                self.text.append(data[: self.cap + 1 - length])
            self.length = length + len(data)

    def _held(self) -> str:
        text = "".join(self.text)
        return Oversized(text, self.cap) if self.length > self.cap else text

    def end(self, name: str) -> None:
        tag = self.tags.get(name) or self._tag(name)
        if tag == "c":
            cells = self.cells
            if self.reference:
                index = _column_index(self.reference.rstrip(_DIGITS))
                if index >= EXCEL_MAX_COLUMNS:
                    self._too_wide()
                if index > len(cells):
                    cells.extend([(None, False)] * (index - len(cells)))
            elif len(cells) >= EXCEL_MAX_COLUMNS:
                self._too_wide()
            value = self._value()
            if isinstance(value[0], str) and self.kind != "s":  # a shared string is held once, in the table
                self.row_chars += len(value[0])
                if self.row_chars > self.row_limit:
                    self._too_long()
            cells.append(value)
        elif tag == "v":
            self.raw = self._held() or None
            self.capture = False
        elif tag == "row":
            if self.cells:
                self.done.append((self.row_number, self.cells))
            self.cells = []
        elif tag == "t":
            self.capture = False
        elif tag == "is":
            self.inline = self._held()
            self.capture = False
        elif tag == "rPh":
            self.in_rph -= 1

    def _damaged(self, what: str) -> NoReturn:
        raise ReadLimit(
            _("Sheet %(sheet)s of the workbook is damaged (%(what)s, row %(row)s); save it again from Excel or WPS.")
            % {"sheet": self.reader.sheet_title(self.part), "what": what, "row": self.row_number}
        )

    def _too_long(self) -> None:
        raise ReadLimit(
            _("Row %(row)s of sheet %(sheet)s holds more than %(limit)s characters; a row may hold at most %(limit)s.")
            % {"row": self.row_number, "sheet": self.reader.sheet_title(self.part), "limit": f"{self.row_limit:,}"}
        )

    def _too_wide(self) -> None:
        raise ReadLimit(
            _(
                "Row %(row)s of sheet %(sheet)s has a cell beyond column XFD, the most columns a sheet may hold (Excel's own limit)."
            )
            % {"row": self.row_number, "sheet": self.reader.sheet_title(self.part)}
        )

    def _value(self) -> Cell:
        kind, raw, formula = self.kind, self.raw, self.formula
        if kind == "inlineStr":
            return (self.inline or "", formula)
        if raw is None:
            return (None, formula)
        if isinstance(raw, Oversized):
            return (raw, formula)
        if kind == "s":
            try:
                return (self.strings[int(raw)], formula)
            except (ValueError, IndexError):
                self._damaged(_("a cell refers to a shared text the workbook does not hold"))
        if kind in ("str", "e", "d"):
            return (raw, formula)
        if kind == "b":
            return (raw == "1", formula)
        try:
            number: int | float = int(raw) if raw.lstrip("-").isdigit() else float(raw)
        except ValueError:  # no number (or more digits than Python converts): the importer names it
            return (raw, formula)
        style = self.style
        if style is not None and style.isdigit() and int(style) in self.date_styles:
            whole = int(number)
            try:
                day = self.epoch + dt.timedelta(days=whole)
            except OverflowError:
                # Past 9999-12-31 (Excel's last date): not a date Excel could show, such as 20260305
                # typed into a date-formatted cell. The number goes on; the importer reads it or
                # names the row's problem.
                return (number, formula)
            if number == whole:
                return (day, formula)
            seconds = round((number - whole) * 86400)
            return (dt.datetime.combine(day, dt.time()) + dt.timedelta(seconds=seconds), formula)
        return (number, formula)
