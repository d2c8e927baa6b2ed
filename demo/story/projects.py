"""Building the plan, third part: each stay's projects, their funders and programmes, the story's 1,263, their numbers."""

import datetime as dt
import random
from typing import Any

from appointments.models import Appointment
from core.dates import add_months, full_years_between
from demo.story.plan import AppointmentPlan, ProjectPlan, _days
from demo.story.reference import DEMO_NAME_ZH, STORY_PROJECTS, STORY_WINDOW
from demo.story.stays import StayPlanner
from demo.story.wording import _DISEASES, _MOLECULES, _TEMPLATES
from funding.models import Level, Project

_CPSF_DATES = ((5, 26), (11, 20))  # when the two 面上 batches of a year were announced


def project_title(rng: random.Random, station: str) -> str:
    disease = rng.choice(_DISEASES[station])
    templates = _TEMPLATES.get(station, _TEMPLATES["bio"])
    return rng.choice(templates).format(m=rng.choice(_MOLECULES), d=disease)


def cpsf_batch(year: int, half: int) -> int:
    """面上 batch number: the 57th in 2015, two a year (the 69th in the first half of 2021)."""
    return 57 + 2 * (year - 2015) + half


class ProjectPlanner(StayPlanner):
    """The projects of each stay."""

    # -- projects ----------------------------------------------------------------------------

    def title(self, station: str) -> str:
        return project_title(self.rng, station)

    def project(self, a: AppointmentPlan, kind: str, on: dt.date) -> ProjectPlan:
        """One project of a kind, with its funder and programme as the catalogue has them (shipped,
        or the demo's own, `OWN_FUNDERS`): its level is the one the institution's mapping gives."""
        year = on.year
        title = self.title(a.station)

        def plan(
            funder: str, programme: str, level: str, amount: int, years: int, ref: str, **extra: Any
        ) -> ProjectPlan:
            funder_code, _, programme_code = ref.partition(":")
            return ProjectPlan(
                kind,
                on,
                title,
                funder,
                programme,
                level,
                amount,
                years,
                funder_code=funder_code,
                programme_code=programme_code,
                **extra,
            )

        if kind == "startup":
            if year >= 2021:
                return plan(
                    DEMO_NAME_ZH, "博士后倍增计划·科研启动资助", Level.UNIVERSITY, 50000, 2, "YZMU:multiply-startup"
                )
            return plan(DEMO_NAME_ZH, "博士后科研启动基金", Level.UNIVERSITY, 30000, 2, "YZMU:startup")
        if kind == "extra":
            return plan(
                DEMO_NAME_ZH, "博士后倍增计划·优秀博士后专项", Level.UNIVERSITY, 100000, 2, "YZMU:multiply-excellent"
            )
        if kind == "cpsf":
            half = 0 if on.month < 9 else 1
            first = self.rng.random() < 0.3
            amount = (120000 if first else 80000) if year >= 2020 else (80000 if first else 50000)
            return plan(
                "中国博士后科学基金会",
                "面上资助",
                Level.PROVINCIAL,
                amount,
                2,
                "CPSF:general",
                batch=f"第{cpsf_batch(year, half)}批",
                grade="一等" if first else "二等",
            )
        if kind == "special":
            amount = 180000 if year >= 2017 else 150000
            return plan(
                "中国博士后科学基金会",
                "特别资助（站中）",
                Level.PROVINCIAL,
                amount,
                2,
                "CPSF:special-in",
                batch=f"第{year - 2007}批",
            )
        if kind == "boxin":
            return plan("全国博士后管理委员会办公室", "博士后创新人才支持计划", Level.NATIONAL, 600000, 2, "NPMC:boxin")
        if kind == "intro":
            return plan(
                "全国博士后管理委员会办公室", "博士后国际交流计划引进项目", Level.NATIONAL, 400000, 2, "NPMC:intl-intro"
            )
        if kind == "nsfc":
            programme = "青年科学基金项目（C类）" if year >= 2025 else "青年科学基金项目"
            amount = 300000 if year >= 2019 else 200000
            return plan("国家自然科学基金委员会", programme, Level.NATIONAL, amount, 3, "NSFC:young-c")
        if kind == "cqnsf":
            return plan(
                "重庆市科学技术局",
                "重庆市自然科学基金博士后科学基金项目",
                Level.PROVINCIAL,
                100000,
                2,
                "CQ-STB:cqnsf-postdoc",
            )
        if kind == "cqspecial":
            first = self.rng.random() < 0.35
            return plan(
                "重庆市人力资源和社会保障局",
                "重庆市博士后科研项目特别资助",
                Level.PROVINCIAL,
                100000 if first else 50000,
                2,
                "CQ-HRSS:special",
                grade="一等" if first else "二等",
            )
        if kind == "stay":
            return plan(
                "重庆市人力资源和社会保障局", "博士后出站留（来）渝资助", Level.PROVINCIAL, 150000, 3, "CQ-HRSS:stay"
            )
        if kind == "health":
            return plan(
                "重庆市卫生健康委员会", "重庆市医学科研项目（青年项目）", Level.MUNICIPAL, 50000, 2, "CQ-HEALTH"
            )
        if kind == "education":
            return plan("重庆市教育委员会", "科学技术研究项目（青年项目）", Level.MUNICIPAL, 30000, 2, "CQ-EDU")
        assert kind == "tcm"
        return plan("重庆市中医药管理局", "中医药科技项目", Level.MUNICIPAL, 50000, 2, "CQ-TCM:tcm")

    def projects_for(self, a: AppointmentPlan) -> None:
        if not a.entered:
            return
        rng, entry = self.rng, a.entry_date
        until = min(a.ended_on or self.today, self.today)
        age = full_years_between(a.person.birth_date, entry)
        out: list[ProjectPlan] = []

        def yearly(month: int, day: int, *, applied_by: tuple[int, int] | None = None, lead: int = 90) -> list[dt.date]:
            dates = []
            for year in range(entry.year, until.year + 1):
                on = dt.date(year, month, day)
                ready = dt.date(year, *applied_by) if applied_by else on - _days(lead)
                if entry <= ready and on <= until:
                    dates.append(on)
            return dates

        startup = entry + _days(rng.randint(20, 110))
        if startup <= until and rng.random() < 0.86:
            out.append(self.project(a, "startup", startup))
        batches = [
            dt.date(year, month, day)
            for year in range(entry.year, entry.year + 3)
            for month, day in _CPSF_DATES
            if entry + _days(60) < dt.date(year, month, day) <= min(add_months(entry, 18), until)
        ]
        if batches and rng.random() < 0.40:
            out.append(self.project(a, "cpsf", rng.choice(batches)))
        special = [d for d in yearly(6, 28, lead=180) if d.year >= 2015]
        if special and rng.random() < 0.07:
            out.append(self.project(a, "special", rng.choice(special)))
        if age <= 31 and entry >= dt.date(2016, 6, 1) and rng.random() < 0.03:
            on = entry + _days(rng.randint(0, 20))
            if on <= until:
                out.append(self.project(a, "boxin", on))
        elif entry >= dt.date(2017, 1, 1) and rng.random() < 0.008:
            on = entry + _days(rng.randint(0, 30))
            if on <= until:
                out.append(self.project(a, "intro", on))
        nsfc = yearly(8, 25, applied_by=(3, 1))
        if nsfc and rng.random() < 0.30:
            out.append(self.project(a, "nsfc", rng.choice(nsfc)))
        cqnsf = [d for d in yearly(9, 15, applied_by=(4, 1)) if d.year >= 2021]
        if cqnsf and rng.random() < 0.25:
            out.append(self.project(a, "cqnsf", rng.choice(cqnsf)))
        cqspecial = [d for d in yearly(10, 20, applied_by=(5, 1)) if d.year <= 2020]
        if cqspecial and rng.random() < 0.25:
            out.append(self.project(a, "cqspecial", rng.choice(cqspecial)))
        if a.status == Appointment.Status.EXITED and a.ended_on and a.ended_on >= dt.date(2020, 11, 6):
            on = a.ended_on + _days(rng.randint(60, 200))
            if on <= self.today and rng.random() < 0.3:
                out.append(self.project(a, "stay", on))
        municipal = {
            "S1005": ("tcm", (5, 20), 0.30),
            "S1001": ("education", (10, 25), 0.14),
            "S1007": ("education", (10, 25), 0.14),
            "S0710": ("education", (10, 25), 0.14),
        }
        kind, (month, day), chance = municipal.get(a.station, ("health", (7, 10), 0.20))
        dates = yearly(month, day)
        if dates and rng.random() < chance:
            out.append(self.project(a, kind, rng.choice(dates)))
        a.projects = sorted(out, key=lambda p: p.awarded_on)

    def fit_projects(self, appointments: list[AppointmentPlan]) -> None:
        """Removes or adds university-level projects until the story's window holds exactly 1,263."""
        start, end = STORY_WINDOW
        in_window = [(a, p) for a in appointments for p in a.projects if start < p.awarded_on <= end]
        excess = len(in_window) - STORY_PROJECTS
        if excess > 0:
            removable = [(a, p) for a, p in in_window if p.kind in ("startup", "health", "education", "tcm")]
            for a, p in self.rng.sample(removable, excess):
                a.projects.remove(p)
        elif excess < 0:
            candidates = [
                a
                for a in appointments
                if a.entered
                and a.entry_date < end - _days(60)
                and (a.ended_on is None or a.ended_on > start + _days(60))
            ]
            for a in self.rng.sample(candidates, -excess):
                low = max(a.entry_date + _days(30), start + _days(1))
                high = min(a.ended_on or end, end)
                a.projects.append(self.project(a, "extra", self.between(low, high)))
                a.projects.sort(key=lambda p: p.awarded_on)

    def number_projects(self, appointments: list[AppointmentPlan]) -> None:
        serials: dict[tuple[str, int], int] = {}
        pairs = sorted(
            ((a, p) for a in appointments for p in a.projects), key=lambda x: (x[1].awarded_on, x[0].postdoc_no)
        )
        for a, p in pairs:
            year = p.awarded_on.year
            key = (p.kind, year)
            serials[key] = serials.get(key, self.rng.randint(20, 300)) + self.rng.randint(1, 9)
            n = serials[key]
            p.number = {
                "startup": f"YZBH{year}{n:04d}" if year >= 2021 else f"YZQD{year}{n:04d}",
                "extra": f"YZBH{year}Y{n:03d}",
                "cpsf": f"{year}M{cpsf_batch(year, 0 if p.awarded_on.month < 9 else 1)}{n:04d}",
                "special": f"{year}T{year - 2007}{n:04d}",
                "boxin": f"BX{year}{n:04d}",
                "intro": f"YJ{year}{n:04d}",
                "nsfc": f"{'3' if a.station == 'S0710' else '8'}{year % 100:02d}{n:05d}",
                "cqnsf": f"cstc{year}jcyj-bshX{n:04d}" if year <= 2022 else f"CSTB{year}NSCQ-BSHX{n:04d}",
                "cqspecial": f"Xm{year}{n:03d}",
                "stay": f"{year}LY{n:04d}",
                "health": f"{year}QNXM{n:03d}",
                "education": f"KJQN{year}00{n:03d}",
                "tcm": f"{year}ZY{n:04d}",
            }[p.kind]
            finished = add_months(p.awarded_on, 12 * p.years) <= self.today
            if finished:
                p.status = Project.Status.COMPLETED
            elif a.status == Appointment.Status.WITHDRAWN:
                p.status = Project.Status.TERMINATED
