"""The exchange workbook's layout (shared/spec/exchange-workbook.md): its sheets and columns, the
export-only sheets, the enumerations and the words and headers offices write for them."""

import functools
import re
from typing import Any

from django.utils.translation import gettext as _

from appointments.sheet_columns import POSTDOCS_SHEET
from core.sheets.cells import cell_text, normalise
from core.sheets.specs import Column, SheetSpec
from establishment.sheet_columns import APPLICATIONS_SHEET, EVALUATIONS_SHEET
from funding.sheet_columns import PROJECTS_SHEET
from people.sheet_columns import SUPERVISORS_SHEET
from reviews.sheet_columns import REVIEWS_SHEET
from stations.sheet_columns import STATIONS_SHEET

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
    STATIONS_SHEET,
    SUPERVISORS_SHEET,
    # Not in the spec's table: the institution's pool of review experts (docs/decisions/0033). After
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
    POSTDOCS_SHEET,
    PROJECTS_SHEET,
    # Research outputs (docs/decisions/0051), after Postdocs and Projects. No single key column: an
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
# declared by the apps that own them (establishment.sheet_columns, reviews.sheet_columns), and
# collected here: English name → Chinese name.
EXPORT_ONLY_SHEETS: dict[str, str] = {
    spec.name: spec.zh for spec in (APPLICATIONS_SHEET, EVALUATIONS_SHEET, REVIEWS_SHEET)
}

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


_SHEET_ALIASES = {normalise(alias): spec for spec in SHEETS for alias in (spec.name, spec.zh)}
_EXPORT_ONLY_ALIASES = {normalise(alias) for item in EXPORT_ONLY_SHEETS.items() for alias in item}


def sheet_spec(name: str) -> SheetSpec | None:
    return _SHEET_ALIASES.get(normalise(name))


def is_export_only(name: str) -> bool:
    """Whether a sheet of this name (English or Chinese) is one of EXPORT_ONLY_SHEETS."""
    return normalise(name) in _EXPORT_ONLY_ALIASES


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
