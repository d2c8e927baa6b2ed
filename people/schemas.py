"""The API's types for people: supervisors and postdocs' personal details."""

import datetime as dt
from typing import Any, Literal

from ninja import Field, Schema

from accounts.access import Perm, has_perm
from core.api_schemas import Day, RequestBody, example, if_given, text
from people.models import Person, Supervisor


class SupervisorOut(Schema):
    id: int
    staff_no: str
    name: str
    name_en: str
    title: str
    station: str | None
    is_external: bool


def supervisor_out(sv: Supervisor) -> dict[str, Any]:
    return {
        "id": sv.pk,
        "staff_no": sv.staff_no,
        "name": sv.name,
        "name_en": sv.name_en,
        "title": sv.title,
        "station": sv.station.code if sv.station else None,
        "is_external": sv.is_external,
    }


IdTypeValue = Literal["resident_id", "passport", "hmt_permit", "other"]
GenderValue = Literal["male", "female"]


# Personal details -----------------------------------------------------------------------------


class PersonDetailOut(Schema):
    id: int
    name: str
    name_en: str
    gender: str
    birth_date: dt.date | None = Field(description="only for those who may see full ID numbers; else null")
    id_type: str
    masked_id: str = Field(description="the ID number, masked; the full number is never sent")
    nationality: str
    is_foreign: bool
    phd_institution: str
    phd_date: dt.date | None
    prior_postdoc_months: int
    email: str


def person_out(person: Person, user: Any) -> dict[str, Any]:
    return {
        "id": person.pk,
        "name": person.name,
        "name_en": person.name_en,
        "gender": person.gender,
        "birth_date": person.birth_date if has_perm(user, Perm.REVEAL_ID) else None,
        "id_type": person.id_type,
        "masked_id": person.masked_id,
        "nationality": person.nationality,
        "is_foreign": person.is_foreign,
        "phd_institution": person.phd_institution,
        "phd_date": person.phd_date,
        "prior_postdoc_months": person.prior_postdoc_months,
        "email": person.email,
    }


class NewPersonIn(RequestBody):
    """A person not registered yet; the same limits as the registration page."""

    name: str = text(..., max_length=100)
    name_en: str = text("", max_length=100)
    gender: GenderValue
    birth_date: Day
    id_type: IdTypeValue = "resident_id"
    id_number: str = text(..., max_length=40)
    nationality: str = text("中国", max_length=50)
    is_foreign: bool = False
    phd_institution: str = text("", max_length=200)
    phd_date: Day | None = None
    prior_postdoc_months: int = Field(0, ge=0, le=1000)
    email: str = text("", max_length=254)


class PersonUpdateIn(RequestBody):
    """Only the fields given change; `note` says why, for the audit trail."""

    model_config = example({"phd_institution": "四川大学", "note": "学位证书核对"})

    name: str = text(None, max_length=100)
    name_en: str = text(None, max_length=100)
    gender: GenderValue = if_given()
    birth_date: Day = if_given()
    nationality: str = text(None, max_length=50)
    is_foreign: bool = if_given()
    phd_institution: str = text(None, max_length=200)
    phd_date: Day | None = None
    note: str = text("", max_length=2000)


class IdCorrectionIn(RequestBody):
    model_config = example({"id_type": "passport", "id_number": "E76543210", "note": "新护照"})

    id_type: IdTypeValue
    id_number: str = text(..., max_length=40)
    note: str = text(..., max_length=2000, description="why: kept in the history")
