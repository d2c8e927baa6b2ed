"""Admissions and postdocs' personal details in the REST API, through the same services as the pages:
`people.services.person_create` and `appointments.services.appointment_admit` (a new person and their
first stay, or a registered person's next one), `people.services.person_update` (details) and
`person_correct_id` (the ID a person is registered under).

Scopes as on the pages: a station is found among the stations one sees (else 404) and admitted to by
those who manage it (else 403); a person is found among the people of the stays one sees (404) and
changed by those who manage one of their stays (403). A secretary naming a person registered at
another station learns only that the office must admit them (docs/decisions/0019). Full ID numbers
never leave through the API; the birth date goes only to those who may see full ID numbers, since a
masked resident ID and a birth date together narrow a person to a few (docs/decisions/0019).
"""

import datetime as dt
from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from pydantic import model_validator
from pydantic_core import PydanticCustomError

from accounts.access import Perm, can_manage_station, has_perm, visible_stations
from api import schemas as s
from appointments import services as appointment_services
from appointments.models import Appointment
from core.errors import DomainError
from people.access import get_person_for_user, may_manage_person
from people.models import Person, Supervisor
from people.services import person_correct_id, person_create, person_update
from stations.models import Station

router = Router(tags=["people"])

IdTypeValue = Literal["resident_id", "passport", "hmt_permit", "other"]
GenderValue = Literal["male", "female"]
RouteValue = Literal["independent", "joint"]


def _user(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


# Schemas --------------------------------------------------------------------------------------


class PersonDetailOut(Schema):
    id: int
    name: str
    name_en: str
    gender: str
    birth_date: dt.date | None = Field(description="only for those who may see full ID numbers; else null")
    id_type: str
    masked_id: str = Field(description="the ID number, masked; the full number is never sent")
    nationality: str
    is_foreign: bool
    phd_institution: str
    phd_date: dt.date | None
    prior_postdoc_months: int
    email: str


def person_out(person: Person, user: Any) -> dict[str, Any]:
    return {
        "id": person.pk,
        "name": person.name,
        "name_en": person.name_en,
        "gender": person.gender,
        "birth_date": person.birth_date if has_perm(user, Perm.REVEAL_ID) else None,
        "id_type": person.id_type,
        "masked_id": person.masked_id,
        "nationality": person.nationality,
        "is_foreign": person.is_foreign,
        "phd_institution": person.phd_institution,
        "phd_date": person.phd_date,
        "prior_postdoc_months": person.prior_postdoc_months,
        "email": person.email,
    }


class NewPersonIn(s.RequestBody):
    """A person not registered yet; the same limits as the registration page."""

    name: str = s.text(..., max_length=100)
    name_en: str = s.text("", max_length=100)
    gender: GenderValue
    birth_date: s.Day
    id_type: IdTypeValue = "resident_id"
    id_number: str = s.text(..., max_length=40)
    nationality: str = s.text("中国", max_length=50)
    is_foreign: bool = False
    phd_institution: str = s.text("", max_length=200)
    phd_date: s.Day | None = None
    prior_postdoc_months: int = Field(0, ge=0, le=1000)
    email: str = s.text("", max_length=254)


class AdmissionIn(s.RequestBody):
    """Admits a new person (`person`) or a registered one (`person_id`, as an appointment's `person.id`
    gives it): exactly one of the two."""

    model_config = s.example(
        {
            "person": {
                "name": "林博士",
                "gender": "female",
                "birth_date": "1994-02-03",
                "id_type": "passport",
                "id_number": "E12345678",
                "phd_date": "2024-06-30",
            },
            "postdoc_no": "BH2025001",
            "entry_date": "2025-03-01",
            "primary_supervisor": "T00001",
        }
    )

    person: NewPersonIn | None = None
    person_id: int | None = Field(None, ge=1, le=2**31 - 1)
    postdoc_no: str = s.text(..., max_length=30)
    entry_date: s.Day
    planned_exit_date: s.Day | None = Field(None, description="default: the policy's normal period")
    primary_supervisor: str = s.text(..., max_length=30, description="staff number")
    co_supervisor: str | None = s.text(None, max_length=30, description="staff number")
    route: RouteValue = "independent"
    workstation: str | None = s.text(None, max_length=30, description="the joint-training workstation's code")
    exception_reason: str = s.text("", max_length=2000, description="office administrators: record a policy exception")

    @model_validator(mode="after")
    def _one_person(self) -> "AdmissionIn":
        if (self.person is None) == (self.person_id is None):
            raise PydanticCustomError("one_person", "Give either `person` (a new person) or `person_id`, not both")
        return self


class PersonUpdateIn(s.RequestBody):
    """Only the fields given change; `note` says why, for the audit trail."""

    model_config = s.example({"phd_institution": "四川大学", "note": "学位证书核对"})

    name: str = s.text(None, max_length=100)
    name_en: str = s.text(None, max_length=100)
    gender: GenderValue = None  # type: ignore[assignment]
    birth_date: s.Day = None  # type: ignore[assignment]
    nationality: str = s.text(None, max_length=50)
    is_foreign: bool = None  # type: ignore[assignment]
    phd_institution: str = s.text(None, max_length=200)
    phd_date: s.Day | None = None
    note: str = s.text("", max_length=2000)


class IdCorrectionIn(s.RequestBody):
    model_config = s.example({"id_type": "passport", "id_number": "E76543210", "note": "新护照"})

    id_type: IdTypeValue
    id_number: str = s.text(..., max_length=40)
    note: str = s.text(..., max_length=2000, description="why: kept in the history")


# Operations -----------------------------------------------------------------------------------


def _supervisor(institution_id: int, staff_no: str, field: str) -> Supervisor:
    supervisor = Supervisor.objects.filter(institution_id=institution_id, staff_no=staff_no.strip()).first()
    if supervisor is None:
        raise DomainError(_("No supervisor has staff number %(no)s.") % {"no": staff_no}, field=field)
    return supervisor


def _no_such_person() -> Person:
    raise DomainError(_("No person is registered with this id."), field="person_id")


@router.post(
    "/stations/{station_code}/admissions",
    response={201: s.AppointmentOut, **s.CHANGE_ERRORS},
    tags=["admissions"],
)
def admit(request: HttpRequest, station_code: str, payload: AdmissionIn) -> Status[dict[str, Any]]:
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
        appointment = appointment_services.appointment_admit(
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


@router.get("/people/{person_id}", response={200: PersonDetailOut, **s.RECORD_ERRORS})
def person(request: HttpRequest, person_id: int) -> dict[str, Any]:
    """A postdoc's personal details: of the people whose stays one sees."""
    user = _user(request)
    return person_out(get_person_for_user(user, person_id), user)


def _person_to_change(request: HttpRequest, person_id: int, refusal: str) -> Person:
    person = get_person_for_user(_user(request), person_id)
    if not (has_perm(_user(request), Perm.MANAGE_APPOINTMENTS) and may_manage_person(_user(request), person)):
        raise PermissionDenied(refusal)
    return person


@router.post("/people/{person_id}/update", response={200: PersonDetailOut, **s.CHANGE_ERRORS})
def person_change(request: HttpRequest, person_id: int, payload: PersonUpdateIn) -> dict[str, Any]:
    """Corrects a postdoc's personal details (not the ID number: see `correct-id`)."""
    person = _person_to_change(request, person_id, _("You may not change this postdoc's details."))
    changes = {name: getattr(payload, name) for name in payload.model_fields_set if name != "note"}
    if not changes:
        raise DomainError(_("Give at least one detail to change."))
    updated = person_update(person=person, by=_user(request), note=payload.note, **changes)
    return person_out(updated, _user(request))


@router.post("/people/{person_id}/correct-id", response={200: PersonDetailOut, **s.CHANGE_ERRORS})
def person_id_correction(request: HttpRequest, person_id: int, payload: IdCorrectionIn) -> dict[str, Any]:
    """Corrects the ID type and number a postdoc is registered under, saying why."""
    person = _person_to_change(request, person_id, _("You may not correct this postdoc's ID number."))
    updated = person_correct_id(
        person=person, id_type=payload.id_type, id_number=payload.id_number, note=payload.note, by=_user(request)
    )
    return person_out(updated, _user(request))
