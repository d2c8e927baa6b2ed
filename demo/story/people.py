"""Building the plan, first part: the planner's generator and small helpers, supervisors, entrants, panels and grades."""

import datetime as dt
import random
from collections import defaultdict
from typing import Any

from appointments.models import Grade
from core.dates import add_months, full_years_between
from core.idnumbers import resident_id_check_char
from demo.story.names import (
    EXTERNAL_EXPERTS,
    FAMILY_NAMES,
    FEMALE_GIVEN,
    FOREIGN_PEOPLE,
    MALE_GIVEN,
    PHD_INSTITUTIONS,
    REGION_CODES,
    TCM_PHD,
)
from demo.story.plan import AppointmentPlan, PersonPlan, Step, SupervisorPlan, _days, _month_end
from demo.story.reference import (
    BIOLOGY_FIRST_ENTRY,
    MONTH_WEIGHTS,
    PERIODS,
    STATION_WEIGHTS,
    STATIONS,
    SUPERVISOR_UNITS,
)
from demo.story.wording import ASSESSMENT_COMMENTS
from people.models import Person

# ---------------------------------------------------------------------------------------------
# Building the plan
# ---------------------------------------------------------------------------------------------

_G = Grade
_PASS_GRADES = [(_G.EXCELLENT, 18), (_G.GOOD, 50), (_G.PASS, 32)]
_EXIT_GRADES = [(_G.EXCELLENT, 26), (_G.GOOD, 52), (_G.PASS, 22)]


class PeoplePlanner:
    """The planner's state and its first part: supervisors, entrants, assessment panels."""

    def __init__(self, *, seed: int, today: dt.date) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
        self.today = today
        self.used_ids: set[str] = set()
        self.used_names: set[str] = set()
        self.person_keys = 0
        self.supervisors: list[SupervisorPlan] = []
        self.by_station: dict[str, list[SupervisorPlan]] = defaultdict(list)
        self.supervisor_weights: dict[str, list[float]] = {}
        self.stations = {s.code: s for s in STATIONS}

    # -- small helpers -----------------------------------------------------------------------

    def pick(self, weighted: list[tuple[Any, int]]) -> Any:
        return self.rng.choices([v for v, _ in weighted], [w for _, w in weighted])[0]

    def between(self, start: dt.date, end: dt.date) -> dt.date:
        return start + _days(self.rng.randint(0, max(0, (end - start).days)))

    def chinese_name(self, gender: str) -> tuple[str, str]:
        given = MALE_GIVEN if gender == Person.Gender.MALE else FEMALE_GIVEN
        for _attempt in range(20):
            family = self.rng.choice(FAMILY_NAMES[:30] if self.rng.random() < 0.7 else FAMILY_NAMES)
            chars = [self.rng.choice(given)]
            if self.rng.random() < 0.72:
                chars.append(self.rng.choice(given))
            name = family[0] + "".join(c[0] for c in chars)
            if chars[0][0] == (chars[1][0] if len(chars) > 1 else "") or name in self.used_names:
                continue
            self.used_names.add(name)
            latin = chars[0][1:] + "".join(c[1:].lower() for c in chars[1:])
            return name, f"{family[1:]} {latin}"
        raise RuntimeError("ran out of names")  # pragma: no cover

    def resident_id(self, birth: dt.date, gender: str) -> str:
        while True:
            region = self.rng.choice(REGION_CODES)
            serial = self.rng.randint(0, 99) * 10 + self.rng.choice(
                (1, 3, 5, 7, 9) if gender == Person.Gender.MALE else (0, 2, 4, 6, 8)
            )
            first17 = f"{region}{birth:%Y%m%d}{serial:03d}"
            number = first17 + resident_id_check_char(first17)
            if number not in self.used_ids:
                self.used_ids.add(number)
                return number

    # -- supervisors -------------------------------------------------------------------------

    def build_supervisors(self) -> None:
        serial = 0
        for station, units in SUPERVISOR_UNITS.items():
            for unit, count in units:
                for _ in range(count):
                    serial += 1
                    gender = Person.Gender.MALE if self.rng.random() < 0.72 else Person.Gender.FEMALE
                    name, name_en = self.chinese_name(gender)
                    external = unit == "E01"
                    if external:
                        title = self.pick([("研究员", 3), ("正高级工程师", 2)])
                    elif unit.startswith("H"):
                        title = self.pick([("主任医师", 70), ("教授", 20), ("副教授", 10)])
                    else:
                        title = self.pick([("教授", 60), ("研究员", 25), ("副教授", 15)])
                    staff_no = f"WB{serial:03d}" if external else f"YZ{10000 + serial * 7:05d}"
                    plan = SupervisorPlan(staff_no, name, name_en, unit, station, title, external)
                    self.supervisors.append(plan)
                    self.by_station[station].append(plan)
        for station, people in self.by_station.items():
            self.supervisor_weights[station] = [1 / (rank + 1) ** 0.8 for rank in range(len(people))]

    def supervisor_for(self, station: str, *, exclude: str | None = None) -> SupervisorPlan:
        people, weights = self.by_station[station], self.supervisor_weights[station]
        while True:
            chosen = self.rng.choices(people, weights)[0]
            if chosen.staff_no != exclude:
                return chosen

    # -- entrants ----------------------------------------------------------------------------

    def date_in(self, start: dt.date, end: dt.date) -> dt.date:
        months: list[tuple[int, int]] = []
        cursor = dt.date(start.year, start.month, 1)
        while cursor <= end:
            months.append((cursor.year, cursor.month))
            cursor = add_months(cursor, 1)
        year, month = self.rng.choices(months, [MONTH_WEIGHTS[m - 1] for _, m in months])[0]
        low = max(start, dt.date(year, month, 1))
        high = min(end, _month_end(year, month))
        return self.between(low, high)

    def entry_dates(self) -> list[dt.date]:
        dates: list[dt.date] = []
        for start, end, count in PERIODS:
            if start > self.today:
                break
            last = min(end, self.today)
            if last < end:
                count = round(count * ((last - start).days + 1) / ((end - start).days + 1))
            dates += [self.date_in(start, last) for _ in range(count)]
        return sorted(dates)

    def station_for(self, day: dt.date) -> str:
        options = [
            (code, weight)
            for code, weight in STATION_WEIGHTS.items()
            if self.stations[code].established_on < day and (code != "S0710" or day >= BIOLOGY_FIRST_ENTRY)
        ]
        return str(self.pick(options))

    def person(
        self,
        entry: dt.date,
        station: str,
        *,
        age: int | None = None,
        phd_years_ago: int | None = None,
        foreign: bool = False,
        fresh: bool | None = None,
        prior_months: int = 0,
    ) -> PersonPlan:
        rng = self.rng
        self.person_keys += 1
        gender = Person.Gender.MALE if rng.random() < 0.53 else Person.Gender.FEMALE
        if age is None:
            age = self.pick([(27, 4), (28, 9), (29, 15), (30, 18), (31, 17), (32, 14), (33, 10), (34, 7), (35, 5)])
        birth = add_months(entry, -12 * age) - _days(rng.randint(1, 360))
        assert full_years_between(birth, entry) == age
        # The PhD: mostly at a June or December graduation in the three years before entry.
        if fresh is None:
            fresh = rng.random() < 0.08
        graduations = [
            dt.date(year, month, day)
            for year in range(entry.year - 8, entry.year + 1)
            for month, day in ((6, 24), (12, 18))
        ]
        if fresh:
            phd = next(g for g in graduations if g > entry - _days(1)) if graduations[-1] > entry else None
            if phd is None or phd > entry + _days(75):
                phd, fresh = None, False
        else:
            phd = None
        if phd is None:
            if phd_years_ago is not None:
                target = add_months(entry, -12 * phd_years_ago - rng.randint(1, 8))
                phd = max(g for g in graduations if g <= target)
            else:
                recent = [g for g in graduations if add_months(entry, -34) <= g <= entry - _days(14)]
                phd = self.rng.choices(recent, [len(recent) - i + 2 for i in range(len(recent))][::-1])[0]
        institution = rng.choice(TCM_PHD) if station == "S1005" else self.pick(PHD_INSTITUTIONS)
        if foreign:
            nationality, given, family = rng.choice(FOREIGN_PEOPLE)
            first, last = rng.choice(given), rng.choice(family)
            name = name_en = f"{first} {last}"
            id_type, id_number = Person.IdType.PASSPORT, f"{last[0]}{rng.randint(1000000, 9999999)}"
            institution = self.pick(PHD_INSTITUTIONS[:8])
        else:
            nationality = "中国"
            name, name_en = self.chinese_name(gender)
            id_type, id_number = Person.IdType.RESIDENT_ID, self.resident_id(birth, gender)
        slug = name_en.lower().replace(" ", ".")
        return PersonPlan(
            key=self.person_keys,
            name=name,
            name_en=name_en,
            gender=gender,
            birth_date=birth,
            id_type=id_type,
            id_number=id_number,
            nationality=nationality,
            is_foreign=foreign,
            phd_institution=institution,
            phd_date=phd,
            prior_postdoc_months=prior_months,
            email=f"{slug}{self.person_keys}@postdoc.yzmu.example",
        )

    # -- panels and grades -------------------------------------------------------------------

    def panel(self, station: str, supervisor: str, size: int = 5, external: int = 2) -> str:
        internal = [s for s in self.by_station[station] if s.staff_no != supervisor and not s.is_external]
        chosen = self.rng.sample(internal, min(size - external, len(internal)))
        outside = []
        for _ in range(external):
            name, _latin = self.chinese_name(self.rng.choice(list(Person.Gender)))
            self.used_names.discard(name)
            outside.append(f"{name}（校外·{self.rng.choice(EXTERNAL_EXPERTS)}）")
        members = [f"{s.name}（{s.title}）" for s in chosen] + outside
        return f"组长：{members[0]}；成员：{'、'.join(members[1:])}（共{len(members)}人，校外{external}人）"

    def assessment(self, a: AppointmentPlan, kind: str, on: dt.date, *, fail: bool = False, grades: Any = None) -> Step:
        grade = _G.FAIL if fail else self.pick(grades or _PASS_GRADES)
        comments = self.rng.choice(ASSESSMENT_COMMENTS[(kind, not fail)])
        size = self.rng.choice((5, 5, 7)) if kind in ("midterm", "exit") else 5
        return Step(
            on,
            "assessment",
            {
                "kind": kind,
                "grade": grade,
                "panel": self.panel(a.station, a.supervisor, size=size, external=2 if size == 5 else 3),
                "comments": comments,
            },
        )
