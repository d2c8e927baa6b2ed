"""The station establishment applications as a sheet: the list page's export and the
whole-institution workbook write the same rows. Nothing imports this sheet (docs/decisions/0012):
an approval created its station, which the Stations sheet carries."""

from collections.abc import Iterator

from django.db.models import Count, OuterRef, QuerySet, StringAgg, Subquery, Value

from core.sheets import writers
from core.sheets.specs import Column, SheetSpec
from establishment.models import Application, Document

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
    # (the stubs do not see annotations on an auto-created through model)
    documents = (
        Document.objects.filter(application=OuterRef("pk")).order_by().values("application").annotate(n=Count("pk"))
    )
    query = applications.select_related("round", "discipline", "unit", "station").annotate(
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
