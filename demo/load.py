"""The demo institution: 渝州医科大学 (Yuzhou Medical University, invented), built through the services.

It retells the story of shared/domain/facts.md §0 with invented people: eight first-level
disciplines with doctoral rights, one mobile station for each (biology's opened on 2023-11-15),
an enterprise workstation for joint training, about two hundred supervisors and some two thousand
postdocs from 2015 on, with every path through the life cycle and projects at every level.

Two stages: `build_plan` decides everything in memory from a seeded random generator and a fixed
"today" (so two loads are identical), and `load_demo` carries the plan out through the services,
so every record has its audit trail. The plan is tuned so that the figures as of 2023-11-30 over
three years are the story's: 642 recruited, 632 of them still in station, 1,263 projects.
"""

import csv
import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import Role, User
from accounts.services import role_assign, user_create
from appointments.models import Appointment
from appointments.services import (
    appointment_admit,
    appointment_enter,
    appointment_exit,
    appointment_extend,
    appointment_transfer,
    appointment_withdraw,
    assessment_record,
    phd_certificate_record,
)
from catalogue.models import Discipline, Institution, Unit
from catalogue.services import discipline_save, doctoral_right_grant, unit_save
from core.bulk import new_record, refresh_statistics
from core.errors import DomainError
from demo import reviews as demo_reviews
from demo.story.build import build_plan
from demo.story.plan import AppointmentPlan, DemoPlan, ProjectPlan
from demo.story.reference import (
    BIOLOGY,
    CATALOGUE_CSV,
    DEFAULT_TODAY,
    DEMO_CODE,
    DEMO_NAME_EN,
    DEMO_NAME_ZH,
    DOCTORAL_DISCIPLINES,
    EARLIEST_TODAY,
    SEED,
    SIGN_IN_URL,
    STATIONS,
    UNITS,
)
from demo.story.research import demo_postdoc
from funding.lookup import FunderIndex
from funding.models import Funder, Level, Programme, Project
from funding.services import (
    funder_save,
    level_rule_save,
    programme_save,
    project_apply,
    project_reject,
    projects_record,
)
from ops.checks import ADMIN_PASSWORD, DEMO_ACCOUNTS, DEMO_PASSWORD
from ops.institutions import institution_set_up
from outputs.services import output_record
from people.accounts import account_link
from people.models import Person, Supervisor
from people.services import person_create, supervisor_save
from stations.models import Station
from stations.services import station_create

# ---------------------------------------------------------------------------------------------
# Carrying the plan out through the services
# ---------------------------------------------------------------------------------------------


class DemoError(DomainError):
    """The demo cannot be loaded here (it exists already, or its user names are taken)."""


@dataclass
class DemoResult:
    institution: Institution
    admin: User
    plan: DemoPlan
    counts: dict[str, int]


def read_catalogue(path: Path = CATALOGUE_CSV) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [{key: (value or "").strip() for key, value in row.items()} for row in csv.DictReader(handle)]


def check_today(today: dt.date) -> None:
    if today < EARLIEST_TODAY:
        raise DemoError(f"The demo's today must be {EARLIEST_TODAY.isoformat()} or later: its story ends in 2023.")
    if today > timezone.localdate():
        raise DemoError("The demo's today cannot be after the real date: the services refuse future dates.")


def load_demo(
    *, today: dt.date = DEFAULT_TODAY, seed: int = SEED, progress: Callable[[str], None] | None = None
) -> DemoResult:
    """Creates the demo institution through the services, in one transaction."""
    check_today(today)
    plan = build_plan(seed=seed, today=today)
    say = progress or (lambda _message: None)
    with transaction.atomic():
        if Institution.objects.filter(code=DEMO_CODE).exists():
            raise DemoError(f"The demo institution {DEMO_NAME_ZH} ({DEMO_CODE}) exists already; nothing was changed.")
        taken = sorted(User.objects.filter(username__in=DEMO_ACCOUNTS).values_list("username", flat=True))
        if taken:
            raise DemoError(f"The demo's user names are taken: {', '.join(taken)}. Nothing was changed.")
        institution, admin = _institution_and_admin()
        funding = _own_funders(institution, admin)
        say("institution, units, stations")
        disciplines = _disciplines(admin)
        units = {
            code: unit_save(institution=institution, code=code, name_zh=zh, name_en=en, kind=kind, by=admin)
            for code, zh, en, kind in UNITS
        }
        stations = _stations(institution, admin, disciplines, units)
        # Biology's supervisors join its station once the station is approved (below).
        supervisors = {
            s.staff_no: supervisor_save(
                institution=institution,
                staff_no=s.staff_no,
                name=s.name,
                unit=units[s.unit],
                station=stations.get(s.station),
                title=s.title,
                is_external=s.is_external,
                is_doctoral_supervisor=s.title in demo_reviews.FULL_TITLES,
                name_en=s.name_en,
                by=admin,
            )
            for s in plan.supervisors
        }
        say("review forms, panel rules and the expert pool")
        rng = random.Random(demo_reviews.SEED)  # noqa: S311 - demo data, not secrets
        demo_reviews.set_up(institution, admin)
        demo_reviews.expert_pool(
            institution,
            admin,
            disciplines,
            {p.code: (p.discipline, p.unit) for p in STATIONS},
            list(supervisors.values()),
            rng,
        )
        say(f"{len(plan.appointments)} appointments")
        people: dict[int, Person] = {}
        before_biology = [a for a in plan.appointments if a.station != BIOLOGY]
        projects: list[Project] = []
        for number, a in enumerate(before_biology, start=1):
            projects += _load_appointment(a, institution, admin, stations, supervisors, people, funding)
            if number % 500 == 0:
                say(f"  {number} appointments")
        say(f"{len(projects)} projects")
        # Before the Biology application, whose checklist counts the provincial-or-higher projects.
        _record_projects(projects, admin, funding)
        say("the Biology station's application, June to November 2023")
        stations[BIOLOGY] = _biology(plan, institution, admin, disciplines, units, supervisors, rng)
        projects = []
        for a in plan.appointments:
            if a.station == BIOLOGY:
                projects += _load_appointment(a, institution, admin, stations, supervisors, people, funding)
        _record_projects(projects, admin, funding)
        say("applications kept for a year, and research outputs")
        counts = _record_research(plan, institution, admin, funding)
        demo_supervisor = _demo_accounts(plan, institution, admin, stations, supervisors, people)
        say("expert reviews of 2026")
        demo_reviews.midterm_reviews(institution, admin, demo_supervisor, today)
    counts |= {
        "supervisors": len(plan.supervisors),
        "postdocs": len(people),
        "appointments": len(plan.appointments),
        "projects": len(plan.projects),
    }
    return DemoResult(institution=institution, admin=admin, plan=plan, counts=counts)


def _institution_and_admin() -> tuple[Institution, User]:
    institution, admin = institution_set_up(
        code=DEMO_CODE,
        name_zh=DEMO_NAME_ZH,
        name_en=DEMO_NAME_EN,
        kind=Institution.Kind.UNIVERSITY,
        province="重庆",
        admin_username="admin",
        admin_password=ADMIN_PASSWORD,
        is_staff=True,
        is_superuser=True,
        first_name="管理员",
        last_name="博管办",
    )
    return institution, admin


# The demo's own funders (the shipped catalogue has neither): the university's fund, with the
# "Multiplication Project" support of the story, and the municipal TCM administration. Code, name,
# English name, kind, level, programmes (code, name).
OWN_FUNDERS: list[tuple[str, str, str, str, str, list[tuple[str, str]]]] = [
    (
        "YZMU",
        DEMO_NAME_ZH,
        DEMO_NAME_EN,
        Funder.Kind.UNIVERSITY,
        Level.UNIVERSITY,
        [
            ("startup", "博士后科研启动基金"),
            ("multiply-startup", "博士后倍增计划·科研启动资助"),
            ("multiply-excellent", "博士后倍增计划·优秀博士后专项"),
        ],
    ),
    (
        "CQ-TCM",
        "重庆市中医药管理局",
        "Chongqing Administration of Traditional Chinese Medicine",
        Funder.Kind.MUNICIPAL,
        Level.MUNICIPAL,
        [("tcm", "中医药科技项目")],
    ),
]


@dataclass
class _Funding:
    funders: dict[str, Funder]
    programmes: dict[tuple[str, str], Programme]
    index: FunderIndex


def _own_funders(institution: Institution, admin: User) -> _Funding:
    """The demo's own funders and their levels, beside the shipped catalogue and its default
    mapping (which `institution_set_up` gave the institution)."""
    for code, name_zh, name_en, kind, level, own_programmes in OWN_FUNDERS:
        funder = funder_save(institution=institution, code=code, name_zh=name_zh, name_en=name_en, kind=kind, by=admin)
        for programme_code, programme_name in own_programmes:
            programme_save(funder=funder, code=programme_code, name_zh=programme_name, by=admin)
        level_rule_save(institution=institution, funder=funder, level=level, by=admin)
    index = FunderIndex(institution.pk)
    funders = {f.code: f for f in index.funders.values()}
    programmes = {(p.funder.code, p.code): p for p in index.programmes.values()}
    return _Funding(funders, programmes, index)


def _disciplines(admin: User) -> dict[str, Discipline]:
    """The eight disciplines, from the shipped catalogue (loaded again if someone emptied it)."""
    found = {d.code: d for d in Discipline.objects.filter(code__in=DOCTORAL_DISCIPLINES)}
    for row in read_catalogue():
        if row["code"] in DOCTORAL_DISCIPLINES and row["code"] not in found:
            found[row["code"]] = discipline_save(
                code=row["code"],
                name_zh=row["name_zh"],
                name_en=row["name_en"],
                edition=row["edition"],
                source=row["source"],
                source_marker=row["source_marker"],
                by=admin,
            )
    return found


def _stations(
    institution: Institution, admin: User, disciplines: dict[str, Discipline], units: dict[str, Unit]
) -> dict[str, Station]:
    stations = {}
    for s in STATIONS:
        discipline = disciplines[s.discipline] if s.discipline else None
        if discipline is not None and s.right_since is not None:
            doctoral_right_grant(institution=institution, discipline=discipline, since=s.right_since, by=admin)
        if s.code == BIOLOGY:
            continue  # set up by its establishment application (_biology)
        stations[s.code] = station_create(
            institution=institution,
            code=s.code,
            kind=s.kind,
            unit=units[s.unit],
            name_zh=s.name_zh,
            name_en=s.name_en,
            established_on=s.established_on,
            discipline=discipline,
            approval_no=s.approval_no,
            by=admin,
        )
    return stations


def _biology(
    plan: DemoPlan,
    institution: Institution,
    admin: User,
    disciplines: dict[str, Discipline],
    units: dict[str, Unit],
    supervisors: dict[str, Supervisor],
    rng: random.Random,
) -> Station:
    """The eighth station, set up by its application (facts.md §0): the team is the doctoral
    supervisors of the College of Basic Medicine who will supervise in it; they join the station
    once it is approved."""
    biology = next(p for p in STATIONS if p.code == BIOLOGY)
    team = [s for s in plan.supervisors if s.station == BIOLOGY]
    applicants = [
        supervisors[s.staff_no] for s in team if s.unit == biology.unit and s.title in demo_reviews.FULL_TITLES
    ]
    application = demo_reviews.biology_application(
        institution,
        admin,
        disciplines[biology.discipline or ""],
        units[biology.unit],
        applicants,
        (biology.name_zh, biology.name_en),
        rng,
    )
    station = application.station
    assert station is not None
    for s in team:
        supervisor_save(
            institution=institution,
            staff_no=s.staff_no,
            name=s.name,
            unit=units[s.unit],
            station=station,
            title=s.title,
            is_external=s.is_external,
            name_en=s.name_en,
            by=admin,
        )
    return station


def _load_appointment(
    a: AppointmentPlan,
    institution: Institution,
    admin: User,
    stations: dict[str, Station],
    supervisors: dict[str, Supervisor],
    people: dict[int, Person],
    funding: "_Funding",
) -> list[Project]:
    """Admits the appointment and takes it through its steps; returns its projects, unsaved (the
    caller records them in bulk)."""
    p = a.person
    person = people.get(p.key)
    if person is None:
        person = people[p.key] = person_create(
            institution=institution,
            name=p.name,
            gender=p.gender,
            birth_date=p.birth_date,
            id_type=p.id_type,
            id_number=p.id_number,
            by=admin,
            name_en=p.name_en,
            nationality=p.nationality,
            is_foreign=p.is_foreign,
            phd_institution=p.phd_institution,
            phd_date=p.phd_date,
            prior_postdoc_months=p.prior_postdoc_months,
            email=p.email,
        )
    appointment = appointment_admit(
        person=person,
        station=stations[a.station],
        postdoc_no=a.postdoc_no,
        entry_date=a.entry_date,
        primary_supervisor=supervisors[a.supervisor],
        planned_exit_date=a.planned_exit_date,
        co_supervisor=supervisors[a.co_supervisor] if a.co_supervisor else None,
        route=a.route,
        workstation=stations[a.workstation] if a.workstation else None,
        by=admin,
        exception_reason=a.admit_exception,
    )
    for step in a.steps:
        data = step.data
        if step.kind == "enter":
            appointment = appointment_enter(
                appointment=appointment, on=step.on, by=admin, exception_reason=a.admit_exception
            )
        elif step.kind == "certificate":
            # A PhD awarded before entry is recorded by `appointment_enter` itself.
            if appointment.phd_certificate_on != step.on:
                appointment = phd_certificate_record(appointment=appointment, received_on=step.on, by=admin)
        elif step.kind == "assessment":
            assessment_record(
                appointment=appointment,
                kind=data["kind"],
                held_on=step.on,
                grade=data["grade"],
                panel=data["panel"],
                comments=data["comments"],
                by=admin,
            )
        elif step.kind == "extend":
            appointment = appointment_extend(
                appointment=appointment, until=data["until"], reason=data["reason"], by=admin
            )
        elif step.kind == "exit":
            appointment = appointment_exit(
                appointment=appointment, on=step.on, by=admin, exception_reason=data["exception"]
            )
        elif step.kind == "withdraw":
            appointment = appointment_withdraw(
                appointment=appointment, on=step.on, ground=data["ground"], note=data["note"], by=admin
            )
        elif step.kind == "transfer":
            appointment = appointment_transfer(
                appointment=appointment, on=step.on, to=data["to"], note=data["note"], by=admin
            )
        else:  # pragma: no cover
            raise ValueError(step.kind)
    appointment.station = stations[a.station]  # read by the permission check, without a query
    projects = []
    for project in a.projects:
        period_start, period_end, commitment = _period(a, project)
        projects.append(
            new_record(
                Project,
                holder=appointment,
                project_no=project.number,
                title=project.title,
                funder=project.funder,
                funder_ref=funding.funders[project.funder_code],
                programme=project.programme,
                programme_ref=funding.programmes.get((project.funder_code, project.programme_code)),
                # The mapping gives every demo project the level its plan has (a test checks that
                # none needed a level of its own); the plan's level is given so the figures hold
                # whatever the mapping says.
                level=project.level,
                awarded_on=project.awarded_on,
                amount=Decimal(project.amount),
                applied_on=project.applied_on,
                ended_on=project.ended_on,
                grade=project.grade,
                batch=project.batch,
                period_start=period_start,
                period_end=period_end,
                extension_commitment_until=commitment,
                status=project.status,
            )
        )
    return projects


def _record_projects(projects: list[Project], admin: User, funding: "_Funding") -> None:
    """The awarded projects through the bulk service the workbook import uses (the same checks,
    one audit event each), many at a time: one by one they were a fifth of the load."""
    errors = projects_record(projects=projects, by=admin, index=funding.index)
    refused = [(p.project_no, e.message) for p, e in zip(projects, errors, strict=True) if e is not None]
    if refused:
        raise DemoError(f"The plan's projects were refused: {refused[:5]}")


def _record_research(plan: DemoPlan, institution: Institution, admin: User, funding: "_Funding") -> dict[str, int]:
    """The plan's applications (through `project_apply`, then `project_reject` for those not
    funded) and research outputs (`output_record`), after every award is recorded: the
    applications' rules (once per station, the extension commitment) read them."""
    refresh_statistics(Appointment, Project, Person, Station)
    wanted = [a.postdoc_no for a in plan.appointments if a.applications or a.outputs]
    stays = {
        a.postdoc_no: a
        for a in Appointment.objects.filter(institution=institution, postdoc_no__in=wanted).select_related(
            "station", "person"
        )
    }
    applications = outputs = 0
    for a in plan.appointments:
        stay = stays.get(a.postdoc_no)
        if stay is None:
            continue
        for application in a.applications:
            project = project_apply(
                holder=stay,
                project_no=application.number,
                title=application.title,
                applied_on=application.applied_on,
                funder_ref=funding.funders[application.funder_code],
                programme_ref=funding.programmes[(application.funder_code, application.programme_code)],
                period_start=application.period_start,
                period_end=application.period_end,
                extension_commitment_until=application.commitment,
                by=admin,
            )
            if application.rejected_on is not None:
                project_reject(project=project, on=application.rejected_on, by=admin)
            applications += 1
        for output in a.outputs:
            output_record(
                appointment=stay,
                by=admin,
                kind=output.kind,
                title=output.title,
                year=output.published_on.year,
                published_on=output.published_on,
                authors="\n".join(output.authors),
                author_position=output.author_position,
                corresponding=output.corresponding,
                doi=output.doi,
                journal=output.journal,
                issn=output.issn,
                volume=output.volume,
                issue=output.issue,
                pages=output.pages,
                number=output.number,
                patent_kind=output.patent_kind,
                granted_on=output.granted_on,
            )
            outputs += 1
    return {"applications": applications, "outputs": outputs}


def _period(a: AppointmentPlan, project: ProjectPlan) -> tuple[dt.date | None, dt.date | None, dt.date | None]:
    """An NSFC grant runs for three calendar years from the January after its award; the office
    committed to extend the appointment of a postdoc whose stay would end before it (facts.md §1.3)."""
    if project.kind != "nsfc":
        return None, None, None
    year = project.awarded_on.year
    start, end = dt.date(year + 1, 1, 1), dt.date(year + project.years, 12, 31)
    return start, end, end if a.final_planned_exit < end else None


def _demo_accounts(
    plan: DemoPlan,
    institution: Institution,
    admin: User,
    stations: dict[str, Station],
    supervisors: dict[str, Supervisor],
    people: dict[int, Person],
) -> Supervisor:
    """One account per role, for trying the system: secretary, supervisor, postdoc, leadership.
    Returns the demo supervisor (who also sits on an expert panel, see demo_reviews)."""
    postdoc = demo_postdoc(plan)
    staff_no = postdoc.supervisor

    def account(username: str, role: str, station: Station | None = None, **details: Any) -> User:
        details.setdefault("email", f"{username}@demo.yzmu.example")
        user = user_create(username=username, password=DEMO_PASSWORD, institution=institution, by=admin, **details)
        role_assign(user=user, role=role, station=station, by=admin)
        return user

    account("secretary", Role.SECRETARY, stations["S1002"], first_name="流动站秘书", last_name="临床医学")
    supervisor_user = account("supervisor", Role.SUPERVISOR, first_name=supervisors[staff_no].name)
    account_link(user=supervisor_user, supervisor=supervisors[staff_no], by=admin)
    postdoc_user = account("postdoc", Role.POSTDOC, first_name=postdoc.person.name)
    account_link(user=postdoc_user, person=people[postdoc.person.key], by=admin)
    account("leadership", Role.LEADERSHIP, first_name="校领导")
    return supervisors[staff_no]


def sign_in_lines() -> list[str]:
    return [
        f"Sign in at {SIGN_IN_URL}",
        f"  admin       / {ADMIN_PASSWORD}   office administrator (博管办), also the Django admin",
        f"  secretary   / {DEMO_PASSWORD}    station secretary, clinical medicine station",
        f"  supervisor  / {DEMO_PASSWORD}    a supervisor with postdocs in station, also on an expert panel",
        f"  postdoc     / {DEMO_PASSWORD}    a postdoc in station",
        f"  leadership  / {DEMO_PASSWORD}    leadership (read-only)",
    ]
