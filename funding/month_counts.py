"""Awarded projects counted by award month and level, kept in the transaction of every change
that moves one (docs/decisions/0068): the headline "projects obtained" of an institution sums
whole months from here and counts the two boundary months directly, whatever its history.

The one-record services call `project_counts_move`, the bulk ones `project_counts_add`; a change
of the level mapping (which rewrites levels with UPDATEs) and any other bulk writer call
`project_counts_rebuild`.
"""

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

from django.db import connection
from django.db.models import Count
from django.db.models.functions import TruncMonth

from core.counts import month_of, moved
from core.dates import add_months
from funding.models import Level, Project, ProjectMonthCount

# (award month, level)
Key = tuple[dt.date, str]


def counted_key(project: Project) -> Key | None:
    """Where the project counts, or None while it is not awarded (only awarded ones have the date)."""
    if project.awarded_on is None:
        return None
    return month_of(project.awarded_on), project.level


def project_counts_apply(institution_id: int, deltas: Counter[Key]) -> None:
    """Adds each delta to its (month, level) in one upsert statement."""
    adapt = connection.ops.adapt_datefield_value
    rows = [(institution_id, adapt(month), level, n) for (month, level), n in sorted(deltas.items()) if n]
    if not rows:
        return
    table = connection.ops.quote_name(ProjectMonthCount._meta.db_table)
    # The table name is the model's own, not user input.
    sql = (
        f"INSERT INTO {table} (institution_id, award_month, level, n) VALUES (%s, %s, %s, %s) "  # noqa: S608
        f"ON CONFLICT (institution_id, award_month, level) DO UPDATE SET n = {table}.n + excluded.n"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def project_counts_move(institution_id: int, before: Key | None, after: Key | None) -> None:
    project_counts_apply(institution_id, moved(before, after))


def project_counts_add(projects: Iterable[Project]) -> None:
    """New projects (a bulk service), of one institution or several: one statement per institution."""
    deltas: defaultdict[int, Counter[Key]] = defaultdict(Counter)
    for project in projects:
        if (key := counted_key(project)) is not None:
            deltas[project.institution_id][key] += 1
    for institution_id, counts in sorted(deltas.items()):
        project_counts_apply(institution_id, counts)


def project_counts_direct(institution_id: int) -> dict[Key, int]:
    """The counts as the projects give them (one grouped query: for the rebuild and tests)."""
    rows = (
        Project.objects.filter(institution_id=institution_id, awarded_on__isnull=False)
        .order_by()
        .values_list(TruncMonth("awarded_on"), "level")
        .annotate(n=Count("pk"))
    )
    return {(month, level): n for month, level, n in rows}


def project_counts_kept(institution_id: int) -> dict[Key, int]:
    rows = ProjectMonthCount.objects.filter(institution_id=institution_id, n__gt=0)
    return {(r.award_month, r.level): r.n for r in rows}


def project_counts_rebuild(institution_id: int) -> None:
    """Recounts the institution's (month, level) pairs from its projects."""
    ProjectMonthCount.objects.filter(institution_id=institution_id).delete()
    ProjectMonthCount.objects.bulk_create(
        ProjectMonthCount(institution_id=institution_id, award_month=month, level=level, n=n)
        for (month, level), n in sorted(project_counts_direct(institution_id).items())
    )


# The projects of a window by level: the whole months between from the kept counts, the days of
# the two boundary months from the projects (the index institution, awarded_on, level). Table
# names come from the models.
WINDOW_SQL = """SELECT level, SUM(n) FROM (
  SELECT level, n FROM {kept}
    WHERE institution_id = %(i)s AND award_month >= %(first_full)s AND award_month < %(last_month)s
  UNION ALL
  SELECT level, 1 AS n FROM {projects}
    WHERE institution_id = %(i)s AND awarded_on > %(after)s AND awarded_on < %(first_full)s
  UNION ALL
  SELECT level, 1 AS n FROM {projects}
    WHERE institution_id = %(i)s AND awarded_on >= %(last_month)s AND awarded_on <= %(until)s
) AS counted GROUP BY level"""


def projects_by_level_in(institution_id: int, *, after: dt.date, until: dt.date) -> dict[str, int]:
    """The projects awarded in (after, until] by level, every level present, `after` in an earlier
    month than `until`: one statement whatever the number of projects."""
    if month_of(after) >= month_of(until):
        raise ValueError("The window must start in an earlier month than it ends.")
    adapt, quote = connection.ops.adapt_datefield_value, connection.ops.quote_name
    sql = WINDOW_SQL.format(kept=quote(ProjectMonthCount._meta.db_table), projects=quote(Project._meta.db_table))
    params: dict[str, Any] = {
        "i": institution_id,
        "after": adapt(after),
        "until": adapt(until),
        "first_full": adapt(add_months(month_of(after), 1)),
        "last_month": adapt(month_of(until)),
    }
    by_level = dict.fromkeys(Level.values, 0)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for level, n in cursor.fetchall():
            by_level[level] += int(n)
    return by_level
