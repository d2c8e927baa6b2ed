"""The exchange workbook's appendix (docs/exchange-workbook-appendix.md): the header wording and
the value words the importer reads beside the spec's, written from the tables the importer reads
them with, so the document cannot drift from the code. `manage.py workbook_appendix` rewrites it;
a test fails when the file and the tables differ."""

from exchange.layout import (
    ENUMS,
    HEADER_SEARCH_ROWS,
    HEADER_VARIANTS,
    ROW_NUMBER_HEADERS,
    SHEET_BY_NAME,
    UNIT_HEADERS,
    VALUE_WORDS,
)

ENUM_COLUMNS = {
    "gender": "Postdocs.gender 性别",
    "id_type": "Postdocs.id_type 证件类型",
    "yes_no": "Supervisors.external 校外, Experts 是/否 columns",
    "route": "Postdocs.route 招收方式",
    "postdoc_status": "Postdocs.status 状态",
    "level": "Projects.level 项目级别",
    "project_status": "Projects.status 状态",
    "project_role": "Projects.role 本人角色",
    "output_kind": "Outputs.kind 成果类型",
    "patent_kind": "Outputs.patent_kind 专利类型",
    "rank": "Experts.rank 职称级别",
    "language": "Experts.language 语言",
}

INTRO = """# Exchange workbook — appendix: what offices write / 附录：办公室的写法

Written from the importer's tables by `manage.py workbook_appendix`; do not edit by hand.
本文件由 `manage.py workbook_appendix` 根据导入程序的对照表生成，请勿手工修改。

The importer is forgiving about form and strict about meaning (`../shared/spec/exchange-workbook.md`,
`docs/decisions/0022`). Everything below is read as the spec's column or value, and **each reading
is said in the import report's notices**, with the rows it concerns — never silently.
导入时对写法宽容、对含义严格：下列写法均按规范的列或取值读取，并在导入报告的提示中逐项说明（附所在行）。
"""

LAYOUT = """## Layout of a sheet / 表格布局

| Written / 写法 | Read as / 读作 |
|---|---|
| A title, a unit line or blank rows above the header (merged or not) / 表头上方的标题行、填报单位行、空行（合并或不合并） | The header is the first of the first {rows} non-blank rows that names every required column / 在前 {rows} 个非空行中，第一个包含全部必填列的行为表头 |
| A required mark: `*姓名`, `姓名*`, `姓名（必填）` / 必填标记 | The column without the mark / 去掉标记后的列名 |
| A row-number column ({row_numbers}) anywhere / 任意位置的序号列 | Not imported; a row holding only its number is skipped / 不导入；只有序号的行跳过 |
| A totals row (合计, 总计, 小计, 共计) or a sign-off row (制表人, 审核人, 填表日期, 盖章 …) that leaves most required columns empty / 合计行、签字行（必填列大多为空） | Skipped / 跳过 |
| A sheet named `Sheet1` whose columns are one exchange sheet's / 名为 `Sheet1` 但列与某一交换表相符 | Read as that sheet / 按该表读取 |
| A hidden sheet repeating a visible one / 重复可见表的隐藏表 | Not read / 不读取 |
"""

DATES = """## Dates / 日期

Besides `2023-06-01`, `2023/6/1`, `2023.06.01`, `2023年6月1日`, `20230601` and a real Excel date:
除规范列出的写法外，还接受：

| Written / 写法 | Read as / 读作 |
|---|---|
| Excel's day number in a General or text cell (`45000`, 10000–73050) / 常规或文本单元格中的 Excel 日期序号 | That day (`2023-03-15`) / 对应日期 |
| A date with a time of day (`2026/3/11 0:00`, `2026-03-11 08:30:00`) / 带时间的日期 | The date / 日期部分 |
| `20260305` in a date-formatted cell / 日期格式单元格中的 `20260305` | `2026-03-05` |
| A year and month (`2026.3`, `2026-03`, `2026年3月`) / 只有年月 | The month's first day / 当月 1 日 |

Refused with a sentence / 拒绝并说明: the number `2026.1` (Excel dropped the 0 of `2026.10`: January or
October cannot be told); a year alone (`2026`); a date not in the calendar.
"""

REFUSED = """## Refused with a sentence / 拒绝并说明

- An ID number Excel stored as a number (15+ digits or `1.1E+17`): its last digits are lost. / 被 Excel 存为数字的证件号码（末位已丢失）。
- A formula, or Excel's error value (`#N/A`, `#VALUE!`, `#REF!` …) in a column that is read. / 读取列中的公式或 Excel 错误值。
- A supervisor's name that fits no supervisor, or several, or contradicts the staff number given. / 合作导师姓名无对应、对应多人或与工号不符。
"""


def appendix_text() -> str:
    parts = [
        INTRO,
        LAYOUT.format(rows=HEADER_SEARCH_ROWS, row_numbers=", ".join(f"`{h}`" for h in sorted(ROW_NUMBER_HEADERS))),
    ]
    parts.append("## Header wording / 表头写法\n\n| Sheet / 表 | Column / 列 | Also read / 也接受 |\n|---|---|---|")
    for sheet, columns in HEADER_VARIANTS.items():
        spec = SHEET_BY_NAME[sheet]
        for key, variants in columns.items():
            column = spec.column(key)
            parts.append(f"| {spec.zh} {sheet} | {column.zh} `{key}` | {'、'.join(variants)} |")
    for sheet, units in UNIT_HEADERS.items():
        spec = SHEET_BY_NAME[sheet]
        for header, (key, scale) in units.items():
            column = spec.column(key)
            parts.append(
                f"| {spec.zh} {sheet} | {column.zh} `{key}` | {header} — × {scale:,} (万元 → 元, amounts in 10,000 yuan) |"
            )
    parts.append("")
    parts.append(DATES)
    parts.append(
        "## Value words / 取值写法\n\nRead case- and width-blind. 不区分大小写和全半角。\n\n"
        "| Values of / 取值 | Written / 写法 | Read as / 读作 |\n|---|---|---|"
    )
    for kind, words in VALUE_WORDS.items():
        for word, code in words.items():
            parts.append(f"| {ENUM_COLUMNS[kind]} | {word} | {ENUMS[kind][code]} `{code}` |")
    parts.append("")
    parts.append(REFUSED)
    return "\n".join(parts)


def readings() -> dict[str, list[tuple[str, str, str]]]:
    """The same tables for the upload page: (where, what is written, what it is read as)."""
    headers = [
        (f"{SHEET_BY_NAME[sheet].zh} · {SHEET_BY_NAME[sheet].column(key).zh}", "、".join(variants), key)
        for sheet, columns in HEADER_VARIANTS.items()
        for key, variants in columns.items()
    ]
    headers += [
        (f"{SHEET_BY_NAME[sheet].zh} · {SHEET_BY_NAME[sheet].column(key).zh}", header, f"× {scale:,}")
        for sheet, units in UNIT_HEADERS.items()
        for header, (key, scale) in units.items()
    ]
    words = [
        (ENUM_COLUMNS[kind], word, f"{ENUMS[kind][code]} ({code})")
        for kind, table in VALUE_WORDS.items()
        for word, code in table.items()
    ]
    return {"headers": headers, "words": words}
