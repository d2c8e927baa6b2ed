"""Live appointments counted by what decides their due items, kept in the transaction of every change
that moves one (docs/decisions/0073).

A live appointment's due items (appointments.selectors.due_conditions) depend on its entry date, its
planned exit and which of four steps are still to come. Live appointments span a few years of entry
dates, so counted by those six values they make a few thousand rows at any size of institution;
the dashboard applies the same conditions to these rows, weighted by their counts, instead of to
every postdoc in station. The conditions are computed at the moment of asking, so a change of the
institution's policy or the passing of days needs no recount.

Every service that enters, extends, ends, assesses, records a certificate, corrects or bulk-creates
appointments keeps the counts (appointments.services, `_counts_kept`); a bulk path that writes rows
another way calls `due_counts_rebuild`.
"""

import datetime as dt
from collections import Counter
from collections.abc import Iterable

from django.db import connection
from django.db.models import BooleanField, Count, ExpressionWrapper, Q, Sum
from django.db.models.functions import Coalesce

from appointments.models import Appointment, AppointmentDueCount, Policy
from appointments.selectors import due_conditions
from core.counts import moved

# (entry date, planned exit, proposal to come, PhD certificate to come, mid-term to come, exit
# assessment to come)
DueKey = tuple[dt.date, dt.date, bool, bool, bool, bool]

# The appointment's date fields whose absence says a step is to come, and the kept column for each.
PENDING_COLUMNS = {
    "proposal_passed_on": "proposal_pending",
    "phd_certificate_on": "certificate_pending",
    "midterm_passed_on": "midterm_pending",
    "exit_assessed_on": "exit_assessment_pending",
}
_KEY_COLUMNS = ["entry_date", "planned_exit_date", *PENDING_COLUMNS.values()]


def due_key(appointment: Appointment) -> DueKey | None:
    """Where the appointment counts, or None when it is not live (only live ones have due items)."""
    if appointment.status not in Appointment.LIVE_STATUSES:
        return None
    return (
        appointment.entry_date,
        appointment.planned_exit_date,
        appointment.proposal_passed_on is None,
        appointment.phd_certificate_on is None,
        appointment.midterm_passed_on is None,
        appointment.exit_assessed_on is None,
    )


def due_counts_apply(institution_id: int, deltas: Counter[DueKey]) -> None:
    """Adds each delta to its row in one upsert (a concurrent change to the same row adds to it rather
    than overwriting it), then drops the rows that came back to zero, so that the table keeps only
    the keys of live appointments."""
    deltas = Counter({key: n for key, n in deltas.items() if n})
    if not deltas:
        return
    adapt = connection.ops.adapt_datefield_value
    rows = [
        (institution_id, adapt(entry), adapt(planned_exit), *pending, n)
        for (entry, planned_exit, *pending), n in sorted(deltas.items())
    ]
    table = connection.ops.quote_name(AppointmentDueCount._meta.db_table)
    columns = ", ".join(_KEY_COLUMNS)
    # The table and column names are the model's own, not user input.
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} (institution_id, {columns}, n) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) "  # noqa: S608
            f"ON CONFLICT (institution_id, {columns}) DO UPDATE SET n = {table}.n + excluded.n",
            rows,
        )
        if any(n < 0 for n in deltas.values()):
            cursor.execute(f"DELETE FROM {table} WHERE institution_id = %s AND n = 0", [institution_id])  # noqa: S608


def due_counts_move(institution_id: int, before: DueKey | None, after: DueKey | None) -> None:
    """One appointment moved from one row to another (or into or out of the counts)."""
    due_counts_apply(institution_id, moved(before, after))


def due_counts_add(institution_id: int, appointments: Iterable[Appointment]) -> None:
    """New appointments (a bulk import): one grouped delta, one statement."""
    due_counts_apply(institution_id, Counter(key for a in appointments if (key := due_key(a)) is not None))


def due_counts_direct(institution_id: int) -> dict[DueKey, int]:
    """The counts as the appointments themselves give them (one grouped query over the live
    appointments: for the rebuild and for tests, never for a page)."""
    rows = (
        Appointment.objects.filter(institution_id=institution_id, status__in=Appointment.LIVE_STATUSES)
        .order_by()
        .values_list(
            "entry_date",
            "planned_exit_date",
            *(ExpressionWrapper(Q(**{field: None}), output_field=BooleanField()) for field in PENDING_COLUMNS),
        )
        .annotate(n=Count("pk"))
    )
    return {(entry, planned_exit, *pending): n for entry, planned_exit, *pending, n in rows}


def due_counts_kept(institution_id: int) -> dict[DueKey, int]:
    rows = AppointmentDueCount.objects.filter(institution_id=institution_id).values_list(*_KEY_COLUMNS, "n")
    return {(entry, planned_exit, *pending): n for entry, planned_exit, *pending, n in rows}


def due_counts_rebuild(institution_id: int) -> None:
    """Recounts the institution's rows from its live appointments (after a bulk path that wrote
    appointments without the services, e.g. the generated dataset)."""
    counts = due_counts_direct(institution_id)
    AppointmentDueCount.objects.filter(institution_id=institution_id).delete()
    AppointmentDueCount.objects.bulk_create(
        AppointmentDueCount(institution_id=institution_id, n=n, **dict(zip(_KEY_COLUMNS, key, strict=True)))
        for key, n in sorted(counts.items())
    )


def _pending_in_counts(field: str) -> Q:
    return Q(**{PENDING_COLUMNS[field]: True})


def institution_due_counts(institution_id: int, policy: Policy, today: dt.date) -> dict[str, int]:
    """How many of the institution's live appointments have each due item open, from the kept rows:
    the conditions of `due_counts`, each row weighing its count. One query over a few thousand rows."""
    conditions = due_conditions(policy, today, pending=_pending_in_counts)
    return AppointmentDueCount.objects.filter(institution_id=institution_id).aggregate(
        **{key: Coalesce(Sum("n", filter=condition), 0) for key, condition in conditions.items()}
    )
