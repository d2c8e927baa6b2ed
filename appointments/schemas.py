"""The API's types for appointments: the stay, its assessments and its history, and the transitions' bodies."""

import datetime as dt
from typing import Any, Literal

from ninja import Field, Schema
from pydantic import model_validator
from pydantic_core import PydanticCustomError

from appointments.models import Appointment, Assessment
from audit.models import AuditEvent
from core.api_schemas import Day, RequestBody, example, text
from people.schemas import NewPersonIn

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


class AppointmentFilters(Schema):
    station: str | None = text(None, max_length=30, description="station code")
    status: StatusValue | None = None
    entry_year: int | None = Field(None, ge=1900, le=2200)
    q: str | None = text(None, max_length=100, description="name or postdoc number")


# Outputs ---------------------------------------------------------------------------------------


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


# Inputs ---------------------------------------------------------------------------------------


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


RouteValue = Literal["independent", "joint"]


class AdmissionIn(RequestBody):
    """Admits a new person (`person`) or a registered one (`person_id`, as an appointment's `person.id`
    gives it): exactly one of the two."""

    model_config = example(
        {
            "person": {
                "name": "林博士",
                "gender": "female",
                "birth_date": "1994-02-03",
                "id_type": "passport",
                "id_number": "E12345678",
                "phd_date": "2024-06-30",
            },
            "postdoc_no": "BH2025001",
            "entry_date": "2025-03-01",
            "primary_supervisor": "T00001",
        }
    )

    person: NewPersonIn | None = None
    person_id: int | None = Field(None, ge=1, le=2**31 - 1)
    postdoc_no: str = text(..., max_length=30)
    entry_date: Day
    planned_exit_date: Day | None = Field(None, description="default: the policy's normal period")
    primary_supervisor: str = text(..., max_length=30, description="staff number")
    co_supervisor: str | None = text(None, max_length=30, description="staff number")
    route: RouteValue = "independent"
    workstation: str | None = text(None, max_length=30, description="the joint-training workstation's code")
    exception_reason: str = text("", max_length=2000, description="office administrators: record a policy exception")

    @model_validator(mode="after")
    def _one_person(self) -> "AdmissionIn":
        if (self.person is None) == (self.person_id is None):
            raise PydanticCustomError("one_person", "Give either `person` (a new person) or `person_id`, not both")
        return self
