"""The station establishment applications and the station evaluations as sheets: each list page's
export and the whole-institution workbook write the same rows. Nothing imports these sheets
(docs/decisions/0012): an approval created its station, which the Stations sheet carries, and an
evaluation's grade and action are applied to its station already."""

from collections.abc import Iterator

from django.db.models import Count, OuterRef, QuerySet, StringAgg, Subquery, Value

from core.sheets import writers
from establishment.models import Application, Document
from establishment.sheet_columns import APPLICATIONS_SHEET, EVALUATIONS_SHEET
from stations.indicators import INDICATORS
from stations.models import Evaluation


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
