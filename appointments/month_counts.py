"""Entered appointments counted by entry month and end month, kept in the transaction of every
change that moves one (docs/decisions/0068).

The institution's headline figures (reports.selectors) sum whole months from this table and count
only the boundary months directly, so they cost the same at every size of the institution's
history. Every service that enters, ends or bulk-creates appointments calls `month_counts_move`
or `month_counts_apply`; a bulk path that writes rows another way calls `month_counts_rebuild`.
"""

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from typing import Any

from django.db import connection
from django.db.models import Count
from django.db.models.functions import TruncMonth

from appointments.models import Appointment, AppointmentMonthCount, AppointmentMonthFlow
from core.counts import month_of, moved
from core.dates import add_months

OPEN = AppointmentMonthCount.OPEN

# (entry month, end month or OPEN)
Key = tuple[dt.date, dt.date]


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
    adapt = connection.ops.adapt_datefield_value
    pairs = [(institution_id, adapt(entry), adapt(end), n) for (entry, end), n in sorted(deltas.items())]
    months = [
        (institution_id, adapt(month), entered, ended) for month, (entered, ended) in month_flows_of(deltas).items()
    ]
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
    month_counts_apply(institution_id, moved(before, after))


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


# The ten counts of `window_counts`; d = as_of, w = the window's excluded first day, md and mw
# their months, nw the window's first whole month. Table names come from the models.
WINDOW_SQL = """SELECT
  (SELECT COALESCE(SUM(entered), 0) FROM {flow} WHERE institution_id = %(i)s AND month < %(md)s),
  (SELECT COALESCE(SUM(entered), 0) FROM {flow} WHERE institution_id = %(i)s AND month < %(mw)s),
  (SELECT COALESCE(SUM(ended), 0) FROM {flow} WHERE institution_id = %(i)s AND month < %(md)s),
  (SELECT COALESCE(SUM(n), 0) FROM {pairs} WHERE institution_id = %(i)s
     AND entry_month >= %(nw)s AND entry_month < %(md)s AND end_month < %(md)s),
  (SELECT COUNT(*) FROM {appt} WHERE institution_id = %(i)s
     AND entry_date >= %(md)s AND entry_date <= %(d)s AND NOT (status = %(admitted)s)),
  (SELECT COUNT(*) FROM {appt} WHERE institution_id = %(i)s
     AND entry_date >= %(md)s AND entry_date <= %(d)s AND ended_on <= %(d)s),
  (SELECT COUNT(*) FROM {appt} WHERE institution_id = %(i)s
     AND entry_date >= %(mw)s AND entry_date <= %(w)s AND NOT (status = %(admitted)s)),
  (SELECT COUNT(*) FROM {appt} WHERE institution_id = %(i)s
     AND entry_date > %(w)s AND entry_date < %(nw)s AND ended_on <= %(d)s),
  (SELECT COUNT(*) FROM {appt} WHERE institution_id = %(i)s AND ended_on >= %(md)s AND ended_on <= %(d)s),
  (SELECT COUNT(*) FROM {appt} WHERE institution_id = %(i)s
     AND ended_on >= %(md)s AND ended_on <= %(d)s AND entry_date >= %(nw)s AND entry_date < %(md)s)
"""


def window_counts(institution_id: int, *, after: dt.date, until: dt.date) -> dict[str, int]:
    """For the window (after, until], `after` in an earlier month than `until`: `entered_until`
    and `ended_until` (appointments entered, ended by `until`), `entered_after` (entered by
    `after`) and `ended_of_window` (entered in the window and ended by `until`).

    One statement of ten scalar subqueries, each one range of an index: the margins of the whole
    months of the history (at most 12 rows a year), the month pairs of the window's whole entry
    months, and the rows of the two boundary months (the covering indexes of Appointment).
    Nothing in it reads the institution's appointments month after month; one statement rather
    than ten keeps the ORM's cost per query (larger than these reads) out of the page.
    """
    if month_of(after) >= month_of(until):
        raise ValueError("The window must start in an earlier month than it ends.")
    md, mw = month_of(until), month_of(after)
    adapt, quote = connection.ops.adapt_datefield_value, connection.ops.quote_name
    sql = WINDOW_SQL.format(
        flow=quote(AppointmentMonthFlow._meta.db_table),
        pairs=quote(AppointmentMonthCount._meta.db_table),
        appt=quote(Appointment._meta.db_table),
    )
    params: dict[str, Any] = {
        "i": institution_id,
        "admitted": Appointment.Status.ADMITTED.value,
        "d": adapt(until),
        "w": adapt(after),
        "md": adapt(md),
        "mw": adapt(mw),
        "nw": adapt(add_months(mw, 1)),
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    e_d_full, e_w_full, x_d_full, z_full, e_d, z_d, e_w, z_w, x_d, z_mid = (int(v) for v in row)
    return {
        "entered_until": e_d_full + e_d,
        "entered_after": e_w_full + e_w,
        "ended_until": x_d_full + x_d,
        "ended_of_window": z_full + z_d + z_w + z_mid,
    }
