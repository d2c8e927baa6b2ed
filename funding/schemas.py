"""The API's types for funding: projects, the catalogue of funders and programmes, and the level rules."""

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from ninja import Field, Schema

from core.api_schemas import CHANGE_ERRORS, NO_NUL_PATTERN, Day, RequestBody, example, if_given, text
from funding.models import Funder, LevelRule, Programme, Project

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
    level_override: OverrideValue = if_given(description="blank: follow the institution's mapping")
    grade: str = text(None, max_length=40)
    batch: str = text(None, max_length=50)
    role: RoleValue = if_given()
    amount: Amount = if_given()
    applied_on: Day | None = None
    awarded_on: Day = if_given(description="awarded projects only")
    period_start: Day | None = None
    period_end: Day | None = None
    extension_commitment_until: Day | None = None
    holder: int = if_given(ge=1, description="move it to another appointment (a wrong holder)")
    note: str = text("", max_length=2000, description="why, for the audit trail")
    acknowledged: bool = False
