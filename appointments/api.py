"""Appointments in the REST API: the stays in the caller's scope with their assessments and history, the
transitions (assessment, extension, exit, withdrawal, transfer) and admissions, through the same services as
the pages (`appointments.services`, and `people.services.person_create` for a person not registered yet).

Scopes as on the pages: a stay outside the caller's scope is a 404, one they see but may not change a 403.
A station is found among the stations one sees (else 404) and admitted to by those who manage it (else 403);
a secretary naming a person registered at another station learns only that the office must admit them
(docs/decisions/0019).
"""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from accounts.access import Perm, has_perm
from accounts.http import api_user
from accounts.models import User
from appointments import schemas as s
from appointments import services
from appointments.access import can_manage_appointment, get_appointment_for_user, visible_appointments
from appointments.models import Appointment
from appointments.selectors import search
from audit.models import AuditEvent
from core.api_schemas import CHANGE_ERRORS, READ_ERRORS, RECORD_ERRORS, Page, Paging, page
from core.errors import DomainError
from people.models import Person, Supervisor
from people.services import person_create
from stations.access import can_manage_station, visible_stations
from stations.models import Station

router = Router()

# Admissions are registered after the other apps' routers, where they stood in the document before they moved
# here from api/people.py (the order of the document's operations and schemas is kept).
admissions_router = Router(tags=["people"])

# The operation ids are those the document published while these operations lived in api/api.py and
# api/people.py: clients generated from it name their methods after them.


def _user(request: HttpRequest) -> User:
    return api_user(request)


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


# Reads --------------------------------------------------------------------------------------


@router.get(
    "/appointments",
    response={200: Page[s.AppointmentOut], **READ_ERRORS},
    tags=["appointments"],
    operation_id="api_api_appointments",
)
def appointments(request: HttpRequest, paging: Query[Paging], filters: Query[s.AppointmentFilters]) -> dict[str, Any]:
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
    return page(queryset.order_by("-entry_date", "postdoc_no"), paging, s.appointment_out)


@router.get(
    "/appointments/{appointment_id}",
    response={200: s.AppointmentOut, **RECORD_ERRORS},
    tags=["appointments"],
    operation_id="api_api_appointment",
)
def appointment(request: HttpRequest, appointment_id: int) -> dict[str, Any]:
    return s.appointment_out(_appointment(request, appointment_id))


@router.get(
    "/appointments/{appointment_id}/assessments",
    response={200: Page[s.AssessmentOut], **RECORD_ERRORS},
    tags=["appointments"],
    operation_id="api_api_assessments",
)
def assessments(request: HttpRequest, appointment_id: int, paging: Query[Paging]) -> dict[str, Any]:
    appointment = _appointment(request, appointment_id)
    return page(appointment.assessments.order_by("held_on", "id"), paging, s.assessment_out)


@router.get(
    "/appointments/{appointment_id}/events",
    response={200: Page[s.EventOut], **RECORD_ERRORS},
    tags=["appointments"],
    operation_id="api_api_events",
)
def events(request: HttpRequest, appointment_id: int, paging: Query[Paging]) -> dict[str, Any]:
    appointment = _appointment(request, appointment_id)
    return page(AuditEvent.objects.for_record(appointment).order_by("-occurred_at", "-id"), paging, s.event_out)


# Transitions --------------------------------------------------------------------------------


@router.post(
    "/appointments/{appointment_id}/assessments",
    response={201: s.AssessmentOut, **CHANGE_ERRORS},
    tags=["transitions"],
    operation_id="api_api_assessment_record",
)
def assessment_record(request: HttpRequest, appointment_id: int, payload: s.AssessmentIn) -> Status[dict[str, Any]]:
    assessment = services.assessment_record(
        appointment=_appointment_to_change(request, appointment_id),
        kind=payload.kind,
        held_on=payload.held_on,
        grade=payload.grade,
        panel=payload.panel,
        comments=payload.comments,
        by=_user(request),
    )
    return Status(201, s.assessment_out(assessment))


@router.post(
    "/appointments/{appointment_id}/extend",
    response={200: s.AppointmentOut, **CHANGE_ERRORS},
    tags=["transitions"],
    operation_id="api_api_extend",
)
def extend(request: HttpRequest, appointment_id: int, payload: s.ExtendIn) -> dict[str, Any]:
    updated = services.appointment_extend(
        appointment=_appointment_to_change(request, appointment_id),
        until=payload.until,
        reason=payload.reason,
        by=_user(request),
        exception_reason=payload.exception_reason,
    )
    return s.appointment_out(_appointment(request, updated.pk))


@router.post(
    "/appointments/{appointment_id}/exit",
    response={200: s.AppointmentOut, **CHANGE_ERRORS},
    tags=["transitions"],
    operation_id="api_api_exit_",
)
def exit_(request: HttpRequest, appointment_id: int, payload: s.ExitIn) -> dict[str, Any]:
    updated = services.appointment_exit(
        appointment=_appointment_to_change(request, appointment_id),
        on=payload.on,
        by=_user(request),
        exception_reason=payload.exception_reason,
    )
    return s.appointment_out(_appointment(request, updated.pk))


@router.post(
    "/appointments/{appointment_id}/withdraw",
    response={200: s.AppointmentOut, **CHANGE_ERRORS},
    tags=["transitions"],
    operation_id="api_api_withdraw",
)
def withdraw(request: HttpRequest, appointment_id: int, payload: s.WithdrawIn) -> dict[str, Any]:
    updated = services.appointment_withdraw(
        appointment=_appointment_to_change(request, appointment_id),
        on=payload.on,
        ground=payload.ground,
        note=payload.note,
        by=_user(request),
    )
    return s.appointment_out(_appointment(request, updated.pk))


@router.post(
    "/appointments/{appointment_id}/transfer",
    response={200: s.AppointmentOut, **CHANGE_ERRORS},
    tags=["transitions"],
    operation_id="api_api_transfer",
)
def transfer(request: HttpRequest, appointment_id: int, payload: s.TransferIn) -> dict[str, Any]:
    updated = services.appointment_transfer(
        appointment=_appointment_to_change(request, appointment_id),
        on=payload.on,
        to=payload.to,
        note=payload.note,
        by=_user(request),
    )
    return s.appointment_out(_appointment(request, updated.pk))


# Admissions ---------------------------------------------------------------------------------


def _supervisor(institution_id: int, staff_no: str, field: str) -> Supervisor:
    supervisor = Supervisor.objects.filter(institution_id=institution_id, staff_no=staff_no.strip()).first()
    if supervisor is None:
        raise DomainError(_("No supervisor has staff number %(no)s.") % {"no": staff_no}, field=field)
    return supervisor


def _no_such_person() -> Person:
    raise DomainError(_("No person is registered with this id."), field="person_id")


@admissions_router.post(
    "/stations/{station_code}/admissions",
    response={201: s.AppointmentOut, **CHANGE_ERRORS},
    tags=["admissions"],
    operation_id="api_people_admit",
)
def admit(request: HttpRequest, station_code: str, payload: s.AdmissionIn) -> Status[dict[str, Any]]:
    """Registers a new person and admits them (进站), or admits a registered person to this station."""
    user = _user(request)
    station = visible_stations(user).filter(code=station_code).first()
    if station is None:
        raise Http404
    if not can_manage_station(user, station):
        raise PermissionDenied(_("You may not admit postdocs to this station."))
    workstation = None
    if payload.workstation:
        workstation = Station.objects.filter(institution_id=station.institution_id, code=payload.workstation).first()
        if workstation is None:
            raise DomainError(_("No station has code %(code)s.") % {"code": payload.workstation}, field="workstation")
    primary = _supervisor(station.institution_id, payload.primary_supervisor, "primary_supervisor")
    co = _supervisor(station.institution_id, payload.co_supervisor, "co_supervisor") if payload.co_supervisor else None
    with transaction.atomic():  # a refused admission leaves no person behind, as on the page
        if payload.person is not None:
            person = person_create(institution=station.institution, by=user, **payload.person.model_dump())
        else:
            registered = Person.objects.filter(institution_id=station.institution_id, pk=payload.person_id or 0)
            person = registered.first() or _no_such_person()
        appointment = services.appointment_admit(
            person=person,
            station=station,
            postdoc_no=payload.postdoc_no,
            entry_date=payload.entry_date,
            planned_exit_date=payload.planned_exit_date,
            primary_supervisor=primary,
            co_supervisor=co,
            route=payload.route,
            workstation=workstation,
            by=user,
            exception_reason=payload.exception_reason if has_perm(user, Perm.GRANT_EXCEPTIONS) else "",
        )
    appointment = Appointment.objects.select_related(
        "person", "station", "workstation", "primary_supervisor", "co_supervisor"
    ).get(pk=appointment.pk)
    return Status(201, s.appointment_out(appointment))
