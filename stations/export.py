"""The station evaluations as a sheet: the list page's export and the whole-institution workbook
write the same rows, the evaluation and then its indicators (definitions: stations.evaluation).
Nothing imports this sheet (docs/decisions/0012)."""

from collections.abc import Iterator

from django.db.models import QuerySet

from core.sheets import writers
from core.sheets.specs import Column, SheetSpec
from stations.evaluation import INDICATORS
from stations.models import Evaluation

# The export's one sheet: the evaluation, then its indicators (definitions: stations.evaluation).
_EXPORTED_INDICATORS = [i.key for i in INDICATORS]
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


def evaluation_rows(evaluations: QuerySet[Evaluation]) -> Iterator[writers.Row]:
    for e in evaluations.iterator(chunk_size=writers.CHUNK_SIZE):
        yield {
            "station_code": e.station.code,
            "station_name": e.station.name_zh,
            "cycle": e.cycle,
            "kind": e.kind,
            "period_start": e.period_start,
            "period_end": e.period_end,
            "grade": e.grade,
            "decided_on": e.decided_on,
            "action": e.action,
            "rectify_by": e.rectify_by,
            "computed_on": e.indicators.get("computed_on"),
            **{key: e.indicators.get(key) for key in _EXPORTED_INDICATORS},
        }


def evaluations_sheet(evaluations: QuerySet[Evaluation]) -> writers.Sheet:
    return writers.Sheet("Evaluations", evaluation_rows(evaluations.select_related("station")), EVALUATIONS_SHEET)
