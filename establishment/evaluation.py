"""The indicators of a station's periodic evaluation (综合评估 / 新设站评估), computed from the records.

The 2008 办法 (人社部发〔2008〕115号, facts.md §1.9) grades stations every five years on four
first-level indicators (基础建设、招收选拔、培养使用、成果产出). What the records of this system can
answer is computed here, each number with its definition (`INDICATORS`), and reuses the headline
figures' definitions (`reports.selectors`, design.md "Definitions the figures use"):

- a station's postdocs are the appointments whose station is the station, or whose joint-training
  workstation is the station (a joint appointment counts for both, as on the station's page);
- the period is [period_start, period_end], both days included;
- an appointment has *entered* by a day when its entry date is on or before it and it is no longer
  only admitted; it is *in station on* a day when it has entered and has not ended on or before it.

Research outputs (`outputs`) count when produced in station: their phase, computed from their date
against the stay they are recorded on (docs/decisions/0045), is "in station", and that date lies in
the period. Evaluations computed before outputs were recorded keep the value None they stored.

Three queries whatever the number of appointments: one aggregate over appointments (with the
outputs counted per appointment in correlated subqueries), one count of extensions, one aggregate
over projects.
"""

import datetime as dt
from typing import Any

from django.db.models import Count, DateField, DurationField, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Greatest, Least
from django.utils.text import capfirst

from appointments.models import Appointment, Extension
from appointments.selectors import station_appointments
from funding.models import Level, Project
from outputs.models import Output
from reports.selectors import entered_by, in_station_on
from stations.indicators import INDICATORS
from stations.models import Station

DAYS_PER_YEAR = 365.25  # a postdoc-year: 365.25 days in station
PERIOD_YEARS = 5  # station evaluations are held every five years (facts.md §1.9)


def ended_in(status: str, start: dt.date, end: dt.date) -> Q:
    """Appointments that ended in the period with `status` (exited, withdrew, transferred)."""
    # Only ended appointments carry `ended_on` (a database constraint).
    return Q(status=status, ended_on__gte=start, ended_on__lte=end)


def overlapping(start: dt.date, end: dt.date) -> Q:
    """Stays that were in station on some day of the period."""
    return entered_by(end) & (Q(ended_on__isnull=True) | Q(ended_on__gt=start))


def days_in_period(start: dt.date, end: dt.date) -> Any:
    """A stay's days in station within the period (from entry up to the day before it ended)."""
    after = end + dt.timedelta(days=1)
    return Least(Coalesce(F("ended_on"), Value(after)), Value(after), output_field=DateField()) - Greatest(
        F("entry_date"), Value(start), output_field=DateField()
    )


def planned_exit_at_entry() -> Coalesce:
    """The planned exit as it stood at entry: the first extension's previous planned exit, if any."""
    first = Extension.objects.filter(appointment=OuterRef("pk")).order_by("previous_exit_date", "pk")
    return Coalesce(Subquery(first.values("previous_exit_date")[:1]), F("planned_exit_date"), output_field=DateField())


def station_indicators(station: Station, period_start: dt.date, period_end: dt.date) -> dict[str, Any]:
    """The evaluation's indicators of `station` over [period_start, period_end] (definitions in
    `INDICATORS`), as JSON-ready numbers. Three queries, whatever the data size."""
    start, end = period_start, period_end
    appointments = station_appointments(station)

    def ended_in_period(status: str) -> Q:
        return ended_in(status, start, end)

    grounds = Appointment.WithdrawalGround.values
    counts = appointments.aggregate(
        **{f"outputs_{kind}": Sum(outputs_of_kind(kind, start, end)) for kind in Output.Kind.values},
        intake=Count("pk", filter=entered_by(end) & Q(entry_date__gte=start)),
        in_station_at_end=Count("pk", filter=in_station_on(end)),
        exits=Count("pk", filter=ended_in_period(Appointment.Status.EXITED)),
        exits_on_time=Count(
            "pk", filter=ended_in_period(Appointment.Status.EXITED) & Q(ended_on__lte=planned_exit_at_entry())
        ),
        withdrawals=Count("pk", filter=ended_in_period(Appointment.Status.WITHDRAWN)),
        transfers=Count("pk", filter=ended_in_period(Appointment.Status.TRANSFERRED)),
        stay=Sum(days_in_period(start, end), filter=overlapping(start, end), output_field=DurationField()),
        **{
            f"ground_{ground}": Count(
                "pk", filter=ended_in_period(Appointment.Status.WITHDRAWN) & Q(withdrawal_ground=ground)
            )
            for ground in grounds
        },
    )
    extensions = Extension.objects.filter(
        appointment__in=appointments.values("pk"), previous_exit_date__gte=start, previous_exit_date__lte=end
    ).count()
    projects = Project.objects.filter(
        holder__in=appointments.values("pk"), awarded_on__gte=start, awarded_on__lte=end
    ).aggregate(total=Count("pk"), **{f"level_{level}": Count("pk", filter=Q(level=level)) for level in Level.values})
    stay_days = counts["stay"].days if counts["stay"] else 0
    postdoc_years = round(stay_days / DAYS_PER_YEAR, 1)
    exits = counts["exits"]
    outputs_by_kind = {kind: counts[f"outputs_{kind}"] for kind in Output.Kind.values if counts[f"outputs_{kind}"]}
    outputs = sum(outputs_by_kind.values())
    return {
        "intake": counts["intake"],
        "in_station_at_end": counts["in_station_at_end"],
        "exits": exits,
        "exits_on_time": counts["exits_on_time"],
        "on_time_share": round(100 * counts["exits_on_time"] / exits, 1) if exits else None,
        "extensions": extensions,
        "withdrawals": counts["withdrawals"],
        "withdrawals_by_ground": {g: counts[f"ground_{g}"] for g in grounds if counts[f"ground_{g}"]},
        "transfers": counts["transfers"],
        "postdoc_days": stay_days,
        "postdoc_years": postdoc_years,
        "projects": projects["total"],
        "projects_by_level": {lv: projects[f"level_{lv}"] for lv in Level.values if projects[f"level_{lv}"]},
        "projects_per_postdoc_year": round(projects["total"] / postdoc_years, 2) if postdoc_years else None,
        "research_outputs": outputs,
        "research_outputs_by_kind": outputs_by_kind,
        "outputs_per_postdoc_year": round(outputs / postdoc_years, 2) if postdoc_years else None,
    }


def outputs_of_kind(kind: str, start: dt.date, end: dt.date) -> Subquery:
    """An appointment's in-station outputs of a kind dated in the period (NULL for none)."""
    in_period = Output.objects.filter(
        appointment=OuterRef("pk"), phase=Output.Phase.IN_STATION, dated_on__gte=start, dated_on__lte=end, kind=kind
    )
    return Subquery(in_period.order_by().values("appointment").annotate(n=Count("pk")).values("n")[:1])


def default_period(cycle: int, station: Station | None = None) -> tuple[dt.date, dt.date]:
    """The five calendar years before the cycle's year; a station set up within them is evaluated
    from its establishment."""
    start, end = dt.date(cycle - PERIOD_YEARS, 1, 1), dt.date(cycle - 1, 12, 31)
    if station is not None and start < station.established_on < end:
        start = station.established_on
    return start, end


# ---- reading an evaluation ------------------------------------------------------------------------


def indicator_rows(indicators: dict[str, Any]) -> list[dict[str, Any]]:
    """The stored indicators as table rows (label, value, definition), breakdowns as sub-rows."""
    grounds = dict(Appointment.WithdrawalGround.choices)
    levels = dict(Level.choices)
    rows: list[dict[str, Any]] = []
    for indicator in INDICATORS:
        rows.append(
            {
                "key": indicator.key,
                "label": indicator.label,
                "definition": indicator.definition,
                "value": indicators.get(indicator.key),
                "recorded": indicator.key in indicators,
                "sub": False,
            }
        )
        breakdown: dict[str, int] = {}
        names: dict[str, Any] = {}
        if indicator.key == "withdrawals":
            breakdown, names = indicators.get("withdrawals_by_ground") or {}, grounds
        elif indicator.key == "projects":
            breakdown, names = indicators.get("projects_by_level") or {}, levels
        elif indicator.key == "research_outputs":
            breakdown, names = indicators.get("research_outputs_by_kind") or {}, dict(Output.Kind.choices)
        for key, value in breakdown.items():
            rows.append(
                {
                    "key": f"{indicator.key}.{key}",
                    "label": capfirst(names.get(key, key)),
                    "definition": indicator.definition,
                    "value": value,
                    "recorded": True,
                    "sub": True,
                }
            )
    return rows
