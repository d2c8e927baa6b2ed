"""The stations as sheets: the exchange workbook's Stations sheet (its columns and rows: the list
page's export and the whole-institution workbook), and the station evaluations, the evaluation
and then its indicators (definitions: stations.evaluation). Nothing imports the evaluations sheet
(docs/decisions/0012)."""

from collections.abc import Iterator

from django.db.models import QuerySet

from core.sheets import writers
from core.sheets.specs import Column, SheetSpec
from stations.evaluation import INDICATORS
from stations.models import Evaluation, Station

# ---- the Stations sheet of the exchange workbook --------------------------------------------------

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


def station_rows(stations: QuerySet[Station]) -> Iterator[writers.Row]:
    for s in stations.select_related("discipline", "unit").iterator(chunk_size=writers.CHUNK_SIZE):
        yield {
            "code": s.code,
            "kind": s.kind,
            "discipline_code": s.discipline.code if s.discipline else "",
            "name": s.name_zh,
            "unit_code": s.unit.code,
            "established_on": s.established_on,
            "approval_no": s.approval_no,
            "status": s.status,
            "revoked_on": s.revoked_on,
        }


def stations_sheet(stations: QuerySet[Station]) -> writers.Sheet:
    return writers.Sheet("Stations", station_rows(stations), STATIONS_SHEET)


# ---- station evaluations --------------------------------------------------------------------------

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
