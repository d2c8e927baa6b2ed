"""Who sees and runs station evaluations. Administrators and leadership see every evaluation of
their institution (leadership read-only), a station secretary those of their stations, read-only;
other roles see none. Pages, exports and the API ask here."""

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet
from django.http import Http404

from accounts.access import (
    INSTITUTION_WIDE_ROLES,
    NOTHING,
    Perm,
    has_perm,
    role_names,
    secretary_station_ids,
    sees_whole_institution,
)
from accounts.actors import Actor
from accounts.models import Role
from stations.models import Evaluation, Station


def may_view_evaluations(user: Any, station: Station | None = None) -> bool:
    """Whether the user's role sees evaluations: of `station`, or of any station (None)."""
    if sees_whole_institution(user):
        return station is None or station.institution_id == user.institution_id
    if Role.SECRETARY not in role_names(user):
        return False
    ids = secretary_station_ids(user)
    return bool(ids) if station is None else station.pk in ids and station.institution_id == user.institution_id


def may_manage_evaluations(user: Actor | AnonymousUser, station: Station) -> bool:
    return has_perm(user, Perm.MANAGE_REFERENCE) and station.institution_id == user.institution_id


def may_manage_station(user: Actor | AnonymousUser, station: Station) -> bool:
    """Whether the user may edit the station's record and status: its institution's office administrators."""
    return has_perm(user, Perm.MANAGE_REFERENCE) and station.institution_id == user.institution_id


def visible_evaluations(user: Any) -> QuerySet[Evaluation]:
    evaluations = Evaluation.objects.filter(station__institution_id=user.institution_id)
    if sees_whole_institution(user):
        return evaluations
    if Role.SECRETARY in role_names(user):
        return evaluations.filter(station_id__in=secretary_station_ids(user))
    return evaluations.none()


def station_scope(user: Any) -> Q:
    roles = role_names(user)
    if not roles or user.institution_id is None:
        return NOTHING
    if roles & INSTITUTION_WIDE_ROLES:
        return Q(institution_id=user.institution_id)
    scope = NOTHING
    if Role.SECRETARY in roles:
        scope |= Q(pk__in=secretary_station_ids(user))
    if Role.SUPERVISOR in roles:
        scope |= Q(supervisors__user=user)
    if Role.POSTDOC in roles:
        scope |= Q(appointments__person__user=user)
    return scope & Q(institution_id=user.institution_id)


def visible_stations(user: Any) -> QuerySet[Station]:
    return Station.objects.filter(station_scope(user)).distinct()


def get_station_for_user(user: Any, pk: Any) -> Station:
    try:
        return visible_stations(user).select_related("discipline", "unit", "institution").get(pk=pk)
    except (ValueError, TypeError) as exc:
        raise Http404 from exc
    except visible_stations(user).model.DoesNotExist as exc:
        raise Http404 from exc


def can_manage_station(user: Actor | AnonymousUser, station: Station) -> bool:
    if station.institution_id != getattr(user, "institution_id", None):
        return False
    roles = role_names(user)
    return Role.ADMIN in roles or (Role.SECRETARY in roles and station.pk in secretary_station_ids(user))
