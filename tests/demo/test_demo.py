"""The demo institution tells the story with the system's own records, the same way every time.

The full load runs through the services and takes a while, so the database test loads the demo
with an earlier reference date (2024-06-01): the same plan, cut at that day, about 60 % of the
records. The plan itself is checked at the default date (and others) in memory.
"""

import csv
import datetime as dt
import importlib
import json
from io import StringIO

import pytest
from django.apps import apps as django_apps
from django.core.management import CommandError, call_command

from accounts.models import User
from appointments.models import Appointment, Assessment, Extension, Grade, PolicyException
from audit.models import AuditEvent
from catalogue.models import Discipline, Institution
from core.idnumbers import resident_id_problem
from demo.story.build import build_plan
from demo.story.plan import database_digest
from demo.story.reference import CATALOGUE_CSV, DEMO_CODE, DEMO_NAME_ZH, SEED
from funding.models import Level, Project
from ops.checks import DEMO_ACCOUNTS
from people.models import Person
from stations.models import Station

pytestmark = pytest.mark.django_db


def stats(*args: str) -> dict:
    out = StringIO()
    call_command("stats", *args, "--format", "json", stdout=out)
    return json.loads(out.getvalue())


def test_the_catalogue_ships_with_every_installation():
    rows = list(csv.DictReader(CATALOGUE_CSV.open(encoding="utf-8")))
    assert list(rows[0]) == ["code", "name_zh", "name_en", "edition", "source", "source_marker"]
    codes = {row["code"] for row in rows}
    medicine = {f"10{n:02d}" for n in range(1, 13)}
    named_in_section_4 = {"0710", "0713", "0714", "0703", "0831", "0402", "0712", "1204"}
    assert medicine | named_in_section_4 | {"0101", "0833", "1401", "1402"} <= codes
    assert all(row["source"].startswith("http") and row["name_en"] for row in rows)
    # The data migration loads it (and only adds what is missing, so running it again changes nothing;
    # running it here also covers a database that a transactional test has flushed).
    migration = importlib.import_module("catalogue.migrations.0002_load_discipline_catalogue")
    migration.load_catalogue(django_apps, None)
    count = Discipline.objects.count()
    migration.load_catalogue(django_apps, None)
    assert Discipline.objects.count() == count
    loaded = {d.code: d for d in Discipline.objects.all()}
    assert codes <= set(loaded)
    assert loaded["1012"].source_marker == "G"  # 法医学: new in 2022, unconfirmed
    assert loaded["0710"].name_zh == "生物学" and loaded["0710"].source_marker == "C"


def test_the_plan_is_deterministic_and_meets_the_story_for_any_later_today():
    plan = build_plan()
    assert plan.digest() == build_plan().digest()
    assert plan.digest() != build_plan(seed=SEED + 1).digest()
    for today in (dt.date(2024, 6, 1), dt.date(2025, 3, 3)):
        figures = build_plan(today=today).figures()  # build_plan refuses to miss the story's figures
        assert (figures["recruited"], figures["recruited_still_in_station"], figures["projects"]) == (642, 632, 1263)


def test_the_plans_people_are_plausible_and_invented():
    plan = build_plan()
    people = {a.person.key: a.person for a in plan.appointments}.values()
    assert all(
        resident_id_problem(p.id_number, p.birth_date) is None and p.id_number.startswith("50")
        for p in people
        if p.id_type == Person.IdType.RESIDENT_ID
    )
    entrants = [a for a in plan.appointments if a.entered]
    ages = [dt.date.fromordinal(a.entry_date.toordinal()).year - a.person.birth_date.year for a in entrants]
    assert sum(26 <= age <= 36 for age in ages) / len(ages) > 0.95
    assert min(a.entry_date.year for a in entrants) == 2015
    assert 150 <= len(plan.supervisors) <= 250


LOAD_TODAY = "2024-06-01"


def test_load_demo_tells_the_story_through_the_services():
    out = StringIO()
    call_command("load_demo", "--today", LOAD_TODAY, stdout=out)
    output = out.getvalue()
    assert "http://127.0.0.1:8000/" in output and "recruited 642, still in station 632" in output

    figures = stats("--as-of", "2023-11-30", "--years", "3")
    assert figures["recruited"] == 642
    assert figures["recruited_still_in_station"] == 632
    assert figures["projects"] == 1263
    assert figures["coverage"] == {"with_station": 8, "doctoral_disciplines": 8, "missing": []}
    # The day before the biology station opened, one doctoral discipline had no station.
    assert stats("--as-of", "2023-11-14")["coverage"]["missing"] == ["0710"]

    institution = Institution.objects.get(code=DEMO_CODE)
    appointments = Appointment.objects.filter(station__institution=institution)
    plan = build_plan(today=dt.date.fromisoformat(LOAD_TODAY))
    assert database_digest(institution) == plan.digest()
    assert set(appointments.values_list("status", flat=True)) == set(Appointment.Status.values)
    assert set(Project.objects.filter(institution=institution).values_list("level", flat=True)) == set(Level.values)
    assert Assessment.objects.filter(appointment__in=appointments, grade=Grade.FAIL).exists()
    assert Extension.objects.filter(appointment__in=appointments).values("appointment").distinct().count() > 50
    assert {"entry_age", "earliest_exit"} <= set(PolicyException.objects.values_list("rule", flat=True))
    assert appointments.filter(route=Appointment.Route.JOINT, co_supervisor__isnull=False).exists()
    biology = Station.objects.get(institution=institution, discipline__code="0710")
    assert biology.established_on == dt.date(2023, 11, 15) and biology.approval_no.startswith("人社部函〔2023〕")

    audited = set(
        AuditEvent.objects.filter(target_type="appointments.appointment", event="appointment.admitted").values_list(
            "target_id", flat=True
        )
    )
    assert {str(pk) for pk in appointments.values_list("pk", flat=True)} == audited
    assert not Project.objects.exclude(
        pk__in=[
            int(pk)
            for pk in AuditEvent.objects.filter(event__in=["project.recorded", "project.applied"]).values_list(
                "target_id", flat=True
            )
        ]
    ).exists()

    users = {u.username: u for u in User.objects.filter(username__in=DEMO_ACCOUNTS)}
    assert set(users) == set(DEMO_ACCOUNTS)
    assert users["admin"].is_superuser and users["admin"].check_password("admin")
    assert (
        users["postdoc"].check_password("demo")
        and users["postdoc"].person.appointments.filter(status__in=Appointment.LIVE_STATUSES).exists()
    )
    assert users["supervisor"].supervisor.primary_appointments.filter(status__in=Appointment.LIVE_STATUSES).exists()

    # Loaded once only: --if-empty does nothing, and a plain second load refuses.
    quiet = StringIO()
    call_command("load_demo", "--if-empty", stdout=quiet)
    assert quiet.getvalue().count("\n") == 1
    with pytest.raises(CommandError, match="exists already"):
        call_command("load_demo", stdout=StringIO())
    assert Institution.objects.count() == 1
    assert appointments.count() == len(plan.appointments)


def test_if_empty_does_nothing_when_an_institution_exists():
    Institution.objects.create(code="OTHER", name_zh="另一所大学")
    out = StringIO()
    call_command("load_demo", "--if-empty", stdout=out)
    assert "not loaded" in out.getvalue()
    assert not Institution.objects.filter(code=DEMO_CODE).exists()
    assert not User.objects.exists() and not AuditEvent.objects.exists()


def test_load_demo_refuses_an_existing_demo_institution_and_a_future_today():
    Institution.objects.create(code=DEMO_CODE, name_zh=DEMO_NAME_ZH)
    with pytest.raises(CommandError, match="exists already"):
        call_command("load_demo", stdout=StringIO())
    with pytest.raises(CommandError, match="real date"):
        call_command("load_demo", "--today", "2999-01-01", stdout=StringIO())
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("load_demo", "--today", "15.11.2026", stdout=StringIO())
    assert not User.objects.exists()
