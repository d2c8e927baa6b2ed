"""What a person has to do, for the top of their home page: the due items of the postdocs they
look after (their own, for a postdoc) that are overdue or due soon, each with what to do about it
and a link to the step, and, for an expert, the reviews waiting for their scores.

Office administrators and leadership look after the whole institution: for them the dashboard's
counts of due items (one query) stand for the list, which would run to hundreds of rows.
"""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.access import Perm, has_perm, role_names
from accounts.models import Role
from appointments.access import can_manage_appointment, visible_appointments
from appointments.models import Appointment, Policy
from appointments.selectors import DueItem, due_items
from appointments.views import STEPS
from funding.selectors import live_extension_commitments
from reviews.access import assignments, sees_subject_identity
from reviews.models import Member, Review

# The states a person is asked to act on now; "upcoming" items wait on the postdoc's own page.
ACT_ON = ("overdue", "due_soon")
# Rows on the home page; the rest are one click away in the postdoc list's due filter.
MAX_ROWS = 15


@dataclass(frozen=True)
class Action:
    """What to do about a kind of due item: in words for the postdoc, and as the office's step."""

    advice: str | Promise  # for the postdoc themself
    step: str  # the step of the postdoc's page that records it (appointments.views.STEPS)


ACTIONS = {
    "proposal": Action(
        _("Present your research proposal (开题报告) with your supervisor; the station records the result."), "assess"
    ),
    "phd_certificate": Action(_("Hand your PhD degree certificate to the station secretary."), "phd-certificate"),
    "midterm": Action(_("Prepare your mid-term assessment with your supervisor."), "assess"),
    "exit_application": Action(
        _("Apply for exit, or for an extension, with the station secretary before this date."), "exit"
    ),
    "extension_commitment": Action(
        _("The extension committed for your project must be recorded before your stay ends: ask the station."),
        "extend",
    ),
    "planned_exit": Action(_("Your stay ends: the station records your exit or an extension."), "exit"),
}


@dataclass
class Todo:
    """The to-do rows of one person's home page."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    more: int = 0  # rows left out (see the postdoc list's due filter)
    scoring: list[dict[str, Any]] = field(default_factory=list)  # reviews waiting for the user's scores
    looks_after_postdocs: bool = False  # the user has postdocs of their own to look after (a list is shown)
    own: bool = False  # the user is a postdoc reading their own items

    @property
    def empty(self) -> bool:
        return not self.rows and not self.scoring


def _kind(item: DueItem) -> str:
    return item.key.split(":", 1)[0]


def _action(user: Any, appointment: Appointment, item: DueItem, own: bool) -> dict[str, Any]:
    action = ACTIONS.get(_kind(item))
    page = reverse("postdoc-detail", kwargs={"pk": appointment.pk})
    if action is None:
        return {"text": "", "url": page, "link": _("Open the postdoc's page")}
    step = STEPS.get(action.step)
    if step is not None and step.available(appointment) and can_manage_appointment(user, appointment):
        return {
            "text": "",
            "url": reverse(f"postdoc-{step.name}", kwargs={"pk": appointment.pk}),
            "link": step.title,
        }
    if own:
        return {"text": action.advice, "url": page, "link": _("See your due items")}
    return {"text": "", "url": page, "link": _("Open the postdoc's page")}


def _scoring(user: Any) -> list[dict[str, Any]]:
    """The open reviews in which the user, as an expert, has not scored yet, soonest deadline first."""
    members = (
        assignments(user)
        .filter(status=Member.Status.INVITED, review__status=Review.Status.OPEN)
        .order_by("review__deadline", "pk")
    )
    return [
        {"member": member, "review": member.review, "identity": sees_subject_identity(member)} for member in members
    ]


def todo_for(user: Any, policy: Policy, today: dt.date) -> Todo:
    """The home page's to-dos of `user` on `today` (a constant number of queries)."""
    roles = role_names(user)
    todo = Todo(scoring=_scoring(user))
    if has_perm(user, Perm.VIEW_INSTITUTION) or not roles & {Role.SECRETARY, Role.SUPERVISOR, Role.POSTDOC}:
        return todo
    todo.own = roles == {Role.POSTDOC}
    todo.looks_after_postdocs = True
    appointments = list(
        visible_appointments(user)
        .filter(status__in=(Appointment.Status.ADMITTED, *Appointment.LIVE_STATUSES))
        .select_related("person", "station")
        .order_by("postdoc_no")
    )
    commitments = live_extension_commitments(user.institution_id or 0) if appointments else {}
    found = []
    for appointment in appointments:
        for item in due_items(appointment, policy, today, commitments.get(appointment.pk, ())):
            if item.state in ACT_ON:
                found.append((item.due_on, appointment.postdoc_no, appointment, item))
    found.sort(key=lambda row: (row[0], row[1]))
    todo.more = max(0, len(found) - MAX_ROWS)
    todo.rows = [
        {"appointment": appointment, "item": item, "action": _action(user, appointment, item, todo.own)}
        for _due, _no, appointment, item in found[:MAX_ROWS]
    ]
    return todo
