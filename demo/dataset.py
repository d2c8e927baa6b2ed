"""A synthetic institution at scale, for performance work (`manage.py generate_dataset`).

Unlike the demo, this is a bulk loader: it writes in batches inside one transaction (the many
rows through `_RowWriter`: COPY on PostgreSQL, one prepared INSERT on SQLite; decision 65), and
records ONE audit event ("dataset.generated", with the counts) instead of one per
record. The data satisfies the database constraints and broadly the policy rules: entry ages of
26–35 (a few older ones carry a recorded policy exception), exits after 21 months at the earliest,
at most six years in station, assessments while in station, projects awarded after entry (linked
to the shipped catalogue of funders where it has them, counted at the default mapping's level).
"""

import datetime as dt
import functools
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import accumulate
from typing import Any

from django.db import connection, models, reset_queries, transaction
from django.db.models.base import ModelState
from django.utils import timezone

from accounts.models import Role, RoleAssignment, User
from appointments.models import Appointment, Assessment, Extension, Grade, PolicyException
from appointments.services import PASSED_ON_FIELDS
from audit.events import Event
from audit.services import record_event
from catalogue.models import CATEGORY_NAMES, Discipline, DoctoralRight, Institution, Unit
from core.dates import add_months
from core.errors import DomainError
from core.idnumbers import resident_id_check_char
from core.pinyin import pinyin_key
from demo.load import read_catalogue
from demo.story.names import FAMILY_NAMES, FEMALE_GIVEN, MALE_GIVEN, REGION_CODES
from funding.models import Funder, Level, LevelRule, Programme, Project
from funding.services import default_level_rules
from people.models import Person, Supervisor, person_grams
from reports.month_counts import figure_counts_rebuild
from stations.models import Station

BATCH = 5000  # appointments generated, written and dropped at a time
YEARS = 40

# (funder, programme, level, amount, weight)
PROGRAMMES: list[tuple[str, str, str, int, int]] = [
    ("中国博士后科学基金会", "面上资助 一等", Level.PROVINCIAL, 120000, 8),
    ("中国博士后科学基金会", "面上资助 二等", Level.PROVINCIAL, 80000, 18),
    ("中国博士后科学基金会", "特别资助（站中）", Level.PROVINCIAL, 180000, 4),
    ("全国博士后管理委员会办公室", "博士后创新人才支持计划", Level.NATIONAL, 600000, 1),
    ("国家自然科学基金委员会", "青年科学基金项目", Level.NATIONAL, 300000, 14),
    ("省科学技术厅", "省自然科学基金 博士后科学基金项目", Level.PROVINCIAL, 100000, 12),
    ("省人力资源和社会保障厅", "博士后出站留省资助", Level.PROVINCIAL, 150000, 6),
    ("市卫生健康委员会", "医学科研项目（青年项目）", Level.MUNICIPAL, 50000, 10),
    ("省教育厅", "科学技术研究项目（青年项目）", Level.MUNICIPAL, 30000, 7),
    ("设站单位", "博士后科研启动资助", Level.UNIVERSITY, 50000, 20),
]
_PROGRAMME_CUM = list(accumulate(p[4] for p in PROGRAMMES))
ONCE_PER_STATION = {"面上资助 一等", "面上资助 二等"}  # both grades of the one CPSF general grant
# The shipped catalogue's records of those funders and programmes (funder code, programme code): their
# level comes from the default mapping. The province's and the institution's own are not in the
# catalogue, so they carry their level as their own (`level_override`), as an import would give them.
_CATALOGUE_REFS: dict[tuple[str, str], tuple[str, str]] = {
    ("中国博士后科学基金会", "面上资助 一等"): ("CPSF", "general"),
    ("中国博士后科学基金会", "面上资助 二等"): ("CPSF", "general"),
    ("中国博士后科学基金会", "特别资助（站中）"): ("CPSF", "special-in"),
    ("全国博士后管理委员会办公室", "博士后创新人才支持计划"): ("NPMC", "boxin"),
    ("国家自然科学基金委员会", "青年科学基金项目"): ("NSFC", "young-c"),
}
_GRADES = [Grade.EXCELLENT, Grade.GOOD, Grade.PASS]
_GRADE_CUM = list(accumulate((20, 50, 30)))
_GROUNDS = [
    Appointment.WithdrawalGround.PERSONAL,
    Appointment.WithdrawalGround.FAILED_ASSESSMENT,
    Appointment.WithdrawalGround.ILLNESS,
    Appointment.WithdrawalGround.NO_EXIT_ON_EXPIRY,
    Appointment.WithdrawalGround.OTHER,
]
_GROUND_CUM = list(accumulate((50, 20, 10, 12, 8)))
_PROJECT_COUNT_CUM = list(accumulate((22, 30, 26, 16, 6)))  # 0–4 projects, about 1.5 on average
_TITLES = ["教授", "研究员", "主任医师", "副教授", "副研究员"]
_TITLE_CUM = list(accumulate((40, 25, 15, 15, 5)))
_EXCEPTION_REASON = "超龄进站，经省博士后管理办公室审批同意（生成数据）。"


class DatasetError(DomainError):
    pass


@dataclass
class DatasetResult:
    institution: Institution
    generator: User
    counts: dict[str, int]
    seconds: float


@dataclass
class _Batch:
    people: list[Person] = field(default_factory=list)
    appointments: list[Appointment] = field(default_factory=list)
    # Children refer to their appointment by its index in `appointments` until it has a key.
    assessments: list[tuple[int, Assessment]] = field(default_factory=list)
    extensions: list[tuple[int, Extension]] = field(default_factory=list)
    projects: list[tuple[int, Project]] = field(default_factory=list)
    exceptions: list[tuple[int, PolicyException]] = field(default_factory=list)


# Fields whose attribute is already what the driver takes (no conversion, no pre_save): written as they
# are. Any other field (a DateTimeField, a DecimalField, a JSONField, a subclass, a field added later)
# goes through Django's own `pre_save` and `get_db_prep_save`, as bulk_create would.
_PLAIN_FIELDS = (
    models.BigIntegerField,
    models.BooleanField,
    models.IntegerField,
    models.PositiveIntegerField,
    models.PositiveSmallIntegerField,
    models.SmallIntegerField,
    models.ForeignKey,
)
_TEXT_FIELDS = (models.CharField, models.TextField)


class _RowWriter:
    """Writes model instances as plain rows, much faster than `bulk_create` at this volume.

    `bulk_create` spends most of the generator's time preparing every value of every instance
    through the field machinery and (on PostgreSQL) packing them into arrays. Here each model's
    columns are worked out once; the keys are reserved from the table's own sequence (so the
    instances get their `pk` for the rows that point at them, and later inserts carry on after
    them); and the rows go in through COPY on PostgreSQL, through one prepared INSERT run many
    times on SQLite. No signals are sent and no `save()` runs, exactly as with `bulk_create`.
    """

    def __init__(self) -> None:
        self.vendor = connection.vendor

    def insert(self, model: type[models.Model], objects: list[Any]) -> None:
        if not objects:
            return
        meta = model._meta
        pk = meta.pk
        assert pk is not None
        fields = [f for f in meta.concrete_fields if f is not pk]
        table = connection.ops.quote_name(meta.db_table)
        names = ", ".join(connection.ops.quote_name(str(f.column)) for f in [pk, *fields])
        getters = [self._getter(f) for f in fields]
        keys = self._reserve(meta.db_table, str(pk.column), len(objects))
        rows = []
        for key, obj in zip(keys, objects, strict=True):
            obj.pk = key
            obj._state.adding, obj._state.db = False, connection.alias
            rows.append((key, *[get(obj) for get in getters]))
        with connection.cursor() as cursor:
            if self.vendor == "postgresql":
                with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * (len(fields) + 1))
                cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)  # noqa: S608 - names from the model

    def _getter(self, f: models.Field[Any, Any]) -> Callable[[Any], Any]:
        attname = f.attname
        if type(f) in _TEXT_FIELDS:

            def text(obj: Any) -> Any:
                value = getattr(obj, attname)
                return value if value is None or type(value) is str else str(value)  # a TextChoices member

            return text
        if isinstance(f, models.DateTimeField) and (f.auto_now or f.auto_now_add):
            now = f.get_db_prep_save(timezone.now(), connection)  # one moment for the whole insert
            return lambda obj: now
        if type(f) in _PLAIN_FIELDS or (type(f) is models.DateField and not (f.auto_now or f.auto_now_add)):
            return lambda obj: getattr(obj, attname)
        return lambda obj: f.get_db_prep_save(f.pre_save(obj, add=True), connection)

    def _reserve(self, table: str, column: str, count: int) -> list[int]:
        """`count` new keys for the table, taken as the database would have given them."""
        with connection.cursor() as cursor:
            if self.vendor == "postgresql":
                cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, column])
                (sequence,) = cursor.fetchone()
                cursor.execute("SELECT nextval(%s) FROM generate_series(1, %s)", [sequence, count])
                return sorted(row[0] for row in cursor.fetchall())
            # SQLite (AUTOINCREMENT): after the largest key the table has ever had. The transaction
            # holds the write lock already (the institution is written first), so no one else takes them.
            quoted_table, quoted_column = connection.ops.quote_name(table), connection.ops.quote_name(column)
            cursor.execute(f"SELECT COALESCE(MAX({quoted_column}), 0) FROM {quoted_table}")  # noqa: S608 - names from the model
            (largest,) = cursor.fetchone()
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            found = cursor.fetchone()
            start = max(largest, found[0] if found else 0) + 1
            return list(range(start, start + count))


class _Instances:
    """Model instances made without `Model.__init__`, which at this volume was a third of the
    generator's time once the writes were fast (it looks at every field of every instance, by name
    and by attribute name).

    The values are given by attribute name (`station_id`, not `station`); every field not given
    takes its default as `Model.__init__` would give it (a callable default is called for each
    instance). The instances are only ever written by `_RowWriter` and dropped (decision 65)."""

    def __init__(self, model: type[models.Model]) -> None:
        self.model = model
        fields = model._meta.concrete_fields
        self.attnames = frozenset(f.attname for f in fields)
        called = [f for f in fields if f.has_default() and callable(f.default)]
        self.fixed = {f.attname: f.get_default() for f in fields if f not in called}
        self.called = called

    def __call__(self, **values: Any) -> Any:
        unknown = values.keys() - self.attnames
        if unknown:
            raise TypeError(f"{self.model.__name__} has no field {', '.join(sorted(unknown))}.")
        obj = self.model.__new__(self.model)
        state = dict(self.fixed)
        for f in self.called:
            if f.attname not in values:
                state[f.attname] = f.get_default()
        state.update(values)
        state["_state"] = ModelState()
        obj.__dict__.update(state)
        return obj


def generate_dataset(
    *,
    postdocs: int,
    seed: int,
    code: str | None = None,
    today: dt.date | None = None,
    batch: int = BATCH,
    progress: Callable[[str], None] | None = None,
) -> DatasetResult:
    """Creates institution `code` (default GEN<seed>) with `postdocs` appointments over 40 years."""
    if postdocs < 1:
        raise DatasetError("Ask for one postdoc or more.")
    code = (code or f"GEN{seed}").strip()
    today = today or timezone.localdate()
    if Institution.objects.filter(code=code).exists():
        raise DatasetError(f"Institution {code} exists already; choose another --institution-code.")
    started = time.monotonic()
    with transaction.atomic():
        generator = _Generator(seed=seed, code=code, today=today, postdocs=postdocs)
        counts = generator.run(batch=batch, progress=progress or (lambda _line: None))
        figure_counts_rebuild(generator.institution.pk)  # the row writer bypasses the services' month counts
        record_event(
            actor=generator.user,
            event=Event.DATASET_GENERATED,
            target=generator.institution,
            after={"seed": seed, "today": today.isoformat(), **counts},
            institution=generator.institution,
            note="Bulk load (manage.py generate_dataset): one event for the whole dataset, none per record.",
        )
    if connection.vendor == "postgresql":
        # The planner's statistics, once the load is committed: until autovacuum comes round to the
        # new rows the planner takes the big tables for empty ones and picks plans for a few rows.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return DatasetResult(
        institution=generator.institution, generator=generator.user, counts=counts, seconds=time.monotonic() - started
    )


class _Generator:
    def __init__(self, *, seed: int, code: str, today: dt.date, postdocs: int) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - synthetic data, not secrets
        self.code = code
        self.today = today
        self.postdocs = postdocs
        self.first_year = today.year - YEARS + 1
        self.years = list(range(self.first_year, today.year + 1))
        # Intake grows about 11 % a year (a few hundred in the 1980s, tens of thousands now).
        self.year_weights = [1.11 ** (y - self.first_year) for y in self.years]
        self.used_ids: set[str] = set()
        self.project_serial = 0
        self.rows = _RowWriter()
        # Names repeat (90 family names, two given-name lists): their sort key is worked out once each.
        self.sort_key = functools.lru_cache(maxsize=200_000)(pinyin_key)
        self.open_workstations: dict[dt.date, list[Station]] = {}
        self.new_person, self.new_appointment = _Instances(Person), _Instances(Appointment)
        self.new_assessment, self.new_extension = _Instances(Assessment), _Instances(Extension)
        self.new_project, self.new_exception = _Instances(Project), _Instances(PolicyException)
        self.counts = {
            "stations": 0,
            "supervisors": 0,
            "persons": 0,
            "appointments": 0,
            "assessments": 0,
            "extensions": 0,
            "projects": 0,
            "policy_exceptions": 0,
            "level_rules": 0,
        }

    # -- reference data ----------------------------------------------------------------------

    def run(self, *, batch: int, progress: Callable[[str], None]) -> dict[str, int]:
        self.institution = Institution.objects.create(
            code=self.code,
            name_zh=f"生成数据集 {self.code}",
            name_en=f"Generated dataset {self.code}",
            kind=Institution.Kind.UNIVERSITY,
        )
        self.user = self._generator_user()
        self._funding()
        self._stations()
        self._supervisors()
        progress(
            f"{len(self.mobile)} mobile stations, {len(self.workstations)} workstations, "
            f"{self.counts['supervisors']} supervisors"
        )
        done = 0
        while done < self.postdocs:
            size = min(batch, self.postdocs - done)
            self._write(self._batch(done, size))
            done += size
            progress(f"{done} appointments")
        return self.counts

    def _generator_user(self) -> User:
        # A bulk loader writes no per-record audit, so the account is created directly as well; the
        # one "dataset.generated" event names it as the actor.
        username = "generator" if not User.objects.filter(username="generator").exists() else f"generator-{self.code}"
        user = User.objects.filter(username=username, institution=self.institution).first()
        if user is None:
            if User.objects.filter(username=username).exists():
                raise DatasetError(f"The user name {username} is taken.")
            user = User(username=username, institution=self.institution, is_staff=True, is_superuser=True)
            user.set_unusable_password()
            user.save()
        RoleAssignment.objects.get_or_create(user=user, role=Role.ADMIN, station=None)
        return user

    def _funding(self) -> None:
        """The default level mapping (written directly, like everything here) and, for each
        programme of PROGRAMMES, its catalogue records, or the level it carries as its own."""
        rules = default_level_rules(self.institution.pk)
        LevelRule.objects.bulk_create(rules)
        levels = {rule.funder_id: rule.level for rule in rules}
        funders = {f.code: f for f in Funder.objects.filter(institution__isnull=True)}
        programmes = {(p.funder_id, p.code): p.pk for p in Programme.objects.filter(funder__in=funders.values())}
        self.project_refs: list[tuple[int | None, int | None, str]] = []
        for funder_text, programme_text, level, _amount, _weight in PROGRAMMES:
            funder_code, programme_code = _CATALOGUE_REFS.get((funder_text, programme_text), ("", ""))
            funder = funders.get(funder_code)
            programme_id = programmes.get((funder.pk, programme_code)) if funder is not None else None
            if funder is not None and programme_id is not None and levels.get(funder.pk) == level:
                self.project_refs.append((funder.pk, programme_id, ""))
            else:  # not in the catalogue (or emptied from it): the level is the project's own
                self.project_refs.append((None, None, level))
        self.counts["level_rules"] = len(rules)

    def _stations(self) -> None:
        rng = self.rng
        disciplines = list(Discipline.objects.filter(is_active=True).order_by("code"))
        if not disciplines:  # an emptied catalogue: put the shipped one back
            Discipline.objects.bulk_create(
                Discipline(
                    code=r["code"],
                    name_zh=r["name_zh"],
                    name_en=r["name_en"],
                    edition=r["edition"],
                    source=r["source"],
                    source_marker=r["source_marker"] or "L",
                )
                for r in read_catalogue()
            )
            disciplines = list(Discipline.objects.filter(is_active=True).order_by("code"))
        disciplines = [d for d in disciplines if not d.is_professional]
        categories = sorted({d.category for d in disciplines})
        colleges = Unit.objects.bulk_create(
            Unit(
                institution=self.institution,
                code=f"C{category}",
                name_zh=f"{CATEGORY_NAMES[category][1] if category in CATEGORY_NAMES else category}学院",
                name_en=f"College {category}",
                kind=Unit.Kind.COLLEGE,
            )
            for category in categories
        )
        college = {u.code[1:]: u for u in colleges}
        hospitals = Unit.objects.bulk_create(
            Unit(
                institution=self.institution,
                code=f"H{n:02d}",
                name_zh=f"附属第{n}医院",
                name_en=f"Affiliated Hospital {n}",
                kind=Unit.Kind.HOSPITAL,
            )
            for n in range(1, 5)
        )
        n_workstations = max(2, self.postdocs // 2000)
        enterprises = Unit.objects.bulk_create(
            Unit(
                institution=self.institution,
                code=f"E{n:03d}",
                name_zh=f"合作企业{n}",
                name_en=f"Partner enterprise {n}",
                kind=Unit.Kind.ENTERPRISE,
            )
            for n in range(1, n_workstations + 1)
        )
        established: dict[str, dt.date] = {}
        for d in disciplines:
            early = d.category in ("07", "10")
            year = rng.randint(self.first_year - 1, self.first_year + (8 if early else 25))
            established[d.code] = dt.date(year, rng.randint(1, 12), rng.randint(1, 28))
        DoctoralRight.objects.bulk_create(
            DoctoralRight(institution=self.institution, discipline=d, since=add_months(established[d.code], -24))
            for d in disciplines
        )
        self.mobile = Station.objects.bulk_create(
            Station(
                institution=self.institution,
                code=f"S{d.code}",
                kind=Station.Kind.MOBILE,
                discipline=d,
                unit=rng.choice(hospitals) if d.category == "10" and rng.random() < 0.3 else college[d.category],
                name_zh=f"{d.name_zh}博士后科研流动站",
                name_en=f"Postdoctoral Research Station of {d.name_en}" if d.name_en else "",
                established_on=established[d.code],
            )
            for d in disciplines
        )
        self.workstations = Station.objects.bulk_create(
            Station(
                institution=self.institution,
                code=f"W{n:03d}",
                kind=Station.Kind.WORKSTATION,
                unit=unit,
                name_zh=f"{unit.name_zh}博士后科研工作站",
                established_on=dt.date(rng.randint(self.first_year + 10, self.today.year - 1), 6, 1),
            )
            for n, unit in enumerate(enterprises, start=1)
        )
        self.counts["stations"] = len(self.mobile) + len(self.workstations)
        # Medicine and the sciences recruit most.
        weights = [
            rng.lognormvariate(0, 0.8) * (3 if s.discipline and s.discipline.category in ("07", "10") else 1)
            for s in self.mobile
        ]
        self.station_cum = list(accumulate(weights))
        self.station_years = {s.pk: self._years_from(s.established_on.year + 1) for s in self.mobile}

    def _years_from(self, year: int) -> tuple[list[int], list[float]]:
        start = max(0, min(len(self.years) - 1, year - self.first_year))
        return self.years[start:], list(accumulate(self.year_weights[start:]))

    def _supervisors(self) -> None:
        rng = self.rng
        total = max(len(self.mobile), self.postdocs // 5)
        people = []
        for n in range(total):
            station = self.mobile[n] if n < len(self.mobile) else self._pick_station()
            people.append(
                Supervisor(
                    institution=self.institution,
                    staff_no=f"T{n + 1:06d}",
                    name=self._name(Person.Gender.MALE if rng.random() < 0.7 else Person.Gender.FEMALE),
                    unit=station.unit,
                    station=station,
                    title=rng.choices(_TITLES, cum_weights=_TITLE_CUM)[0],
                )
            )
        for n, workstation in enumerate(self.workstations):
            people.append(
                Supervisor(
                    institution=self.institution,
                    staff_no=f"W{n + 1:05d}",
                    name=self._name(Person.Gender.MALE),
                    unit=workstation.unit,
                    station=workstation,
                    title="研究员",
                    is_external=True,
                )
            )
        for supervisor in people:
            supervisor.name_sort = self.sort_key(supervisor.name)  # the row writer bypasses Supervisor.save
        self.rows.insert(Supervisor, people)
        created = people
        self.by_station: dict[int, list[Supervisor]] = {}
        for supervisor in created:
            assert supervisor.station_id is not None
            self.by_station.setdefault(supervisor.station_id, []).append(supervisor)
        self.counts["supervisors"] = len(created)

    # -- people and appointments -------------------------------------------------------------

    def _pick_station(self) -> Station:
        return self.rng.choices(self.mobile, cum_weights=self.station_cum)[0]

    def _name(self, gender: str) -> str:
        rng = self.rng
        given = MALE_GIVEN if gender == Person.Gender.MALE else FEMALE_GIVEN
        name = rng.choice(FAMILY_NAMES)[0] + rng.choice(given)[0]
        return name + rng.choice(given)[0] if rng.random() < 0.72 else name

    def _resident_id(self, birth: dt.date, gender: str) -> str:
        rng = self.rng
        odd = gender == Person.Gender.MALE
        while True:
            serial = rng.randint(0, 99) * 10 + rng.randrange(1 if odd else 0, 10, 2)
            first17 = f"{rng.choice(REGION_CODES)}{birth:%Y%m%d}{serial:03d}"
            number = first17 + resident_id_check_char(first17)
            if number not in self.used_ids:
                self.used_ids.add(number)
                return number

    def _batch(self, offset: int, size: int) -> _Batch:
        rng, today, by = self.rng, self.today, self.user
        out = _Batch()
        for i in range(offset, offset + size):
            station = self._pick_station()
            years, cum = self.station_years[station.pk]
            if rng.random() < 0.01:  # admitted, entering within four months
                entry = today + dt.timedelta(days=rng.randint(1, 120))
            else:
                year = rng.choices(years, cum_weights=cum)[0]
                start = max(dt.date(year, 1, 1), station.established_on + dt.timedelta(days=1))
                end = min(dt.date(year, 12, 31), today)
                entry = start + dt.timedelta(days=rng.randint(0, max(0, (end - start).days)))
            over_age = rng.random() < 0.01
            age = rng.randint(36, 40) if over_age else rng.choices(range(26, 36), cum_weights=_AGE_CUM)[0]
            gender = Person.Gender.MALE if rng.random() < 0.55 else Person.Gender.FEMALE
            birth = add_months(entry, -12 * age) - dt.timedelta(days=rng.randint(1, 360))
            phd = entry - dt.timedelta(days=rng.randint(14, 900))
            person = self.new_person(
                institution_id=self.institution.pk,
                name=self._name(gender),
                gender=gender,
                birth_date=birth,
                id_type=Person.IdType.RESIDENT_ID,
                id_number=self._resident_id(birth, gender),
                phd_date=phd,
                phd_institution="",
            )
            out.people.append(person)
            supervisors = self.by_station[station.pk]
            primary = supervisors[min(len(supervisors) - 1, int(rng.paretovariate(1.2)) - 1)]
            appointment = self.new_appointment(
                institution_id=self.institution.pk,
                station_id=station.pk,
                postdoc_no=f"{self.code}-{i + 1:07d}",
                primary_supervisor_id=primary.pk,
                entry_date=entry,
                created_by_id=by.pk,
            )
            # Joint training only with a workstation established by the entry (docs/decisions/0018).
            open_workstations = self.open_workstations.get(entry)
            if open_workstations is None:
                open_workstations = [w for w in self.workstations if w.established_on <= entry]
                self.open_workstations[entry] = open_workstations
            if open_workstations and rng.random() < 0.05:
                workstation = rng.choice(open_workstations)
                appointment.route, appointment.workstation_id = Appointment.Route.JOINT, workstation.pk
                appointment.co_supervisor_id = self.by_station[workstation.pk][0].pk
            index = len(out.appointments)
            out.appointments.append(appointment)
            if over_age:
                out.exceptions.append(
                    (
                        index,
                        self.new_exception(
                            rule="entry_age",
                            message=f"进站年龄{age}岁，超过35岁。",
                            reason=_EXCEPTION_REASON,
                            granted_by_id=by.pk,
                        ),
                    )
                )
            self._life(out, index, appointment)
        return out

    def _life(self, out: _Batch, index: int, a: Appointment) -> None:
        rng, today, by = self.rng, self.today, self.user
        entry = a.entry_date
        planned = add_months(entry, 36 if rng.random() < 0.3 else 24)
        a.planned_exit_date = planned
        if entry > today:
            a.status = Appointment.Status.ADMITTED
            return
        a.phd_certificate_on = entry
        roll = rng.random()
        path = "withdraw" if roll < 0.04 else "transfer" if roll < 0.06 else "exit"
        final = planned
        extensions: list[tuple[dt.date, dt.date, dt.date]] = []  # recorded on, previous, new
        if path == "exit":
            roll = rng.random()
            for _ in range(2 if roll < 0.05 else 1 if roll < 0.23 else 0):
                new = add_months(final, 12)
                extensions.append((final - dt.timedelta(days=rng.randint(15, 75)), final, new))
                final = new
            end = final + dt.timedelta(days=rng.randint(-20, 10))
        elif path == "transfer":
            end = entry + dt.timedelta(days=rng.randint(180, 600))
        else:
            end = entry + dt.timedelta(days=rng.randint(90, (planned - entry).days - 30))
        ground = rng.choices(_GROUNDS, cum_weights=_GROUND_CUM)[0] if path == "withdraw" else ""
        last = min(end, today)
        for recorded, previous, new in extensions:
            if recorded <= today and recorded < end:
                out.extensions.append(
                    (
                        index,
                        self.new_extension(
                            previous_exit_date=previous,
                            new_exit_date=new,
                            reason="研究课题需延续（生成数据）。",
                            recorded_by_id=by.pk,
                        ),
                    )
                )
                a.planned_exit_date = new
        if end <= today:
            a.status = {
                "exit": Appointment.Status.EXITED,
                "withdraw": Appointment.Status.WITHDRAWN,
                "transfer": Appointment.Status.TRANSFERRED,
            }[path]
            a.ended_on = end
            a.withdrawal_ground = ground
            a.transferred_to = "另一设站单位博士后科研流动站" if path == "transfer" else ""
        else:
            extended = a.planned_exit_date != planned
            a.status = Appointment.Status.EXTENDED if extended else Appointment.Status.IN_STATION

        def assess(kind: str, on: dt.date, grade: str | None = None) -> None:
            if on < last or (kind == Assessment.Kind.EXIT and on <= last):
                grade = grade or rng.choices(_GRADES, cum_weights=_GRADE_CUM)[0]
                out.assessments.append(
                    (
                        index,
                        self.new_assessment(
                            kind=kind, held_on=on, grade=grade, panel="", comments="", recorded_by_id=by.pk
                        ),
                    )
                )
                # What `assessment_record` keeps on the appointment: the first passed one of a kind.
                passed_on = PASSED_ON_FIELDS.get(kind)
                if passed_on and grade != Grade.FAIL and getattr(a, passed_on) is None:
                    setattr(a, passed_on, on)

        assess(Assessment.Kind.PROPOSAL, entry + dt.timedelta(days=rng.randint(30, 85)))
        failed = ground == Appointment.WithdrawalGround.FAILED_ASSESSMENT
        midterm = (
            end - dt.timedelta(days=30) if failed else add_months(entry, 12) + dt.timedelta(days=rng.randint(0, 75))
        )
        assess(Assessment.Kind.MIDTERM, max(entry, midterm), Grade.FAIL if failed else None)
        if path == "exit" and end <= today:
            assess(Assessment.Kind.EXIT, end - dt.timedelta(days=rng.randint(10, 45)))

        span = (last - entry).days
        if span > 30:
            once: set[str] = set()
            for _ in range(_project_count(rng)):
                which = rng.choices(range(len(PROGRAMMES)), cum_weights=_PROGRAMME_CUM)[0]
                if PROGRAMMES[which][1] in ONCE_PER_STATION:
                    # The CPSF general grant is awarded once per station (facts.md §3): a second draw
                    # becomes the institution's own start-up grant (without another draw, so the rest
                    # of the data is what the seed always gave).
                    if once & ONCE_PER_STATION:
                        which = len(PROGRAMMES) - 1
                    once.add(PROGRAMMES[which][1])
                funder, programme, level, amount, _weight = PROGRAMMES[which]
                funder_id, programme_id, own_level = self.project_refs[which]
                self.project_serial += 1
                awarded = entry + dt.timedelta(days=rng.randint(30, span))
                out.projects.append(
                    (
                        index,
                        self.new_project(
                            institution_id=self.institution.pk,
                            project_no=f"{self.code}-P{self.project_serial:08d}",
                            title=f"博士后科研项目 {self.project_serial}",
                            funder=funder,
                            programme=programme,
                            funder_ref_id=funder_id,
                            programme_ref_id=programme_id,
                            level=level,
                            level_override=own_level,
                            amount=Decimal(amount),
                            awarded_on=awarded,
                            status=Project.Status.COMPLETED
                            if add_months(awarded, 24) <= today
                            else Project.Status.AWARDED,
                        ),
                    )
                )

    def _write(self, batch: _Batch) -> None:
        for person in batch.people:
            # The row writer bypasses Person.save: the pinyin key (cached per name) and the search grams.
            person.name_sort = self.sort_key(person.name)
            person.name_grams = person_grams(person)
        self.rows.insert(Person, batch.people)
        people = batch.people
        for person, appointment in zip(people, batch.appointments, strict=True):
            appointment.person_id = person.pk
        self.rows.insert(Appointment, batch.appointments)
        appointments = batch.appointments

        def attach(rows: list[tuple[int, Any]], attribute: str) -> list[Any]:
            for index, row in rows:
                setattr(row, attribute, appointments[index].pk)
            return [row for _index, row in rows]

        self.rows.insert(Assessment, attach(batch.assessments, "appointment_id"))
        self.rows.insert(Extension, attach(batch.extensions, "appointment_id"))
        self.rows.insert(Project, attach(batch.projects, "holder_id"))
        self.rows.insert(PolicyException, attach(batch.exceptions, "appointment_id"))
        reset_queries()  # with DEBUG on, the query log would keep every batch's SQL
        self.counts["persons"] += len(people)
        self.counts["appointments"] += len(appointments)
        self.counts["assessments"] += len(batch.assessments)
        self.counts["extensions"] += len(batch.extensions)
        self.counts["projects"] += len(batch.projects)
        self.counts["policy_exceptions"] += len(batch.exceptions)


_AGE_CUM = list(accumulate((2, 5, 9, 14, 17, 16, 13, 10, 8, 6)))  # ages 26–35


def _project_count(rng: random.Random) -> int:
    return rng.choices(range(5), cum_weights=_PROJECT_COUNT_CUM)[0]
