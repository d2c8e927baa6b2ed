"""An eligible draft application around the shared world: discipline 1001 (no station yet, doctoral
rights since 2010) applied for by a new college with three doctoral supervisors, one of them
`world.supervisor`, whose postdoc (`world.appointment`) holds a provincial project."""

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from catalogue.models import Discipline, Unit
from catalogue.services import doctoral_right_grant, reference_save, unit_save
from establishment.models import Application, Round
from establishment.services import application_create, round_save
from funding.models import Level, Project
from funding.services import project_record
from people.models import Supervisor
from people.services import supervisor_save
from tests.factories import World

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def pdf(name: str = "申请书.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def today() -> dt.date:
    return timezone.localdate()


@dataclass
class Setup:
    world: World
    round: Round
    discipline: Discipline
    unit: Unit
    applicants: list[Supervisor]
    application: Application
    project: Project


def doctoral_supervisor(world: World, unit: Unit, staff_no: str, name: str) -> Supervisor:
    supervisor = supervisor_save(
        institution=world.institution, staff_no=staff_no, name=name, unit=unit, title="教授", by=world.admin
    )
    return make_doctoral(supervisor, world)


def make_doctoral(supervisor: Supervisor, world: World) -> Supervisor:
    supervisor.is_doctoral_supervisor = True
    return reference_save(instance=supervisor, by=world.admin)  # type: ignore[return-value]


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Iterator[Path]:
    """Documents go to a temporary folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.ESTABLISHMENT_DOCUMENT_MAX_MB = 20
    yield settings.MEDIA_ROOT


def make_setup(world: World) -> Setup:
    by = world.admin
    discipline = Discipline.objects.get(code="1001")
    doctoral_right_grant(institution=world.institution, discipline=discipline, since=dt.date(2010, 1, 1), by=by)
    unit = unit_save(institution=world.institution, code="C-BM", name_zh="基础医学院", kind="college", by=by)
    applicants = [
        make_doctoral(world.supervisor, world),
        doctoral_supervisor(world, unit, "T-BM1", "孙教授"),
        doctoral_supervisor(world, unit, "T-BM2", "钱教授"),
    ]
    round = round_save(
        institution=world.institution,
        year=today().year,
        notice_no="人社部函〔2023〕47号",
        internal_deadline=today(),
        by=by,
    )
    application = application_create(
        round=round,
        discipline=discipline,
        unit=unit,
        applicants=applicants,
        enrolled_phd_students=12,
        facilities="国家重点实验室一个，共享仪器平台。",
        facilities_attested=True,
        by=by,
    )
    project = project_record(
        holder=world.appointment,
        project_no="CQ-2025-001",
        title="重庆市自然科学基金",
        funder="重庆市科学技术局",
        level=Level.PROVINCIAL,
        awarded_on=dt.date(2025, 1, 10),
        by=by,
    )
    return Setup(
        world=world,
        round=round,
        discipline=discipline,
        unit=unit,
        applicants=applicants,
        application=application,
        project=project,
    )


@pytest.fixture
def setup(world: World) -> Setup:
    return make_setup(world)


def fresh(application: Application) -> Application:
    return Application.objects.get(pk=application.pk)
