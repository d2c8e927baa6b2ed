"""The headline figures (design.md, "Definitions the figures use"), for any date and window."""

import datetime as dt
from typing import Any

from django.db.models import Count, Q

from appointments.models import Appointment
from appointments.month_counts import window_counts
from core.dates import add_years
from funding.models import Level, Project
from funding.month_counts import projects_by_level_in
from stations.coverage import coverage


def entered_by(day: dt.date) -> Q:
    """Appointments that had entered on or before `day` (admitted-only ones have not entered)."""
    return Q(entry_date__lte=day) & ~Q(status=Appointment.Status.ADMITTED)


def in_station_on(day: dt.date) -> Q:
    """Entered on or before the day and not exited, withdrawn or transferred out on or before it."""
    return entered_by(day) & (Q(ended_on__isnull=True) | Q(ended_on__gt=day))


def window_start(as_of: dt.date, years: int) -> dt.date:
    """The window is (as_of − N years, as_of]: this day is excluded."""
    return add_years(as_of, -years)


def recruited_in(as_of: dt.date, years: int) -> Q:
    return entered_by(as_of) & Q(entry_date__gt=window_start(as_of, years))


def headline_figures(
    *, institution_id: int, as_of: dt.date, years: int, scope: Q | None = None, source: str = "counts"
) -> dict[str, Any]:
    """The story's figures for an institution, or for the part of it a user may see (`scope`).

    `projects` counts the awarded projects obtained in the window (by award date, once each), and
    `projects_by_level` the same projects by the level each counts at (`Project.level`, kept from
    the institution's own mapping, docs/decisions/0042): every level is present and they sum to
    `projects`. Applications not (yet) funded count nowhere.

    The whole institution's figures (`scope` None) come from the month counts the services keep
    (docs/decisions/0068): whole months from those tables, the two boundary months counted
    directly, so they cost the same at every size. A scope (a station's, a supervisor's) is small
    by nature and is counted directly, as is everything with `source="direct"` (the tests prove
    that both ways agree).
    """
    if scope is None and source == "counts" and years >= 1:
        counts, by_level = _counts_from_months(institution_id, as_of, years)
    else:
        counts, by_level = _counts_direct(institution_id, as_of, years, scope)
    cover = coverage(institution_id, as_of)
    return {
        "as_of": as_of.isoformat(),
        "window_years": years,
        "recruited": counts["recruited"],
        "recruited_still_in_station": counts["recruited_still_in_station"],
        "in_station": counts["in_station"],
        "projects": sum(by_level.values()),
        "projects_by_level": by_level,
        "coverage": {
            "with_station": cover.with_station,
            "doctoral_disciplines": cover.doctoral_disciplines,
            "missing": cover.missing,
        },
    }


def _counts_direct(
    institution_id: int, as_of: dt.date, years: int, scope: Q | None
) -> tuple[dict[str, int], dict[str, int]]:
    """Four queries over the rows themselves (covering indexes): cost grows with the rows in scope."""
    appointments = Appointment.objects.filter(institution_id=institution_id)
    projects = Project.objects.filter(
        institution_id=institution_id, awarded_on__gt=window_start(as_of, years), awarded_on__lte=as_of
    )
    if scope is not None:
        appointments = appointments.filter(scope)
        projects = projects.filter(holder__in=appointments)
    # Each count reads one range of a covering index (docs/decisions/0006).
    counts = appointments.filter(recruited_in(as_of, years)).aggregate(
        recruited=Count("pk"),
        recruited_still_in_station=Count("pk", filter=Q(ended_on__isnull=True) | Q(ended_on__gt=as_of)),
    )
    # In station on a date = entered by then − ended by then (an end is never before its entry).
    entered = appointments.filter(entered_by(as_of)).count()
    # Only ended appointments carry `ended_on` (a database constraint), so no status test is needed.
    ended = appointments.filter(ended_on__lte=as_of).count()
    counts["in_station"] = entered - ended
    # Only awarded projects have an award date (a database constraint), so the window selects them.
    by_level = dict.fromkeys(Level.values, 0)
    for level, n in projects.order_by().values_list("level").annotate(n=Count("pk")):
        by_level[level] = n
    return counts, by_level


def _counts_from_months(institution_id: int, as_of: dt.date, years: int) -> tuple[dict[str, int], dict[str, int]]:
    """The same figures from the month counts, in two statements that read no more than the months
    of the history, the window's month pairs and the rows of the boundary months
    (appointments.month_counts.window_counts, funding.month_counts.projects_by_level_in).

    recruited = entered by as_of − entered by the window's start; in station = entered by as_of −
    ended by as_of; still in station = recruited − those of them who ended by as_of.
    """
    start = window_start(as_of, years)
    n = window_counts(institution_id, after=start, until=as_of)
    recruited = n["entered_until"] - n["entered_after"]
    counts = {
        "recruited": recruited,
        "recruited_still_in_station": recruited - n["ended_of_window"],
        "in_station": n["entered_until"] - n["ended_until"],
    }
    return counts, projects_by_level_in(institution_id, after=start, until=as_of)
