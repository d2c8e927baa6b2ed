"""Funding figures of a set of projects (a station's, what a user sees): projects by level and
status, success rates per programme. Each is one grouped query over the rows given, whatever their
number; the caller scopes the queryset (`funding.access.visible_projects`). The figures that add
research outputs are in outputs.figures, above this app."""

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from core.i18n import pick_language
from funding.models import Level, Project

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
