"""Every station of an institution side by side over a period (issue 16, "Station comparison").

The figures are the five-yearly evaluation's (`establishment.evaluation.station_indicators`, same
definitions, same `INDICATORS`), computed for all stations at once, plus what leadership compares
stations by: the intake per calendar year, the median time from entry to exit, the projects'
amounts per postdoc-year and the supervisors with postdocs in the period.

As in the evaluation, a station's postdocs are its own appointments and those it trains jointly as
workstation: each figure is grouped by the pair (station, workstation), and a pair's numbers count
for both (once when the workstation is the station itself) and once for the institution's line.

A fixed number of queries whatever the number of stations or postdocs (`COMPARISON_QUERIES`).
"""

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import (
    Case,
    Count,
    DurationField,
    F,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import ExtractMonth, ExtractYear

from appointments.models import Appointment, Extension
from establishment.evaluation import DAYS_PER_YEAR, days_in_period, ended_in, overlapping, planned_exit_at_entry
from funding.models import Project
from outputs.models import Output
from reports.selectors import entered_by, in_station_on
from stations.models import Station

MAX_YEARS = 10  # one intake column per year: a decade stays readable
# The stations; the appointments, the supervisors (per station and in all), the exits, the extensions,
# the projects and the outputs, each grouped by (station, workstation).
COMPARISON_QUERIES = 8

# Django's enums build their `values` and `choices` on every read: read once.
GROUNDS = tuple(Appointment.WithdrawalGround.values)
OUTPUT_KINDS = tuple(Output.Kind.values)

# The two sides of a station's postdocs: its own appointments, and the joint ones it trains.
OWN, JOINT = "station_id", "workstation_id"


@dataclass
class StationFigures:
    """One station's line (or the institution's, `station` None)."""

    station: Station | None
    intake_by_year: dict[int, int]
    intake: int = 0
    in_station_at_end: int = 0
    exits: int = 0
    exits_on_time: int = 0
    withdrawals: int = 0
    withdrawals_by_ground: dict[str, int] = field(default_factory=dict)
    transfers: int = 0
    extensions: int = 0
    postdoc_days: int = 0
    projects: int = 0
    amount: Decimal = Decimal(0)
    research_outputs: int = 0
    supervisors: int = 0
    months_to_exit: Counter[int] = field(default_factory=Counter)  # whole months from entry to exit → exits

    @property
    def on_time_share(self) -> float | None:
        return round(100 * self.exits_on_time / self.exits, 1) if self.exits else None

    @property
    def postdoc_years(self) -> float:
        return round(self.postdoc_days / DAYS_PER_YEAR, 1)

    def _per_postdoc_year(self, value: int | Decimal) -> float | None:
        return round(float(value) / self.postdoc_years, 2) if self.postdoc_years else None

    @property
    def projects_per_postdoc_year(self) -> float | None:
        return self._per_postdoc_year(self.projects)

    @property
    def amount_per_postdoc_year(self) -> float | None:
        return self._per_postdoc_year(self.amount)

    @property
    def outputs_per_postdoc_year(self) -> float | None:
        return self._per_postdoc_year(self.research_outputs)

    @property
    def withdrawal_grounds(self) -> list[tuple[str, int]]:
        """The withdrawals by ground, as (label, number), in the grounds' order."""
        if not self.withdrawals_by_ground:
            return []
        return [
            (str(label), self.withdrawals_by_ground[ground])
            for ground, label in Appointment.WithdrawalGround.choices
            if ground in self.withdrawals_by_ground
        ]

    @property
    def median_months_to_exit(self) -> int | float | None:
        """The median of the exits' whole months from entry to exit (the mean of the two middle
        ones when the number is even); None when nobody exited."""
        n = self.months_to_exit.total()
        if not n:
            return None
        # The values at positions (n - 1) // 2 and n // 2 of the sorted exits, read off the counts.
        wanted, found, seen = [(n - 1) // 2, n // 2], [], 0
        for months in sorted(self.months_to_exit):
            seen += self.months_to_exit[months]
            while wanted and wanted[0] < seen:
                found.append(months)
                wanted.pop(0)
        half = (found[0] + found[1]) / 2
        return int(half) if half.is_integer() else half

    def add(self, counts: dict[str, Any], years: Iterable[int]) -> None:
        for name in ("intake", "in_station_at_end", "exits", "exits_on_time", "withdrawals", "transfers"):
            setattr(self, name, getattr(self, name) + counts[name])
        for year in years:
            self.intake_by_year[year] += counts[f"intake_{year}"]
        for ground in GROUNDS:
            if counts[f"ground_{ground}"]:
                self.withdrawals_by_ground[ground] = (
                    self.withdrawals_by_ground.get(ground, 0) + counts[f"ground_{ground}"]
                )
        self.postdoc_days += counts["stay"].days if counts["stay"] else 0


@dataclass(frozen=True)
class Comparison:
    start: dt.date
    end: dt.date
    years: list[int]
    stations: list[StationFigures]
    institution: StationFigures


def stations_compared(institution_id: int, start: dt.date, end: dt.date, stations: QuerySet[Station]) -> Comparison:
    """The figures of `stations` (the institution's, perhaps filtered) over [start, end], both days
    included, and the institution's line over all its stations. `COMPARISON_QUERIES` queries."""
    years = list(range(start.year, end.year + 1))
    listed = list(stations.order_by("code"))
    lines = {s.pk: StationFigures(s, dict.fromkeys(years, 0)) for s in listed}
    total = StationFigures(None, dict.fromkeys(years, 0))

    def counted_by(station_id: int, workstation_id: int | None) -> list[StationFigures]:
        """The lines a row of one (station, workstation) pair counts for: the station's, the joint
        workstation's (unless it is the station itself) and the institution's."""
        ids = {station_id, workstation_id} - {None}
        return [*(lines[i] for i in ids if i in lines), total]

    appointments = Appointment.objects.filter(institution_id=institution_id)
    for counts in _appointment_counts(appointments, start, end, years):
        for line in counted_by(counts[OWN], counts[JOINT]):
            line.add(counts, years)

    # Distinct supervisors do not add up over pairs: counted per station, and once for the institution.
    in_period = appointments.filter(overlapping(start, end)).order_by()
    for station_id, n in in_period.values_list(OWN).annotate(n=Count("primary_supervisor", distinct=True)):
        if station_id in lines:
            lines[station_id].supervisors = n
    total.supervisors = in_period.aggregate(n=Count("primary_supervisor", distinct=True))["n"]

    exits = appointments.filter(ended_in(Appointment.Status.EXITED, start, end)).annotate(months=_whole_months())
    for station_id, workstation_id, months, n in (
        exits.order_by().values(OWN, JOINT, "months").annotate(n=Count("pk")).values_list(OWN, JOINT, "months", "n")
    ):
        for line in counted_by(station_id, workstation_id):
            line.months_to_exit[months] += n

    extensions = Extension.objects.filter(
        appointment__institution_id=institution_id, previous_exit_date__gte=start, previous_exit_date__lte=end
    )
    for station_id, workstation_id, n in (
        extensions.order_by().values_list(f"appointment__{OWN}", f"appointment__{JOINT}").annotate(n=Count("pk"))
    ):
        for line in counted_by(station_id, workstation_id):
            line.extensions += n

    projects = Project.objects.filter(
        institution_id=institution_id, holder__isnull=False, awarded_on__gte=start, awarded_on__lte=end
    )
    for row in (
        projects.order_by().values(f"holder__{OWN}", f"holder__{JOINT}").annotate(n=Count("pk"), amount=Sum("amount"))
    ):
        for line in counted_by(row[f"holder__{OWN}"], row[f"holder__{JOINT}"]):
            line.projects += row["n"]
            line.amount += row["amount"] or Decimal(0)

    # Research outputs produced in station and dated in the period (the evaluation's definition).
    outputs = Output.objects.filter(
        appointment__institution_id=institution_id,
        phase=Output.Phase.IN_STATION,
        dated_on__gte=start,
        dated_on__lte=end,
        kind__in=OUTPUT_KINDS,
    )
    for station_id, workstation_id, n in (
        outputs.order_by().values_list(f"appointment__{OWN}", f"appointment__{JOINT}").annotate(n=Count("pk"))
    ):
        for line in counted_by(station_id, workstation_id):
            line.research_outputs += n

    return Comparison(start=start, end=end, years=years, stations=list(lines.values()), institution=total)


def _whole_months() -> Any:
    """Whole months from entry to the end of the stay: 1 March to 28 February is 11, to 1 March 12."""
    months = (
        (ExtractYear("ended_on") - ExtractYear("entry_date")) * 12
        + ExtractMonth("ended_on")
        - ExtractMonth("entry_date")
    )
    short = Case(When(ended_on__day__lt=F("entry_date__day"), then=Value(1)), default=Value(0))
    return months - short


def _appointment_counts(
    appointments: QuerySet[Appointment], start: dt.date, end: dt.date, years: list[int]
) -> list[dict[str, Any]]:
    """The evaluation's counts over the appointments, one row per (station, workstation) pair."""
    intake = entered_by(end) & Q(entry_date__gte=start)
    exited = ended_in(Appointment.Status.EXITED, start, end)
    withdrawn = ended_in(Appointment.Status.WITHDRAWN, start, end)
    # Every figure is of a stay that overlaps the period (an exit in it ended on or after its start):
    # the others are left out before counting, which at national size is most of the history.
    rows: QuerySet[Any, dict[str, Any]] = (
        appointments.filter(entry_date__lte=end)
        .exclude(ended_on__lt=start)
        .order_by()
        .values(OWN, JOINT)
        .annotate(
            intake=Count("pk", filter=intake),
            **{
                f"intake_{year}": Count(
                    "pk", filter=intake & Q(entry_date__gte=dt.date(year, 1, 1), entry_date__lte=dt.date(year, 12, 31))
                )
                for year in years
            },
            in_station_at_end=Count("pk", filter=in_station_on(end)),
            exits=Count("pk", filter=exited),
            exits_on_time=Count("pk", filter=exited & Q(ended_on__lte=planned_exit_at_entry())),
            withdrawals=Count("pk", filter=withdrawn),
            transfers=Count("pk", filter=ended_in(Appointment.Status.TRANSFERRED, start, end)),
            stay=Sum(days_in_period(start, end), filter=overlapping(start, end), output_field=DurationField()),
            **{f"ground_{ground}": Count("pk", filter=withdrawn & Q(withdrawal_ground=ground)) for ground in GROUNDS},
        )
    )
    return list(rows)


def months_between(entry: dt.date, ended: dt.date) -> int:
    """Whole months from `entry` to `ended`, as `_whole_months` counts them in the database."""
    return (ended.year - entry.year) * 12 + ended.month - entry.month - (1 if ended.day < entry.day else 0)
