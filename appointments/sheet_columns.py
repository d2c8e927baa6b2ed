"""The Postdocs sheet's columns, apart from its rows (appointments.export).

No models here: a process that only reads a workbook's sheets need not load the apps (the
import's read-ahead, exchange/readahead.py)."""

from core.sheets.specs import Column, SheetSpec

POSTDOCS_SHEET = SheetSpec(
    "Postdocs",
    "博士后",
    "postdoc_no",
    (
        Column("postdoc_no", "博士后编号", True),
        Column("name", "姓名", True),
        Column("gender", "性别", True),
        Column("birth_date", "出生日期", True),
        Column("id_type", "证件类型", True),
        Column("id_number", "证件号码", True),
        Column("nationality", "国籍"),
        Column("phd_institution", "博士毕业院校"),
        Column("phd_date", "博士学位获得时间"),
        Column("station_code", "站点编号", True),
        Column("supervisor_staff_no", "合作导师工号", True),
        # Not in the spec's table: the supervisor's name, as offices' rosters give it instead of
        # the staff number. Read only where it names one supervisor (exchange.layout.REQUIRED_UNLESS).
        Column("supervisor_name", "合作导师姓名"),
        Column("workstation_code", "联合培养工作站编号"),
        Column("route", "招收方式"),
        Column("entry_date", "进站时间", True),
        Column("planned_exit_date", "计划出站时间"),
        Column("exit_date", "出站时间"),
        Column("status", "状态", True),
        # Not in the spec's table: the reason an administrator gives for a record that breaks a
        # policy rule, recorded as a policy exception (docs/decisions/0032).
        Column("exception_reason", "例外说明"),
    ),
)
