"""The Supervisors sheet's columns, apart from its rows (people.export).

No models here: a process that only reads a workbook's sheets need not load the apps (the
import's read-ahead, exchange/readahead.py)."""

from core.sheets.specs import Column, SheetSpec

SUPERVISORS_SHEET = SheetSpec(
    "Supervisors",
    "合作导师",
    "staff_no",
    (
        Column("staff_no", "工号", True),
        Column("name", "姓名", True),
        Column("unit_code", "单位代码", True),
        Column("station_code", "站点编号"),
        Column("title", "职称"),
        Column("external", "校外"),
        # Not in the spec's table: whether the supervisor is a doctoral supervisor (博导), which
        # the review engine's panel rules ask about (docs/decisions/0033).
        Column("doctoral_supervisor", "博导"),
    ),
)
