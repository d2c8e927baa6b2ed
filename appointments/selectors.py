"""Reads about appointments: due dates, and the filters of the postdoc list."""

import datetime as dt
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import reduce

from django.db import connection
from django.db.models import Count, F, Func, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from appointments.models import Appointment, Extension, Policy
from core.dates import add_months
from core.search import OneOf
from people.search import people_named
from stations.models import Station


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


@dataclass(frozen=True)
class ExtensionCommitment:
    """The office's commitment to extend the appointment to `until`, given for a project's
    application (NSFC young scientists fund, facts.md §1.3); `funding.selectors` finds them."""

    project_no: str
    funder: str  # as short as it can be said: the funder's code, else its name
    until: dt.date


def _commitment_done_on(
    appointment: Appointment, commitment: ExtensionCommitment, extensions: Sequence[Extension]
) -> dt.date | None:
    """When the appointment came to run to the committed date: the extension that took it there,
    or its entry if it was planned that long from the start; None while it does not."""
    if appointment.planned_exit_date < commitment.until:
        return None
    reached = [e for e in extensions if e.new_exit_date >= commitment.until]
    return timezone.localdate(reached[0].recorded_at) if reached else appointment.entry_date


def due_items(
    appointment: Appointment,
    policy: Policy,
    today: dt.date,
    commitments: Sequence[ExtensionCommitment] = (),
    extensions: Sequence[Extension] = (),
) -> list[DueItem]:
    """Proposal, PhD certificate, mid-term, exit application and exit, computed from the dates;
    and each extension the office committed to for a project, due when the exit application would
    be (the extension must be recorded before the appointment ends). `extensions` (the appointment's,
    when the caller has them) date a commitment that has been met."""
    if appointment.status not in (Appointment.Status.ADMITTED, *Appointment.LIVE_STATUSES):
        return []
    entry = appointment.entry_date
    soon = policy.due_soon_days
    items: list[tuple[str, str | Promise, dt.date, dt.date | None]] = [
        (
            "proposal",
            _("research proposal"),
            add_months(entry, policy.proposal_due_months),
            appointment.proposal_passed_on,
        ),
        (
            "phd_certificate",
            _("PhD certificate"),
            add_months(entry, policy.phd_certificate_due_months),
            appointment.phd_certificate_on,
        ),
        (
            "midterm",
            _("mid-term assessment"),
            add_months(entry, policy.midterm_due_months),
            appointment.midterm_passed_on,
        ),
        (
            "exit_application",
            _("exit application"),
            add_months(appointment.planned_exit_date, -policy.exit_application_lead_months),
            appointment.exit_assessed_on,
        ),
    ]
    items += [
        (
            f"extension_commitment:{commitment.project_no}",
            gettext("extension to %(date)s committed for project %(no)s (%(funder)s)")
            % {"date": commitment.until.isoformat(), "no": commitment.project_no, "funder": commitment.funder},
            add_months(appointment.planned_exit_date, -policy.exit_application_lead_months),
            _commitment_done_on(appointment, commitment, extensions),
        )
        for commitment in sorted(commitments, key=lambda c: (c.until, c.project_no))
    ]
    items.append(("planned_exit", _("planned exit"), appointment.planned_exit_date, None))
    return [
        DueItem(key, label, due_on, done_on, _state(due_on, done_on, today, soon))
        for key, label, due_on, done_on in items
    ]


DUE_FILTERS = {
    "overdue": _("anything overdue"),
    "proposal_overdue": _("research proposal overdue"),
    "certificate_overdue": _("PhD certificate overdue"),
    "midterm_due": _("mid-term due or overdue"),
    "exit_due": _("exit due within the lead time"),
}


def pending_on_appointment(field: str) -> Q:
    """The condition that a step is still to come, on an appointment: its date is not recorded."""
    return Q(**{field: None})


def overdue_conditions(
    policy: Policy, today: dt.date, pending: Callable[[str], Q] = pending_on_appointment
) -> dict[str, Q]:
    """For each kind of due item `due_items` tells (by its key), the condition on a live appointment
    that it is overdue: the one definition of "overdue" the dashboard's count and the list's filter
    share. An extension committed for a project falls due with the exit application, so an
    appointment with one overdue has its exit application overdue too (unless it was assessed for
    exit, when the commitment no longer binds).

    `pending(field)` says that the step recorded in `field` is still to come: on an appointment by
    default, on the kept due counts' columns for appointments.due_counts."""
    return {
        "proposal": Q(entry_date__lt=add_months(today, -policy.proposal_due_months)) & pending("proposal_passed_on"),
        "phd_certificate": Q(entry_date__lt=add_months(today, -policy.phd_certificate_due_months))
        & pending("phd_certificate_on"),
        "midterm": Q(entry_date__lt=add_months(today, -policy.midterm_due_months)) & pending("midterm_passed_on"),
        "exit_application": Q(planned_exit_date__lt=add_months(today, policy.exit_application_lead_months))
        & pending("exit_assessed_on"),
        "planned_exit": Q(planned_exit_date__lt=today),
    }


def due_conditions(
    policy: Policy, today: dt.date, pending: Callable[[str], Q] = pending_on_appointment
) -> dict[str, Q]:
    """For each due filter, the condition on live appointments (columns only, no subqueries)."""
    overdue = overdue_conditions(policy, today, pending)
    proposal_overdue = overdue["proposal"]
    certificate_overdue = overdue["phd_certificate"]
    midterm_due = Q(entry_date__lte=add_months(today, -policy.midterm_from_months)) & pending("midterm_passed_on")
    exit_due = Q(planned_exit_date__lte=add_months(today, policy.exit_application_lead_months))
    return {
        "overdue": reduce(operator.or_, overdue.values()),
        "proposal_overdue": proposal_overdue,
        "certificate_overdue": certificate_overdue,
        "midterm_due": midterm_due,
        "exit_due": exit_due,
    }


LIVE = Q(status__in=Appointment.LIVE_STATUSES)


def filter_due(queryset: QuerySet[Appointment], which: str, policy: Policy, today: dt.date) -> QuerySet[Appointment]:
    """Keeps live appointments with the chosen due item open."""
    conditions = due_conditions(policy, today)
    if which not in conditions:
        return queryset
    return queryset.filter(LIVE & conditions[which])


def due_counts(queryset: QuerySet[Appointment], policy: Policy, today: dt.date) -> dict[str, int]:
    """How many live appointments have each due item open: one query."""
    conditions = due_conditions(policy, today)
    return queryset.filter(LIVE).aggregate(
        **{key: Count("pk", filter=condition) for key, condition in conditions.items()}
    )


def search(queryset: QuerySet[Appointment], text: str) -> QuerySet[Appointment]:
    """Name (Chinese or Latin letters, or the name's pinyin) or postdoc number.

    A text with a digit looks among postdoc numbers (a trigram index on PostgreSQL), any other among
    names (through their index, people.search): names hold no digits and a number's letters alone
    (its prefix) would match every number, so neither side needs the other's scan (docs/decisions/0066,
    0070)."""
    text = text.strip()
    if not text:
        return queryset
    if looks_like_a_number(text):
        return queryset.filter(postdoc_no__icontains=text)
    people = people_named(text)
    if connection.vendor == "postgresql":
        # The people found, as one array of ids: the planner then knows how many they are (from a
        # subquery over the grams' index it guesses a few thousand, and with statistics walks the
        # whole list probing each row's person through three indexes).
        found = list(people.values_list("pk", flat=True)[: FOUND_PEOPLE_LISTED + 1])
        if len(found) <= FOUND_PEOPLE_LISTED:
            return queryset.filter(OneOf(F("person_id"), found))
    # As appointment ids: a database then checks each row of the list's order against a set of keys
    # (SQLite, with no statistics, would otherwise look each row's person up).
    return queryset.filter(pk__in=Appointment.objects.filter(person__in=people).values("pk"))


# Up to this many people found by a search are passed as a list of ids, beyond as a subquery.
FOUND_PEOPLE_LISTED = 5_000


def looks_like_a_number(text: str) -> bool:
    """Whether a search text is (a piece of) a postdoc number rather than a name: it has a digit."""
    return any(character.isdigit() for character in text)


# ---- a station's postdocs (the station page's counts, the station evaluation's indicators) ----------


def station_appointments(station: Station) -> QuerySet[Appointment]:
    """The station's postdocs: its own appointments and those it trains jointly as workstation."""
    return Appointment.objects.filter(Q(station_id=station.pk) | Q(workstation_id=station.pk))


def stations_in_station_now() -> Coalesce:
    """An annotation for a queryset of stations (the station list, through stations.selectors): how many of each one's postdocs (its own and, for a
    workstation, its joint-training ones) are in station. One correlated subquery, so that the list's
    scope joins never multiply it and an appointment is counted once per station."""
    live = (
        Appointment.objects.filter(
            Q(station_id=OuterRef("pk")) | Q(workstation_id=OuterRef("pk")), status__in=Appointment.LIVE_STATUSES
        )
        .order_by()
        .annotate(n=Func(F("pk"), function="COUNT"))
        .values("n")
    )
    return Coalesce(Subquery(live, output_field=IntegerField()), 0)


def in_station_count(station: Station) -> int:
    """A station's postdocs in station now: for a workstation, with its joint-training ones (the
    office counts a joint-training postdoc at both the mobile station and the workstation)."""
    return station_appointments(station).filter(status__in=Appointment.LIVE_STATUSES).count()


def joint_training_count(station: Station) -> int:
    """A workstation's joint-training postdocs in station (0 for any other kind)."""
    return Appointment.objects.filter(workstation_id=station.pk, status__in=Appointment.LIVE_STATUSES).count()


def postdocs_in_station_on(station: Station, on: dt.date) -> QuerySet[Appointment]:
    """The stays of a station (for a workstation, with its joint-training postdocs) running on a
    date: entered by then and not ended by then (reports.selectors.in_station_on, for one station)."""
    return (
        station_appointments(station)
        .filter(entry_date__lte=on)
        .exclude(status=Appointment.Status.ADMITTED)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=on))
    )
