"""Builders for the funding tests (plain functions: the pages' tests keep their own fixtures)."""

import datetime as dt
from typing import Any

from appointments.models import Appointment
from audit.models import AuditEvent
from funding.models import Funder, FundingRules, GradeAmount, LevelRule, Programme, Project
from funding.services import project_apply, project_record
from tests.factories import World, make_appointment, make_person


def shipped(code: str) -> Funder:
    return Funder.objects.get(institution__isnull=True, code=code)


def programme(funder_code: str, code: str) -> Programme:
    return Programme.objects.get(funder__institution__isnull=True, funder__code=funder_code, code=code)


def record(world: World, number: str = "P1", holder: Appointment | None = None, **details: Any) -> Project:
    """An awarded project of the world's postdoc, recorded by the office administrator."""
    details.setdefault("title", "课题")
    details.setdefault("awarded_on", dt.date(2024, 9, 1))
    details.setdefault("by", world.admin)
    return project_record(holder=holder or world.appointment, project_no=number, **details)


def apply(world: World, number: str = "A1", holder: Appointment | None = None, **details: Any) -> Project:
    details.setdefault("title", "申请")
    details.setdefault("applied_on", dt.date(2024, 6, 1))
    details.setdefault("by", world.admin)
    return project_apply(holder=holder or world.appointment, project_no=number, **details)


def second_stay(world: World, first: Appointment, entry: dt.date) -> Appointment:
    """Another appointment of the same person at the same station (after the first ended)."""
    return make_appointment(world.station, world.supervisor, world.admin, person=first.person, entry_date=entry)


def other_postdoc(world: World, entry: dt.date = dt.date(2024, 3, 1)) -> Appointment:
    return make_appointment(
        world.station,
        world.supervisor,
        world.admin,
        person=make_person(world.institution, world.admin),
        entry_date=entry,
    )


def written() -> tuple[int, ...]:
    """What a refused write must leave as it was."""
    return (
        Project.objects.count(),
        AuditEvent.objects.count(),
        LevelRule.objects.count(),
        Funder.objects.count(),
        Programme.objects.count(),
        GradeAmount.objects.count(),
        FundingRules.objects.count(),
    )


def levels_of(*projects: Project) -> list[tuple[str, str]]:
    return [tuple(Project.objects.filter(pk=p.pk).values_list("level", "level_override").get()) for p in projects]
