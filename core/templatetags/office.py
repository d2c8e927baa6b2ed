"""Badges for states on the staff pages (who is signed in: `nav`, config/navigation.py)."""

from django import template

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
def badge(state: str) -> str:
    """The CSS modifier of a badge for a state, status or grade."""
    return _BADGES.get(str(state), "muted")
