"""Research output figures of a set of outputs (a station's, what a user sees), and a station's
card, which puts them beside funding's project figures. Each is one grouped query over the rows
given, whatever their number; the caller scopes the querysets (`funding.access.visible_projects`,
`outputs.access.visible_outputs`)."""

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, QuerySet

from funding.figures import projects_by_level_and_status, success_rates
from funding.models import Project
from outputs.models import Output


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
