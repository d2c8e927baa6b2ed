"""Reading a funder's award list: an .xlsx (read by `core.sheets.xlsx`) or a .csv (UTF-8 or GB 18030,
as `core.sheets.xlsx.csv_encoding` tells), its header row found by its column names wherever it
is (funders put a title above it), in Chinese or English.

Problems of form refuse the whole file, each a sentence with its sheet, row and column: not a
spreadsheet, empty, no header, a required column missing (设站单位名称, 姓名, 一级学科), a row
without a name or with an over-long cell. Meaning (the grades) is checked by the services.
"""

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from awardlists.matching import simplified
from core.sheets.cells import Problem, cell_text, normalise
from core.sheets.xlsx import NotAWorkbook, Oversized, ReadLimit, XlsxReader, csv_encoding, csv_records

HEADER_SEARCH_ROWS = 30  # the header is looked for among a sheet's first rows
MAX_ROWS = 50_000  # a national list has a few thousand


@dataclass(frozen=True)
class ListColumn:
    key: str
    zh: str
    max_length: int
    required: bool = False
    aliases: tuple[str, ...] = ()


COLUMNS: tuple[ListColumn, ...] = (
    ListColumn("seq", "序号", 20, aliases=("序", "no", "no.", "serial", "#")),
    ListColumn("province", "省份", 50, aliases=("省", "省区市", "省(区、市)", "地区", "province", "region")),
    ListColumn(
        "institution",
        "设站单位名称",
        200,
        True,
        ("设站单位", "单位名称", "单位", "host institution", "institution", "host"),
    ),
    ListColumn("name", "姓名", 100, True, ("name",)),
    ListColumn(
        "postdoc_no",
        "博士后编号",
        30,
        aliases=("编号", "postdoc number", "postdoc no", "postdoc no.", "postdoc id"),
    ),
    ListColumn(
        "discipline",
        "一级学科",
        100,
        True,
        ("一级学科名称", "一级学科代码", "学科", "学科名称", "discipline", "first-level discipline", "subject"),
    ),
    ListColumn("grade", "资助等级", 40, aliases=("等级", "资助档次", "资助类别", "grade", "funding grade")),
)
COLUMN_BY_KEY = {column.key: column for column in COLUMNS}
FILLED_DOWN = ("province", "institution")  # cells a list merges over the rows of one institution


def _header_key(text: str) -> str:
    return simplified(normalise(text)).replace("（", "(").replace("）", ")")


_ALIASES = {_header_key(alias): c.key for c in COLUMNS for alias in (c.key, c.zh, *c.aliases)}


def column_for(header: Any) -> str | None:
    """The list's column a header cell names, in Chinese or English, or None."""
    text = cell_text(header)
    return _ALIASES.get(_header_key(text)) if text else None


@dataclass
class ListRow:
    sheet: str
    number: int  # as the spreadsheet numbers it
    values: dict[str, str]  # the seven columns as text ("" where the list has no such column)

    def __getitem__(self, key: str) -> str:
        return self.values.get(key, "")


@dataclass
class ReadList:
    rows: list[ListRow] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def problem(self, sheet: str, row: int | None, column: str, value: str, message: str) -> None:
        self.problems.append(Problem(sheet, row, column, value, message))


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _sheets(path: Path, name: str, result: ReadList) -> Iterator[tuple[str, Iterator[tuple[int, list[Any]]]]]:
    """(sheet title, rows of cell values) of the file; problems of kind are added to `result`."""
    suffix = Path(name).suffix.lower()
    if path.stat().st_size == 0:
        result.problem(name, None, "", "", _("The file is empty (0 bytes)."))
    elif suffix == ".xlsx":
        try:
            reader = XlsxReader(str(path), name=name)
        except NotAWorkbook:
            result.problem(name, None, "", "", _("The file is not an Excel workbook (.xlsx) that can be read."))
            return
        try:
            for title, part in reader.sheets:
                yield title, ((number, [value for value, _f in cells]) for number, cells in reader.rows(part))
        finally:
            reader.close()
    elif suffix == ".csv":
        with path.open("rb") as stream:
            start = stream.read(1 << 16)
        if b"\0" in start:
            result.problem(name, None, "", "", _("The file is not a CSV text file: it holds binary data."))
            return
        encoding = csv_encoding(lambda: path.open("rb"))
        with path.open("rb") as stream:
            # Record by record, each at most IMPORT_MAX_LINE_CHARS characters (ReadLimit beyond).
            records = csv_records(stream, encoding, name)
            yield Path(name).stem, ((number, list(row)) for number, row in enumerate(records, start=1))
    else:
        result.problem(
            name,
            None,
            "",
            "",
            _(
                "“%(name)s” is not a list the system reads: upload an .xlsx workbook or a .csv file (save an .xls as .xlsx first)."
            )
            % {"name": name},
        )


def _header(title: str, number: int, values: list[Any], result: ReadList) -> list[str | None] | None:
    """The columns of a header row; None (with the problems) if a required one is missing."""
    header: list[str | None] = []
    seen: set[str] = set()
    repeated = False
    for value in values:
        key = column_for(value)
        text = cell_text(value)
        if text and key is None:
            result.warnings.append(
                _("Sheet %(sheet)s: the column %(column)s is not one the list is read by; it was ignored.")
                % {"sheet": title, "column": text}
            )
        if key in seen:
            result.problem(title, number, text, "", _("This column appears twice in the header."))
            repeated = True
        if key:
            seen.add(key)
        header.append(key)
    missing = [column for column in COLUMNS if column.required and column.key not in seen]
    for column in missing:
        result.problem(
            title,
            number,
            column.zh,
            "",
            _("The required column %(zh)s (%(key)s) is missing from the header row.")
            % {"zh": column.zh, "key": column.key},
        )
    return None if missing or repeated else header


def _read_sheet(title: str, rows: Iterator[tuple[int, list[Any]]], result: ReadList) -> bool:
    """Reads one sheet's rows into `result`; False if it has no header row."""
    header: list[str | None] | None = None
    above: dict[str, str] = {}
    filled = 0
    for number, values in rows:
        if all(_blank(value) for value in values):
            continue
        if header is None:
            if number > HEADER_SEARCH_ROWS:
                return False
            if sum(1 for value in values if column_for(value)) >= 2:
                header = _header(title, number, values, result)
                if header is None:
                    return True  # the problems say what is missing
            continue
        oversized = [
            (key, values[i])
            for i, key in enumerate(header)
            if key and i < len(values) and isinstance(values[i], Oversized)
        ]
        for key, value in oversized:  # only its first characters were read (core.sheets.xlsx)
            result.problem(
                title,
                number,
                COLUMN_BY_KEY[key].zh,
                str(value),
                _("The cell holds more than %(max)s characters; a cell may hold at most %(max)s.")
                % {"max": value.limit},
            )
        if oversized:
            continue
        row = {key: cell_text(values[i]) for i, key in enumerate(header) if key and i < len(values)}
        filled_cells = [text for text in row.values() if text]
        if len(filled_cells) == 1 and not row.get("name"):
            result.warnings.append(
                _("Sheet %(sheet)s row %(row)s holds only “%(text)s”; it was read as a note and skipped.")
                % {"sheet": title, "row": number, "text": filled_cells[0][:60]}
            )
            continue
        for key in FILLED_DOWN:
            if not row.get(key) and above.get(key):
                row[key] = above[key]
                filled += 1
        above = {key: row.get(key, "") for key in FILLED_DOWN}
        _check_row(title, number, row, result)
        result.rows.append(ListRow(title, number, {c.key: row.get(c.key, "") for c in COLUMNS}))
        if len(result.rows) > MAX_ROWS:
            result.problem(
                title,
                number,
                "",
                "",
                _("The list has more than %(max)s rows; split it into smaller files.") % {"max": MAX_ROWS},
            )
            return True
    if header is None:
        return False
    if filled:
        result.warnings.append(
            _(
                "Sheet %(sheet)s: %(count)s empty cells of 省份 or 设站单位名称 were read as the row above's (cells merged over several rows)."
            )
            % {"sheet": title, "count": filled}
        )
    return True


def _check_row(title: str, number: int, row: dict[str, str], result: ReadList) -> None:
    if not row.get("name"):
        result.problem(title, number, "姓名", "", _("The row has no name (姓名)."))
    if not row.get("institution"):
        result.problem(title, number, "设站单位名称", "", _("The row has no host institution (设站单位名称)."))
    for key, text in row.items():
        column = COLUMN_BY_KEY[key]
        if len(text) > column.max_length:
            result.problem(
                title,
                number,
                column.zh,
                text[:40] + "…",
                _("The cell holds %(n)s characters; this column takes at most %(max)s.")
                % {"n": len(text), "max": column.max_length},
            )


def read_list(path: str | Path, name: str = "") -> ReadList:
    """Reads an award list whole. Any problem means the list is refused as a whole."""
    path = Path(path)
    name = name or path.name
    result = ReadList()
    headed = 0
    try:
        for title, rows in _sheets(path, name, result):
            if _read_sheet(title, rows, result):
                headed += 1
            else:
                result.warnings.append(
                    _("Sheet %(sheet)s has no header row with the list's columns; it was ignored.") % {"sheet": title}
                )
    except ReadLimit as limit:  # the file expands beyond what is read: its sentence names the limit
        result.problem(name, None, "", "", limit.message)
    except (csv.Error, UnicodeDecodeError, NotAWorkbook, ValueError, KeyError, OSError, SyntaxError) as error:
        result.problem(name, None, "", "", _("The file cannot be read to the end (%(error)s).") % {"error": error})
    if result.problems:
        return result
    if not headed:
        result.problem(
            name,
            None,
            "",
            "",
            _(
                "No header row was found: an award list has the columns 设站单位名称, 姓名 and 一级学科 (and may have 序号, 省份, 博士后编号 and 资助等级)."
            ),
        )
    elif not result.rows:
        result.problem(name, None, "", "", _("The list has no rows under its header."))
    return result
