"""Who sees and who manages which appointments: the scopes every list, page, export and API call of
postdocs filters by, from the user's roles (accounts.access)."""

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet
from django.http import Http404

from accounts.access import INSTITUTION_WIDE_ROLES, NOTHING, role_names, secretary_station_ids, sees_whole_institution
from accounts.actors import Actor
from accounts.models import Role
from appointments.models import Appointment


def appointment_scope(user: Any) -> Q:
    """A filter on Appointment that keeps exactly what the user may see."""
    roles = role_names(user)
    if not roles or user.institution_id is None:
        return NOTHING
    scope = NOTHING
    if roles & INSTITUTION_WIDE_ROLES:
        return Q(institution_id=user.institution_id)
    if Role.SECRETARY in roles:
        ids = secretary_station_ids(user)
        scope |= Q(station_id__in=ids) | Q(workstation_id__in=ids)
    if Role.SUPERVISOR in roles:
        scope |= Q(primary_supervisor__user=user) | Q(co_supervisor__user=user)
    if Role.POSTDOC in roles:
        scope |= Q(person__user=user)
    return scope & Q(institution_id=user.institution_id)


def figures_scope(user: Any) -> Q | None:
    """The appointments a user's figures cover: None for the whole institution, else their scope."""
    return None if sees_whole_institution(user) else appointment_scope(user)


def visible_appointments(user: Any) -> QuerySet[Appointment]:
    return Appointment.objects.filter(appointment_scope(user))


def get_appointment_for_user(user: Any, pk: Any) -> Appointment:
    try:
        return (
            visible_appointments(user)
            .select_related(
                "person", "station", "station__institution", "primary_supervisor", "co_supervisor", "workstation"
            )
            .get(pk=pk)
        )
    except (ValueError, TypeError) as exc:
        raise Http404 from exc
    except visible_appointments(user).model.DoesNotExist as exc:
        raise Http404 from exc


def can_manage_appointment(user: Actor | AnonymousUser, appointment: Appointment) -> bool:
    """Admins manage every appointment of their institution; secretaries those of their stations."""
    if appointment.station.institution_id != getattr(user, "institution_id", None):
        return False
    roles = role_names(user)
    if Role.ADMIN in roles:
        return True
    if Role.SECRETARY in roles:
        ids = secretary_station_ids(user)
        return appointment.station_id in ids or appointment.workstation_id in ids
    return False


# ---- people, seen through their stays (registered in people.access by appointments.apps) -----


def manages_a_stay_of(user: Any, person: Any) -> bool:
    """Whether the user may manage one of the person's appointments."""
    appointments = person.appointments.select_related("station")
    return any(can_manage_appointment(user, appointment) for appointment in appointments)
