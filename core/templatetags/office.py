"""Small helpers for the staff pages: who is signed in, and badges for states."""

from typing import Any

from django import template

from accounts.access import Perm, has_perm, roles_of
from accounts.models import Role

register = template.Library()

# Due-item states (appointments.selectors.DueItem.state) and appointment statuses → badge colours.
_BADGES = {
    "done": "ok",
    "overdue": "danger",
    "due_soon": "warn",
    "upcoming": "muted",
    "admitted": "info",
    "in_station": "ok",
    "extended": "warn",
    "exited": "muted",
    "withdrawn": "danger",
    "transferred": "muted",
    "active": "ok",
    "warned": "warn",
    "revoked": "danger",
    "excellent": "ok",
    "good": "ok",
    "pass": "info",
    "fail": "danger",
    "support": "ok",
    "reject": "danger",
}


@register.filter
def sees_institution(user: Any) -> bool:
    """Office administrators and leadership: the institution-wide sections of the navigation."""
    return has_perm(user, Perm.VIEW_INSTITUTION)


@register.filter
def is_expert(user: Any) -> bool:
    """Whether the user sits in the expert pool (their own reviews: "My reviews"). One query."""
    from django.db.models import Q

    from reviews.models import Expert

    if not getattr(user, "is_authenticated", False):
        return False
    return Expert.objects.filter(Q(user=user) | Q(supervisor__user=user)).exists()


@register.filter
def badge(state: str) -> str:
    """The CSS modifier of a badge for a state, status or grade."""
    return _BADGES.get(str(state), "muted")


@register.simple_tag
def role_labels(user: Any) -> list[str]:
    """The signed-in user's roles as words; a secretary's role names the station."""
    pairs = roles_of(user)
    station_ids = {station for _role, station in pairs if station}
    names: dict[int, str] = {}
    if station_ids:
        from stations.models import Station

        names = {station.pk: station.name for station in Station.objects.filter(pk__in=station_ids)}
    labels = []
    for role, station in sorted(pairs, key=lambda pair: list(Role.values).index(pair[0])):
        label = str(Role(role).label)
        if station:
            label = f"{label} · {names.get(station, '')}"
        labels.append(label)
    return labels
