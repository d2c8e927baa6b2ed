"""The plan: what the demo will contain (supervisors, people, appointments and their steps, projects, applications, outputs), and its digest."""

import datetime as dt
import hashlib
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from appointments.models import Appointment
from catalogue.models import Institution
from core.dates import add_months
from demo.story.reference import STORY_AS_OF, STORY_YEARS
from funding.models import Project

# ---------------------------------------------------------------------------------------------
# The plan
# ---------------------------------------------------------------------------------------------


@dataclass
class SupervisorPlan:
    staff_no: str
    name: str
    name_en: str
    unit: str
    station: str
    title: str
    is_external: bool


@dataclass
class PersonPlan:
    key: int
    name: str
    name_en: str
    gender: str
    birth_date: dt.date
    id_type: str
    id_number: str
    nationality: str = "中国"
    is_foreign: bool = False
    phd_institution: str = ""
    phd_date: dt.date | None = None
    prior_postdoc_months: int = 0
    email: str = ""


@dataclass
class Step:
    on: dt.date
    kind: str  # enter, certificate, assessment, extend, exit, withdraw, transfer
    data: dict[str, Any] = field(default_factory=dict)


_STEP_ORDER = {"enter": 0, "certificate": 1, "assessment": 2, "extend": 3, "exit": 5, "withdraw": 5, "transfer": 5}
_END_STATUS = {
    "exit": Appointment.Status.EXITED,
    "withdraw": Appointment.Status.WITHDRAWN,
    "transfer": Appointment.Status.TRANSFERRED,
}


@dataclass
class ProjectPlan:
    kind: str
    awarded_on: dt.date
    title: str
    funder: str
    programme: str
    level: str
    amount: int
    years: int  # how long it runs
    number: str = ""
    status: str = Project.Status.AWARDED
    # The catalogue's records (funder code, programme code: blank for a funder's programme it does
    # not list) and the details the programme text used to carry.
    funder_code: str = ""
    programme_code: str = ""
    grade: str = ""
    batch: str = ""
    # Known for the applications the office kept (`plan_research`): then the award counts in the
    # programme's success rate.
    applied_on: dt.date | None = None

    @property
    def ended_on(self) -> dt.date | None:
        """A completed project ended when its funding period did."""
        return add_months(self.awarded_on, 12 * self.years) if self.status == Project.Status.COMPLETED else None


@dataclass
class ApplicationPlan:
    """An application the office recorded that was not funded (`rejected_on`) or waits for its
    decision (`rejected_on` None): written through `project_apply` and `project_reject`."""

    kind: str  # cpsf, nsfc or cqnsf
    number: str
    title: str
    funder_code: str
    programme_code: str
    applied_on: dt.date
    rejected_on: dt.date | None = None
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    commitment: dt.date | None = None


@dataclass
class OutputPlan:
    """A research output (a paper or a patent), written through `outputs.services.output_record`."""

    kind: str
    title: str
    published_on: dt.date
    authors: list[str]
    author_position: int
    corresponding: bool = False
    doi: str = ""
    journal: str = ""
    issn: str = ""
    volume: str = ""
    issue: str = ""
    pages: str = ""
    number: str = ""
    patent_kind: str = ""
    granted_on: dt.date | None = None


@dataclass
class AppointmentPlan:
    postdoc_no: str
    person: PersonPlan
    station: str
    supervisor: str
    entry_date: dt.date
    planned_exit_date: dt.date
    co_supervisor: str | None = None
    route: str = Appointment.Route.INDEPENDENT
    workstation: str | None = None
    admit_exception: str = ""
    steps: list[Step] = field(default_factory=list)
    projects: list[ProjectPlan] = field(default_factory=list)
    applications: list[ApplicationPlan] = field(default_factory=list)
    outputs: list[OutputPlan] = field(default_factory=list)

    @property
    def entered(self) -> bool:
        return any(step.kind == "enter" for step in self.steps)

    @property
    def end_step(self) -> Step | None:
        return next((step for step in self.steps if step.kind in _END_STATUS), None)

    @property
    def ended_on(self) -> dt.date | None:
        end = self.end_step
        return end.on if end else None

    @property
    def status(self) -> str:
        end = self.end_step
        if end is not None:
            return _END_STATUS[end.kind]
        if not self.entered:
            return Appointment.Status.ADMITTED
        if any(step.kind == "extend" for step in self.steps):
            return Appointment.Status.EXTENDED
        return Appointment.Status.IN_STATION

    @property
    def final_planned_exit(self) -> dt.date:
        extensions = [step.data["until"] for step in self.steps if step.kind == "extend"]
        return extensions[-1] if extensions else self.planned_exit_date

    def in_station_on(self, day: dt.date) -> bool:
        if not self.entered or self.entry_date > day:
            return False
        return self.ended_on is None or self.ended_on > day


@dataclass
class DemoPlan:
    today: dt.date
    supervisors: list[SupervisorPlan]
    appointments: list[AppointmentPlan]

    @property
    def projects(self) -> list[tuple[AppointmentPlan, ProjectPlan]]:
        return [(a, p) for a in self.appointments for p in a.projects]

    def figures(self, as_of: dt.date = STORY_AS_OF, years: int = STORY_YEARS) -> dict[str, int]:
        """The headline figures the plan will produce (reports.selectors' definitions)."""
        start = add_months(as_of, -12 * years)
        recruited = [a for a in self.appointments if a.entered and start < a.entry_date <= as_of]
        return {
            "recruited": len(recruited),
            "recruited_still_in_station": sum(a.in_station_on(as_of) for a in recruited),
            "in_station": sum(a.in_station_on(as_of) for a in self.appointments),
            "projects": sum(start < p.awarded_on <= as_of for _, p in self.projects),
        }

    def digest(self) -> str:
        return records_digest(_plan_rows(self))


def _plan_rows(plan: DemoPlan) -> list[tuple[Any, ...]]:
    return [
        (
            a.postdoc_no,
            a.person.name,
            a.person.id_number,
            a.person.birth_date,
            a.supervisor,
            a.entry_date,
            a.final_planned_exit,
            a.status,
            a.ended_on,
            len(a.projects) + len(a.applications),
        )
        for a in plan.appointments
    ]


def records_digest(rows: Any) -> str:
    """A SHA-256 over the appointments' identifying facts, sorted by postdoc number."""
    digest = hashlib.sha256()
    for row in sorted(rows, key=lambda r: r[0]):
        digest.update("|".join("" if v is None else str(v) for v in row).encode())
        digest.update(b"\n")
    return digest.hexdigest()


def database_digest(institution: Institution) -> str:
    """The same digest as `DemoPlan.digest`, read back from the database."""
    appointments = (
        Appointment.objects.filter(station__institution=institution)
        .select_related("person", "primary_supervisor")
        .order_by("postdoc_no")
    )
    project_counts = Counter(Project.objects.filter(institution=institution).values_list("holder_id", flat=True))
    return records_digest(
        (
            a.postdoc_no,
            a.person.name,
            a.person.id_number,
            a.person.birth_date,
            a.primary_supervisor.staff_no,
            a.entry_date,
            a.planned_exit_date,
            a.status,
            a.ended_on,
            project_counts.get(a.pk, 0),
        )
        for a in appointments
    )


def _days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


def _month_end(year: int, month: int) -> dt.date:
    return add_months(dt.date(year, month, 1), 1) - _days(1)
