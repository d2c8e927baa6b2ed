"""The station establishment applications and the station evaluations as sheets: each list page's
export and the whole-institution workbook write the same rows. Nothing imports these sheets
(docs/decisions/0012): an approval created its station, which the Stations sheet carries, and an
evaluation's grade and action are applied to its station already."""

from collections.abc import Iterator

from django.db.models import Count, OuterRef, QuerySet, StringAgg, Subquery, Value

from core.sheets import writers
from core.sheets.specs import Column, SheetSpec
from establishment.models import Application, Document
from stations.indicators import INDICATORS
from stations.models import Evaluation

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


def application_rows(applications: QuerySet[Application]) -> Iterator[writers.Row]:
    # Subqueries, not joins: two joined lists would multiply each other's rows.
    team = Application.applicants.through.objects.filter(application=OuterRef("pk")).order_by()
    staff = team.values("application").annotate(joined=StringAgg("supervisor__staff_no", Value(";")))
    documents = (
        Document.objects.filter(application=OuterRef("pk")).order_by().values("application").annotate(n=Count("pk"))
    )
    query = applications.select_related("round", "discipline", "unit", "station").annotate(
        # The stubs do not see annotations on an auto-created through model (`joined`).
        applicant_staff=Subquery(staff.values("joined")),  # type: ignore[misc]
        document_total=Subquery(documents.values("n")),
    )
    for a in query.iterator(chunk_size=writers.CHUNK_SIZE):
        yield {
            "round_year": a.round.year,
            "notice_no": a.round.notice_no,
            "discipline_code": a.discipline.code,
            "discipline_name": a.discipline.name_zh,
            "unit_code": a.unit.code,
            "applicants": ";".join(sorted((a.applicant_staff or "").split(";"))).strip(";"),
            "enrolled_phd_students": a.enrolled_phd_students,
            "facilities_attested": "yes" if a.facilities_attested else "no",
            "internal_review_supported": "yes" if a.internal_review_supported else "no",
            "documents": a.document_total or 0,
            "status": a.status,
            "submitted_on": a.submitted_on,
            "decided_on": a.decided_on,
            "approval_no": a.approval_no,
            "station_code": a.station.code if a.station else "",
        }


def applications_sheet(applications: QuerySet[Application]) -> writers.Sheet:
    return writers.Sheet("Applications", application_rows(applications), APPLICATIONS_SHEET)


# ---- station evaluations --------------------------------------------------------------------------

# The export's one sheet: the evaluation, then its indicators (definitions: stations.indicators).
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
