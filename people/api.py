"""Supervisors and postdocs' personal details in the REST API, through the same services as the pages:
`people.services.person_update` (details) and `person_correct_id` (the ID a person is registered under).

Scopes as on the pages: a person is found among the people of the stays one sees (404) and changed by those
who manage one of their stays (403). Full ID numbers never leave through the API; the birth date goes only to
those who may see full ID numbers, since a masked resident ID and a birth date together narrow a person to a
few (docs/decisions/0019). Admissions, which make a stay, are in `appointments.api`.
"""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router

from accounts.access import Perm, has_perm, sees_whole_institution
from accounts.http import api_user
from accounts.models import User
from core.api_schemas import CHANGE_ERRORS, READ_ERRORS, RECORD_ERRORS, Page, Paging, page
from core.errors import DomainError
from people import schemas as s
from people.access import get_person_for_user, may_manage_person, stays_seen
from people.models import Person, Supervisor
from people.services import person_correct_id, person_update
from stations.access import visible_stations

# Two routers, registered where their operations stood in the document before they moved here from
# api/api.py (the supervisors, among the reference data) and api/people.py (the people, last).
reference_router = Router()
router = Router(tags=["people"])

# The operation ids are those the document published while these operations lived in api/api.py and
# api/people.py: clients generated from it name their methods after them.


def _user(request: HttpRequest) -> User:
    return api_user(request)


# Supervisors --------------------------------------------------------------------------------


@reference_router.get(
    "/supervisors",
    response={200: Page[s.SupervisorOut], **READ_ERRORS},
    tags=["reference"],
    operation_id="api_api_supervisors",
)
def supervisors(request: HttpRequest, paging: Query[Paging]) -> dict[str, Any]:
    user = _user(request)
    queryset = Supervisor.objects.filter(institution_id=user.institution_id or 0)
    if not sees_whole_institution(user):
        appointments = stays_seen(user)
        queryset = queryset.filter(
            Q(station__in=visible_stations(user).values("pk"))
            | Q(pk__in=appointments.values("primary_supervisor_id"))
            | Q(pk__in=appointments.values("co_supervisor_id"))
        )
    return page(queryset.select_related("station").order_by("staff_no"), paging, s.supervisor_out)


# Personal details ---------------------------------------------------------------------------


@router.get("/people/{person_id}", response={200: s.PersonDetailOut, **RECORD_ERRORS}, operation_id="api_people_person")
def person(request: HttpRequest, person_id: int) -> dict[str, Any]:
    """A postdoc's personal details: of the people whose stays one sees."""
    user = _user(request)
    return s.person_out(get_person_for_user(user, person_id), user)


def _person_to_change(request: HttpRequest, person_id: int, refusal: str) -> Person:
    person = get_person_for_user(_user(request), person_id)
    if not (has_perm(_user(request), Perm.MANAGE_APPOINTMENTS) and may_manage_person(_user(request), person)):
        raise PermissionDenied(refusal)
    return person


@router.post(
    "/people/{person_id}/update",
    response={200: s.PersonDetailOut, **CHANGE_ERRORS},
    operation_id="api_people_person_change",
)
def person_change(request: HttpRequest, person_id: int, payload: s.PersonUpdateIn) -> dict[str, Any]:
    """Corrects a postdoc's personal details (not the ID number: see `correct-id`)."""
    person = _person_to_change(request, person_id, _("You may not change this postdoc's details."))
    changes = {name: getattr(payload, name) for name in payload.model_fields_set if name != "note"}
    if not changes:
        raise DomainError(_("Give at least one detail to change."))
    updated = person_update(person=person, by=_user(request), note=payload.note, **changes)
    return s.person_out(updated, _user(request))


@router.post(
    "/people/{person_id}/correct-id",
    response={200: s.PersonDetailOut, **CHANGE_ERRORS},
    operation_id="api_people_person_id_correction",
)
def person_id_correction(request: HttpRequest, person_id: int, payload: s.IdCorrectionIn) -> dict[str, Any]:
    """Corrects the ID type and number a postdoc is registered under, saying why."""
    person = _person_to_change(request, person_id, _("You may not correct this postdoc's ID number."))
    updated = person_correct_id(
        person=person, id_type=payload.id_type, id_number=payload.id_number, note=payload.note, by=_user(request)
    )
    return s.person_out(updated, _user(request))
