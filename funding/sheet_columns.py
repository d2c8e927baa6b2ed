"""The Projects sheet's columns, apart from its rows (funding.export).

No models here: a process that only reads a workbook's sheets need not load the apps (the
import's read-ahead, exchange/readahead.py)."""

from core.sheets.specs import Column, SheetSpec

PROJECTS_SHEET = SheetSpec(
    "Projects",
    "项目",
    "project_no",
    (
        Column("project_no", "项目编号", True),
        Column("title", "项目名称", True),
        Column("funder", "资助机构", True),
        Column("programme", "项目类别"),
        Column("level", "项目级别"),
        Column("amount", "金额(元)"),
        Column("awarded_on", "立项时间", True),
        Column("postdoc_no", "负责人博士后编号", True),
        Column("status", "状态"),
        # Added with the project's life cycle (issue 5): optional, so that a workbook without
        # them imports as before (a blank status is awarded) and a re-import leaves what they
        # would say as it is recorded.
        Column("applied_on", "申请时间"),
        Column("rejected_on", "未获资助时间"),
        Column("ended_on", "结束时间"),
        Column("role", "本人角色"),
        Column("grade", "资助等级"),
        Column("batch", "批次"),
        Column("period_start", "执行期起"),
        Column("period_end", "执行期止"),
        Column("extension_commitment_until", "承诺延期至"),
    ),
)
