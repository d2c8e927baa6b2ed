"""The REST API under /api/v1/: typed schemas, OpenAPI from the same types, the same services as the pages."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Query, Status
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.openapi.docs import DocsBase
from ninja.security import HttpBearer, SessionAuth

from accounts.access import (
    Perm,
    can_manage_appointment,
    figures_scope,
    get_appointment_for_user,
    has_perm,
    sees_whole_institution,
    visible_appointments,
    visible_stations,
)
from api import schemas as s
from api.bodies import ObjectBodyParser, body_problem
from api.people import router as people_router
from api.services import token_user
from appointments import services as appointment_services
from appointments.models import Appointment
from appointments.selectors import search
from audit.models import AuditEvent
from batchlists.api import router as batchlists_router
from catalogue.models import Discipline, DoctoralRight, Unit
from core.errors import DomainError, RuleViolation
from establishment.api import router as establishment_router
from funding.api import router as funding_router
from funding.rules import RuleWarning
from outputs.api import router as outputs_router
from people.models import Supervisor
from reports.selectors import headline_figures
from reviews.api import router as reviews_router
from stations.api import router as evaluations_router


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <key>` with a personal API token (see /api/tokens/)."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = token_user(token.strip())
        if user is not None:
            request.user = user
        return user


class LocalSwagger(DocsBase):
    """Swagger UI from django-ninja's bundled static files: never a CDN, and no inline script (docs/decisions/0025)."""

    def render_page(self, request: HttpRequest, api: "NinjaAPI", **kwargs: Any) -> HttpResponse:
        settings = {"layout": "BaseLayout", "deepLinking": True, "url": self.get_openapi_url(api, kwargs)}
        return render(request, "api/swagger.html", {"api": api, "swagger_settings": settings})


class BrowserSession(SessionAuth):
    """The signed-in browser may read (GET) — the interactive docs work without a token. Writes need a token."""

    def __init__(self) -> None:
        super().__init__(csrf=False)  # only safe methods are accepted, which CSRF never guards

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        if request.method not in ("GET", "HEAD"):
            return None
        return super().authenticate(request, key)


api = NinjaAPI(
    urls_namespace="api-v1",
    version="1",
    title="Postdoc Office API",
    description="Read the postdoc office's records and record transitions, within your scope.",
    auth=[TokenAuth(), BrowserSession()],
    docs=LocalSwagger(),
    parser=ObjectBodyParser(),
    docs_url="/docs",
    openapi_url="/openapi.json",
)


# Errors -------------------------------------------------------------------------------------


# Every answer other than a success is JSON with a `message`, in the shapes the responses below declare
# (s.MessageOut, s.RefusalOut, s.InvalidRequestOut), so that the OpenAPI document describes it too.


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    violations = exc.violations if isinstance(exc, RuleViolation) else []
    body = {
        "message": exc.message,
        "field": exc.field,
        "violations": [
            {"rule": v.rule, "message": v.message, "overridable": v.overridable, "field": v.field} for v in violations
        ],
    }
    return api.create_response(request, body, status=400)


# The funding services name the catalogue's records; a request names them by id.
REQUEST_FIELDS = {"funder_ref": "funder_id", "programme_ref": "programme_id"}


@api.exception_handler(RuleWarning)
def rule_warning(request: HttpRequest, exc: RuleWarning) -> HttpResponse:
    """A funding rule in warning mode (s.WarningOut): nothing was written; the same request with
    `acknowledged: true` records it, as the pages' acknowledgement box does."""
    body = {
        "message": exc.message,
        "field": REQUEST_FIELDS.get(exc.field or "", exc.field),
        "warnings": [
            {"rule": b.rule, "message": b.message, "field": REQUEST_FIELDS.get(b.field, b.field)} for b in exc.breaches
        ],
    }
    return api.create_response(request, body, status=409)


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [
        {
            "field": ".".join(str(part) for part in error.get("loc", ())[1:] if part not in ("body", "payload")),
            "message": error.get("msg", ""),
            "loc": list(error.get("loc", ())),
        }
        for error in exc.errors
    ]
    return api.create_response(request, {"message": _("The request is not valid."), "errors": errors}, status=422)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    """Outside the user's scope looks the same as not existing."""
    return api.create_response(request, {"message": _("Not found.")}, status=404)


@api.exception_handler(AuthenticationError)
def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(request, {"message": _("A valid API token is required.")}, status=401)


@api.exception_handler(PermissionDenied)
def forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return api.create_response(request, {"message": str(exc) or _("You are not allowed to do this.")}, status=403)


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    """django-ninja's own refusals (a body that is not JSON is its 400), in our shape rather than its `detail`.

    A body that is JSON but not an object is a 422 like any other body that breaks its schema."""
    problem = body_problem(request)
    if exc.status_code == 400 and problem:
        error = {"field": "", "message": problem, "loc": ["body"]}
        return api.create_response(request, {"message": problem, "errors": [error]}, status=422)
    message = _("The request body is not valid JSON.") if exc.status_code == 400 else exc.message
    return api.create_response(request, {"message": message}, status=exc.status_code)


READ_ERRORS, RECORD_ERRORS, CHANGE_ERRORS = s.READ_ERRORS, s.RECORD_ERRORS, s.CHANGE_ERRORS


# Helpers ------------------------------------------------------------------------------------


def _user(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _page(queryset: QuerySet[Any], paging: s.Paging, out: Any) -> dict[str, Any]:
    count = queryset.count()
    rows = queryset[paging.offset : paging.offset + paging.limit]
    return {"count": count, "items": [out(row) for row in rows]}


def _appointment(request: HttpRequest, appointment_id: int) -> Appointment:
    return get_appointment_for_user(_user(request), appointment_id)


def _appointment_to_change(request: HttpRequest, appointment_id: int) -> Appointment:
    """404 outside the scope, then 403 for those who may see it but not change it, as the pages answer.

    The services check again; asking first lets a refusal of the person be told from a refusal of the change.
    """
    appointment = _appointment(request, appointment_id)
    if not can_manage_appointment(_user(request), appointment):
        raise PermissionDenied(_("You may not change this appointment."))
    return appointment


# Reference ----------------------------------------------------------------------------------


@api.get("/disciplines", response={200: s.Page[s.DisciplineOut], **READ_ERRORS}, tags=["reference"])
def disciplines(request: HttpRequest, paging: Query[s.Paging]) -> dict[str, Any]:
    queryset = Discipline.objects.all() if _user(request).institution_id else Discipline.objects.none()
    return _page(queryset.order_by("code"), paging, s.discipline_out)


@api.get("/units", response={200: s.Page[s.UnitOut], **READ_ERRORS}, tags=["reference"])
def units(request: HttpRequest, paging: Query[s.Paging]) -> dict[str, Any]:
    queryset = Unit.objects.filter(institution_id=_user(request).institution_id).order_by("code")
    return _page(queryset, paging, s.unit_out)


@api.get("/doctoral-rights", response={200: s.Page[s.DoctoralRightOut], **READ_ERRORS}, tags=["reference"])
def doctoral_rights(request: HttpRequest, paging: Query[s.Paging]) -> dict[str, Any]:
    queryset = (
        DoctoralRight.objects.filter(institution_id=_user(request).institution_id)
        .select_related("discipline")
        .order_by("discipline__code")
    )
    return _page(queryset, paging, s.doctoral_right_out)


@api.get("/stations", response={200: s.Page[s.StationOut], **READ_ERRORS}, tags=["reference"])
def stations(request: HttpRequest, paging: Query[s.Paging]) -> dict[str, Any]:
    queryset = visible_stations(_user(request)).select_related("discipline", "unit").order_by("code")
    return _page(queryset, paging, s.station_out)


@api.get("/supervisors", response={200: s.Page[s.SupervisorOut], **READ_ERRORS}, tags=["reference"])
def supervisors(request: HttpRequest, paging: Query[s.Paging]) -> dict[str, Any]:
    user = _user(request)
    queryset = Supervisor.objects.filter(institution_id=user.institution_id)
    if not sees_whole_institution(user):
        appointments = visible_appointments(user)
        queryset = queryset.filter(
            Q(station__in=visible_stations(user).values("pk"))
            | Q(pk__in=appointments.values("primary_supervisor_id"))
            | Q(pk__in=appointments.values("co_supervisor_id"))
        )
    return _page(queryset.select_related("station").order_by("staff_no"), paging, s.supervisor_out)


# Appointments -------------------------------------------------------------------------------


@api.get("/appointments", response={200: s.Page[s.AppointmentOut], **READ_ERRORS}, tags=["appointments"])
def appointments(request: HttpRequest, paging: Query[s.Paging], filters: Query[s.AppointmentFilters]) -> dict[str, Any]:
    queryset = visible_appointments(_user(request))
    # An explicit allow-list: request data never becomes ORM keyword arguments.
    if filters.station:
        queryset = queryset.filter(station__code=filters.station)
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.entry_year:
        queryset = queryset.filter(entry_date__year=filters.entry_year)
    if filters.q:
        queryset = search(queryset, filters.q)
    queryset = queryset.select_related("person", "station", "workstation", "primary_supervisor", "co_supervisor")
    return _page(queryset.order_by("-entry_date", "postdoc_no"), paging, s.appointment_out)


@api.get("/appointments/{appointment_id}", response={200: s.AppointmentOut, **RECORD_ERRORS}, tags=["appointments"])
def appointment(request: HttpRequest, appointment_id: int) -> dict[str, Any]:
    return s.appointment_out(_appointment(request, appointment_id))


@api.get(
    "/appointments/{appointment_id}/assessments",
    response={200: s.Page[s.AssessmentOut], **RECORD_ERRORS},
    tags=["appointments"],
)
def assessments(request: HttpRequest, appointment_id: int, paging: Query[s.Paging]) -> dict[str, Any]:
    appointment = _appointment(request, appointment_id)
    return _page(appointment.assessments.order_by("held_on", "id"), paging, s.assessment_out)


@api.get(
    "/appointments/{appointment_id}/events", response={200: s.Page[s.EventOut], **RECORD_ERRORS}, tags=["appointments"]
)
def events(request: HttpRequest, appointment_id: int, paging: Query[s.Paging]) -> dict[str, Any]:
    appointment = _appointment(request, appointment_id)
    return _page(AuditEvent.objects.for_record(appointment).order_by("-occurred_at", "-id"), paging, s.event_out)


# Transitions --------------------------------------------------------------------------------


@api.post(
    "/appointments/{appointment_id}/assessments", response={201: s.AssessmentOut, **CHANGE_ERRORS}, tags=["transitions"]
)
def assessment_record(request: HttpRequest, appointment_id: int, payload: s.AssessmentIn) -> Status[dict[str, Any]]:
    assessment = appointment_services.assessment_record(
        appointment=_appointment_to_change(request, appointment_id),
        kind=payload.kind,
        held_on=payload.held_on,
        grade=payload.grade,
        panel=payload.panel,
        comments=payload.comments,
        by=_user(request),
    )
    return Status(201, s.assessment_out(assessment))


@api.post(
    "/appointments/{appointment_id}/extend", response={200: s.AppointmentOut, **CHANGE_ERRORS}, tags=["transitions"]
)
def extend(request: HttpRequest, appointment_id: int, payload: s.ExtendIn) -> dict[str, Any]:
    updated = appointment_services.appointment_extend(
        appointment=_appointment_to_change(request, appointment_id),
        until=payload.until,
        reason=payload.reason,
        by=_user(request),
        exception_reason=payload.exception_reason,
    )
    return s.appointment_out(_appointment(request, updated.pk))


@api.post(
    "/appointments/{appointment_id}/exit", response={200: s.AppointmentOut, **CHANGE_ERRORS}, tags=["transitions"]
)
def exit_(request: HttpRequest, appointment_id: int, payload: s.ExitIn) -> dict[str, Any]:
    updated = appointment_services.appointment_exit(
        appointment=_appointment_to_change(request, appointment_id),
        on=payload.on,
        by=_user(request),
        exception_reason=payload.exception_reason,
    )
    return s.appointment_out(_appointment(request, updated.pk))


@api.post(
    "/appointments/{appointment_id}/withdraw", response={200: s.AppointmentOut, **CHANGE_ERRORS}, tags=["transitions"]
)
def withdraw(request: HttpRequest, appointment_id: int, payload: s.WithdrawIn) -> dict[str, Any]:
    updated = appointment_services.appointment_withdraw(
        appointment=_appointment_to_change(request, appointment_id),
        on=payload.on,
        ground=payload.ground,
        note=payload.note,
        by=_user(request),
    )
    return s.appointment_out(_appointment(request, updated.pk))


@api.post(
    "/appointments/{appointment_id}/transfer", response={200: s.AppointmentOut, **CHANGE_ERRORS}, tags=["transitions"]
)
def transfer(request: HttpRequest, appointment_id: int, payload: s.TransferIn) -> dict[str, Any]:
    updated = appointment_services.appointment_transfer(
        appointment=_appointment_to_change(request, appointment_id),
        on=payload.on,
        to=payload.to,
        note=payload.note,
        by=_user(request),
    )
    return s.appointment_out(_appointment(request, updated.pk))


# Figures ------------------------------------------------------------------------------------


@api.get("/stats", response={200: s.StatsOut, 403: s.MessageOut, **READ_ERRORS}, tags=["figures"])
def stats(request: HttpRequest, as_of: s.Day | None = None, years: int = Query(3, ge=1, le=50)) -> Any:  # noqa: B008
    """The headline figures, exactly as `manage.py stats --format json --as-user <you>` prints them."""
    user = _user(request)
    if user.institution_id is None or not has_perm(user, Perm.VIEW_INSTITUTION):
        return Status(403, {"message": _("You may not see the institution's figures.")})
    scope = figures_scope(user)
    return headline_figures(
        institution_id=user.institution_id, as_of=as_of or timezone.localdate(), years=years, scope=scope
    )


# The other apps' routers -------------------------------------------------------------------------

api.add_router("", reviews_router)
api.add_router("", establishment_router)
api.add_router("", evaluations_router)
api.add_router("", funding_router)
api.add_router("", batchlists_router)
api.add_router("", outputs_router)
api.add_router("", people_router)
