"""Request and response types of the API; the OpenAPI document is generated from them."""

import datetime as dt
import re
from decimal import Decimal
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from appointments.models import Appointment, Assessment
from audit.models import AuditEvent
from batchlists.models import BatchList
from catalogue.models import Discipline, DoctoralRight, Unit
from funding.models import Funder, LevelRule, Programme, Project
from outputs.models import Output
from outputs.services import given_fields
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


class RequestBody(Schema):
    """The base of every request body (docs/decisions/0019): an object with the documented fields only
    (an unknown one is a 422 naming it, not silently dropped), and booleans written true or false
    (pydantic alone counts 0, "no" or "off" as false). A body that is not a JSON object at all is
    refused before it gets here (api/bodies.py): django-ninja's `Schema` reads whatever it is given
    through its attributes, so a JSON string's `.title` method became a title."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def _booleans_are_true_or_false(cls, value: Any, info: ValidationInfo) -> Any:
        field = cls.model_fields.get(info.field_name or "")
        if field is not None and field.annotation in BOOLEANS and value is not None and not isinstance(value, bool):
            raise PydanticCustomError("bool_type", "Input should be true or false (a JSON boolean)")
        return value


BOOLEANS = (bool, bool | None)


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


ProjectStatusValue = Literal["applied", "awarded", "rejected", "completed", "terminated"]
LevelValue = Literal["national", "provincial", "municipal", "university"]
RoleValue = Literal["pi", "participant"]


class ProjectOut(Schema):
    id: int
    project_no: str
    title: str
    funder: str = Field(description="the funder as written")
    programme: str = Field(description="the programme as written")
    funder_id: int | None = Field(description="the catalogue's funder it was matched to (GET /funders)")
    funder_code: str | None
    programme_id: int | None = Field(description="the catalogue's programme it was matched to (GET /programmes)")
    programme_code: str | None
    level: LevelValue = Field(
        description="the level it counts at: its own level if given, else the institution's mapping"
    )
    level_override: Literal["", "national", "provincial", "municipal", "university"] = Field(
        description="the level given for this project (blank: the mapping's)"
    )
    grade: str
    batch: str
    role: RoleValue
    amount: str = Field(description="in yuan, two decimals")
    applied_on: dt.date | None
    awarded_on: dt.date | None = Field(description="set once awarded; only awarded projects count")
    rejected_on: dt.date | None = Field(description="the day an application was known not to be funded")
    ended_on: dt.date | None = Field(description="completed or terminated on")
    period_start: dt.date | None
    period_end: dt.date | None
    extension_commitment_until: dt.date | None = Field(
        description="the office committed to extend the appointment until (an application that needs it)"
    )
    status: ProjectStatusValue
    holder: int = Field(description="the appointment (GET /appointments/{id})")
    holder_postdoc_no: str


def project_out(p: Project) -> dict[str, Any]:
    """One project read with `select_related("holder", "funder_ref", "programme_ref")`."""
    return {
        "id": p.pk,
        "project_no": p.project_no,
        "title": p.title,
        "funder": p.funder,
        "programme": p.programme,
        "funder_id": p.funder_ref_id,
        "funder_code": p.funder_ref.code if p.funder_ref else None,
        "programme_id": p.programme_ref_id,
        "programme_code": p.programme_ref.code if p.programme_ref else None,
        "level": p.level,
        "level_override": p.level_override,
        "grade": p.grade,
        "batch": p.batch,
        "role": p.role,
        "amount": str(p.amount),
        "applied_on": p.applied_on,
        "awarded_on": p.awarded_on,
        "rejected_on": p.rejected_on,
        "ended_on": p.ended_on,
        "period_start": p.period_start,
        "period_end": p.period_end,
        "extension_commitment_until": p.extension_commitment_until,
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


class AssessmentIn(RequestBody):
    model_config = example({"kind": "midterm", "held_on": "2025-05-06", "grade": "good", "panel": "三位专家"})

    kind: KindValue
    held_on: Day
    grade: GradeValue
    panel: str = text("", max_length=2000)
    comments: str = text("", max_length=5000)


class ExtendIn(RequestBody):
    model_config = example({"until": "2026-09-01", "reason": "Laboratory move"})

    until: Day
    reason: str = text(..., max_length=2000)
    exception_reason: str = text("", max_length=2000)


class ExitIn(RequestBody):
    model_config = example({"on": "2026-01-05"})

    on: Day
    exception_reason: str = text("", max_length=2000)


class WithdrawIn(RequestBody):
    model_config = example({"on": "2025-02-03", "ground": "personal", "note": "Family reasons"})

    on: Day
    ground: GroundValue
    note: str = text("", max_length=2000)


class TransferIn(RequestBody):
    model_config = example({"on": "2025-02-03", "to": "Another university"})

    on: Day
    to: str = text(..., max_length=200)
    note: str = text("", max_length=2000)


# Funding, award lists and research outputs (funding/api.py, batchlists/api.py, outputs/api.py) -------


class BreachOut(Schema):
    rule: Literal["once_per_station", "apply_window", "extension_commitment"]
    message: str
    field: str | None


class WarningOut(Schema):
    """A funding rule the institution warns of would be broken (409). Nothing was written: send the same
    request with `acknowledged: true` to record it all the same; the audit event keeps what was acknowledged."""

    message: str
    field: str | None = None
    warnings: list[BreachOut]


# A write that a funding rule in "warning" mode may hold back (409) until it is acknowledged.
WARNING_ERRORS: dict[int, Any] = {**CHANGE_ERRORS, 409: WarningOut}


class ProjectFilters(Schema):
    status: ProjectStatusValue | None = None
    level: LevelValue | None = Field(None, description="the level counted")
    funder: str | None = text(None, max_length=40, description="funder code (GET /funders)")
    programme: str | None = text(None, max_length=60, description="programme code (GET /programmes)")
    appointment: int | None = Field(None, ge=1, description="the holder's appointment id")
    year: int | None = Field(None, ge=1900, le=2200, description="award year")
    role: RoleValue | None = None
    q: str | None = text(None, max_length=100, description="project number or title")


class LevelRuleOut(Schema):
    id: int
    funder_id: int
    funder: str = Field(description="funder code")
    programme_id: int | None = Field(description="null: every programme of the funder without a rule of its own")
    programme: str | None = Field(description="programme code")
    level: LevelValue


def level_rule_out(r: LevelRule) -> dict[str, Any]:
    """One rule read with `select_related("funder", "programme")`."""
    return {
        "id": r.pk,
        "funder_id": r.funder_id,
        "funder": r.funder.code,
        "programme_id": r.programme_id,
        "programme": r.programme.code if r.programme else None,
        "level": r.level,
    }


FunderKindValue = Literal["national", "provincial", "municipal", "university", "other"]


class FunderOut(Schema):
    id: int
    code: str
    name_zh: str
    name_en: str
    aliases: list[str]
    kind: FunderKindValue
    region: str
    shipped: bool = Field(description="part of the shipped catalogue (else the institution's own)")


def funder_out(f: Funder) -> dict[str, Any]:
    return {
        "id": f.pk,
        "code": f.code,
        "name_zh": f.name_zh,
        "name_en": f.name_en,
        "aliases": [line.strip() for line in f.aliases.splitlines() if line.strip()],
        "kind": f.kind,
        "region": f.region,
        "shipped": f.institution_id is None,
    }


class GradeAmountOut(Schema):
    grade: str
    field: Literal["", "natural", "social"] = Field(description="blank: all fields")
    amount: str = Field(description="in yuan, two decimals")
    year_from: int
    year_to: int | None
    certainty: Literal["C", "S", "G", "!"] = Field(
        description="C confirmed by an official or first-hand source, S from a secondary source, G our inference from the rules (not yet confirmed by an official notice), ! sources disagree"
    )
    source: str
    note: str


class ProgrammeOut(Schema):
    id: int
    funder_id: int
    funder: str = Field(description="funder code")
    code: str
    name_zh: str
    name_en: str
    aliases: list[str]
    once_per_station: bool
    apply_within_months: int | None
    needs_extension_commitment: bool
    source: str
    shipped: bool
    amounts: list[GradeAmountOut] = Field(description="what each grade paid, by year")


def programme_out(p: Programme) -> dict[str, Any]:
    """One programme read with its funder and its amounts prefetched."""
    return {
        "id": p.pk,
        "funder_id": p.funder_id,
        "funder": p.funder.code,
        "code": p.code,
        "name_zh": p.name_zh,
        "name_en": p.name_en,
        "aliases": [line.strip() for line in p.aliases.splitlines() if line.strip()],
        "once_per_station": p.once_per_station,
        "apply_within_months": p.apply_within_months,
        "needs_extension_commitment": p.needs_extension_commitment,
        "source": p.source,
        "shipped": p.funder.institution_id is None,
        "amounts": [
            {
                "grade": a.grade,
                "field": a.field,
                "amount": str(a.amount),
                "year_from": a.year_from,
                "year_to": a.year_to,
                "certainty": a.certainty,
                "source": a.source,
                "note": a.note,
            }
            for a in p.amounts.all()
        ],
    }


class ProgrammeFilters(Schema):
    funder: str | None = text(None, max_length=40, description="funder code")


Amount = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)]
ProjectNo = Annotated[str, Field(min_length=1, max_length=50, pattern=NO_NUL_PATTERN)]
OverrideValue = Literal["", "national", "provincial", "municipal", "university"]


class FunderFieldsIn(RequestBody):
    """The funder and programme: the catalogue's by id, or written as on the notice (then matched)."""

    funder_id: int | None = Field(None, ge=1, description="a funder of GET /funders")
    funder: str = text("", max_length=200, description="the funder as written, if it is not in the catalogue")
    programme_id: int | None = Field(None, ge=1, description="a programme of GET /programmes (names its funder)")
    programme: str = text("", max_length=200, description="the programme as written")


class ProjectApplyIn(FunderFieldsIn):
    model_config = example(
        {
            "project_no": "2025M770001",
            "title": "肝脏类器官的构建",
            "applied_on": "2025-03-20",
            "funder": "中国博士后科学基金",
            "programme": "面上资助",
        }
    )

    project_no: str = text(..., max_length=50, description="the application's number")
    title: str = text(..., max_length=300)
    applied_on: Day
    amount: Amount = Field(Decimal(0), description="applied for, in yuan")
    role: RoleValue = "pi"
    level_override: OverrideValue = Field("", description="blank: the institution's mapping gives the level")
    period_start: Day | None = None
    period_end: Day | None = None
    extension_commitment_until: Day | None = Field(
        None, description="the office commits to extend the appointment until (programmes that need it)"
    )
    acknowledged: bool = Field(False, description="record it despite the warnings of a 409")


class ProjectRecordIn(FunderFieldsIn):
    model_config = example(
        {
            "project_no": "2025T000001",
            "title": "肝脏再生机制",
            "awarded_on": "2025-06-30",
            "funder": "国家自然科学基金委员会",
            "level_override": "national",
        }
    )

    project_no: str = text(..., max_length=50)
    title: str = text(..., max_length=300)
    awarded_on: Day
    applied_on: Day | None = None
    grade: str = text("", max_length=40)
    batch: str = text("", max_length=50)
    role: RoleValue = "pi"
    amount: Amount = Decimal(0)
    level_override: OverrideValue = ""
    period_start: Day | None = None
    period_end: Day | None = None
    acknowledged: bool = False


class ProjectAwardIn(RequestBody):
    model_config = example({"awarded_on": "2025-06-30", "amount": "80000", "grade": "二等", "batch": "第77批"})

    awarded_on: Day
    amount: Amount | None = Field(None, description="blank keeps the amount applied for")
    grade: str = text("", max_length=40)
    batch: str = text("", max_length=50)
    project_no: ProjectNo | None = Field(None, description="the funder's number, if it differs from the application's")
    period_start: Day | None = None
    period_end: Day | None = None
    acknowledged: bool = False


class ProjectDecisionIn(RequestBody):
    model_config = example({"on": "2025-07-01"})

    on: Day


class ProjectTerminateIn(RequestBody):
    model_config = example({"on": "2025-07-01", "reason": "项目负责人出站"})

    on: Day
    reason: str = text(..., max_length=2000)


class ProjectUpdateIn(RequestBody):
    """Only the fields given change; the rest stay as they are."""

    model_config = example({"title": "肝脏类器官的构建与应用", "amount": "80000"})

    project_no: str = text(None, max_length=50)
    title: str = text(None, max_length=300)
    funder_id: int | None = Field(None, ge=1, description="null: match the funder from `funder` again")
    funder: str = text(None, max_length=200)
    programme_id: int | None = Field(None, ge=1)
    programme: str = text(None, max_length=200)
    level_override: OverrideValue = Field(None, description="blank: follow the institution's mapping")  # type: ignore[arg-type]
    grade: str = text(None, max_length=40)
    batch: str = text(None, max_length=50)
    role: RoleValue = None  # type: ignore[assignment]
    amount: Amount = None  # type: ignore[assignment]
    applied_on: Day | None = None
    awarded_on: Day = Field(None, description="awarded projects only")  # type: ignore[assignment]
    period_start: Day | None = None
    period_end: Day | None = None
    extension_commitment_until: Day | None = None
    holder: int = Field(None, ge=1, description="move it to another appointment (a wrong holder)")  # type: ignore[assignment]
    note: str = text("", max_length=2000, description="why, for the audit trail")
    acknowledged: bool = False


# Award lists --------------------------------------------------------------------------------------

BatchListStatusValue = Literal["checked", "confirmed", "discarded"]


class BatchListOut(Schema):
    id: int
    programme_id: int
    programme: str = Field(description="programme code")
    funder: str = Field(description="funder code")
    batch: str
    awarded_on: dt.date
    original_name: str = Field(description="the uploaded file's name (the file itself is never served)")
    size: int
    sha256: str
    status: BatchListStatusValue
    uploaded_at: dt.datetime
    uploaded_by: str
    confirmed_at: dt.datetime | None
    discarded_at: dt.datetime | None
    rows: int = Field(description="rows of the institution")
    exact: int
    uncertain: int
    unmatched: int
    other: int = Field(description="rows of other institutions (counted, not kept)")
    awarded: int = Field(description="awards the confirmation created")
    already: int = Field(description="rows whose postdoc already held the award")


def batch_list_out(b: BatchList) -> dict[str, Any]:
    """One list read with `select_related("programme__funder", "created_by")`."""
    return {
        "id": b.pk,
        "programme_id": b.programme_id,
        "programme": b.programme.code,
        "funder": b.programme.funder.code,
        "batch": b.batch,
        "awarded_on": b.awarded_on,
        "original_name": b.original_name,
        "size": b.size,
        "sha256": b.sha256,
        "status": b.status,
        "uploaded_at": b.created_at,
        "uploaded_by": b.created_by.get_username(),
        "confirmed_at": b.confirmed_at,
        "discarded_at": b.discarded_at,
        "rows": b.row_count,
        "exact": b.exact_count,
        "uncertain": b.uncertain_count,
        "unmatched": b.unmatched_count,
        "other": b.other_count,
        "awarded": b.awarded_count,
        "already": b.already_count,
    }


class CandidateOut(Schema):
    id: int = Field(description="the appointment")
    postdoc_no: str
    name: str


class BatchRowOut(Schema):
    id: int
    sheet: str
    number: int = Field(description="the row's number in its sheet")
    name: str
    postdoc_no: str
    institution_name: str
    discipline: str = Field(description="as written")
    discipline_code: str
    grade: str = Field(description="as written")
    programme_grade: str = Field(description="the programme's grade it was read as")
    outcome: Literal["exact", "uncertain", "unmatched"]
    candidates: list[CandidateOut] = Field(description="the postdocs it may be, best first")
    notes: list[str] = Field(description="why it matched as it did")
    appointment: int | None = Field(description="the postdoc it is awarded to, once matched or chosen")
    decision: Literal["", "accept", "skip"] = Field(description="blank: not decided (an uncertain row)")
    already_awarded: bool
    project: int | None = Field(description="the award (GET /projects/{id})")


class BatchListDetailOut(BatchListOut):
    other_institutions: dict[str, int] = Field(description="the other institutions the list names, with their rows")
    warnings: list[str] = Field(description="what the reading noticed")
    row_items: list[BatchRowOut] = Field(description="the institution's rows, by sheet and number")


class BatchListFilters(Schema):
    status: BatchListStatusValue | None = None
    programme: str | None = text(None, max_length=60, description="programme code")


class BatchListConfirmIn(RequestBody):
    model_config = example({"acknowledged": False})

    acknowledged: bool = Field(False, description="confirm despite the funding rules' warnings")


class BatchRowChooseIn(RequestBody):
    model_config = example({"appointment": None})

    appointment: int | None = Field(..., ge=1, description="one of the row's candidates; null skips the row")


class ConfirmRefusalOut(RefusalOut):
    """The change was refused (400); for a confirmation, `rows` names the rows and why. Nothing was written."""

    rows: list[str] = Field(default_factory=list)


# Research outputs ---------------------------------------------------------------------------------

OutputKindValue = Literal["paper", "patent", "award", "book", "standard"]
PhaseValue = Literal["before_entry", "in_station", "after_exit"]
PatentKindValue = Literal["", "invention", "utility_model", "design"]
AwardGradeValue = Literal["", "special", "first", "second", "third", "other"]
AwardLevelValue = Literal["", "national", "provincial", "municipal", "university"]
AuthorName = Annotated[str, Field(max_length=200, pattern=NO_NUL_PATTERN)]


class OutputOut(Schema):
    id: int
    appointment: int
    postdoc_no: str
    kind: OutputKindValue
    title: str
    year: int
    published_on: dt.date | None
    phase: PhaseValue = Field(description="before entry, in station or after the stay, from its date")
    authors: list[str]
    author_position: int = Field(description="the postdoc's place among the authors, 1 for the first")
    corresponding: bool
    doi: str
    journal: str
    issn: str
    volume: str
    issue: str
    pages: str
    publisher: str
    isbn: str
    number: str = Field(description="a patent's or standard's number")
    patent_kind: PatentKindValue
    granted_on: dt.date | None
    award_level: AwardLevelValue
    award_grade: AwardGradeValue
    source: Literal["manual", "bibtex", "ris", "csl_json", "refer", "refworks", "noteexpress", "pubmed", "wos"]
    recorded_at: dt.datetime


def output_out(o: Output) -> dict[str, Any]:
    """One output read with `select_related("appointment")`."""
    return {
        "id": o.pk,
        "appointment": o.appointment_id,
        "postdoc_no": o.appointment.postdoc_no,
        **given_fields(o),
        "phase": o.phase,
        "authors": o.author_list,
        "source": o.source,
        "recorded_at": o.recorded_at,
    }


class OutputFilters(Schema):
    appointment: int | None = Field(None, ge=1, description="the stay it is recorded on")
    kind: OutputKindValue | None = None
    year: int | None = Field(None, ge=1900, le=2200)
    phase: PhaseValue | None = None
    q: str | None = text(None, max_length=100, description="title, DOI or journal")


class OutputIn(RequestBody):
    model_config = example(
        {
            "kind": "paper",
            "title": "Hepatocyte plasticity in liver regeneration",
            "year": 2025,
            "authors": ["陈博士", "李四"],
            "author_position": 1,
            "doi": "10.1000/hepato.2025.1",
            "journal": "Hepatology",
        }
    )

    kind: OutputKindValue
    title: str = text(..., max_length=500)
    year: int = Field(..., ge=1900, le=2100)
    published_on: Day | None = None
    authors: list[AuthorName] = Field(..., max_length=500, description="in the order printed")
    author_position: int = Field(..., ge=1, le=500)
    corresponding: bool = False
    doi: str = text("", max_length=200)
    journal: str = text("", max_length=300)
    issn: str = text("", max_length=20)
    volume: str = text("", max_length=30)
    issue: str = text("", max_length=30)
    pages: str = text("", max_length=40)
    publisher: str = text("", max_length=200)
    isbn: str = text("", max_length=20)
    number: str = text("", max_length=100)
    patent_kind: PatentKindValue = ""
    granted_on: Day | None = None
    award_level: AwardLevelValue = ""
    award_grade: AwardGradeValue = ""


class OutputUpdateIn(RequestBody):
    """Only the fields given change; the same rules as when it was recorded."""

    model_config = example({"title": "Hepatocyte plasticity in the regenerating liver"})

    kind: OutputKindValue = None  # type: ignore[assignment]
    title: str = text(None, max_length=500)
    year: int = Field(None, ge=1900, le=2100)  # type: ignore[assignment]
    published_on: Day | None = None
    authors: list[AuthorName] = Field(None, max_length=500)  # type: ignore[arg-type]
    author_position: int = Field(None, ge=1, le=500)  # type: ignore[assignment]
    corresponding: bool = None  # type: ignore[assignment]
    doi: str = text(None, max_length=200)
    journal: str = text(None, max_length=300)
    issn: str = text(None, max_length=20)
    volume: str = text(None, max_length=30)
    issue: str = text(None, max_length=30)
    pages: str = text(None, max_length=40)
    publisher: str = text(None, max_length=200)
    isbn: str = text(None, max_length=20)
    number: str = text(None, max_length=100)
    patent_kind: PatentKindValue = None  # type: ignore[assignment]
    granted_on: Day | None = None
    award_level: AwardLevelValue = None  # type: ignore[assignment]
    award_grade: AwardGradeValue = None  # type: ignore[assignment]


# Importing a file of references onto a stay: the preview, then its confirmation ------------------------

ImportStatusValue = Literal["importable", "duplicate", "refused"]
EntryIndex = Annotated[int, Field(ge=1, le=100_000)]


class ImportEntryOut(Schema):
    index: int = Field(description="its place in the file, 1 for the first")
    record: str = Field(description="how the file names it: its BibTeX key, record number or CSL id")
    line: int | None = Field(description="the line it starts on (null for CSL-JSON)")
    label: str
    status: ImportStatusValue
    reasons: list[str] = Field(
        description="why it is refused, what it repeats, or (importable) what to give first: the postdoc's position"
    )
    kind: OutputKindValue | None
    title: str
    authors: list[str]
    year: int | None
    doi: str
    journal: str
    position: int | None = Field(description="the postdoc's position among the authors, as found (null: not found)")
    position_ambiguous: bool = Field(description="several authors match the postdoc: check the position")
    corresponding: bool
    phase: PhaseValue | None


class ImportPreviewOut(Schema):
    """What importing the file would record; nothing is written until the token is confirmed."""

    file: str
    format: str
    read: int = Field(description="entries in the file, readable or not")
    importable: int
    entries: list[ImportEntryOut]
    token: str = Field(description="send it to …/outputs/import/confirm within a day, as the same user")


class ImportCorrectionIn(RequestBody):
    index: EntryIndex
    position: int = Field(..., ge=1, le=500, description="the postdoc's position among the entry's authors")
    corresponding: bool | None = Field(
        None, description="whether the postdoc is a corresponding author (null: as the file says)"
    )


class ImportConfirmIn(RequestBody):
    model_config = example({"token": "…", "indexes": [1, 3], "corrections": [{"index": 3, "position": 2}]})

    token: str = text(..., max_length=3_000_000, description="the preview's token")
    indexes: list[EntryIndex] | None = Field(
        None, max_length=500, description="the entries to record; default: every entry the preview found importable"
    )
    corrections: list[ImportCorrectionIn] = Field(default_factory=list, max_length=500)


class ImportDoneOut(Schema):
    created: list[OutputOut]
    skipped: list[str] = Field(description="a sentence per duplicate left out, naming what it repeats")
