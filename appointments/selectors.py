"""Reads about appointments: due dates, and the filters of the postdoc list."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from appointments.models import Appointment, Assessment, Grade, Policy
from core.dates import add_months


@dataclass(frozen=True)
class DueItem:
    key: str
    label: str | Promise
    due_on: dt.date
    done_on: dt.date | None
    state: str  # done, overdue, due_soon, upcoming

    @property
    def state_label(self) -> str | Promise:
        return DUE_STATE_LABELS[self.state]


DUE_STATE_LABELS = {
    "done": _("done"),
    "overdue": _("overdue"),
    "due_soon": _("due soon"),
    "upcoming": _("upcoming"),
}


def _state(due_on: dt.date, done_on: dt.date | None, today: dt.date, soon_days: int) -> str:
    if done_on is not None:
        return "done"
    if due_on < today:
        return "overdue"
    if due_on <= today + dt.timedelta(days=soon_days):
        return "due_soon"
    return "upcoming"


def due_items(appointment: Appointment, policy: Policy, today: dt.date) -> list[DueItem]:
    """Proposal, PhD certificate, mid-term, exit application and exit, computed from the dates.

    Uses `appointment.assessments.all()`, so prefetch assessments when listing many.
    """
    if appointment.status not in (Appointment.Status.ADMITTED, *Appointment.LIVE_STATUSES):
        return []
    entry = appointment.entry_date
    first_done: dict[str, dt.date] = {}
    for assessment in appointment.assessments.all():
        if assessment.grade != Grade.FAIL and assessment.kind not in first_done:
            first_done[assessment.kind] = assessment.held_on
    person = appointment.person
    certificate = appointment.phd_certificate_on or (
        person.phd_date if person.phd_date and person.phd_date <= entry else None
    )
    soon = policy.due_soon_days
    items = [
        ("proposal", _("research proposal"), add_months(entry, policy.proposal_due_months), first_done.get("proposal")),
        ("phd_certificate", _("PhD certificate"), add_months(entry, policy.phd_certificate_due_months), certificate),
        ("midterm", _("mid-term assessment"), add_months(entry, policy.midterm_due_months), first_done.get("midterm")),
        (
            "exit_application",
            _("exit application"),
            add_months(appointment.planned_exit_date, -policy.exit_application_lead_months),
            first_done.get("exit"),
        ),
        ("planned_exit", _("planned exit"), appointment.planned_exit_date, None),
    ]
    return [
        DueItem(key, label, due_on, done_on, _state(due_on, done_on, today, soon))
        for key, label, due_on, done_on in items
    ]


def _passed(kind: str) -> Q:
    return Q(Exists(Assessment.objects.filter(appointment=OuterRef("pk"), kind=kind).exclude(grade=Grade.FAIL)))


DUE_FILTERS = {
    "overdue": _("anything overdue"),
    "proposal_overdue": _("research proposal overdue"),
    "certificate_overdue": _("PhD certificate overdue"),
    "midterm_due": _("mid-term due or overdue"),
    "exit_due": _("exit due within the lead time"),
}


def filter_due(queryset: QuerySet[Appointment], which: str, policy: Policy, today: dt.date) -> QuerySet[Appointment]:
    """Keeps appointments with the chosen due item open, in SQL (no per-row work)."""
    live = Q(status__in=Appointment.LIVE_STATUSES)
    proposal_overdue = Q(entry_date__lt=add_months(today, -policy.proposal_due_months)) & ~_passed("proposal")
    certificate_overdue = (
        Q(entry_date__lt=add_months(today, -policy.phd_certificate_due_months))
        & Q(phd_certificate_on__isnull=True)
        & (Q(person__phd_date__isnull=True) | Q(person__phd_date__gt=F("entry_date")))
    )
    midterm_due = Q(entry_date__lte=add_months(today, -policy.midterm_from_months)) & ~_passed("midterm")
    midterm_overdue = Q(entry_date__lt=add_months(today, -policy.midterm_due_months)) & ~_passed("midterm")
    exit_due = Q(planned_exit_date__lte=add_months(today, policy.exit_application_lead_months))
    conditions: dict[str, Q] = {
        "proposal_overdue": proposal_overdue,
        "certificate_overdue": certificate_overdue,
        "midterm_due": midterm_due,
        "exit_due": exit_due,
        "overdue": proposal_overdue | certificate_overdue | midterm_overdue | Q(planned_exit_date__lt=today),
    }
    if which not in conditions:
        return queryset
    return queryset.filter(live & conditions[which])


def search(queryset: QuerySet[Appointment], text: str) -> QuerySet[Appointment]:
    """Name (Chinese or Latin letters) or postdoc number."""
    text = text.strip()
    if not text:
        return queryset
    return queryset.filter(
        Q(person__name__icontains=text) | Q(person__name_en__icontains=text) | Q(postdoc_no__icontains=text)
    )
