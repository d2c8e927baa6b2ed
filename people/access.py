"""Who sees and who manages supervisors and postdocs' identities.

Supervisors: office administrators manage every supervisor of their institution; a station
secretary manages those of their own stations (adds them there, edits, deactivates, moves them
between their own stations); leadership reads the institution's list; a supervisor sees their own
record. Deleting one and linking one to a login stay with office administrators, who manage the
accounts. Everything outside a user's scope answers 404.

A postdoc's identity (personal details, ID number) is seen by whoever sees one of the person's
stays and managed by whoever may manage one of them (appointments.access.can_manage_appointment).
The stays are appointments', above this app: it registers how to read them here (`StayScope`, in
its `AppConfig.ready()`; docs/decisions/0028).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q, QuerySet
from django.http import Http404

from accounts.access import INSTITUTION_WIDE_ROLES, Perm, has_perm, role_names, secretary_station_ids
from accounts.actors import Actor
from accounts.models import Role
from people.models import Person, Supervisor
from stations.models import Station


def supervisor_scope(user: Any) -> Q:
    roles = role_names(user)
    if not roles or user.institution_id is None:
        return Q(pk__in=[])
    if roles & INSTITUTION_WIDE_ROLES:
        return Q(institution_id=user.institution_id)
    scope = Q(pk__in=[])
    if Role.SECRETARY in roles:
        scope |= Q(station_id__in=secretary_station_ids(user))
    if Role.SUPERVISOR in roles:
        scope |= Q(user=user)
    return scope & Q(institution_id=user.institution_id)


def visible_supervisors(user: Any) -> QuerySet[Supervisor]:
    return Supervisor.objects.filter(supervisor_scope(user))


def may_list_supervisors(user: Any) -> bool:
    """The supervisors' list is for the office, leadership and secretaries (a supervisor has their own page)."""
    return bool(role_names(user) & {Role.ADMIN, Role.LEADERSHIP, Role.SECRETARY}) and user.institution_id is not None


def get_supervisor_for_user(user: Any, pk: Any) -> Supervisor:
    try:
        return visible_supervisors(user).select_related("unit", "station", "user").get(pk=pk)
    except (ValueError, TypeError, Supervisor.DoesNotExist) as exc:
        raise Http404 from exc


def supervisor_stations(user: Any) -> QuerySet[Station]:
    """The stations a user may place supervisors in: every station of the institution for an office
    administrator, their own for a secretary, none for anyone else."""
    if user.institution_id is None:
        return Station.objects.none()
    stations = Station.objects.filter(institution_id=user.institution_id)
    if has_perm(user, Perm.MANAGE_REFERENCE):
        return stations
    if Role.SECRETARY in role_names(user):
        return stations.filter(pk__in=secretary_station_ids(user))
    return Station.objects.none()


def may_manage_supervisor(user: Actor | AnonymousUser, supervisor: Supervisor) -> bool:
    """May change this supervisor's record: an office administrator of its institution, or the
    secretary of the station it belongs to (a supervisor of no station is the office's)."""
    if supervisor.institution_id != getattr(user, "institution_id", None):
        return False
    if has_perm(user, Perm.MANAGE_REFERENCE):
        return True
    return (
        Role.SECRETARY in role_names(user)
        and supervisor.station_id is not None
        and supervisor.station_id in secretary_station_ids(user)
    )


def may_place_supervisor(user: Actor | AnonymousUser, station: Station | None) -> bool:
    """May put a supervisor in this station (None: in no station, the office's own list)."""
    if has_perm(user, Perm.MANAGE_REFERENCE):
        return station is None or station.institution_id == user.institution_id
    return station is not None and supervisor_stations(user).filter(pk=station.pk).exists()


def may_add_supervisors(user: Any) -> bool:
    return supervisor_stations(user).exists()


# ---- postdocs' identities -----------------------------------------------------------------------


@dataclass(frozen=True)
class StayScope:
    """People's stays, as the app that records them (appointments) answers for a user."""

    seen: Callable[[Any], QuerySet[Any]]  # the stays the user sees (a queryset of appointments)
    manages_one: Callable[[Any, Person], bool]  # whether the user may manage one of the person's stays


_stay_scopes: list[StayScope] = []


def register_stay_scope(scope: StayScope) -> None:
    """Called once, by appointments' ready(): the stays that decide who sees and manages a person."""
    if _stay_scopes and _stay_scopes[0] != scope:
        raise ValueError("People's stays are registered already.")
    _stay_scopes[:] = [scope]


def _stay_scope() -> StayScope:
    if not _stay_scopes:
        raise ImproperlyConfigured("No app registered people's stays (appointments does, in its ready()).")
    return _stay_scopes[0]


def stays_seen(user: Actor | AnonymousUser) -> QuerySet[Any]:
    """The stays (appointments) the user sees."""
    return _stay_scope().seen(user)


def get_person_for_user(user: Any, pk: Any) -> Person:
    """A person one of whose appointments the user sees, else 404."""
    try:
        return Person.objects.filter(pk__in=stays_seen(user).values("person_id")).get(pk=pk)
    except (ValueError, TypeError, Person.DoesNotExist) as exc:
        raise Http404 from exc


def may_manage_person(user: Any, person: Person) -> bool:
    """May correct a person's identity: the office, or a secretary of one of the person's stations."""
    if person.institution_id != getattr(user, "institution_id", None):
        return False
    if Role.ADMIN in role_names(user):
        return True
    return _stay_scope().manages_one(user, person)
