"""Funding and research output figures of a set of projects and outputs (a station's, what a user
sees): projects by level and status, success rates per programme, outputs by phase and kind. Each
is one grouped query over the rows given, whatever their number; the caller scopes the querysets
(`funding.access.visible_projects`, `outputs.views.visible_outputs`)."""

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from core.i18n import pick_language
from funding.models import Level, Project
from outputs.models import Output

Status = Project.Status
AWARDED = [str(status) for status in Project.AWARDED_STATUSES]
# The columns of the level × status table, in the life cycle's order.
STATUS_COLUMNS = (Status.APPLIED, Status.AWARDED, Status.COMPLETED, Status.TERMINATED, Status.REJECTED)


@dataclass(frozen=True)
class LevelRow:
    level: str
    label: str
    counts: list[tuple[str, int]]  # (status, count) in STATUS_COLUMNS order

    @property
    def awarded(self) -> int:
        """Awarded at any time: in progress, completed or terminated (what the headline figure counts)."""
        return sum(n for status, n in self.counts if status in AWARDED)


@dataclass(frozen=True)
class LevelTable:
    rows: list[LevelRow]
    totals: list[tuple[str, int]]

    @property
    def awarded(self) -> int:
        return sum(row.awarded for row in self.rows)

    @property
    def total(self) -> int:
        return sum(n for _status, n in self.totals)


def projects_by_level_and_status(projects: QuerySet[Project]) -> LevelTable:
    """Every level (in the order of `Level`) × every status, zeros included: one grouped query."""
    found = {
        (level, status): n
        for level, status, n in projects.order_by().values_list("level", "status").annotate(n=Count("pk"))
    }
    rows = [
        LevelRow(str(level), str(label), [(str(status), found.get((level, status), 0)) for status in STATUS_COLUMNS])
        for level, label in Level.choices
    ]
    totals = [(str(status), sum(found.get((level, status), 0) for level in Level.values)) for status in STATUS_COLUMNS]
    return LevelTable(rows, totals)


@dataclass(frozen=True)
class SuccessRate:
    programme_id: int | None
    label: str
    awarded: int
    decided: int
    pending: int

    @property
    def applications(self) -> int:
        return self.decided + self.pending

    @property
    def not_funded(self) -> int:
        return self.decided - self.awarded

    @property
    def percent(self) -> int:
        return round(100 * self.awarded / self.decided) if self.decided else 0


def success_rates(projects: QuerySet[Project]) -> list[SuccessRate]:
    """Per programme, of the applications recorded with their date: awarded ÷ decided (awarded or
    not funded), and how many wait for a decision. One grouped query; awards recorded without
    their application are not applications and count in neither. Most applications first."""
    rows = (
        projects.filter(applied_on__isnull=False)
        .order_by()
        .values("programme_ref", "programme_ref__name_zh", "programme_ref__name_en", "programme_ref__funder__code")
        .annotate(
            awarded=Count("pk", filter=Q(status__in=AWARDED)),
            decided=Count("pk", filter=~Q(status=Status.APPLIED)),
            pending=Count("pk", filter=Q(status=Status.APPLIED)),
        )
    )
    rates = []
    for row in rows:
        if row["programme_ref"] is None:
            label = _("not matched to a programme")
        else:
            name = pick_language(row["programme_ref__name_zh"], row["programme_ref__name_en"])
            label = f"{row['programme_ref__funder__code']} · {name}"
        rates.append(SuccessRate(row["programme_ref"], label, row["awarded"], row["decided"], row["pending"]))
    return sorted(rates, key=lambda rate: (-rate.applications, rate.label))


@dataclass(frozen=True)
class OutputCounts:
    by_phase: list[tuple[str, str, int]]  # (phase, label, count) in the order of Output.Phase
    by_kind: list[tuple[str, str, int]]  # (kind, label, count), kinds with none left out
    in_station_by_kind: list[tuple[str, str, int]]  # the same, of the outputs made in station only

    @property
    def total(self) -> int:
        return sum(n for _phase, _label, n in self.by_phase)

    def count(self, phase: str) -> int:
        return next((n for value, _label, n in self.by_phase if value == phase), 0)

    @property
    def in_station(self) -> int:
        return self.count(Output.Phase.IN_STATION)

    @property
    def before_entry(self) -> int:
        return self.count(Output.Phase.BEFORE_ENTRY)


def outputs_by_phase_and_kind(outputs: QuerySet[Output]) -> OutputCounts:
    """Research outputs counted by phase (every phase, zeros included) and by kind: one query."""
    found: dict[tuple[str, str], int] = {
        (phase, kind): n for phase, kind, n in outputs.order_by().values_list("phase", "kind").annotate(n=Count("pk"))
    }
    by_phase = [
        (str(phase), str(label), sum(n for (p, _k), n in found.items() if p == phase))
        for phase, label in Output.Phase.choices
    ]

    def by_kind(phases: set[str]) -> list[tuple[str, str, int]]:
        return [
            (str(kind), str(label), total)
            for kind, label in Output.Kind.choices
            if (total := sum(n for (p, k), n in found.items() if k == kind and p in phases))
        ]

    return OutputCounts(by_phase, by_kind(set(Output.Phase.values)), by_kind({Output.Phase.IN_STATION}))


def station_figures(projects: QuerySet[Project], outputs: QuerySet[Output]) -> dict[str, Any]:
    """A station's card: three queries whatever the number of its postdocs, projects or outputs."""
    return {
        "levels": projects_by_level_and_status(projects),
        "rates": success_rates(projects),
        "outputs": outputs_by_phase_and_kind(outputs),
    }
