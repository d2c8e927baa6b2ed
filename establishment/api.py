"""Station establishment applications in the REST API: the rounds, the applications with their
eligibility checklist and documents (metadata only, never the files), and their steps through the same
services as the pages.

Office administrators and leadership of the institution read them (the pages' rule, `establishment.access`);
for every other role they are outside the scope: lists are empty and one application is a 404. Only an
office administrator changes them; leadership is told so (403). The internal expert review runs in the
review engine: an application names its reviews by id (`/reviews/{id}`), never their panel.
"""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from accounts.access import sees_whole_institution
from accounts.http import api_user
from accounts.models import User
from catalogue.models import Discipline, Unit
from core.api_schemas import CHANGE_ERRORS, READ_ERRORS, RECORD_ERRORS, Page, Paging
from core.errors import DomainError
from establishment import services
from establishment.access import get_application_for_user
from establishment.models import Application, Round
from establishment.schemas import (
    ApplicationDecideIn,
    ApplicationDetailOut,
    ApplicationFilters,
    ApplicationIn,
    ApplicationOut,
    ApplicationReviewIn,
    ApplicationSubmitIn,
    ApplicationWithdrawIn,
    ChecklistDay,
    RoundOut,
    application_detail_out,
    application_out,
    round_out,
)
from people.models import Supervisor
from reviews import services as review_services
from reviews.models import Kind, Review

router = Router(tags=["establishment"])


# Helpers --------------------------------------------------------------------------------------


def _user(request: HttpRequest) -> User:
    return api_user(request)


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
        queryset = Round.objects.filter(institution_id=user.institution_id or 0)
    queryset = queryset.annotate(
        application_count=Count("applications"),
        approved_count=Count("applications", filter=Q(applications__status=Application.Status.APPROVED)),
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
        queryset = Application.objects.filter(institution_id=user.institution_id or 0)
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
        round = Round.objects.get(pk=round_id, institution_id=user.institution_id or 0)
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
        if application.status != Application.Status.INTERNAL_REVIEW:
            application = services.application_review_start(application=application, on=payload.on, by=user)
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
