"""Award lists around the shared world (institution U1 示例医科大学, stations S1002 临床医学 and
S0710 生物学): a few more postdocs to match, the CPSF general grant of the shipped catalogue, and
builders of the lists funders publish (.xlsx and GB 18030 .csv)."""

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import Client
from openpyxl import Workbook

from appointments.models import Appointment
from awardlists.models import AwardList
from awardlists.services import award_list_upload
from funding.models import Programme
from people.models import Person
from people.services import person_create
from stations.models import Station
from tests.factories import World, make_appointment, make_person, make_station, make_supervisor

HEADER = ["序号", "省份", "设站单位名称", "姓名", "博士后编号", "一级学科", "资助等级"]
HOST = "示例医科大学"
AWARDED_ON = dt.date(2025, 6, 30)


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Iterator[Path]:
    """Uploads go to a temporary folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    yield settings.MEDIA_ROOT


@dataclass
class Lists:
    world: World
    programme: Programme  # CPSF 面上资助, once per station
    chen: Appointment  # 陈晓东, biology (0710), BH-CXD-01
    zhang: Appointment  # 张三, clinical medicine (1002), BH-ZS-02
    john: Appointment  # John Smith (约翰·史密斯), foreign, clinical medicine, BH-JS-03
    wang: Appointment  # 王芳, applied economics (0202: a social science), BH-WF-04
    economics: Station

    @property
    def admin(self) -> Any:
        return self.world.admin


def make_lists(world: World) -> Lists:
    admin = world.admin
    institution = world.institution
    chen = make_appointment(
        world.other_station,
        world.other_supervisor,
        admin,
        person=make_person(institution, admin, name="陈晓东"),
        postdoc_no="BH-CXD-01",
    )
    zhang = make_appointment(
        world.station,
        world.supervisor,
        admin,
        person=make_person(institution, admin, name="张三"),
        postdoc_no="BH-ZS-02",
    )
    foreigner = person_create(
        institution=institution,
        name="约翰·史密斯",
        name_en="John Smith",
        gender=Person.Gender.MALE,
        birth_date=dt.date(1991, 2, 3),
        id_type=Person.IdType.PASSPORT,
        id_number="E12345678",
        nationality="美国",
        is_foreign=True,
        by=admin,
    )
    john = make_appointment(world.station, world.supervisor, admin, person=foreigner, postdoc_no="BH-JS-03")
    economics = make_station(institution, admin, code="S0202", discipline_code="0202")
    wang = make_appointment(
        economics,
        make_supervisor(economics, admin, name="钱导师"),
        admin,
        person=make_person(institution, admin, name="王芳"),
        postdoc_no="BH-WF-04",
    )
    programme = Programme.objects.get(funder__institution__isnull=True, funder__code="CPSF", code="general")
    return Lists(world, programme, chen, zhang, john, wang, economics)


@pytest.fixture
def lists(world: World) -> Lists:
    return make_lists(world)


Row = list[Any]


def row(seq: Any, name: str, number: Any = "", discipline: Any = "0710", grade: str = "一等", host: str = HOST) -> Row:
    return [seq, "重庆", host, name, number, discipline, grade]


def xlsx_bytes(
    rows: list[Row],
    header: list[str] | None = None,
    title: str | None = "中国博士后科学基金第69批面上资助获资助人员名单",
) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    if title:
        sheet.append([title])
    sheet.append(header or HEADER)
    for values in rows:
        sheet.append(values)
    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue()


def csv_bytes(rows: list[Row], header: list[str] | None = None, encoding: str = "gb18030") -> bytes:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(header or HEADER)
    for values in rows:
        writer.writerow(values)
    return text.getvalue().encode(encoding)


def upload_file(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def upload(
    lists: Lists,
    rows: list[Row],
    *,
    name: str = "第69批.xlsx",
    content: bytes | None = None,
    batch: str = "第69批",
    by: Any = None,
    awarded_on: dt.date = AWARDED_ON,
) -> AwardList:
    if content is None:
        content = xlsx_bytes(rows) if name.endswith(".xlsx") else csv_bytes(rows)
    return award_list_upload(
        institution=lists.world.institution,
        programme=lists.programme,
        batch=batch,
        awarded_on=awarded_on,
        file=upload_file(name, content),
        by=by or lists.admin,
    )


@pytest.fixture
def signed_in(client: Client, world: World) -> Callable[[str], Client]:
    def sign_in(persona: str) -> Client:
        client.force_login(world.personas()[persona])
        return client

    return sign_in
