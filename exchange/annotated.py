"""The uploaded workbook again, with an error column: what to correct, on the row to correct.

Streams: the upload is read row by row (`core.sheets.xlsx`, or the CSV text, within the limits the
importer reads it by) and written row by row (openpyxl write-only), always as .xlsx. Every exchange sheet gets a last column `errors`
(错误 in Chinese) holding the sentences of that row's problems; rows without problems keep it
empty. Problems that belong to no data row (the file, a sheet, the header row) go to a first
sheet "Problems". Rows are numbered as the importer numbers them (every row, blank ones too).
"""

import datetime as dt
import functools
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.utils.translation import gettext as _

from core.sheets.cells import MAX_CELL_CHARS, Problem, cell_text
from core.sheets.specs import SheetSpec
from core.sheets.xlsx import Limits, XlsxReader, csv_encoding, csv_records, open_archive, open_member
from exchange.layout import HEADER_SEARCH_ROWS, column_key, find_header, place_by_header, sheet_spec
from exchange.workbook import csv_sheet_name

RowSource = Callable[[], Iterator[list[Any]]]


@dataclass
class _Sheet:
    title: str  # as the importer names it (the worksheet's title, or the CSV file's stem)
    rows: RowSource  # a fresh iterator over the rows' values on every call
    width: int = 0  # the widest row's number of cells
    header_row: int | None = None
    headers: dict[str, str] = field(default_factory=dict)  # canonical column → header as written
    spec: SheetSpec | None = None


def _blank(values: Iterable[Any]) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)


def _scan(sheet: _Sheet) -> None:
    """Finds the header row as the importer finds it (among the first non-blank rows, placing a
    sheet by its columns when its name is no exchange sheet's), its column names and the width."""
    leading: list[tuple[int, list[Any]]] = []
    for number, values in enumerate(sheet.rows(), start=1):
        sheet.width = max(sheet.width, len(values))
        if len(leading) < HEADER_SEARCH_ROWS and not _blank(values):
            leading.append((number, values))
    if not leading:
        return
    sheet.spec = sheet_spec(sheet.title) or place_by_header([values for _n, values in leading])
    if sheet.spec is None:
        return
    sheet.header_row, values = leading[find_header(sheet.spec, [values for _n, values in leading])]
    for value in values:
        text = cell_text(value)
        key = column_key(sheet.spec, text) if text else None
        if key:
            sheet.headers.setdefault(key, text)


def _safe_title(title: str, taken: set[str]) -> str:
    """A title Excel accepts: at most 31 characters, none of []:*?/\\, not already used."""
    base = re.sub(r"[\[\]:*?/\\]", "_", title).strip("'")[:31] or "Sheet"
    candidate, n = base, 1
    while candidate.casefold() in taken:
        n += 1
        candidate = f"{base[: 31 - len(str(n)) - 1]}_{n}"
    taken.add(candidate.casefold())
    return candidate


def _plain(value: Any) -> Any:
    """A read value fit to write back: midnight datetimes as dates (the time would only clutter)."""
    if isinstance(value, dt.datetime) and value.time() == dt.time(0, 0) and value.tzinfo is None:
        return value.date()
    return value


def _csv_source(open_bytes: Callable[[], IO[bytes]], name: str, limits: Limits) -> RowSource:
    """A CSV file's rows, decoded and bounded as the importer decodes and bounds them."""
    encoding = csv_encoding(open_bytes)

    def rows() -> Iterator[list[Any]]:
        with open_bytes() as stream:
            yield from csv_records(stream, encoding, name, limits)

    return rows


def _sheets_of(path: Path, opened: list[Any]) -> list[_Sheet]:
    """The upload's sheets, read as the importer reads them: the same reader and the same limits
    (a file the importer refused by what it expands to is refused here too, not read whole)."""
    suffix = path.suffix.lower()
    limits = Limits.from_settings()
    if suffix == ".csv":
        return [_Sheet(csv_sheet_name(path.stem), _csv_source(lambda: path.open("rb"), path.name, limits))]
    if suffix == ".zip":
        archive = open_archive(str(path), path.name, limits)
        opened.append(archive)
        return [
            _Sheet(
                Path(info.filename).stem,
                _csv_source(functools.partial(open_member, archive, info, limits), info.filename, limits),
            )
            for info in archive.infolist()
            if info.filename.lower().endswith(".csv") and not info.is_dir()
        ]
    reader = XlsxReader(str(path), limits, path.name)
    opened.append(reader)
    sheets = []
    for title, part in reader.sheets:

        def xlsx_rows(part: str = part) -> Iterator[list[Any]]:
            """Every row, blank ones too (the importer numbers them so); a formula's cell as its
            value, the formula itself not being kept by the reader."""
            at = 0
            for number, cells in reader.rows(part):
                while at < number - 1:
                    at += 1
                    yield []
                at = number
                yield [value for value, _formula in cells]

        sheets.append(_Sheet(title, xlsx_rows))
    return sheets


def write_error_workbook(*, source: str | Path, problems: list[Problem], target: str | Path) -> None:
    """Writes `source` (an .xlsx, .csv or .zip of CSVs) to `target` (.xlsx) with the error column."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    opened: list[Any] = []
    try:
        try:
            sheets = _sheets_of(Path(source), opened)
            for sheet in sheets:
                _scan(sheet)
        except Exception:  # an unreadable upload: the problems alone, in the first sheet
            sheets = []
        by_place: dict[str, dict[int, list[Problem]]] = defaultdict(lambda: defaultdict(list))
        loose: list[Problem] = []
        rows_of = {sheet.title: sheet for sheet in sheets if sheet.spec is not None}
        for problem in problems:
            home = rows_of.get(problem.sheet)
            if (
                home is None
                or problem.row is None
                or home.header_row is None
                or problem.row <= home.header_row
                or problem.row > 1_048_576
            ):
                loose.append(problem)
            else:
                by_place[problem.sheet][problem.row].append(problem)

        output = Workbook(write_only=True)
        taken: set[str] = set()
        wrap = Alignment(wrap_text=True, vertical="top")
        red = Font(color="B42318")
        bold = Font(bold=True)

        def text_cell(worksheet: Any, value: str, font: Font | None = None) -> Any:
            cell = WriteOnlyCell(worksheet, value=value[:MAX_CELL_CHARS])
            cell.data_type = "s"  # never a formula, whatever the sentence begins with
            cell.alignment = wrap
            if font is not None:
                cell.font = font
            return cell

        def copied(worksheet: Any, values: list[Any]) -> list[Any]:
            """The row's values; text that a spreadsheet would take for a formula stays text."""
            return [text_cell(worksheet, v) if isinstance(v, str) and v.startswith("=") else _plain(v) for v in values]

        if loose:
            worksheet = output.create_sheet(_safe_title(_("Problems"), taken))
            worksheet.column_dimensions["E"].width = 80
            worksheet.append(
                [
                    text_cell(worksheet, str(h), bold)
                    for h in (_("sheet"), _("row"), _("column"), _("value"), _("problem"))
                ]
            )
            for problem in loose:
                worksheet.append(
                    [
                        text_cell(worksheet, problem.sheet),
                        problem.row,
                        text_cell(worksheet, problem.heading or problem.column),
                        text_cell(worksheet, problem.value),
                        text_cell(worksheet, problem.message, red),
                    ]
                )

        for sheet in sheets:
            worksheet = output.create_sheet(_safe_title(sheet.title, taken))
            if sheet.spec is None or sheet.header_row is None:  # not an exchange sheet: copied as it is
                for values in sheet.rows():
                    worksheet.append(copied(worksheet, values))
                continue
            width = sheet.width
            worksheet.column_dimensions[get_column_letter(width + 1)].width = 60
            header = _("errors")
            placed = by_place.get(sheet.title, {})
            for number, values in enumerate(sheet.rows(), start=1):
                cells = copied(worksheet, values)
                if number < sheet.header_row:
                    worksheet.append(cells)
                    continue
                cells += [None] * (width - len(cells))
                if number == sheet.header_row:
                    cells.append(text_cell(worksheet, header, bold))
                elif number in placed:
                    lines = [
                        f"{sheet.headers.get(p.column, p.column)}: {p.message}" if p.column else p.message
                        for p in placed[number]
                    ]
                    cells.append(text_cell(worksheet, "\n".join(lines), red))
                worksheet.append(cells)
        if not loose and not sheets:
            output.create_sheet(_safe_title(_("Problems"), taken))
        output.save(str(target))
    finally:
        for item in opened:
            item.close()
