"""Request and response types of the API; the OpenAPI document is generated from them."""

import datetime as dt
import re
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import BaseModel, BeforeValidator, ConfigDict
from pydantic_core import PydanticCustomError

from appointments.models import Appointment, Assessment
from audit.models import AuditEvent
from catalogue.models import Discipline, DoctoralRight, Unit
from funding.models import Project
from people.models import Supervisor
from stations.models import Station

MAX_LIMIT = 200
DEFAULT_LIMIT = 50
MAX_OFFSET = 1_000_000_000  # beyond any list; an unbounded one overflows the database's integer

# A date in a request is written YYYY-MM-DD with a year from 1900 to 2299. Pydantic alone would also take
# 0 as 1970-01-01, and years as early as 1, from which the figures' window of N years back cannot be
# counted (a 500).
DAY_PATTERN = r"^(19|2[0-2])[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"


def _written_as_a_day(value: Any) -> Any:
    if isinstance(value, dt.date) or (isinstance(value, str) and re.fullmatch(DAY_PATTERN, value)):
        return value
    raise PydanticCustomError("day_format", "Input should be a date written YYYY-MM-DD, year 1900 to 2299")


Day = Annotated[dt.date, BeforeValidator(_written_as_a_day), Field(json_schema_extra={"pattern": DAY_PATTERN})]

# PostgreSQL refuses NUL characters in text, so a request's text that holds one is refused here (a 422)
# rather than by the database (a 500, and only on PostgreSQL). Lone surrogates pydantic refuses itself.
NO_NUL_PATTERN = r"^[^\x00]*$"


def text(default: Any, *, max_length: int, description: str | None = None) -> Any:
    """A text field of a request: bounded, free of NUL, and documented as such in the OpenAPI document."""
    return Field(default, max_length=max_length, pattern=NO_NUL_PATTERN, description=description)


StatusValue = Literal["admitted", "in_station", "extended", "exited", "withdrawn", "transferred"]
KindValue = Literal["proposal", "midterm", "annual", "exit"]
GradeValue = Literal["excellent", "good", "pass", "fail"]
GroundValue = Literal[
    "no_phd_certificate",
    "false_materials",
    "failed_assessment",
    "misconduct",
    "criminal_penalty",
    "discipline",
    "illness",
    "overstay_abroad",
    "no_exit_on_expiry",
    "over_six_years",
    "personal",
    "other",
]


class Paging(Schema):
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


class Page[T](BaseModel):
    count: int
    items: list[T]


# Errors: every answer other than a success is JSON with a `message` a person can read ---------------


class MessageOut(Schema):
    """No valid token (401), not allowed (403), or outside your scope or missing (404)."""

    message: str


class FieldErrorOut(Schema):
    field: str = Field(description="the parameter or body field, dotted; empty for the request as a whole")
    message: str
    loc: list[str | int] = Field(description="where the error is: the part of the request, then the field path")


class InvalidRequestOut(Schema):
    """A parameter or body field does not fit its type (422); nothing ran."""

    message: str
    errors: list[FieldErrorOut]


class ViolationOut(Schema):
    rule: str
    message: str
    overridable: bool = Field(description="an office administrator may record an exception to it")
    field: str | None


class RefusalOut(Schema):
    """The change was refused (400): a rule of the office, or a body that is not JSON. Nothing was written."""

    message: str
    field: str | None = None
    violations: list[ViolationOut] = Field(default_factory=list)


# What an operation may answer besides its success. Declared on each, so that the OpenAPI document lists
# every response a client can get and schema checks (tests/api/test_schema_conformance.py) hold for errors.
READ_ERRORS: dict[int, Any] = {401: MessageOut, 422: InvalidRequestOut}
RECORD_ERRORS: dict[int, Any] = {**READ_ERRORS, 404: MessageOut}
CHANGE_ERRORS: dict[int, Any] = {**RECORD_ERRORS, 400: RefusalOut, 403: MessageOut}


class AppointmentFilters(Schema):
    station: str | None = text(None, max_length=30, description="station code")
    status: StatusValue | None = None
    entry_year: int | None = Field(None, ge=1900, le=2200)
    q: str | None = text(None, max_length=100, description="name or postdoc number")


# Outputs --------------------------------------------------------------------------------------


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


class StationOut(Schema):
    id: int
    code: str
    kind: str
    status: str
    name_zh: str
    name_en: str
    discipline: str | None
    unit: str
    established_on: dt.date
    revoked_on: dt.date | None


def station_out(st: Station) -> dict[str, Any]:
    return {
        "id": st.pk,
        "code": st.code,
        "kind": st.kind,
        "status": st.status,
        "name_zh": st.name_zh,
        "name_en": st.name_en,
        "discipline": st.discipline.code if st.discipline else None,
        "unit": st.unit.code,
        "established_on": st.established_on,
        "revoked_on": st.revoked_on,
    }


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


class PersonOut(Schema):
    id: int
    name: str
    name_en: str
    gender: str
    id_type: str
    masked_id: str = Field(description="the ID number, masked; the full number is never sent")
    is_foreign: bool


class AppointmentOut(Schema):
    id: int
    postdoc_no: str
    status: StatusValue
    route: str
    station: str
    workstation: str | None
    person: PersonOut
    primary_supervisor: str
    co_supervisor: str | None
    entry_date: dt.date
    planned_exit_date: dt.date
    ended_on: dt.date | None
    withdrawal_ground: str
    transferred_to: str
    phd_certificate_on: dt.date | None
    proposal_passed_on: dt.date | None
    midterm_passed_on: dt.date | None
    exit_assessed_on: dt.date | None


def appointment_out(a: Appointment) -> dict[str, Any]:
    person = a.person
    return {
        "id": a.pk,
        "postdoc_no": a.postdoc_no,
        "status": a.status,
        "route": a.route,
        "station": a.station.code,
        "workstation": a.workstation.code if a.workstation else None,
        "person": {
            "id": person.pk,
            "name": person.name,
            "name_en": person.name_en,
            "gender": person.gender,
            "id_type": person.id_type,
            "masked_id": person.masked_id,
            "is_foreign": person.is_foreign,
        },
        "primary_supervisor": a.primary_supervisor.staff_no,
        "co_supervisor": a.co_supervisor.staff_no if a.co_supervisor else None,
        "entry_date": a.entry_date,
        "planned_exit_date": a.planned_exit_date,
        "ended_on": a.ended_on,
        "withdrawal_ground": a.withdrawal_ground,
        "transferred_to": a.transferred_to,
        "phd_certificate_on": a.phd_certificate_on,
        "proposal_passed_on": a.proposal_passed_on,
        "midterm_passed_on": a.midterm_passed_on,
        "exit_assessed_on": a.exit_assessed_on,
    }


class AssessmentOut(Schema):
    id: int
    appointment: int
    kind: KindValue
    held_on: dt.date
    grade: GradeValue
    panel: str
    comments: str


def assessment_out(x: Assessment) -> dict[str, Any]:
    return {
        "id": x.pk,
        "appointment": x.appointment_id,
        "kind": x.kind,
        "held_on": x.held_on,
        "grade": x.grade,
        "panel": x.panel,
        "comments": x.comments,
    }


class EventOut(Schema):
    id: int
    occurred_at: dt.datetime
    actor: str
    event: str
    target_type: str
    target_id: str
    target_label: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    note: str


def event_out(e: AuditEvent) -> dict[str, Any]:
    return {
        "id": e.pk,
        "occurred_at": e.occurred_at,
        "actor": e.actor_label,
        "event": e.event,
        "target_type": e.target_type,
        "target_id": e.target_id,
        "target_label": e.target_label,
        "before": e.before,
        "after": e.after,
        "note": e.note,
    }


class ProjectOut(Schema):
    id: int
    project_no: str
    title: str
    funder: str = Field(description="the funder as written")
    programme: str = Field(description="the programme as written")
    funder_id: int | None = Field(description="the catalogue's funder it was matched to")
    programme_id: int | None = Field(description="the catalogue's programme it was matched to")
    level: Literal["national", "provincial", "municipal", "university"] = Field(
        description="the level it counts at: its own level if given, else the institution's mapping"
    )
    level_override: Literal["", "national", "provincial", "municipal", "university"] = Field(
        description="the level given for this project (blank: the mapping's)"
    )
    grade: str
    batch: str
    role: Literal["pi", "participant"]
    amount: str
    applied_on: dt.date | None
    awarded_on: dt.date | None = Field(description="set once awarded; only awarded projects count")
    status: Literal["applied", "awarded", "rejected", "completed", "terminated"]
    holder: int
    holder_postdoc_no: str


def project_out(p: Project) -> dict[str, Any]:
    return {
        "id": p.pk,
        "project_no": p.project_no,
        "title": p.title,
        "funder": p.funder,
        "programme": p.programme,
        "funder_id": p.funder_ref_id,
        "programme_id": p.programme_ref_id,
        "level": p.level,
        "level_override": p.level_override,
        "grade": p.grade,
        "batch": p.batch,
        "role": p.role,
        "amount": str(p.amount),
        "applied_on": p.applied_on,
        "awarded_on": p.awarded_on,
        "status": p.status,
        "holder": p.holder_id,
        "holder_postdoc_no": p.holder.postdoc_no,
    }


class CoverageOut(Schema):
    with_station: int
    doctoral_disciplines: int
    missing: list[str]


class ProjectsByLevelOut(Schema):
    national: int
    provincial: int
    municipal: int
    university: int


class StatsOut(Schema):
    as_of: str
    window_years: int
    recruited: int
    recruited_still_in_station: int
    in_station: int
    projects: int
    projects_by_level: ProjectsByLevelOut = Field(
        description="the same projects by the level each counts at (the institution's mapping); sums to projects"
    )
    coverage: CoverageOut


# Inputs ---------------------------------------------------------------------------------------
# Each carries an example body for the interactive docs; schema tests send it too, so that a change that
# succeeds is among the requests they check (random dates mostly fall before the entry or in the future).


def example(body: dict[str, Any]) -> ConfigDict:
    return ConfigDict(json_schema_extra={"examples": [body]})


class AssessmentIn(Schema):
    model_config = example({"kind": "midterm", "held_on": "2025-05-06", "grade": "good", "panel": "三位专家"})

    kind: KindValue
    held_on: Day
    grade: GradeValue
    panel: str = text("", max_length=2000)
    comments: str = text("", max_length=5000)


class ExtendIn(Schema):
    model_config = example({"until": "2026-09-01", "reason": "Laboratory move"})

    until: Day
    reason: str = text(..., max_length=2000)
    exception_reason: str = text("", max_length=2000)


class ExitIn(Schema):
    model_config = example({"on": "2026-01-05"})

    on: Day
    exception_reason: str = text("", max_length=2000)


class WithdrawIn(Schema):
    model_config = example({"on": "2025-02-03", "ground": "personal", "note": "Family reasons"})

    on: Day
    ground: GroundValue
    note: str = text("", max_length=2000)


class TransferIn(Schema):
    model_config = example({"on": "2025-02-03", "to": "Another university"})

    on: Day
    to: str = text(..., max_length=200)
    note: str = text("", max_length=2000)
