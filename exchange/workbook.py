"""Reading the exchange workbook (shared/spec/exchange-workbook.md): forgiving about form.

`read_workbook` streams an `.xlsx` (openpyxl read-only) or a folder / `.zip` of CSV files (one per
sheet, the file name being the sheet name) into rows keyed by canonical column names. Problems of
form that make a file unreadable (formulas, merged headers, a missing required column, an empty
or broken file, an oversized cell) become `Problem`s; meaning is checked by the importer.
"""

import csv
import datetime as dt
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import iterparse  # noqa: S405 - parses the workbook's own sheet XML

from django.utils.translation import gettext as _

MAX_CELL_CHARS = 32_767  # Excel's limit for one cell


@dataclass(frozen=True)
class Problem:
    """What is wrong, where: a sheet, a row (as the spreadsheet numbers it), a column and the value."""

    sheet: str
    row: int | None
    column: str
    value: str
    message: str

    def __str__(self) -> str:
        where = self.sheet or _("file")
        if self.row is not None:
            where += " " + _("row %(row)s") % {"row": self.row}
        if self.column:
            where += f" [{self.column}]"
        value = f" {self.value!r}" if self.value else ""
        return f"{where}{value}: {self.message}"


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    required: bool = False


@dataclass(frozen=True)
class SheetSpec:
    name: str
    zh: str
    key: str  # the natural key column
    columns: tuple[Column, ...]

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)


C = Column
SHEETS: tuple[SheetSpec, ...] = (
    SheetSpec(
        "Disciplines",
        "学科",
        "code",
        (
            C("code", "学科代码", True),
            C("name_zh", "学科名称", True),
            C("name_en", "英文名称"),
            C("category", "学科门类"),
        ),
    ),
    SheetSpec(
        "Units",
        "单位",
        "code",
        (C("code", "单位代码", True), C("name", "单位名称", True), C("kind", "类型", True)),
    ),
    SheetSpec(
        "DoctoralRights",
        "博士学位授权点",
        "discipline_code",
        (C("discipline_code", "学科代码", True), C("since", "获批时间", True)),
    ),
    SheetSpec(
        "Stations",
        "博士后站",
        "code",
        (
            C("code", "站点编号", True),
            C("kind", "类型", True),
            C("discipline_code", "学科代码"),
            C("name", "名称", True),
            C("unit_code", "依托单位代码", True),
            C("established_on", "设站时间", True),
            C("approval_no", "批准文号"),
            C("status", "状态"),
        ),
    ),
    SheetSpec(
        "Supervisors",
        "合作导师",
        "staff_no",
        (
            C("staff_no", "工号", True),
            C("name", "姓名", True),
            C("unit_code", "单位代码", True),
            C("station_code", "站点编号"),
            C("title", "职称"),
            C("external", "校外"),
        ),
    ),
    SheetSpec(
        "Postdocs",
        "博士后",
        "postdoc_no",
        (
            C("postdoc_no", "博士后编号", True),
            C("name", "姓名", True),
            C("gender", "性别", True),
            C("birth_date", "出生日期", True),
            C("id_type", "证件类型", True),
            C("id_number", "证件号码", True),
            C("nationality", "国籍"),
            C("phd_institution", "博士毕业院校"),
            C("phd_date", "博士学位获得时间"),
            C("station_code", "站点编号", True),
            C("supervisor_staff_no", "合作导师工号", True),
            C("workstation_code", "联合培养工作站编号"),
            C("route", "招收方式"),
            C("entry_date", "进站时间", True),
            C("planned_exit_date", "计划出站时间"),
            C("exit_date", "出站时间"),
            C("status", "状态", True),
        ),
    ),
    SheetSpec(
        "Projects",
        "项目",
        "project_no",
        (
            C("project_no", "项目编号", True),
            C("title", "项目名称", True),
            C("funder", "资助机构", True),
            C("programme", "项目类别"),
            C("level", "项目级别"),
            C("amount", "金额(元)"),
            C("awarded_on", "立项时间", True),
            C("postdoc_no", "负责人博士后编号", True),
            C("status", "状态"),
        ),
    ),
)
SHEET_BY_NAME = {s.name: s for s in SHEETS}

# Enumerations: English code → Chinese label (the importer accepts either).
ENUMS: dict[str, dict[str, str]] = {
    "unit_kind": {"college": "学院", "hospital": "附属医院", "institute": "研究所", "enterprise": "企业"},
    "station_kind": {"mobile": "流动站", "workstation": "工作站", "innovation_base": "创新实践基地"},
    "station_status": {"active": "正常", "warned": "整改", "revoked": "撤销"},
    "route": {"independent": "自主招收", "joint": "联合培养"},
    "postdoc_status": {"in_station": "在站", "exited": "已出站", "withdrawn": "退站", "transferred": "转站"},
    "level": {"national": "国家级", "provincial": "省部级", "municipal": "市厅级", "university": "校级"},
    "project_status": {"awarded": "在研", "completed": "结题", "terminated": "终止"},
    "gender": {"male": "男", "female": "女"},
    "id_type": {"resident_id": "居民身份证", "passport": "护照", "hmt_permit": "港澳台居民通行证", "other": "其他"},
    "yes_no": {"yes": "是", "no": "否"},
}
EXTRA_ALIASES: dict[str, dict[str, str]] = {
    "id_type": {"身份证": "resident_id", "港澳台通行证": "hmt_permit"},
    "yes_no": {"true": "yes", "false": "no", "y": "yes", "n": "no", "1": "yes", "0": "no"},
    "postdoc_status": {"出站": "exited"},
}


def normalise(text: Any) -> str:
    """Full-width to half-width, trimmed, case-folded, inner spaces removed: the form of a name."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text))).casefold()


_SHEET_ALIASES = {normalise(alias): spec for spec in SHEETS for alias in (spec.name, spec.zh)}


def sheet_spec(name: str) -> SheetSpec | None:
    return _SHEET_ALIASES.get(normalise(name))


def column_key(spec: SheetSpec, header: str) -> str | None:
    wanted = normalise(header)
    for column in spec.columns:
        if wanted in (normalise(column.key), normalise(column.zh)):
            return column.key
    return None


def parse_enum(kind: str, value: str) -> str:
    """The English code for a code or Chinese label; ValueError with the choices otherwise."""
    wanted = normalise(value)
    for code, label in ENUMS[kind].items():
        if wanted in (normalise(code), normalise(label)):
            return code
    extra = EXTRA_ALIASES.get(kind, {}).get(wanted)
    if extra:
        return extra
    choices = ", ".join(f"{code} / {label}" for code, label in ENUMS[kind].items())
    raise ValueError(_("Use one of: %(choices)s.") % {"choices": choices})


_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)


def parse_date(value: Any) -> dt.date:
    """A real Excel date or `2023-06-01`, `2023/6/1`, `2023.06.01`, `2023年6月1日`, `20230601`."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = unicodedata.normalize("NFKC", str(value)).strip()
    text = re.sub(r"\s+00:00(:00)?$", "", text)  # a date that went through a datetime
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            year, month, day = (int(part) for part in match.groups())
            try:
                return dt.date(year, month, day)
            except ValueError as error:
                raise ValueError(_("This date does not exist in the calendar.")) from error
    raise ValueError(_("Write the date as 2023-06-01, 2023/6/1, 2023.06.01, 2023年6月1日 or 20230601."))


def parse_code(value: Any, width: int) -> str:
    """A numeric code restored to its width: Excel turns `0710` into 710."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if text.isdigit() and len(text) < width:
        text = text.zfill(width)
    return text


def cell_text(value: Any) -> str:
    """A cell as text: numbers without a trailing `.0`, the neutralising quote of an export removed.

    Only names of sheets, columns, codes, enumerations and dates are NFKC-normalised; free text
    is kept as written."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()[:10]
    text = str(value).strip()  # free text keeps its full-width punctuation (（青年项目）)
    if len(text) > 1 and text[0] == "'" and text[1] in "=+-@":
        text = text[1:]
    return text


@dataclass
class Row:
    number: int  # as the spreadsheet shows it (header = 1)
    values: dict[str, Any]


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


def _is_blank(values: Iterable[Any]) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)


def _read_table(
    result: ReadResult, title: str, rows: Iterator[list[tuple[Any, bool]]], merged_header: bool = False
) -> None:
    """One sheet: rows of (value, is_formula) cells, the first non-blank row being the header."""
    spec = sheet_spec(title)
    if spec is None:
        result.warnings.append(_("Sheet %(sheet)s is not an exchange sheet; it was ignored.") % {"sheet": title})
        return
    if spec.name in result.sheets:
        result.problems.append(
            Problem(title, None, "", "", _("The sheet %(sheet)s appears twice.") % {"sheet": spec.name})
        )
        return
    sheet = Sheet(spec=spec, title=title)
    result.sheets[spec.name] = sheet
    header: list[str | None] | None = None
    for number, cells in enumerate(rows, start=1):
        for index, (value, is_formula) in enumerate(cells):
            column = header[index] if header and index < len(header) else None
            column_name = (column or "") if header else ""
            if is_formula or (isinstance(value, str) and value.startswith("=")):
                result.problems.append(
                    Problem(
                        title,
                        number,
                        column_name,
                        str(value)[:100],
                        _("The cell holds a formula; type the value itself (formulas are not imported)."),
                    )
                )
            elif isinstance(value, str) and len(value) > MAX_CELL_CHARS:
                result.problems.append(
                    Problem(
                        title,
                        number,
                        column_name,
                        value[:40] + "…",
                        _("The cell holds %(n)s characters; a cell may hold at most %(max)s.")
                        % {"n": len(value), "max": MAX_CELL_CHARS},
                    )
                )
        values = [value for value, _f in cells]
        if _is_blank(values):
            continue
        if header is None:
            if merged_header:
                result.problems.append(
                    Problem(
                        title,
                        number,
                        "",
                        "",
                        _("The header row has merged cells; give every column its own header cell."),
                    )
                )
                return
            header = []
            seen: set[str] = set()
            for value in values:
                text = cell_text(value)
                key = column_key(spec, text) if text else None
                if text and key is None:
                    result.warnings.append(
                        _("Sheet %(sheet)s: column %(column)s is not known; it was ignored.")
                        % {"sheet": title, "column": text}
                    )
                if key in seen:
                    result.problems.append(
                        Problem(title, number, text, "", _("This column appears twice in the header."))
                    )
                if key:
                    seen.add(key)
                header.append(key)
            missing = [c for c in spec.columns if c.required and c.key not in seen]
            for needed in missing:
                result.problems.append(
                    Problem(
                        title,
                        number,
                        needed.key,
                        "",
                        _("The required column %(column)s (%(zh)s) is missing.")
                        % {"column": needed.key, "zh": needed.zh},
                    )
                )
            if missing:
                return
            continue
        sheet.rows.append(Row(number, {key: values[i] for i, key in enumerate(header) if key and i < len(values)}))


def _merged_rows_in_header(archive: zipfile.ZipFile, sheet_path: str) -> bool:
    """Whether a mergeCell range of the sheet's XML touches its first row (read-only mode hides merges)."""
    with archive.open(sheet_path) as stream:
        for _event, element in iterparse(stream, events=("end",)):  # noqa: S314 - our own upload, no DTDs
            if element.tag.endswith("}mergeCell"):
                ref = element.get("ref", "")
                if re.match(r"^[A-Z]+1:", ref):
                    return True
            element.clear()
    return False


def _read_xlsx(result: ReadResult, path: Path) -> None:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=False)
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        result.problems.append(
            Problem(path.name, None, "", "", _("The file is not an Excel workbook (.xlsx) that can be read."))
        )
        return
    try:
        archive = workbook._archive  # type: ignore[attr-defined]
        for worksheet in workbook.worksheets:
            merged = False
            sheet_path = getattr(worksheet, "_worksheet_path", None)
            if sheet_path and sheet_spec(worksheet.title) is not None:
                merged = _merged_rows_in_header(archive, sheet_path)

            def cells(ws: Any = worksheet) -> Iterator[list[tuple[Any, bool]]]:
                for row in ws.iter_rows():
                    yield [(getattr(c, "value", None), getattr(c, "data_type", None) == "f") for c in row]

            _read_table(result, worksheet.title, cells(), merged_header=merged)
    finally:
        workbook.close()


def _csv_rows(data: bytes) -> Iterator[list[tuple[Any, bool]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("gb18030", errors="replace")  # WPS on Chinese Windows saves CSV in GBK
    csv.field_size_limit(max(MAX_CELL_CHARS * 64, 1 << 24))
    for row in csv.reader(io.StringIO(text)):
        yield [(value, False) for value in row]


def _read_csvs(result: ReadResult, files: Iterable[tuple[str, bytes]]) -> None:
    for name, data in files:
        _read_table(result, Path(name).stem, _csv_rows(data))


def read_workbook(path: str | Path) -> ReadResult:
    """Reads a workbook's sheets into rows keyed by column, with warnings and problems of form."""
    path = Path(path)
    result = ReadResult()
    if not path.exists():
        result.problems.append(Problem(path.name, None, "", "", _("The file does not exist.")))
        return result
    if path.is_dir():
        _read_csvs(result, ((p.name, p.read_bytes()) for p in sorted(path.glob("*.csv"))))
    elif path.stat().st_size == 0:
        result.problems.append(Problem(path.name, None, "", "", _("The file is empty (0 bytes).")))
        return result
    elif path.suffix.lower() == ".csv":
        _read_csvs(result, [(path.name, path.read_bytes())])
    elif path.suffix.lower() == ".zip":
        try:
            with zipfile.ZipFile(path) as archive:
                _read_csvs(
                    result,
                    (
                        (info.filename, archive.read(info))
                        for info in archive.infolist()
                        if info.filename.lower().endswith(".csv") and not info.is_dir()
                    ),
                )
        except zipfile.BadZipFile:
            result.problems.append(Problem(path.name, None, "", "", _("The file is not a readable .zip archive.")))
            return result
    else:
        _read_xlsx(result, path)
    if not result.problems and not any(sheet.rows for sheet in result.sheets.values()):
        result.problems.append(
            Problem(
                path.name,
                None,
                "",
                "",
                _("The workbook has no rows to import: no sheet named as in the exchange workbook has data."),
            )
        )
    return result
