"""The Stations sheet's columns, apart from its rows (stations.export).

No models here: a process that only reads a workbook's sheets need not load the apps (the
import's read-ahead, exchange/readahead.py)."""

from core.sheets.specs import Column, SheetSpec

STATIONS_SHEET = SheetSpec(
    "Stations",
    "博士后站",
    "code",
    (
        Column("code", "站点编号", True),
        Column("kind", "类型", True),
        Column("discipline_code", "学科代码"),
        Column("name", "名称", True),
        Column("unit_code", "依托单位代码", True),
        Column("established_on", "设站时间", True),
        Column("approval_no", "批准文号"),
        Column("status", "状态"),
        Column("revoked_on", "撤销时间"),
    ),
)
