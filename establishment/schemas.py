"""The API's types for establishment: rounds, applications (checklist, documents, steps) and the steps' bodies."""

import datetime as dt
from typing import Annotated, Any, Literal, TypedDict

from django.utils import timezone
from django_stubs_ext import WithAnnotations
from ninja import Field, Schema

from audit.events import Event, event_label
from audit.models import AuditEvent
from core.api_schemas import NO_NUL_PATTERN, Day, RequestBody, example, text
from establishment.checklist import checklist
from establishment.models import Application, Round
from people.models import Supervisor

ApplicationStatusValue = Literal["draft", "internal_review", "submitted", "approved", "rejected", "withdrawn"]
DocumentKindValue = Literal["application_form", "demonstration_report", "supporting"]
MAX_APPLICANTS = 200
StaffNo = Annotated[str, Field(max_length=30, pattern=NO_NUL_PATTERN)]


# Outputs --------------------------------------------------------------------------------------


class RoundOut(Schema):
    id: int
    year: int
    notice_no: str
    internal_deadline: dt.date
    submission_deadline: dt.date | None
    min_doctoral_supervisors: int
    min_projects: int
    project_years: int
    applications: int
    approved: int


class RoundCounts(TypedDict):
    """What the API's list of rounds annotates each round with."""

    application_count: int
    approved_count: int


# Quoted: at run time WithAnnotations takes the model only; the annotations are for the type checker.
def round_out(r: "WithAnnotations[Round, RoundCounts]") -> dict[str, Any]:
    return {
        "id": r.pk,
        "year": r.year,
        "notice_no": r.notice_no,
        "internal_deadline": r.internal_deadline,
        "submission_deadline": r.submission_deadline,
        "min_doctoral_supervisors": r.min_doctoral_supervisors,
        "min_projects": r.min_projects,
        "project_years": r.project_years,
        "applications": r.application_count,
        "approved": r.approved_count,
    }


class ApplicantOut(Schema):
    staff_no: str
    name: str
    unit: str | None
    doctoral_supervisor: bool


class ApplicationOut(Schema):
    id: int
    round: int = Field(description="the round's id (GET /establishment/rounds)")
    year: int = Field(description="the round's year")
    discipline: str = Field(description="first-level discipline code")
    discipline_name_zh: str
    discipline_name_en: str
    unit: str = Field(description="applying unit's code")
    status: ApplicationStatusValue
    applicants: list[ApplicantOut]
    enrolled_phd_students: int
    facilities: str
    facilities_attested: bool
    internal_review_supported: bool
    submitted_on: dt.date | None
    decided_on: dt.date | None
    approval_no: str
    station: str | None = Field(description="code of the station the approval set up")
    document_count: int
    reviews: list[int] = Field(description="its internal expert reviews, newest first: read them at /reviews/{id}")


class ChecklistItemOut(Schema):
    key: Literal["doctoral_rights", "supervisors", "projects", "facilities", "no_station"]
    title: str
    met: bool
    figure: str
    sentence: str


class ChecklistOut(Schema):
    on: dt.date = Field(description="the day the checklist is computed for")
    met: bool
    items: list[ChecklistItemOut]


class ApplicationDocumentOut(Schema):
    id: int
    kind: DocumentKindValue
    name: str
    size: int = Field(description="in bytes")
    sha256: str
    uploaded_at: dt.datetime


class ApplicationStepOut(Schema):
    event: str
    label: str
    occurred_at: dt.datetime
    actor: str
    note: str


class ApplicationDetailOut(ApplicationOut):
    checklist: ChecklistOut
    documents: list[ApplicationDocumentOut] = Field(description="metadata only; the files are downloaded on the pages")
    steps: list[ApplicationStepOut] = Field(
        description="when it was started, sent to review, submitted, decided, withdrawn"
    )


def _applicant_out(s: Supervisor) -> dict[str, Any]:
    return {
        "staff_no": s.staff_no,
        "name": s.name,
        "unit": s.unit.code if s.unit else None,
        "doctoral_supervisor": s.is_doctoral_supervisor,
    }


def application_out(a: Application) -> dict[str, Any]:
    """One application from a queryset made by `_listed` (its applicants and reviews prefetched)."""
    return {
        "id": a.pk,
        "round": a.round_id,
        "year": a.round.year,
        "discipline": a.discipline.code,
        "discipline_name_zh": a.discipline.name_zh,
        "discipline_name_en": a.discipline.name_en,
        "unit": a.unit.code,
        "status": a.status,
        "applicants": [_applicant_out(s) for s in a.applicants.all()],
        "enrolled_phd_students": a.enrolled_phd_students,
        "facilities": a.facilities,
        "facilities_attested": a.facilities_attested,
        "internal_review_supported": a.internal_review_supported,
        "submitted_on": a.submitted_on,
        "decided_on": a.decided_on,
        "approval_no": a.approval_no,
        "station": a.station.code if a.station else None,
        # Annotated by establishment.api._listed, whose QuerySet[Application] the stubs read without it.
        "document_count": a.document_count,  # type: ignore[attr-defined]
        "reviews": [r.pk for r in a.reviews.all()],
    }


STEP_EVENTS = (
    Event.APPLICATION_CREATED,
    Event.APPLICATION_REVIEW_STARTED,
    Event.APPLICATION_REVIEW_SUPPORTED,
    Event.APPLICATION_REVIEW_NOT_SUPPORTED,
    Event.APPLICATION_SUBMITTED,
    Event.APPLICATION_APPROVED,
    Event.APPLICATION_REJECTED,
    Event.APPLICATION_WITHDRAWN,
)


def application_detail_out(a: Application, on: dt.date | None) -> dict[str, Any]:
    day = on or a.submitted_on or timezone.localdate()  # as the page: the day asked for, the submission's, today
    found = checklist(a, day)
    events = AuditEvent.objects.filter(
        target_type=Application._meta.label_lower, target_id=str(a.pk), event__in=STEP_EVENTS
    ).order_by("occurred_at", "id")
    return {
        **application_out(a),
        "checklist": {
            "on": found.on,
            "met": found.met,
            "items": [
                {"key": i.key, "title": str(i.title), "met": i.met, "figure": i.figure, "sentence": i.sentence}
                for i in found.items
            ],
        },
        "documents": [
            {
                "id": d.pk,
                "kind": d.kind,
                "name": d.original_name,
                "size": d.size,
                "sha256": d.sha256,
                "uploaded_at": d.uploaded_at,
            }
            for d in a.documents.order_by("kind", "uploaded_at", "id")
        ],
        "steps": [
            {
                "event": e.event,
                "label": event_label(e.event),
                "occurred_at": e.occurred_at,
                "actor": e.actor_label,
                "note": e.note,
            }
            for e in events
        ],
    }


# Inputs ---------------------------------------------------------------------------------------


class ApplicationFilters(Schema):
    year: int | None = Field(None, ge=1900, le=2200, description="the round's year")
    status: ApplicationStatusValue | None = None
    discipline: str | None = text(None, max_length=10, description="discipline code")


class ChecklistDay(Schema):
    on: Day | None = Field(None, description="compute the checklist for this day (default: submission day, or today)")


class ApplicationIn(RequestBody):
    model_config = example(
        {
            "discipline": "1001",
            "unit": "C-BM",
            "applicants": ["T-BM1"],
            "enrolled_phd_students": 12,
            "facilities": "国家重点实验室一个",
            "facilities_attested": True,
        }
    )

    discipline: str = text(..., max_length=10, description="first-level discipline code")
    unit: str = text(..., max_length=30, description="applying unit's code")
    applicants: list[StaffNo] = Field(
        default_factory=list, max_length=MAX_APPLICANTS, description="the applicants' staff numbers"
    )
    enrolled_phd_students: int = Field(0, ge=0, le=1_000_000)
    facilities: str = text("", max_length=20000)
    facilities_attested: bool = False


class ApplicationReviewIn(RequestBody):
    model_config = example({"deadline": "2030-06-30"})

    deadline: Day = Field(description="the experts' deadline")
    title: str = text("", max_length=200)
    on: Day | None = Field(None, description="a past day the review started (an application kept on paper)")


class ApplicationSubmitIn(RequestBody):
    model_config = example({"on": "2025-03-01"})

    on: Day


class ApplicationDecideIn(RequestBody):
    model_config = example(
        {
            "decision": "approved",
            "on": "2025-11-15",
            "approval_no": "人社部发〔2025〕1号",
            "station_code": "S1001",
            "name_zh": "基础医学博士后科研流动站",
        }
    )

    decision: Literal["approved", "rejected"]
    on: Day
    approval_no: str = text("", max_length=100)
    station_code: str = text("", max_length=30, description="the new station's code, for an approval")
    name_zh: str = text("", max_length=200, description="the new station's Chinese name, for an approval")
    name_en: str = text("", max_length=200)


class ApplicationWithdrawIn(RequestBody):
    model_config = example({"reason": "The team moved to another university"})

    reason: str = text(..., max_length=5000)
