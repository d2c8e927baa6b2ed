"""Entered appointments counted by entry month and end month, kept in the transaction of every
change that moves one (docs/decisions/0068).

The institution's headline figures (reports.selectors) sum whole months from this table and count
only the boundary months directly, so they cost the same at every size of the institution's
history. Every service that enters, ends or bulk-creates appointments calls `month_counts_move`
or `month_counts_apply`; a bulk path that writes rows another way calls `month_counts_rebuild`.
"""

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable

from django.db import connection
from django.db.models import Count
from django.db.models.functions import TruncMonth

from appointments.models import Appointment, AppointmentMonthCount, AppointmentMonthFlow

OPEN = AppointmentMonthCount.OPEN

# (entry month, end month or OPEN)
Key = tuple[dt.date, dt.date]


def month_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


def counted_key(appointment: Appointment) -> Key | None:
    """Where the appointment counts, or None while it is only admitted (reports.selectors.entered_by)."""
    if appointment.status == Appointment.Status.ADMITTED:
        return None
    ended = appointment.ended_on
    return month_of(appointment.entry_date), month_of(ended) if ended is not None else OPEN


def month_counts_apply(institution_id: int, deltas: Counter[Key]) -> None:
    """Adds each delta to its month pair, and to the entered and ended margins of its months, in
    two upsert statements (a concurrent change to the same pair adds to the row rather than
    overwriting it)."""
    deltas = Counter({key: n for key, n in deltas.items() if n})
    if not deltas:
        return
    flows: defaultdict[dt.date, list[int]] = defaultdict(lambda: [0, 0])
    for (entry, end), n in deltas.items():
        flows[entry][0] += n
        if end != OPEN:
            flows[end][1] += n
    adapt = connection.ops.adapt_datefield_value
    pairs = [(institution_id, adapt(entry), adapt(end), n) for (entry, end), n in sorted(deltas.items())]
    months = [(institution_id, adapt(month), entered, ended) for month, (entered, ended) in sorted(flows.items())]
    quote = connection.ops.quote_name
    counts, flow = quote(AppointmentMonthCount._meta.db_table), quote(AppointmentMonthFlow._meta.db_table)
    # The table names are the models' own, not user input.
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {counts} (institution_id, entry_month, end_month, n) VALUES (%s, %s, %s, %s) "  # noqa: S608
            f"ON CONFLICT (institution_id, entry_month, end_month) DO UPDATE SET n = {counts}.n + excluded.n",
            pairs,
        )
        cursor.executemany(
            f"INSERT INTO {flow} (institution_id, month, entered, ended) VALUES (%s, %s, %s, %s) "  # noqa: S608
            f"ON CONFLICT (institution_id, month) DO UPDATE SET entered = {flow}.entered + excluded.entered, "
            f"ended = {flow}.ended + excluded.ended",
            months,
        )


def month_counts_move(institution_id: int, before: Key | None, after: Key | None) -> None:
    """One appointment moved from one month pair to another (or into or out of the counts)."""
    if before == after:
        return
    deltas: Counter[Key] = Counter()
    if before is not None:
        deltas[before] -= 1
    if after is not None:
        deltas[after] += 1
    month_counts_apply(institution_id, deltas)


def month_counts_add(institution_id: int, appointments: Iterable[Appointment]) -> None:
    """New appointments (a bulk import): one grouped delta, one statement."""
    deltas = Counter(key for a in appointments if (key := counted_key(a)) is not None)
    month_counts_apply(institution_id, deltas)


def month_counts_direct(institution_id: int) -> dict[Key, int]:
    """The counts as the appointments themselves give them (one grouped query over the
    institution's appointments: for the rebuild and for tests, never for a page)."""
    rows = (
        Appointment.objects.filter(institution_id=institution_id)
        .exclude(status=Appointment.Status.ADMITTED)
        .order_by()
        .values_list(TruncMonth("entry_date"), TruncMonth("ended_on"))
        .annotate(n=Count("pk"))
    )
    counts: dict[Key, int] = {}
    for entry, end, n in rows:
        counts[(entry, end or OPEN)] = n
    return counts


def month_counts_kept(institution_id: int) -> dict[Key, int]:
    """The kept counts, without the pairs that came back to zero."""
    rows = AppointmentMonthCount.objects.filter(institution_id=institution_id, n__gt=0)
    return {(r.entry_month, r.end_month): r.n for r in rows}


def month_flows_kept(institution_id: int) -> dict[dt.date, tuple[int, int]]:
    """The kept margins (entered, ended) by month, without the months that came back to zero."""
    rows = AppointmentMonthFlow.objects.filter(institution_id=institution_id).exclude(entered=0, ended=0)
    return {r.month: (r.entered, r.ended) for r in rows}


def month_flows_of(counts: dict[Key, int]) -> dict[dt.date, tuple[int, int]]:
    """The margins the pairs imply: entered by entry month, ended by end month."""
    entered: Counter[dt.date] = Counter()
    ended: Counter[dt.date] = Counter()
    for (entry, end), n in counts.items():
        entered[entry] += n
        if end != OPEN:
            ended[end] += n
    return {month: (entered[month], ended[month]) for month in sorted(set(entered) | set(ended))}


def month_counts_rebuild(institution_id: int) -> None:
    """Recounts the institution's month pairs and margins from its appointments (after a bulk path
    that wrote appointments without the services, e.g. the demo dataset)."""
    counts = month_counts_direct(institution_id)
    AppointmentMonthCount.objects.filter(institution_id=institution_id).delete()
    AppointmentMonthFlow.objects.filter(institution_id=institution_id).delete()
    AppointmentMonthCount.objects.bulk_create(
        AppointmentMonthCount(institution_id=institution_id, entry_month=entry, end_month=end, n=n)
        for (entry, end), n in sorted(counts.items())
    )
    AppointmentMonthFlow.objects.bulk_create(
        AppointmentMonthFlow(institution_id=institution_id, month=month, entered=entered, ended=ended)
        for month, (entered, ended) in month_flows_of(counts).items()
    )
