"""The API's types for the catalogue: disciplines, units and doctoral rights."""

import datetime as dt
from typing import Any

from ninja import Schema

from catalogue.models import Discipline, DoctoralRight, Unit


class DisciplineOut(Schema):
    id: int
    code: str
    name_zh: str
    name_en: str
    is_active: bool


def discipline_out(d: Discipline) -> dict[str, Any]:
    return {"id": d.pk, "code": d.code, "name_zh": d.name_zh, "name_en": d.name_en, "is_active": d.is_active}


class UnitOut(Schema):
    id: int
    code: str
    name_zh: str
    name_en: str
    kind: str


def unit_out(u: Unit) -> dict[str, Any]:
    return {"id": u.pk, "code": u.code, "name_zh": u.name_zh, "name_en": u.name_en, "kind": u.kind}


class DoctoralRightOut(Schema):
    id: int
    discipline: str
    since: dt.date
    until: dt.date | None


def doctoral_right_out(r: DoctoralRight) -> dict[str, Any]:
    return {"id": r.pk, "discipline": r.discipline.code, "since": r.since, "until": r.until}
