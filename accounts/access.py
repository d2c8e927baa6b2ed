"""Who may do what, and which records they may see. The one place roles become answers.

Views, partials, the API and commands fetch records through the `*_for_user` helpers, which
answer 404 for anything outside the user's scope, and ask `can()` before acting.
"""

from enum import StrEnum
from typing import TYPE_CHECKING, Any, Self

from django.db.models import Model, Q, QuerySet
from django.http import Http404

from accounts.models import Role

if TYPE_CHECKING:
    from appointments.models import Appointment
    from stations.models import Station


class Perm(StrEnum):
    VIEW_INSTITUTION = "view_institution"  # figures and coverage of the whole institution
    MANAGE_APPOINTMENTS = "manage_appointments"  # admit, transitions, assessments (in scope)
    GRANT_EXCEPTIONS = "grant_exceptions"  # record an exception to a policy rule
    REVEAL_ID = "reveal_id"  # see a full ID number (audited)
    MANAGE_REFERENCE = "manage_reference"  # catalogue, units, stations, supervisors, policy
    MANAGE_ACCOUNTS = "manage_accounts"  # the institution's accounts, roles, links and lockouts


ROLE_PERMISSIONS: dict[str, frozenset[Perm]] = {
    Role.ADMIN: frozenset(Perm),
    Role.SECRETARY: frozenset({Perm.MANAGE_APPOINTMENTS}),
    Role.SUPERVISOR: frozenset(),
    Role.POSTDOC: frozenset(),
    Role.LEADERSHIP: frozenset({Perm.VIEW_INSTITUTION}),
}

_NOTHING = Q(pk__in=[])
INSTITUTION_WIDE_ROLES = frozenset({Role.ADMIN, Role.LEADERSHIP})


def roles_of(user: Any) -> list[tuple[str, int | None]]:
    """(role, station id) pairs, cached on the user object for the request."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cached = getattr(user, "_roles_cache", None)
    if cached is None:
        cached = list(user.roles.values_list("role", "station_id"))
        user._roles_cache = cached
    return cached


def role_names(user: Any) -> set[str]:
    return {role for role, _ in roles_of(user)}


def secretary_station_ids(user: Any) -> set[int]:
    return {station for role, station in roles_of(user) if role == Role.SECRETARY and station}


def has_perm(user: Any, perm: Perm) -> bool:
    if not getattr(user, "is_authenticated", False) or user.institution_id is None:
        return False
    return any(perm in ROLE_PERMISSIONS[role] for role in role_names(user))


def appointment_scope(user: Any) -> Q:
    """A filter on Appointment that keeps exactly what the user may see."""
    roles = role_names(user)
    if not roles or user.institution_id is None:
        return _NOTHING
    scope = _NOTHING
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


def sees_whole_institution(user: Any) -> bool:
    """Office administrators and leadership see every record of their institution."""
    return user.institution_id is not None and bool(role_names(user) & INSTITUTION_WIDE_ROLES)


def figures_scope(user: Any) -> Q | None:
    """The appointments a user's figures cover: None for the whole institution, else their scope."""
    return None if sees_whole_institution(user) else appointment_scope(user)


def station_scope(user: Any) -> Q:
    roles = role_names(user)
    if not roles or user.institution_id is None:
        return _NOTHING
    if roles & INSTITUTION_WIDE_ROLES:
        return Q(institution_id=user.institution_id)
    scope = _NOTHING
    if Role.SECRETARY in roles:
        scope |= Q(pk__in=secretary_station_ids(user))
    if Role.SUPERVISOR in roles:
        scope |= Q(supervisors__user=user)
    if Role.POSTDOC in roles:
        scope |= Q(appointments__person__user=user)
    return scope & Q(institution_id=user.institution_id)


def visible_appointments(user: Any) -> "QuerySet[Appointment]":
    from appointments.models import Appointment

    return Appointment.objects.filter(appointment_scope(user))


def visible_stations(user: Any) -> "QuerySet[Station]":
    from stations.models import Station

    return Station.objects.filter(station_scope(user)).distinct()


def get_appointment_for_user(user: Any, pk: Any) -> "Appointment":
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


def get_station_for_user(user: Any, pk: Any) -> "Station":
    try:
        return visible_stations(user).select_related("discipline", "unit", "institution").get(pk=pk)
    except (ValueError, TypeError) as exc:
        raise Http404 from exc
    except visible_stations(user).model.DoesNotExist as exc:
        raise Http404 from exc


def can_manage_appointment(user: Any, appointment: "Appointment") -> bool:
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


def can_manage_station(user: Any, station: "Station") -> bool:
    if station.institution_id != getattr(user, "institution_id", None):
        return False
    roles = role_names(user)
    return Role.ADMIN in roles or (Role.SECRETARY in roles and station.pk in secretary_station_ids(user))


class AdministratorsOnlyQuerySet[M: Model](QuerySet[M]):
    """Records only the office administrators of their institution see (uploaded files and their
    checks: import jobs, funders' award lists); nobody else sees any."""

    def visible_to(self, user: Any) -> Self:
        if not has_perm(user, Perm.MANAGE_REFERENCE):
            return self.none()
        return self.filter(institution_id=user.institution_id)
