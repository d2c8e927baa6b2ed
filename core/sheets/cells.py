"""Reading a spreadsheet's cells forgivingly: text, names, codes and dates as offices write them,
and the `Problem`s and `Notices` a reader reports (the exchange workbook's and the award lists')."""

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

MAX_CELL_CHARS = 32_767  # Excel's limit for one cell


@dataclass(frozen=True)
class Problem:
    """What is wrong, where: a sheet, a row (as the spreadsheet numbers it), a column and the value."""

    sheet: str
    row: int | None
    column: str
    value: str
    message: str
    # The column as the sheet shows it: its letter and its header as written (`F 身份证号`); the
    # `column` above stays the canonical key the checks and the annotated workbook go by.
    heading: str = ""

    def __str__(self) -> str:
        where = self.sheet or _("file")
        if self.row is not None:
            where += " " + _("row %(row)s") % {"row": self.row}
        if self.heading or self.column:
            where += f" [{self.heading or self.column}]"
        value = f" {self.value!r}" if self.value else ""
        return f"{where}{value}: {self.message}"


def normalise(text: Any) -> str:
    """Full-width to half-width, trimmed, case-folded, inner spaces removed: the form of a name."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text))).casefold()


_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)
# A year and month only (出生年月 and the like): `2026.3`, `2026-03`, `2026/3`, `2026年3月`.
_MONTH_PATTERN = re.compile(r"^(\d{4})(?:[-/.]|年)(\d{1,2})月?$")
# The time an Excel-saved CSV or a datetime cell adds to a date: `2026/3/11 0:00`, `… 08:30:00`.
_TIME_PART = re.compile(r"(?:\s+|T)\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?$")
# Excel's day numbers (1900 system) that can be dates here: 10000 is 1927-05-18, 73050 is 2099-12-31.
# A smaller number (2026) is a year, not a day number.
_SERIAL_DAYS = range(10_000, 73_051)
_EXCEL_EPOCH = dt.date(1899, 12, 30)


class DateForm:
    """How a date was written, when not in a form the spec lists (the report's notices say so)."""

    SPEC = ""
    SERIAL = "serial"  # Excel's day number in a General or text cell
    MONTH = "month"  # a year and month only, read as the month's first day
    DATETIME = "datetime"  # a date with a time of day, the time dropped


def read_date(value: Any) -> tuple[dt.date, str]:
    """A date and the form it was written in (DateForm): a real Excel date, `2023-06-01`,
    `2023/6/1`, `2023.06.01`, `2023年6月1日`, `20230601`, Excel's day number, a date with a time of
    day, or a year and month. ValueError with a sentence otherwise."""
    if isinstance(value, dt.datetime):
        return value.date(), DateForm.SPEC
    if isinstance(value, dt.date):
        return value, DateForm.SPEC
    if isinstance(value, bool):
        raise ValueError(_("Write the date as 2023-06-01, 2023/6/1, 2023.06.01, 2023年6月1日 or 20230601."))
    if isinstance(value, float):
        if value.is_integer():
            value = int(value)
        elif int(value) in _SERIAL_DAYS:
            value = int(value)  # a day number with a time of day
        elif re.fullmatch(r"\d{4}\.1", repr(value)):
            # Excel keeps `2026.10` typed into a General cell as the number 2026.1: October and
            # January read the same, so the month cannot be known.
            raise ValueError(
                _(
                    "Excel stored this as the number %(value)s, which reads the same for January and October. "
                    "Format the column as Text or write the date as 2026-10-01."
                )
                % {"value": repr(value)}
            )
    if isinstance(value, int) and value in _SERIAL_DAYS:
        return _EXCEL_EPOCH + dt.timedelta(days=value), DateForm.SERIAL
    text = unicodedata.normalize("NFKC", str(value)).strip()
    form = DateForm.SPEC
    timeless = _TIME_PART.sub("", text)
    if timeless != text:
        text = timeless
        form = DateForm.DATETIME
    if text.isdigit() and len(text) == 5 and int(text) in _SERIAL_DAYS:
        return _EXCEL_EPOCH + dt.timedelta(days=int(text)), DateForm.SERIAL
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            return _calendar_date(*(int(part) for part in match.groups())), form
    match = _MONTH_PATTERN.match(text)
    if match:
        return _calendar_date(int(match.group(1)), int(match.group(2)), 1), DateForm.MONTH
    raise ValueError(_("Write the date as 2023-06-01, 2023/6/1, 2023.06.01, 2023年6月1日 or 20230601."))


def _calendar_date(year: int, month: int, day: int) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError as error:
        raise ValueError(_("This date does not exist in the calendar.")) from error


def parse_code(value: Any, width: int) -> str:
    """A numeric code restored to its width: Excel turns `0710` into 710."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if text.isdigit() and len(text) < width:
        text = text.zfill(width)
    return text


def parse_code_list(value: Any, width: int) -> list[str]:
    """Codes separated by `;`, `,`, `、` (half- or full-width) or spaces, each restored to its width
    as `parse_code` does; repeated codes once, in the order given."""
    if value is None:
        return []
    if isinstance(value, (int, float)):
        return [code] if (code := parse_code(value, width)) else []
    text = unicodedata.normalize("NFKC", str(value))
    return list(dict.fromkeys(parse_code(part, width) for part in re.split(r"[;,、\s]+", text) if part))


def cell_text(value: Any) -> str:
    """A cell as text: numbers without a trailing `.0`, the neutralising quote of an export removed.

    Only names of sheets, columns, codes, enumerations and dates are NFKC-normalised; free text
    is kept as written."""
    if type(value) is str:  # most cells: no other form to look for
        text = value.strip()
    elif value is None:
        return ""
    elif isinstance(value, float) and value.is_integer():
        return str(int(value))
    elif isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()[:10]
    else:
        text = str(value).strip()  # free text keeps its full-width punctuation (（青年项目）)
    if len(text) > 1 and text[0] == "'" and text[1] in "=+-@":
        text = text[1:]
    return text


# An ID number Excel turned into a number: `1.10101199003071E+17` as CSV text, or a numeric cell.
_SCIENTIFIC = re.compile(r"^\d(\.\d+)?E\+?\d+$", re.IGNORECASE)
ROUNDED_DIGITS = 15  # a number of more digits than Excel keeps has lost its last ones


def rounded_by_excel(value: Any) -> bool:
    """An identifier Excel stored as a number: a numeric cell of 15 or more digits, or the text of
    one in scientific notation (a CSV that Excel saved). Its last digits are lost, and the rounded
    number can still pass a check digit, so it is never taken for the identifier."""
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return len(str(int(abs(value)))) >= ROUNDED_DIGITS
    return isinstance(value, str) and bool(_SCIENTIFIC.match(value.strip()))


NOTICE_ROWS_SHOWN = 5


@dataclass
class Notices:
    """What was read in a form the spec does not name (an office's word for a value, a date's
    form, a totals row skipped): each said once, with the first rows it concerns and how many."""

    found: dict[str, tuple[list[int], int]] = field(default_factory=dict)  # sentence → (first rows, count)

    def add(self, sentence: str, row: int | None = None) -> None:
        rows, count = self.found.get(sentence, ([], 0))
        if row is not None and len(rows) < NOTICE_ROWS_SHOWN:
            rows.append(row)
        self.found[sentence] = (rows, count + (row is not None))

    def merge(self, other: "Notices") -> None:
        for sentence, (rows, count) in other.found.items():
            mine, mine_count = self.found.get(sentence, ([], 0))
            self.found[sentence] = ((mine + rows)[:NOTICE_ROWS_SHOWN], mine_count + count)

    def sentences(self) -> list[str]:
        said = []
        for sentence, (rows, count) in self.found.items():
            if not count:
                said.append(sentence)
                continue
            shown = ", ".join(str(row) for row in rows)
            if count > len(rows):
                where = _("rows %(rows)s and %(more)s more") % {"rows": shown, "more": count - len(rows)}
            else:
                where = ngettext("row %(rows)s", "rows %(rows)s", count) % {"rows": shown}
            said.append(_("%(notice)s (%(where)s).") % {"notice": sentence, "where": where})
        return said
