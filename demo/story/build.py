"""Building the whole plan: `build_plan`, from the entrants to their projects, checked against the story's figures."""

import datetime as dt
import random
from collections import Counter

from appointments.models import Appointment
from core.dates import add_months, full_months_between, full_years_between
from demo.story.plan import _END_STATUS, _STEP_ORDER, AppointmentPlan, DemoPlan, PersonPlan, Step, _days
from demo.story.projects import ProjectPlanner
from demo.story.reference import (
    ADMITTED_NOT_ENTERED,
    BIOLOGY_FIRST_ENTRY,
    DEFAULT_TODAY,
    JOINT_STATIONS,
    SEED,
    STORY_PROJECTS,
    STORY_RECRUITED,
    STORY_STILL_IN_STATION,
    STORY_WINDOW,
)
from demo.story.research import plan_research
from demo.story.wording import AGE_EXCEPTION, EARLY_EXIT_EXCEPTION, PHD_YEARS_EXCEPTION, SECOND_STATION_EXCEPTION


class _Builder(ProjectPlanner):
    """The whole plan, built in one pass from a seeded generator."""

    # -- the whole plan ----------------------------------------------------------------------

    def build(self) -> DemoPlan:
        rng = self.rng
        self.build_supervisors()
        dates = self.entry_dates()
        start, end = STORY_WINDOW
        window = [i for i, d in enumerate(dates) if start < d <= end]
        designated: dict[int, str] = {}
        for kind, low, high in [
            ("exit_normal", dt.date(2020, 12, 1), dt.date(2021, 3, 31)),
            ("exit_normal", dt.date(2020, 12, 1), dt.date(2021, 3, 31)),
            ("exit_normal", dt.date(2020, 12, 1), dt.date(2021, 3, 31)),
            ("exit_foreign", dt.date(2021, 9, 1), dt.date(2022, 6, 30)),
            ("exit_early", dt.date(2021, 6, 1), dt.date(2021, 12, 31)),
            ("withdraw_midterm", dt.date(2022, 1, 1), dt.date(2022, 6, 30)),
            ("withdraw_no_certificate", dt.date(2022, 7, 1), dt.date(2023, 1, 31)),
            ("withdraw_personal", dt.date(2022, 10, 1), dt.date(2023, 4, 30)),
            ("transfer", dt.date(2021, 3, 1), dt.date(2022, 10, 31)),
            ("transfer", dt.date(2021, 3, 1), dt.date(2022, 10, 31)),
        ]:
            candidates = [i for i in window if low <= dates[i] <= high and i not in designated]
            designated[rng.choice(candidates)] = kind
        others = [i for i in range(len(dates)) if i not in designated]
        age_exceptions = set(rng.sample(others, 7))
        phd_exceptions = set(rng.sample([i for i in others if i not in age_exceptions], 4))
        foreign = set(rng.sample([i for i in others if dates[i] >= dt.date(2017, 1, 1)], 4))

        appointments: list[AppointmentPlan] = []
        for i, entry in enumerate(dates):
            kind = designated.get(i, "")
            station = self.station_for(entry)
            exception = ""
            if i in age_exceptions:
                station = "S1002"
                person = self.person(entry, station, age=rng.choice((36, 36, 37, 38)))
                exception = AGE_EXCEPTION
            elif i in phd_exceptions:
                station = "S1002"
                person = self.person(entry, station, age=rng.choice((33, 34, 35)), phd_years_ago=rng.choice((4, 5)))
                exception = PHD_YEARS_EXCEPTION
            elif kind == "withdraw_no_certificate":
                person = self.person(entry, station, fresh=True)
            else:
                prior = rng.choice((12, 18, 24)) if rng.random() < 0.01 else 0
                person = self.person(
                    entry,
                    station,
                    foreign=(i in foreign or kind == "exit_foreign"),
                    prior_months=prior,
                    age=rng.choice((33, 34, 35)) if prior else None,
                )
            appointments.append(self.appointment(entry, station, person, exception=exception))
            a = appointments[-1]
            min_end = end + _days(1) if start < entry <= end and not kind else None
            if kind == "exit_normal":
                a.planned_exit_date = add_months(entry, 24)
                self.life(a, "exit")
            elif kind == "exit_foreign":
                self.life(a, "exit", end_on=add_months(entry, 12) + _days(rng.randint(5, 60)))
            elif kind == "exit_early":
                early = add_months(entry, 18) + _days(rng.randint(0, 40))
                self.life(a, "exit", exit_exception=EARLY_EXIT_EXCEPTION, end_on=early)
            elif kind == "withdraw_midterm":
                self.life(a, "withdraw", ground=Appointment.WithdrawalGround.FAILED_ASSESSMENT)
            elif kind == "withdraw_no_certificate":
                self.life(a, "withdraw", ground=Appointment.WithdrawalGround.NO_PHD_CERTIFICATE)
            elif kind == "withdraw_personal":
                personal = entry + _days(rng.randint(90, 200))
                self.life(a, "withdraw", ground=Appointment.WithdrawalGround.PERSONAL, end_on=personal)
            elif kind == "transfer":
                self.life(a, "transfer", end_on=entry + _days(rng.randint(240, 390)))
            else:
                self.random_path(a, min_end=min_end)
            self.check_total(a)

        appointments += self.second_stations(appointments)
        appointments += self.admitted_not_entered()
        appointments.sort(key=lambda a: (a.entry_date, a.station, a.person.key))
        self.number_appointments(appointments)
        for a in appointments:
            self.projects_for(a)
        self.fit_projects(appointments)
        self.number_projects(appointments)
        return DemoPlan(today=self.today, supervisors=self.supervisors, appointments=appointments)

    def appointment(
        self, entry: dt.date, station: str, person: PersonPlan, *, exception: str = "", months: int | None = None
    ) -> AppointmentPlan:
        rng = self.rng
        supervisor = self.supervisor_for(station)
        a = AppointmentPlan(
            postdoc_no="",
            person=person,
            station=station,
            supervisor=supervisor.staff_no,
            entry_date=entry,
            planned_exit_date=add_months(entry, months or (36 if rng.random() < 0.3 else 24)),
            admit_exception=exception,
        )
        if station in JOINT_STATIONS and entry > self.stations["W001"].established_on and rng.random() < 0.14:
            a.route, a.workstation = Appointment.Route.JOINT, "W001"
            a.co_supervisor = self.supervisor_for("W001").staff_no
        elif rng.random() < 0.1:
            a.co_supervisor = self.supervisor_for(station, exclude=supervisor.staff_no).staff_no
        return a

    def check_total(self, a: AppointmentPlan) -> None:
        """Keeps the total time within six years across stations by dropping late extensions."""
        while True:
            end = a.ended_on or a.final_planned_exit
            total = a.person.prior_postdoc_months + full_months_between(a.entry_date, end) + 1
            extensions = [s for s in a.steps if s.kind == "extend"]
            if total <= 70 or not extensions:
                return
            a.steps.remove(extensions[-1])

    def second_stations(self, appointments: list[AppointmentPlan]) -> list[AppointmentPlan]:
        """A few postdocs who exit and start a second station here (6 years in total at most)."""
        candidates = [
            a
            for a in appointments
            if a.status == Appointment.Status.EXITED
            and a.ended_on
            and not a.person.is_foreign
            and dt.date(2023, 12, 1) <= a.ended_on <= min(dt.date(2025, 6, 30), self.today - _days(120))
            and full_years_between(a.person.birth_date, a.ended_on) <= 34
            and a.station in ("S1001", "S1002")
            and a.person.prior_postdoc_months == 0
        ]
        second = []
        for first in self.rng.sample(candidates, min(3, len(candidates))):
            assert first.ended_on is not None
            entry = first.ended_on + _days(self.rng.randint(30, 90))
            station = "S0710" if entry >= BIOLOGY_FIRST_ENTRY else "S1004"
            a = self.appointment(entry, station, first.person, months=24)
            phd = first.person.phd_date
            if phd and add_months(phd, 36) < entry:
                a.admit_exception = SECOND_STATION_EXCEPTION
            self.life(a, "exit")
            a.steps = [s for s in a.steps if s.kind != "certificate"] + [Step(entry, "certificate")]
            a.steps.sort(key=lambda s: (s.on, _STEP_ORDER[s.kind]))
            self.check_total(a)
            second.append(a)
        return second

    def admitted_not_entered(self) -> list[AppointmentPlan]:
        out = []
        for _ in range(ADMITTED_NOT_ENTERED):
            entry = self.today + _days(self.rng.randint(16, 120))
            station = self.station_for(entry)
            out.append(self.appointment(entry, station, self.person(entry, station)))
        return out

    def number_appointments(self, appointments: list[AppointmentPlan]) -> None:
        serials: Counter[tuple[int, str]] = Counter()
        for a in appointments:
            discipline = self.stations[a.station].discipline or "0000"
            serials[(a.entry_date.year, discipline)] += 1
            a.postdoc_no = f"{a.entry_date.year}{discipline}{serials[(a.entry_date.year, discipline)]:03d}"


def _check_steps(a: AppointmentPlan) -> None:
    """The order the services require: entry first, assessments and extensions while in station, one end last."""
    kinds = [step.kind for step in a.steps]
    ends = [i for i, kind in enumerate(kinds) if kind in _END_STATUS]
    problems = []
    if kinds and kinds[0] != "enter":
        problems.append("does not start with the entry")
    if len(ends) > 1 or (ends and ends[0] != len(kinds) - 1):
        problems.append("has steps after its end")
    if any(step.on < a.entry_date for step in a.steps):
        problems.append("has steps before its entry")
    if any(step.on > b.on for step, b in zip(a.steps, a.steps[1:], strict=False)):
        problems.append("is out of order")
    if problems:  # pragma: no cover - a bug in the builder
        raise RuntimeError(f"Appointment {a.postdoc_no} {', '.join(problems)}: {[(s.on, s.kind) for s in a.steps]}")


def build_plan(*, seed: int = SEED, today: dt.date = DEFAULT_TODAY) -> DemoPlan:
    """Everything the demo will contain, decided in memory (no database access)."""
    plan = _Builder(seed=seed, today=today).build()
    for appointment in plan.appointments:
        _check_steps(appointment)
    figures = plan.figures()
    expected = {
        "recruited": STORY_RECRUITED,
        "recruited_still_in_station": STORY_STILL_IN_STATION,
        "projects": STORY_PROJECTS,
    }
    wrong = {k: (figures[k], v) for k, v in expected.items() if figures[k] != v}
    if wrong:  # pragma: no cover - a bug in the builder, not in the data
        raise RuntimeError(f"The demo plan misses the story's figures (got, wanted): {wrong}")
    # With a generator of its own, so the appointments and projects above stay as they were.
    plan_research(plan, random.Random(f"{seed}-research"))  # noqa: S311 - demo data, not secrets
    return plan
