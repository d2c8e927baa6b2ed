"""The Reviews sheet's columns, apart from its rows (reviews.export).

No models here: a process that only reads a workbook's sheets need not load the apps (the
import's read-ahead, exchange/readahead.py)."""

from core.sheets.specs import Column, SheetSpec

REVIEWS_SHEET_COLUMNS = (
    Column("id", "评审编号", True),
    Column("kind", "评审类型", True),
    Column("title", "标题"),
    Column("postdoc_no", "博士后编号"),
    Column("postdoc_name", "博士后姓名"),
    Column("station_code", "设站代码"),
    Column("subject", "评审对象"),
    Column("deadline", "截止日期"),
    Column("status", "状态"),
    Column("attempt", "次数"),
    Column("decision", "评审结论"),
    Column("decided_on", "决定日期"),
)
PANEL_COLUMNS = (
    Column("panel_size", "专家人数"),
    Column("submitted", "已评分人数"),
    Column("reviewers", "评审专家及得分"),
    Column("mean", "平均分"),
    Column("median", "中位分"),
    Column("disagreement", "分歧较大"),
    Column("suggested", "建议结论"),
)
REVIEWS_SHEET = SheetSpec("Reviews", "评审", "id", REVIEWS_SHEET_COLUMNS)
REVIEWS_PANEL_SHEET = SheetSpec("Reviews", "评审", "id", REVIEWS_SHEET_COLUMNS + PANEL_COLUMNS)
