"""The Applications and Evaluations sheets' columns, apart from their rows (establishment.export).

No models here: a process that only reads a workbook's sheets need not load the apps (the
import's read-ahead, exchange/readahead.py)."""

from core.sheets.specs import Column, SheetSpec

APPLICATIONS_SHEET = SheetSpec(
    "Applications",
    "设站申请",
    "discipline_code",
    (
        Column("round_year", "申报年度", True),
        Column("notice_no", "通知文号"),
        Column("discipline_code", "学科代码", True),
        Column("discipline_name", "学科名称"),
        Column("unit_code", "申报单位代码", True),
        Column("applicants", "申报团队工号"),
        Column("enrolled_phd_students", "在读博士生人数"),
        Column("facilities_attested", "条件已核实"),
        Column("internal_review_supported", "校内论证通过"),
        Column("documents", "材料份数"),
        Column("status", "状态", True),
        Column("submitted_on", "报送日期"),
        Column("decided_on", "批复日期"),
        Column("approval_no", "批准文号"),
        Column("station_code", "站点编号"),
    ),
)
EVALUATIONS_SHEET = SheetSpec(
    "Evaluations",
    "评估",
    "station_code",
    (
        Column("station_code", "设站代码", True),
        Column("station_name", "设站名称"),
        Column("cycle", "评估年度", True),
        Column("kind", "评估类型", True),
        Column("period_start", "评估期起"),
        Column("period_end", "评估期止"),
        Column("grade", "评估结果"),
        Column("decided_on", "结果日期"),
        Column("action", "处理"),
        Column("rectify_by", "整改期限"),
        Column("intake", "招收人数"),
        Column("in_station_at_end", "期末在站人数"),
        Column("exits", "出站人数"),
        Column("exits_on_time", "按期出站人数"),
        Column("on_time_share", "按期出站比例(%)"),
        Column("extensions", "延期次数"),
        Column("withdrawals", "退站人数"),
        Column("transfers", "转出人数"),
        Column("postdoc_years", "博士后人年"),
        Column("projects", "获批项目数"),
        Column("projects_per_postdoc_year", "人年均项目数"),
        Column("research_outputs", "站内科研成果数"),
        Column("outputs_per_postdoc_year", "人年均成果数"),
        Column("computed_on", "指标计算日期"),
    ),
)
