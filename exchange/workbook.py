"""Reading the exchange workbook (shared/spec/exchange-workbook.md): forgiving about form.

`open_workbook` opens an `.xlsx` (read by `exchange.xlsx`) or a folder / `.zip` of CSV files (one
per sheet, the file name being the sheet name), reads each sheet's header and then streams its rows,
keyed by canonical column names. Problems of
form that make a file unreadable (formulas, merged headers, a missing required column, an empty
or broken file, an oversized cell) become `Problem`s; meaning is checked by the importer.
"""

import codecs
import datetime as dt
import functools
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from openpyxl.utils import get_column_letter

from exchange.xlsx import (
    Limits,
    NotAWorkbook,
    Oversized,
    ReadLimit,
    XlsxReader,
    csv_records,
    open_archive,
    open_member,
)

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
            C("revoked_on", "撤销时间"),
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
            # Not in the spec's table: whether the supervisor is a doctoral supervisor (博导), which
            # the review engine's panel rules ask about (docs/decisions/0010).
            C("doctoral_supervisor", "博导"),
        ),
    ),
    # Not in the spec's table: the institution's pool of review experts (docs/decisions/0010). After
    # Supervisors, since an internal expert may be linked to a supervisor's staff record.
    SheetSpec(
        "Experts",
        "专家",
        "code",
        (
            C("code", "专家编号", True),
            C("name", "姓名", True),
            C("name_en", "英文姓名"),
            C("external", "校外"),
            C("affiliation", "工作单位"),
            C("unit_code", "单位代码"),
            C("staff_no", "工号"),
            C("title", "职称"),
            C("rank", "职称级别"),
            C("doctoral_supervisor", "博导"),
            C("disciplines", "专业领域"),
            C("email", "邮箱"),
            C("phone", "电话"),
            C("language", "语言"),
            C("active", "在库"),
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
            # Not in the spec's table: the supervisor's name, as offices' rosters give it instead of
            # the staff number. Read only where it names one supervisor (REQUIRED_UNLESS below).
            C("supervisor_name", "合作导师姓名"),
            C("workstation_code", "联合培养工作站编号"),
            C("route", "招收方式"),
            C("entry_date", "进站时间", True),
            C("planned_exit_date", "计划出站时间"),
            C("exit_date", "出站时间"),
            C("status", "状态", True),
            # Not in the spec's table: the reason an administrator gives for a record that breaks a
            # policy rule, recorded as a policy exception (docs/decisions/0010).
            C("exception_reason", "例外说明"),
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
            # Added with the project's life cycle (issue 5): optional, so that a workbook without
            # them imports as before (a blank status is awarded) and a re-import leaves what they
            # would say as it is recorded.
            C("applied_on", "申请时间"),
            C("rejected_on", "未获资助时间"),
            C("ended_on", "结束时间"),
            C("role", "本人角色"),
            C("grade", "资助等级"),
            C("batch", "批次"),
            C("period_start", "执行期起"),
            C("period_end", "执行期止"),
            C("extension_commitment_until", "承诺延期至"),
        ),
    ),
    # Research outputs (docs/decisions/0014), after Postdocs and Projects. No single key column: an
    # output is matched by its postdoc's person and its DOI, or its kind and normalised title.
    SheetSpec(
        "Outputs",
        "科研成果",
        "",
        (
            C("postdoc_no", "博士后编号", True),
            C("kind", "成果类型", True),
            C("title", "题名", True),
            C("year", "年度", True),
            C("published_on", "日期"),
            C("authors", "作者", True),
            C("author_position", "本人排名", True),
            C("corresponding", "通讯作者"),
            C("doi", "DOI"),
            C("journal", "期刊或会议"),
            C("issn", "ISSN"),
            C("volume", "卷"),
            C("issue", "期"),
            C("pages", "页码"),
            C("publisher", "出版者"),
            C("isbn", "ISBN"),
            C("number", "专利号或标准号"),
            C("patent_kind", "专利类型"),
            C("granted_on", "授权日期"),
            C("award_level", "奖励级别"),
            C("award_grade", "奖励等级"),
        ),
    ),
)
SHEET_BY_NAME = {s.name: s for s in SHEETS}

# Sheets the whole-institution export adds after SHEETS, that an import reads not: the records of
# the review engine (docs/decisions/0012). Each decision in them was applied to its subject through
# that subject's services (a station created, an extension granted, a postdoc withdrawn), and those
# results are in the sheets above; replaying the decisions would apply them twice. Their columns are
# declared by the apps that own them (establishment.export, stations.export, reviews.export).
EXPORT_ONLY_SHEETS: dict[str, str] = {"Applications": "设站申请", "Evaluations": "评估", "Reviews": "评审"}

# Enumerations: English code → Chinese label (the importer accepts either).
ENUMS: dict[str, dict[str, str]] = {
    "unit_kind": {"college": "学院", "hospital": "附属医院", "institute": "研究所", "enterprise": "企业"},
    "station_kind": {"mobile": "流动站", "workstation": "工作站", "innovation_base": "创新实践基地"},
    "station_status": {"active": "正常", "warned": "整改", "revoked": "撤销"},
    "route": {"independent": "自主招收", "joint": "联合培养"},
    "postdoc_status": {"in_station": "在站", "exited": "已出站", "withdrawn": "退站", "transferred": "转站"},
    "level": {"national": "国家级", "provincial": "省部级", "municipal": "市厅级", "university": "校级"},
    "project_status": {
        "awarded": "在研",
        "completed": "结题",
        "terminated": "终止",
        "applied": "申请中",
        "rejected": "未获资助",
    },
    "project_role": {"pi": "负责人", "participant": "参与人"},
    "output_kind": {"paper": "论文", "patent": "专利", "award": "奖励", "book": "著作", "standard": "标准"},
    "patent_kind": {"invention": "发明", "utility_model": "实用新型", "design": "外观设计"},
    "award_grade": {"special": "特等奖", "first": "一等奖", "second": "二等奖", "third": "三等奖", "other": "其他"},
    "gender": {"male": "男", "female": "女"},
    "id_type": {"resident_id": "居民身份证", "passport": "护照", "hmt_permit": "港澳台居民通行证", "other": "其他"},
    "yes_no": {"yes": "是", "no": "否"},
    "rank": {"full": "正高", "associate": "副高", "intermediate": "中级"},
    "language": {"zh-hans": "中文", "en": "英文"},
}
# The words offices write for the spec's values (the spec's appendix and docs/decisions/0022 list
# them): one table, read case- and width-blind. A value read through it is said in the report's
# notices, never silently.
VALUE_WORDS: dict[str, dict[str, str]] = {
    # GB/T 2261.1 codes sex as 1 (male) and 2 (female); HR systems export those digits.
    "gender": {"男性": "male", "女性": "female", "m": "male", "f": "female", "1": "male", "2": "female"},
    "id_type": {
        "身份证": "resident_id",
        "二代身份证": "resident_id",
        "第二代居民身份证": "resident_id",
        "居民身份证号": "resident_id",
        "中国居民身份证": "resident_id",
        "大陆居民身份证": "resident_id",
        "港澳台通行证": "hmt_permit",
        "港澳居民来往内地通行证": "hmt_permit",
        "台湾居民来往大陆通行证": "hmt_permit",
        "回乡证": "hmt_permit",
        "台胞证": "hmt_permit",
    },
    "yes_no": {"true": "yes", "false": "no", "y": "yes", "n": "no", "1": "yes", "0": "no", "√": "yes", "×": "no"},
    "route": {"统招": "independent", "统一招收": "independent", "单位自主招收": "independent", "联合招收": "joint"},
    "postdoc_status": {
        "在站中": "in_station",
        "在站人员": "in_station",
        "出站": "exited",
        "已出站人员": "exited",
        "退出": "withdrawn",
        "中途退站": "withdrawn",
        "已退站": "withdrawn",
        "转出": "transferred",
        "已转站": "transferred",
    },
    "level": {
        "国家": "national",
        "省级": "provincial",
        "部级": "provincial",
        "市级": "municipal",
        "厅局级": "municipal",
    },
    "project_status": {
        "立项": "awarded",
        "在研中": "awarded",
        "已结题": "completed",
        "结项": "completed",
        "已结项": "completed",
        "已申请": "applied",
        "不予资助": "rejected",
        "未立项": "rejected",
    },
    "project_role": {"principal": "pi", "主持": "pi", "主持人": "pi", "参与": "participant"},
    "output_kind": {"专著": "book", "获奖": "award", "article": "paper", "期刊论文": "paper"},
    "patent_kind": {"发明专利": "invention", "实用新型专利": "utility_model", "外观设计专利": "design"},
    "rank": {
        "正高级": "full",
        "副高级": "associate",
        "中级职称": "intermediate",
        "3": "full",
        "2": "associate",
        "1": "intermediate",
    },
    "language": {"zh": "zh-hans", "zh-cn": "zh-hans", "简体中文": "zh-hans", "汉语": "zh-hans", "english": "en"},
}


def normalise(text: Any) -> str:
    """Full-width to half-width, trimmed, case-folded, inner spaces removed: the form of a name."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text))).casefold()


_SHEET_ALIASES = {normalise(alias): spec for spec in SHEETS for alias in (spec.name, spec.zh)}
_EXPORT_ONLY_ALIASES = {normalise(alias) for item in EXPORT_ONLY_SHEETS.items() for alias in item}


def sheet_spec(name: str) -> SheetSpec | None:
    return _SHEET_ALIASES.get(normalise(name))


# Header wording offices use beside the spec's names (the spec's appendix lists them). A variant is
# read as its column and said in the report's warnings, never silently.
HEADER_VARIANTS: dict[str, dict[str, tuple[str, ...]]] = {
    "Postdocs": {
        "name": ("博士后姓名",),
        "birth_date": ("出生年月", "出生年月日", "出生时间"),
        "id_number": ("身份证号", "身份证号码", "证件号", "身份证件号码", "证件号码（身份证号）"),
        "phd_institution": ("博士毕业学校", "博士学位授予单位"),
        "phd_date": ("博士毕业时间", "博士毕业日期", "博士学位授予时间", "获博士学位时间"),
        "supervisor_staff_no": ("导师工号", "合作导师职工号", "合作导师编号"),
        "supervisor_name": ("合作导师", "导师姓名", "导师"),
        "entry_date": ("进站日期",),
        "planned_exit_date": ("计划出站日期", "预计出站时间"),
        "exit_date": ("出站日期", "实际出站时间"),
    },
    "Supervisors": {
        "staff_no": ("职工号", "教工号", "导师工号", "工作证号"),
    },
}
# Headers that give an amount in a unit other than the spec's yuan: the column, and the yuan in one unit.
UNIT_HEADERS: dict[str, dict[str, tuple[str, int]]] = {
    "Projects": dict.fromkeys(
        ("金额(万元)", "资助金额(万元)", "经费(万元)", "资助经费(万元)", "批准金额(万元)", "资助额度(万元)"),
        ("amount", 10000),
    ),
}
# Headers of a column that numbers the rows (序号): read as no column, and rows holding nothing else skipped.
ROW_NUMBER_HEADERS = frozenset({"序号", "序", "no", "no.", "#", "行号"})
# The header is looked for among this many non-blank rows at the top of a sheet (title rows above it).
HEADER_SEARCH_ROWS = 10

# A mark that a column is required (`*姓名`, `姓名*`, `姓名（必填）`), as templates for clerks write it.
_REQUIRED_MARK = re.compile(r"^\*+|\*+$|\((必填|必填项|选填|可选|required|optional)\)$")


# A required column that another column may stand in for: a roster naming each postdoc's supervisor
# by name needs no staff numbers (the importer finds the one supervisor of that name).
REQUIRED_UNLESS: dict[tuple[str, str], str] = {("Postdocs", "supervisor_staff_no"): "supervisor_name"}


def missing_columns(spec: SheetSpec, named: set[str]) -> list[Column]:
    """The required columns a header does not name (nor a column standing in for them)."""
    return [
        c
        for c in spec.columns
        if c.required and c.key not in named and REQUIRED_UNLESS.get((spec.name, c.key)) not in named
    ]


@functools.cache
def _header_names(sheet: str) -> dict[str, tuple[str, bool]]:
    """Every accepted header of a sheet, normalised: its column key, and whether it is a variant."""
    spec = sheet_spec(sheet)
    assert spec is not None
    names = {normalise(name): (c.key, False) for c in spec.columns for name in (c.key, c.zh)}
    for key, variants in HEADER_VARIANTS.get(spec.name, {}).items():
        for variant in variants:
            names.setdefault(normalise(variant), (key, True))
    for variant, (key, _scale) in UNIT_HEADERS.get(spec.name, {}).items():
        names.setdefault(normalise(variant), (key, True))
    return names


def _bare_header(header: str) -> str:
    return _REQUIRED_MARK.sub("", normalise(header))


def header_column(spec: SheetSpec, header: str) -> tuple[str | None, bool]:
    """The column a header names and whether it was read from a variant of the spec's wording; a
    required mark is no part of the name."""
    return _header_names(spec.name).get(_bare_header(header), (None, False))


def column_key(spec: SheetSpec, header: str) -> str | None:
    return header_column(spec, header)[0]


def header_scale(spec: SheetSpec, header: str) -> int:
    """How many yuan one unit of the column's amounts is (10,000 for 万元), 1 for the spec's yuan."""
    wanted = _bare_header(header)
    return next(
        (scale for name, (_k, scale) in UNIT_HEADERS.get(spec.name, {}).items() if normalise(name) == wanted), 1
    )


def is_row_number_header(header: str) -> bool:
    return _bare_header(header) in ROW_NUMBER_HEADERS


def _named_columns(spec: SheetSpec, values: list[Any]) -> set[str]:
    return {key for value in values if (text := cell_text(value)) for key in [column_key(spec, text)] if key}


def find_header(spec: SheetSpec, rows: list[list[Any]]) -> int:
    """Which of a sheet's first non-blank rows is its header: the first that names every required
    column, else the one naming most columns (two at least), else the first. Rows above it are a
    title, a date or a note, as offices put above their tables."""
    best, best_count = 0, 1
    for index, values in enumerate(rows):
        named = _named_columns(spec, values)
        if not missing_columns(spec, named):
            return index
        if len(named) > best_count:
            best, best_count = index, len(named)
    return best


def place_by_header(rows: list[list[Any]]) -> SheetSpec | None:
    """The one exchange sheet whose required columns a sheet's first rows name (a sheet left as
    `Sheet1`), or None when none or several fit."""
    fitting: list[tuple[int, SheetSpec]] = []
    for spec in SHEETS:
        counts = [len(named) for values in rows if not missing_columns(spec, named := _named_columns(spec, values))]
        if counts:
            fitting.append((max(counts), spec))
    fitting.sort(key=lambda item: -item[0])
    if len(fitting) == 1 or (len(fitting) > 1 and fitting[0][0] > fitting[1][0]):
        return fitting[0][1]
    return None


def sheet_names_expected() -> str:
    return ", ".join(f"{spec.zh} ({spec.name})" for spec in SHEETS)


@functools.cache
def _enum_spellings(kind: str) -> dict[str, str]:
    """The spec's spellings of an enumeration (code and Chinese label), normalised, to the code."""
    return {normalise(alias): code for code, label in ENUMS[kind].items() for alias in (code, label)}


@functools.cache
def _value_words(kind: str) -> dict[str, str]:
    return {normalise(word): code for word, code in VALUE_WORDS.get(kind, {}).items()}


def read_enum(kind: str, value: str) -> tuple[str, bool]:
    """The English code for a code, a Chinese label or an office's word for one, and whether it
    was read from such a word; ValueError with the choices otherwise."""
    spellings = _enum_spellings(kind)
    code = spellings.get(value)  # most cells are written as the code
    if code is not None:
        return code, False
    wanted = normalise(value)
    if wanted in spellings:
        return spellings[wanted], False
    word = _value_words(kind).get(wanted)
    if word is not None:
        return word, True
    choices = ", ".join(f"{code} / {label}" for code, label in ENUMS[kind].items())
    raise ValueError(_("Use one of: %(choices)s.") % {"choices": choices})


def parse_enum(kind: str, value: str) -> str:
    """The English code for a code, Chinese label or office word; ValueError with the choices."""
    return read_enum(kind, value)[0]


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


@dataclass
class Row:
    number: int  # as the spreadsheet shows it (header = 1)
    values: dict[str, Any]
    # Columns whose cell is already named as a problem of form (a formula, an error value): the
    # importer says nothing more about them, so that one cell is one problem.
    spoiled: frozenset[str] = frozenset()


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
            # Only the cell's first characters were kept while reading (exchange.xlsx).
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
        if spec is None and normalise(title) in _EXPORT_ONLY_ALIASES:
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
            lambda part=part: reader.rows(part),  # type: ignore[misc]
            merged_header=lambda row, part=part: reader.row_is_merged(part, row),  # type: ignore[misc]
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
            source.add_sheet(csv_path.stem, _csv_source(opener, csv_path.name))  # type: ignore[misc]
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
                source.add_sheet(Path(info.filename).stem, _csv_source(opener, info.filename))  # type: ignore[misc]
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
