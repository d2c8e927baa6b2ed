"""Reading the exchange workbook (shared/spec/exchange-workbook.md): forgiving about form.

`open_workbook` opens an `.xlsx` (read by `core.sheets.xlsx`) or a folder / `.zip` of CSV files (one
per sheet, the file name being the sheet name), reads each sheet's header and then streams its rows,
keyed by canonical column names. Problems of
form that make a file unreadable (formulas, merged headers, a missing required column, an empty
or broken file, an oversized cell) become `Problem`s; meaning is checked by the importer.
"""

import functools
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any

from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

from core.sheets.cells import MAX_CELL_CHARS, Notices, Problem, cell_text, normalise
from core.sheets.specs import SheetSpec
from core.sheets.xlsx import (
    Limits,
    NotAWorkbook,
    Oversized,
    ReadLimit,
    XlsxReader,
    csv_encoding,
    csv_records,
    open_archive,
    open_member,
)
from exchange.layout import (
    HEADER_SEARCH_ROWS,
    SHEET_BY_NAME,
    find_header,
    header_column,
    header_scale,
    is_export_only,
    is_row_number_header,
    missing_columns,
    place_by_header,
    sheet_names_expected,
    sheet_spec,
)


@dataclass
class Row:
    number: int  # as the spreadsheet shows it (header = 1)
    values: dict[str, Any]
    # Columns whose cell is already named as a problem of form (a formula, an error value): the
    # importer says nothing more about them, so that one cell is one problem.
    spoiled: frozenset[str] = frozenset()


Cells = list[tuple[Any, bool]]  # (value, whether the cell holds a formula)
RowSource = Callable[[], Iterator[tuple[int, Cells]]]


def _is_blank(values: Iterable[Any]) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)


# The values Excel shows in a cell whose formula failed; a CSV that Excel saved keeps them as text.
EXCEL_ERRORS = frozenset(
    {"#N/A", "#VALUE!", "#REF!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!", "#GETTING_DATA"}
)


def _cell_problems(
    title: str, number: int, cells: Cells, header: list[str | None] | None, headings: dict[str, str] | None = None
) -> Iterator[Problem]:
    """Formulas, Excel's error values and oversized cells, in the columns that are read (a 序号
    column numbered by =ROW() is not: it is no column of the sheet). The header row (header None)
    is checked whole."""
    for index, (value, is_formula) in enumerate(cells):
        if value is None and not is_formula:
            continue
        column = (header[index] if header and index < len(header) else None) or ""
        if header is not None and not column:
            continue
        heading = (headings or {}).get(column, "")
        if isinstance(value, str) and value.strip().upper() in EXCEL_ERRORS:
            yield Problem(
                title,
                number,
                column,
                value.strip(),
                _(
                    "The cell shows Excel's error %(error)s: the formula that filled it failed. "
                    "Type the value itself (formulas are not imported)."
                )
                % {"error": value.strip().upper()},
                heading,
            )
        elif is_formula or (isinstance(value, str) and value.startswith("=")):
            yield Problem(
                title,
                number,
                column,
                cell_text(value)[:100],
                _("The cell holds a formula; type the value itself (formulas are not imported)."),
                heading,
            )
        elif isinstance(value, Oversized):
            # Only the cell's first characters were kept while reading (core.sheets.xlsx).
            yield Problem(
                title,
                number,
                column,
                str(value),
                _("The cell holds more than %(max)s characters; a cell may hold at most %(max)s.")
                % {"max": value.limit},
                heading,
            )
        elif isinstance(value, str) and len(value) > MAX_CELL_CHARS:
            yield Problem(
                title,
                number,
                column,
                value[:40] + "…",
                _("The cell holds %(n)s characters; a cell may hold at most %(max)s.")
                % {"n": len(value), "max": MAX_CELL_CHARS},
                heading,
            )


# Rows offices put under a table: a total, and who made and checked it. Read as such only when the
# row leaves most of the sheet's required columns empty, so that a postdoc named 合计 stays a postdoc.
_TOTALS = re.compile(r"^(合计|总计|小计|共计|总数|total)", re.IGNORECASE)
_SIGN_OFF = re.compile(
    r"(制表人|制表|审核人|审核|填表人|填报人|填表日期|填报日期|负责人签字|签字|签章|盖章)\s*[:：]|(盖章|签字)$"
)


@functools.cache
def _required_keys(sheet: str) -> frozenset[str]:
    return frozenset(c.key for c in SHEET_BY_NAME[sheet].columns if c.required)


def closing_row(spec: SheetSpec, header: list[str | None], values: list[Any]) -> str:
    """ "totals" or "sign-off" when a data row is a table's total or its sign-off line, else ""."""
    required = _required_keys(spec.name)
    filled = sum(1 for i, key in enumerate(header) if key in required and i < len(values) and cell_text(values[i]))
    if filled * 2 > len(required):
        return ""  # a record: most rows leave here, before their cells are read as text
    texts = [text for text in (cell_text(v) for v in values) if text]
    if not texts:
        return ""
    if _TOTALS.match(normalise(texts[0])):
        return "totals"
    if any(_SIGN_OFF.search(text) for text in texts):
        return "sign-off"
    return ""


@dataclass
class SheetSource:
    """One exchange sheet of a workbook: its header, read at once, and its rows, streamed on demand."""

    spec: SheetSpec
    title: str
    header: list[str | None]
    header_row: int
    source: RowSource
    size: int = 0  # bytes of the sheet's data, uncompressed (to decide whether to read ahead)
    headings: dict[str, str] = field(default_factory=dict)  # column key → `F 身份证号`, as the sheet shows it
    scales: dict[str, int] = field(default_factory=dict)  # column key → yuan per unit (万元: 10,000)
    row_number_columns: frozenset[int] = frozenset()  # indexes of 序号 columns
    hidden: bool = False

    def rows(self, problems: list[Problem], notices: Notices | None = None) -> Iterator[Row]:
        """The data rows. Skipped: blank ones, ones holding only a 序号, and a totals or sign-off
        row (said in `notices`). Formulas, error values and oversized cells go to `problems`;
        amounts in 万元 are converted to yuan."""
        header, spec, title = self.header, self.spec, self.title
        notices = notices if notices is not None else Notices()
        # A row filling more than half the required columns is a record, not a total: told by a
        # look at those cells alone, so that a large sheet's rows are not read as text twice.
        required = _required_keys(spec.name)
        required_at = [i for i, key in enumerate(header) if key in required]
        try:
            yield from self._rows(problems, notices, required, required_at)
        except ReadLimit as limit:  # the file expands beyond what is read: the sheet ends here, refused
            problems.append(Problem(title, None, "", "", limit.message))

    def _rows(
        self, problems: list[Problem], notices: Notices, required: frozenset[str], required_at: list[int]
    ) -> Iterator[Row]:
        header, spec, title = self.header, self.spec, self.title
        for number, cells in self.source():
            if number <= self.header_row:
                continue
            values = [value for value, _f in cells]
            if _is_blank(values):
                continue
            if self.row_number_columns and _is_blank(
                v for i, v in enumerate(values) if i not in self.row_number_columns
            ):
                notices.add(
                    _("Sheet %(sheet)s: rows that hold only a row number were skipped") % {"sheet": title}, number
                )
                continue
            width = len(values)
            filled = sum(1 for i in required_at if i < width and values[i] is not None and values[i] != "")
            closing = closing_row(spec, header, values) if filled * 2 <= len(required) else ""
            if closing:
                sentence = (
                    _("Sheet %(sheet)s: a totals row (合计, 总计) was skipped")
                    if closing == "totals"
                    else _("Sheet %(sheet)s: a sign-off row (制表人, 审核人, 填表日期) was skipped")
                )
                notices.add(sentence % {"sheet": title}, number)
                continue
            found = list(_cell_problems(title, number, cells, header, self.headings))
            problems.extend(found)
            row = {key: values[i] for i, key in enumerate(header) if key and i < len(values)}
            for key, scale in self.scales.items():
                if row.get(key) not in (None, ""):
                    row[key] = scaled(row[key], scale)
            yield Row(number, row, frozenset(p.column for p in found))


def scaled(value: Any, scale: int) -> Any:
    """An amount in a larger unit as yuan (8.5 万元 → 85000); a value that is no number as it is,
    for the importer to name."""
    text = cell_text(value).replace(",", "").replace("，", "")
    try:
        amount = Decimal(repr(value) if isinstance(value, float) else text) * scale
    except InvalidOperation:
        return value
    if not amount.is_finite():
        return value
    amount = amount.quantize(Decimal("0.01"))
    return int(amount) if amount == amount.to_integral_value() else amount


@dataclass
class WorkbookSource:
    """An opened workbook: its exchange sheets by canonical name, and problems of form found so far."""

    name: str
    sheets: dict[str, SheetSource] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    closers: list[Callable[[], None]] = field(default_factory=list)
    unplaced: list[str] = field(default_factory=list)  # sheets neither named nor laid out as exchange sheets

    def close(self) -> None:
        for close in self.closers:
            close()

    def __enter__(self) -> "WorkbookSource":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def empty_problem(self) -> Problem:
        if self.unplaced:
            message = _(
                "The workbook has no rows to import: it holds the sheets %(found)s, and none is named or laid out "
                "as an exchange sheet. Name each sheet as one of: %(expected)s."
            ) % {"found": ", ".join(self.unplaced), "expected": sheet_names_expected()}
        else:
            message = _("The workbook has no rows to import: no sheet named as in the exchange workbook has data.")
        return Problem(self.name, None, "", "", message)

    def add_sheet(
        self,
        title: str,
        source: RowSource,
        merged_header: Callable[[int], bool] = lambda row: False,
        size: int = 0,
        hidden: bool = False,
    ) -> None:
        """Finds a sheet's header among its first rows and reads it: unknown columns are warnings;
        missing or repeated ones are problems. A sheet is placed by its name, else by its columns."""
        spec = sheet_spec(title)
        if spec is None and is_export_only(title):
            self.warnings.append(
                _(
                    "Sheet %(sheet)s lists records of expert reviews for reference; an import does not read it. "
                    "Applications, evaluations and reviews are entered on their own pages."
                )
                % {"sheet": title}
            )
            return
        leading = self._leading_rows(source)
        if spec is None:
            spec = place_by_header([values for _n, values, _c in leading]) if leading else None
            if spec is None:
                self.unplaced.append(title)
                self.warnings.append(
                    _(
                        "Sheet %(sheet)s was ignored: neither its name nor its columns are an exchange sheet's. "
                        "The sheets are named %(expected)s."
                    )
                    % {"sheet": title, "expected": sheet_names_expected()}
                )
                return
            self.warnings.append(
                _("Sheet %(sheet)s was read as %(zh)s (%(name)s): its columns are that sheet's.")
                % {"sheet": title, "zh": spec.zh, "name": spec.name}
            )
        if not self._keeps(spec, title, hidden):
            return
        if not leading:
            return
        index = find_header(spec, [values for _n, values, _c in leading])
        number, values, cells = leading[index]
        if index:
            above = " / ".join(" ".join(t for v in row if (t := cell_text(v))) for _n, row, _c in leading[:index])
            self.warnings.append(
                _("Sheet %(sheet)s: the header is row %(row)s; the rows above it (%(text)s) were read as a title.")
                % {"sheet": title, "row": number, "text": above[:120]}
            )
        if merged_header(number):
            self.problems.append(
                Problem(
                    title,
                    number,
                    "",
                    "",
                    _("The header row has merged cells; give every column its own header cell."),
                )
            )
            return
        self.problems.extend(_cell_problems(title, number, cells, None))
        read = self._header(spec, title, number, values)
        if read is not None:
            header, headings, scales, row_numbers = read
            self.sheets[spec.name] = SheetSource(
                spec, title, header, number, source, size, headings, scales, row_numbers, hidden
            )

    @staticmethod
    def _leading_rows(source: RowSource) -> list[tuple[int, list[Any], Cells]]:
        """A sheet's first non-blank rows, where its header is looked for."""
        leading: list[tuple[int, list[Any], Cells]] = []
        rows = source()
        try:
            for number, cells in rows:
                values = [value for value, _f in cells]
                if not _is_blank(values):
                    leading.append((number, values, cells))
                    if len(leading) >= HEADER_SEARCH_ROWS:
                        break
        finally:
            close = getattr(rows, "close", None)
            if close is not None:
                close()
        return leading

    def _keeps(self, spec: SheetSpec, title: str, hidden: bool) -> bool:
        """Whether a sheet is read: a second sheet for the same records is a problem, unless one
        of the two is hidden (a clerk's old copy), which is then left unread and said."""
        kept = self.sheets.get(spec.name)
        if kept is None:
            if hidden:
                self.warnings.append(
                    _("Sheet %(sheet)s is hidden in the workbook; it was read like the others.") % {"sheet": title}
                )
            return True
        if hidden and not kept.hidden:
            self.warnings.append(
                _("Sheet %(sheet)s is hidden and repeats sheet %(kept)s; the hidden one was not read.")
                % {"sheet": title, "kept": kept.title}
            )
            return False
        if kept.hidden and not hidden:
            self.warnings.append(
                _("Sheet %(sheet)s is hidden and repeats sheet %(kept)s; the hidden one was not read.")
                % {"sheet": kept.title, "kept": title}
            )
            del self.sheets[spec.name]
            return True
        self.problems.append(
            Problem(title, None, "", "", _("The sheet %(sheet)s appears twice.") % {"sheet": spec.name})
        )
        return False

    def _header(
        self, spec: SheetSpec, title: str, number: int, values: list[Any]
    ) -> tuple[list[str | None], dict[str, str], dict[str, int], frozenset[int]] | None:
        header: list[str | None] = []
        headings: dict[str, str] = {}
        scales: dict[str, int] = {}
        row_numbers: set[int] = set()
        seen: set[str] = set()
        for index, value in enumerate(values):
            text = cell_text(value)
            key, variant = header_column(spec, text) if text else (None, False)
            if text and key is None and is_row_number_header(text):
                row_numbers.add(index)
                self.warnings.append(
                    _("Sheet %(sheet)s: column %(column)s numbers the rows; it is not imported.")
                    % {"sheet": title, "column": text}
                )
            elif text and key is None:
                self.warnings.append(
                    _("Sheet %(sheet)s: column %(column)s is not known; it was ignored.")
                    % {"sheet": title, "column": text}
                )
            elif key is not None and header_scale(spec, text) != 1:
                scales[key] = header_scale(spec, text)
                self.warnings.append(
                    _("Sheet %(sheet)s: column %(column)s gives amounts in 万元 (10,000 yuan); they were read as yuan.")
                    % {"sheet": title, "column": text}
                )
            elif key is not None and variant:
                column = spec.column(key)
                self.warnings.append(
                    _("Sheet %(sheet)s: column %(column)s was read as %(zh)s (%(key)s).")
                    % {"sheet": title, "column": text, "zh": column.zh, "key": key}
                )
            if key in seen:
                self.problems.append(Problem(title, number, text, "", _("This column appears twice in the header.")))
            if key:
                seen.add(key)
                headings.setdefault(key, f"{get_column_letter(index + 1)} {text}")
            header.append(key)
        missing = missing_columns(spec, seen)
        for needed in missing:
            self.problems.append(
                Problem(
                    title,
                    number,
                    needed.key,
                    "",
                    _("The required column %(column)s (%(zh)s) is missing.") % {"column": needed.key, "zh": needed.zh},
                )
            )
        return None if missing else (header, headings, scales, frozenset(row_numbers))


def _csv_source(open_bytes: Callable[[], IO[bytes]], name: str) -> RowSource:
    """A CSV file's rows; a record longer than the line limit is refused (ReadLimit) as it is read."""
    encoding = csv_encoding(open_bytes)
    limits = Limits.from_settings()

    def rows() -> Iterator[tuple[int, Cells]]:
        with open_bytes() as stream:
            for number, row in enumerate(csv_records(stream, encoding, name, limits), start=1):
                yield number, [(value, False) for value in row]

    return rows


def _open_xlsx(source: WorkbookSource, path: Path) -> None:
    try:
        reader = XlsxReader(str(path), name=path.name)
    except NotAWorkbook:
        source.problems.append(
            Problem(path.name, None, "", "", _("The file is not an Excel workbook (.xlsx) that can be read."))
        )
        return
    source.closers.append(reader.close)
    for title, part in reader.sheets:
        source.add_sheet(
            title,
            functools.partial(reader.rows, part),
            merged_header=functools.partial(reader.row_is_merged, part),
            size=reader.part_size(part),
            hidden=part in reader.hidden,
        )


def csv_sheet_name(stem: str) -> str:
    """A single CSV's sheet: its file name, or the name before a date or copy suffix that a
    download or a browser added (`stations-2026-11-28.csv`, `Postdocs (1).csv`)."""
    if sheet_spec(stem) is None:
        head = re.split(r"[-_ .(（]", stem.strip(), maxsplit=1)[0]
        if sheet_spec(head) is not None:
            return head
    return stem


def _open_sheets(source: WorkbookSource, path: Path) -> None:
    if path.is_dir():
        for csv_path in sorted(path.glob("*.csv")):
            opener = lambda p=csv_path: p.open("rb")  # noqa: E731
            source.add_sheet(csv_path.stem, _csv_source(opener, csv_path.name))
    elif path.stat().st_size == 0:
        source.problems.append(Problem(path.name, None, "", "", _("The file is empty (0 bytes).")))
    elif path.suffix.lower() == ".csv":
        source.add_sheet(
            csv_sheet_name(path.stem), _csv_source(lambda: path.open("rb"), path.name), size=path.stat().st_size
        )
    elif path.suffix.lower() == ".zip":
        limits = Limits.from_settings()
        try:
            # Refused by its members' count and declared sizes before any is read; each member is
            # then read only as far as it declares (open_member).
            archive = open_archive(str(path), path.name, limits)
        except zipfile.BadZipFile:
            source.problems.append(Problem(path.name, None, "", "", _("The file is not a readable .zip archive.")))
            return
        source.closers.append(archive.close)
        for info in archive.infolist():
            if info.filename.lower().endswith(".csv") and not info.is_dir():
                opener = lambda info=info: open_member(archive, info, limits)  # noqa: E731
                source.add_sheet(Path(info.filename).stem, _csv_source(opener, info.filename))
    else:
        _open_xlsx(source, path)


def open_workbook(path: str | Path) -> WorkbookSource:
    """Opens a workbook and reads its sheets' headers; the rows are streamed later, sheet by sheet.

    Accepts an `.xlsx`, a `.csv` (its file name is the sheet name), a `.zip` of CSV files or a
    folder of CSV files. Close it (it is a context manager) when done."""
    path = Path(path)
    source = WorkbookSource(name=path.name)
    if not path.exists():
        source.problems.append(Problem(path.name, None, "", "", _("The file does not exist.")))
    else:
        try:
            _open_sheets(source, path)
        except ReadLimit as limit:  # refused by what it expands to, before or while its headers are read
            source.problems.append(Problem(path.name, None, "", "", limit.message))
    if not source.problems and not source.sheets:
        source.problems.append(source.empty_problem())
    return source


@dataclass
class Sheet:
    spec: SheetSpec
    title: str
    rows: list[Row] = field(default_factory=list)


@dataclass
class ReadResult:
    sheets: dict[str, Sheet] = field(default_factory=dict)  # by canonical sheet name
    warnings: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def read_workbook(path: str | Path) -> ReadResult:
    """Reads a whole workbook into memory (for small files and checks; the importer streams)."""
    result = ReadResult()
    notices = Notices()
    with open_workbook(path) as source:
        result.warnings, result.problems = source.warnings, source.problems
        for name, sheet in source.sheets.items():
            result.sheets[name] = Sheet(sheet.spec, sheet.title, list(sheet.rows(result.problems, notices)))
        result.warnings += notices.sentences()
        if not result.problems and not any(sheet.rows for sheet in result.sheets.values()):
            result.problems.append(source.empty_problem())
    return result
