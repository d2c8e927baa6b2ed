"""Station establishment applications in the REST API: the rounds, the applications with their
eligibility checklist and documents (metadata only, never the files), and their steps through the same
services as the pages.

Office administrators and leadership of the institution read them (the pages' rule, `establishment.views`);
for every other role they are outside the scope: lists are empty and one application is a 404. Only an
office administrator changes them; leadership is told so (403). The internal expert review runs in the
review engine: an application names its reviews by id (`/reviews/{id}`), never their panel.
"""

import datetime as dt
from typing import Annotated, Any, Literal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from accounts.access import sees_whole_institution
from audit.models import AuditEvent
from audit.timeline import EVENT_LABELS
from catalogue.models import Discipline, Unit
from core.api_schemas import (
    CHANGE_ERRORS,
    NO_NUL_PATTERN,
    READ_ERRORS,
    RECORD_ERRORS,
    Day,
    Page,
    Paging,
    RequestBody,
    example,
    text,
)
from core.errors import DomainError
from establishment import services
from establishment.checklist import checklist
from establishment.models import Application, Round
from establishment.views import get_application_for_user
from people.models import Supervisor
from reviews import services as review_services
from reviews.models import Kind, Review

router = Router(tags=["establishment"])

AppStatus = Application.Status
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


def round_out(r: Round) -> dict[str, Any]:
    return {
        "id": r.pk,
        "year": r.year,
        "notice_no": r.notice_no,
        "internal_deadline": r.internal_deadline,
        "submission_deadline": r.submission_deadline,
        "min_doctoral_supervisors": r.min_doctoral_supervisors,
        "min_projects": r.min_projects,
        "project_years": r.project_years,
        "applications": r.application_count,  # type: ignore[attr-defined]
        "approved": r.approved_count,  # type: ignore[attr-defined]
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
        "document_count": a.document_count,  # type: ignore[attr-defined]
        "reviews": [r.pk for r in a.reviews.all()],
    }


STEP_EVENTS = (
    "application.created",
    "application.review_started",
    "application.review_supported",
    "application.review_not_supported",
    "application.submitted",
    "application.approved",
    "application.rejected",
    "application.withdrawn",
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
                "label": str(EVENT_LABELS.get(e.event, e.event)),
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


# Helpers --------------------------------------------------------------------------------------


def _user(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _listed(queryset: QuerySet[Application]) -> QuerySet[Application]:
    """What an application's body needs, in a fixed number of queries whatever the number of rows."""
    return (
        queryset.select_related("round", "discipline", "unit", "station")
        .annotate(document_count=Count("documents"))
        .prefetch_related(
            Prefetch(
                "applicants",
                queryset=Supervisor.objects.select_related("unit").order_by("name_sort", "name", "staff_no"),
            ),
            Prefetch("reviews", queryset=Review.objects.only("pk", "application_id").order_by("-pk")),
        )
    )


def _application(request: HttpRequest, application_id: int) -> Application:
    """The pages' rule (`get_application_for_user`); a role that does not read applications has none in scope."""
    user = _user(request)
    if not sees_whole_institution(user):
        raise Http404
    found = get_application_for_user(user, application_id)
    return _listed(Application.objects.filter(pk=found.pk)).get()


def _application_to_change(request: HttpRequest, application_id: int) -> Application:
    """404 outside the scope, 403 for leadership, who reads but does not change (as on the pages)."""
    application = _application(request, application_id)
    if not services.may_manage(_user(request), application.institution_id):
        raise PermissionDenied(
            _("Only an office administrator of this institution can change establishment applications.")
        )
    return application


def _fresh(request: HttpRequest, application: Application) -> dict[str, Any]:
    return application_detail_out(_application(request, application.pk), None)


def _rename_field(error: DomainError, aliases: dict[str, str | None]) -> None:
    """Makes a service's refusal name the request's field (the station service says `code`, the request
    `station_code`; None: the request as a whole)."""
    if error.field in aliases:
        error.field = aliases[error.field]


# Rounds ---------------------------------------------------------------------------------------


@router.get("/establishment/rounds", response={200: Page[RoundOut], **READ_ERRORS})
def rounds(request: HttpRequest, paging: Query[Paging]) -> dict[str, Any]:
    """The institution's application rounds (national calls), for administrators and leadership; empty for others."""
    user = _user(request)
    queryset = Round.objects.none()
    if sees_whole_institution(user):
        queryset = Round.objects.filter(institution_id=user.institution_id)
    queryset = queryset.annotate(
        application_count=Count("applications"),
        approved_count=Count("applications", filter=Q(applications__status=AppStatus.APPROVED)),
    ).order_by("-year", "-id")
    count = queryset.count()
    return {"count": count, "items": [round_out(r) for r in queryset[paging.offset : paging.offset + paging.limit]]}


# Applications ---------------------------------------------------------------------------------


@router.get("/establishment/applications", response={200: Page[ApplicationOut], **READ_ERRORS})
def applications(request: HttpRequest, paging: Query[Paging], filters: Query[ApplicationFilters]) -> dict[str, Any]:
    """The institution's applications, for administrators and leadership; empty for others."""
    user = _user(request)
    queryset = Application.objects.none()
    if sees_whole_institution(user):
        queryset = Application.objects.filter(institution_id=user.institution_id)
    # An explicit allow-list: request data never becomes ORM keyword arguments.
    if filters.year:
        queryset = queryset.filter(round__year=filters.year)
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.discipline:
        queryset = queryset.filter(discipline__code=filters.discipline)
    count = queryset.count()
    rows = _listed(queryset.order_by("-round__year", "discipline__code", "id"))[
        paging.offset : paging.offset + paging.limit
    ]
    return {"count": count, "items": [application_out(a) for a in rows]}


@router.get("/establishment/applications/{application_id}", response={200: ApplicationDetailOut, **RECORD_ERRORS})
def application(request: HttpRequest, application_id: int, day: Query[ChecklistDay]) -> dict[str, Any]:
    """One application with its eligibility checklist computed from the records, its documents and its steps."""
    return application_detail_out(_application(request, application_id), day.on)


@router.post("/establishment/rounds/{round_id}/applications", response={201: ApplicationDetailOut, **CHANGE_ERRORS})
def application_create(request: HttpRequest, round_id: int, payload: ApplicationIn) -> Status[dict[str, Any]]:
    """Starts an application (a draft) in a round, for one first-level discipline."""
    user = _user(request)
    if not sees_whole_institution(user):
        raise Http404
    try:
        round = Round.objects.get(pk=round_id, institution_id=user.institution_id)
    except Round.DoesNotExist as exc:
        raise Http404 from exc
    if not services.may_manage(user, round.institution_id):
        raise PermissionDenied(
            _("Only an office administrator of this institution can change establishment applications.")
        )
    discipline = Discipline.objects.filter(code=payload.discipline.strip()).first()
    if discipline is None:
        raise DomainError(
            _("There is no discipline %(code)s in the catalogue.") % {"code": payload.discipline}, field="discipline"
        )
    unit = Unit.objects.filter(institution_id=round.institution_id, code=payload.unit.strip()).first()
    if unit is None:
        raise DomainError(_("Your institution has no unit %(code)s.") % {"code": payload.unit}, field="unit")
    wanted = list(dict.fromkeys(s.strip() for s in payload.applicants))
    team = list(Supervisor.objects.filter(institution_id=round.institution_id, staff_no__in=wanted))
    missing = sorted(set(wanted) - {s.staff_no for s in team})
    if missing:
        raise DomainError(
            _("Your institution has no supervisor with the staff number %(numbers)s.")
            % {"numbers": ", ".join(missing)},
            field="applicants",
        )
    created = services.application_create(
        round=round,
        discipline=discipline,
        unit=unit,
        applicants=team,
        enrolled_phd_students=payload.enrolled_phd_students,
        facilities=payload.facilities,
        facilities_attested=payload.facilities_attested,
        by=user,
    )
    return Status(201, _fresh(request, created))


@router.post(
    "/establishment/applications/{application_id}/review", response={201: ApplicationDetailOut, **CHANGE_ERRORS}
)
def application_review(
    request: HttpRequest, application_id: int, payload: ApplicationReviewIn
) -> Status[dict[str, Any]]:
    """Sends a draft to the internal expert review (its checklist must be met) and starts the review in the
    review engine with the institution's rules for station applications, all or nothing. An application
    already in the internal review gets a new review. Run the review at /reviews/{id} (the newest of `reviews`)."""
    user = _user(request)
    application = _application_to_change(request, application_id)
    with transaction.atomic():
        if application.status != AppStatus.INTERNAL_REVIEW:
            application = services.application_start_review(application=application, on=payload.on, by=user)
        try:
            review_services.review_create(
                kind=Kind.STATION_APPLICATION,
                subject=application,
                deadline=payload.deadline,
                title=payload.title,
                on=payload.on,
                by=user,
            )
        except DomainError as error:
            # The request names neither the subject (the application in the path) nor a form (the rules' form).
            _rename_field(error, {"subject": None, "form": None})
            raise
    return Status(201, _fresh(request, application))


@router.post(
    "/establishment/applications/{application_id}/submit", response={200: ApplicationDetailOut, **CHANGE_ERRORS}
)
def application_submit(request: HttpRequest, application_id: int, payload: ApplicationSubmitIn) -> dict[str, Any]:
    """Records the submission, after the internal expert review supported the application."""
    application = _application_to_change(request, application_id)
    services.application_submit(application=application, on=payload.on, by=_user(request))
    return _fresh(request, application)


@router.post(
    "/establishment/applications/{application_id}/decide", response={200: ApplicationDetailOut, **CHANGE_ERRORS}
)
def application_decide(request: HttpRequest, application_id: int, payload: ApplicationDecideIn) -> dict[str, Any]:
    """Records the national decision; an approval sets up the mobile station (`station` in the answer)."""
    application = _application_to_change(request, application_id)
    try:
        services.application_decide(
            application=application,
            approved=payload.decision == "approved",
            on=payload.on,
            approval_no=payload.approval_no,
            station_code=payload.station_code,
            name_zh=payload.name_zh,
            name_en=payload.name_en,
            by=_user(request),
        )
    except DomainError as error:
        # The station service names its own fields (as the page's form maps them).
        _rename_field(error, {"code": "station_code", "established_on": "on", "discipline": None, "unit": None})
        raise
    return _fresh(request, application)


@router.post(
    "/establishment/applications/{application_id}/withdraw", response={200: ApplicationDetailOut, **CHANGE_ERRORS}
)
def application_withdraw(request: HttpRequest, application_id: int, payload: ApplicationWithdrawIn) -> dict[str, Any]:
    """Withdraws an application in progress, with the reason."""
    application = _application_to_change(request, application_id)
    services.application_withdraw(application=application, reason=payload.reason, by=_user(request))
    return _fresh(request, application)
