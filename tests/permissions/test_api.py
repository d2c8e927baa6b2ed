"""Who may do what through the API: every operation × every persona × a record inside and outside their scope.

The operations are read from the API's own OpenAPI document, so an endpoint added without a row in
EXPECTATIONS fails test_every_operation_has_an_expectation, and is still refused to anonymous callers
by test_anonymous_callers_are_refused. The personas and their records are tests/factories.py make_world().

The table is centred on appointments: each persona has one in its scope and others outside it. An operation on
another record (an establishment application, a round, a station evaluation, a station) acts on the record
that belongs to the appointment's institution or station, or to the appointment itself (a project, a research
output; `record_in_path`); its row says which personas see that record at all (the others find nothing: 404)
and which of those may change it.
"""

import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.db.models import Model, Q
from django.test.client import Client

from api.api import api
from appointments.models import Appointment
from appointments.services import assessment_record
from audit.models import AuditEvent
from awardlists.models import AwardList, AwardListRow
from catalogue.models import Discipline
from core.api_schemas import MAX_LIMIT
from establishment.models import Application, Round
from funding.models import Funder, Programme, Project
from funding.services import funder_save, level_rule_save, programme_save, project_record
from funding.shipped import default_levels
from outputs.models import Output
from reviews.models import Review
from stations.models import Evaluation
from tests.clients import PERSONAS, ApiClient
from tests.factories import World, make_supervisor
from tests.reviews.builders import review_at
from tests.subjects import (
    APPLICATION_DISCIPLINE,
    application_at,
    award_list_for,
    evaluation_at,
    output_for,
    project_at,
)

PREFIX = "/api/v1"
HTTP_METHODS = {"get", "post", "put", "patch", "delete"}

OPERATIONS = sorted(
    f"{method.upper()} {path.removeprefix(PREFIX)}"
    for path, item in api.get_openapi_schema()["paths"].items()
    for method in item
    if method in HTTP_METHODS
)

# The scopes of make_world(): the appointment each persona sees, and those it must not. The secretary
# (station S1002), the supervisor and the postdoc see one appointment of U1; the office administrator and
# leadership all of U1; the outsider is the office administrator of another institution, U2.
IN_SCOPE = {
    "admin": "appointment",
    "secretary": "appointment",
    "supervisor": "appointment",
    "postdoc": "appointment",
    "leadership": "appointment",
    "outsider": "outside_appointment",
}
OUT_OF_SCOPE = {
    "admin": ["outside_appointment"],
    "secretary": ["other_appointment", "outside_appointment"],
    "supervisor": ["other_appointment", "outside_appointment"],
    "postdoc": ["other_appointment", "outside_appointment"],
    "leadership": ["outside_appointment"],
    "outsider": ["appointment", "other_appointment"],
}
# Who may change the appointment they see: office administrators and the secretary of its station.
# Supervisors, postdocs and leadership only read (accounts/access.py can_manage_appointment).
MANAGERS = frozenset({"admin", "secretary", "outsider"})
INSTITUTION_WIDE = {"admin", "leadership"}
RUN_REVIEW = "You may not run this review."
ONE_APPOINTMENT = {"secretary", "supervisor", "postdoc"}
# Establishment applications and station evaluations (establishment/views.py, stations/access.py): office
# administrators and leadership see those of their institution, a secretary the evaluations of their station;
# only office administrators change them.
OFFICE = frozenset({"admin", "outsider"})
APPLICATION_READERS = frozenset({"admin", "leadership", "outsider"})
EVALUATION_READERS = frozenset({"admin", "secretary", "leadership", "outsider"})
CHANGE_APPLICATIONS = "Only an office administrator of this institution can change establishment applications."
CHANGE_EVALUATIONS = "Only an office administrator of this institution can change station evaluations."
# Projects are changed by those who manage their holder; research outputs also by the postdoc on their own
# record (outputs.services.may_record); funders' award lists are seen and changed by office administrators only.
RECORD_PROJECTS = "You may not record projects for this postdoc."
RECORD_OUTPUTS = "You may not record research outputs for this postdoc."
OUTPUT_WRITERS = MANAGERS | {"postdoc"}
# The institution's level mapping: a rule for each shipped funder (level_rules_default) and one for its own.
DEFAULT_LEVEL_FUNDERS = frozenset(default_levels())


# The kinds of operation, each with what it must answer ---------------------------------------------


@dataclass(frozen=True)
class Catalogue:
    """Every row of a national table, the same for everyone: the discipline catalogue the migrations load, the
    shipped funders (`where`), and what the persona's institution adds of its own (`plus`)."""

    model: type[Model]
    field: str
    where: Q | None = None
    plus: frozenset[str] = frozenset()

    def labels(self) -> set[str]:
        rows = self.model.objects.filter(self.where) if self.where is not None else self.model.objects.all()
        return set(rows.values_list(self.field, flat=True)) | self.plus


@dataclass(frozen=True)
class Listing:
    """GET of a page: exactly the records of the persona's scope, counted as such (a count is a leak too)."""

    item_field: str  # the field of an item that names its record
    shows: dict[str, set[str] | Catalogue]  # persona → the records it lists, by label (see record_labels)
    prepare: Callable[[World], None] | None = None  # gives the list something to show


Prepare = Callable[[World, Appointment], None]


@dataclass(frozen=True)
class Reading:
    """GET of one appointment or what belongs to it: 200 inside the scope, 404 outside."""

    is_about: Callable[[dict[str, Any], Appointment], bool]  # the answer is about that appointment
    prepare: Prepare | None = None  # gives the appointment something to show
    # Who see the record of their appointment; for the others it is outside their scope (404).
    readers: frozenset[str] = frozenset(PERSONAS)


@dataclass(frozen=True)
class Change:
    """POST on one appointment: done by those who manage it, 403 for those who only see it, 404 outside."""

    body: dict[str, Any]
    done: int = 200
    # Brings the appointment to where the rules allow the change, so that only the person decides.
    prepare: Prepare | None = None
    refusal: str = "You may not change this appointment."  # what those who only see it are told
    managers: frozenset[str] = MANAGERS  # who change the record of their appointment
    # Who see that record but may not change it (403); None: every persona but the managers. For anyone
    # else the record is outside their scope (404).
    seers: frozenset[str] | None = None

    def refuses(self, persona: str) -> bool:
        return persona not in self.managers and (self.seers is None or persona in self.seers)


@dataclass(frozen=True)
class Figures:
    """The headline figures: for those who may see their institution's, 403 for the others."""

    allowed: set[str]


@dataclass(frozen=True)
class CoveredElsewhere:
    """An operation this table cannot call with a fixed JSON body (a multipart upload, or a confirmation of a
    token signed for the caller), its every persona tested in `module` instead."""

    module: str


# Helpers the table uses ---------------------------------------------------------------------------


def by_scope(*, institution: set[str], one_appointment: set[str], other_institution: set[str]) -> dict[str, set[str]]:
    """What each persona lists, given what the three kinds of scope of make_world() list."""
    return {
        **dict.fromkeys(INSTITUTION_WIDE, institution),
        **dict.fromkeys(ONE_APPOINTMENT, one_appointment),
        "outsider": other_institution,
    }


def same_for_institution(institution: set[str], other_institution: set[str]) -> dict[str, set[str]]:
    """Reference data of an institution: everyone in it lists all of it."""
    return by_scope(institution=institution, one_appointment=institution, other_institution=other_institution)


def office_administrator_of(world: World, appointment: Appointment) -> Any:
    return world.outsider if appointment.pk == world.outside_appointment.pk else world.admin


# A new person admitted to the appointment's station, supervised by a supervisor of that station.
ADMISSION = {
    "person": {"name": "林博士", "gender": "female", "birth_date": "1994-02-03", "id_type": "passport",
               "id_number": "E12345678", "phd_date": "2024-06-30"},
    "postdoc_no": "BH-API-1",
    "entry_date": "2025-03-01",
    "primary_supervisor": "T-ADMIT",
}  # fmt: skip


def a_supervisor_to_admit_with(world: World, appointment: Appointment) -> None:
    make_supervisor(appointment.station, office_administrator_of(world, appointment), staff_no="T-ADMIT")


def record_an_exit_assessment(world: World, appointment: Appointment) -> None:
    assessment_record(
        appointment=appointment,
        kind="exit",
        held_on=dt.date(2025, 12, 15),
        grade="pass",
        by=office_administrator_of(world, appointment),
    )


def a_review(stage: str) -> Prepare:
    """The appointment's mid-term review at a stage (tests/reviews/builders.py), by its office administrator."""

    def prepare(world: World, appointment: Appointment) -> None:
        review_at(appointment, stage, office_administrator_of(world, appointment))

    return prepare


def give_every_appointment_a_review(world: World) -> None:
    for name in ("appointment", "other_appointment", "outside_appointment"):
        appointment = getattr(world, name)
        review_at(appointment, "draft", office_administrator_of(world, appointment))


def ids_of(body: dict[str, Any], item_field: str) -> set[Any]:
    return {item[item_field] for item in body["items"]}


def an_application(stage: str) -> Prepare:
    """The application of the appointment's institution at a stage (tests/subjects.py)."""

    def prepare(world: World, appointment: Appointment) -> None:
        application_at(appointment.institution, stage, office_administrator_of(world, appointment))

    return prepare


def an_evaluation(stage: str) -> Prepare:
    """The evaluation of the appointment's station at a stage (tests/subjects.py)."""

    def prepare(world: World, appointment: Appointment) -> None:
        evaluation_at(appointment.station, stage, office_administrator_of(world, appointment))

    return prepare


def give_every_institution_an_application(world: World) -> None:
    application_at(world.institution, "draft", world.admin)
    application_at(world.outsider.institution, "draft", world.outsider)


def give_every_station_an_evaluation(world: World) -> None:
    for station in (world.station, world.other_station):
        evaluation_at(station, "new", world.admin)
    evaluation_at(world.outside_appointment.station, "new", world.outsider)


def is_the_application_of(body: dict[str, Any], appointment: Appointment) -> bool:
    return body["discipline"] == APPLICATION_DISCIPLINE[appointment.institution.code]


def is_the_evaluation_of(body: dict[str, Any], appointment: Appointment) -> bool:
    return body["station"] == appointment.station.code


def application_change(body: dict[str, Any], stage: str, *, done: int = 200) -> Change:
    return Change(
        body,
        done=done,
        prepare=an_application(stage),
        refusal=CHANGE_APPLICATIONS,
        managers=OFFICE,
        seers=APPLICATION_READERS - OFFICE,
    )


def evaluation_change(body: dict[str, Any], stage: str, *, done: int = 200) -> Change:
    return Change(
        body,
        done=done,
        prepare=an_evaluation(stage),
        refusal=CHANGE_EVALUATIONS,
        managers=OFFICE,
        seers=EVALUATION_READERS - OFFICE,
    )


def a_project(stage: str) -> Prepare:
    """A project of the appointment at a stage (tests/subjects.py), by its office administrator."""

    def prepare(world: World, appointment: Appointment) -> None:
        project_at(appointment, stage, office_administrator_of(world, appointment))

    return prepare


def an_output(world: World, appointment: Appointment) -> None:
    output_for(appointment, office_administrator_of(world, appointment))


def an_award_list(world: World, appointment: Appointment) -> None:
    """A funder's list naming the appointment (an exact row), uploaded by its office administrator."""
    award_list_for([appointment], office_administrator_of(world, appointment))


def give_every_appointment_an_output(world: World) -> None:
    for name in ("appointment", "other_appointment", "outside_appointment"):
        appointment = getattr(world, name)
        output_for(appointment, office_administrator_of(world, appointment), title=name)


def give_every_institution_an_award_list(world: World) -> None:
    award_list_for([world.appointment], world.admin, batch="第69批-U1")
    award_list_for([world.outside_appointment], world.outsider, batch="第69批-U2")


def give_every_institution_a_funder(world: World) -> None:
    """A funder of each institution's own (U1-FUND, U2-FUND) with a programme and a level rule."""
    for office in (world.admin, world.outsider):
        institution = office.institution
        code = institution.code
        funder = funder_save(institution=institution, code=f"{code}-FUND", name_zh=f"{code}基金", kind="university",
                             by=office)  # fmt: skip
        programme_save(funder=funder, code=f"{code}-PROG", name_zh=f"{code}博士后基金", by=office)
        level_rule_save(institution=institution, funder=funder, level="university", by=office)


def shipped_and_own(model: type[Model], field: str, where: Q, own: str) -> dict[str, Catalogue]:
    """The shipped catalogue for everyone, with what the institution of each persona adds (U1-… or U2-…)."""
    return {
        persona: Catalogue(model, field, where, frozenset({f"{'U2' if persona == 'outsider' else 'U1'}-{own}"}))
        for persona in PERSONAS
    }


def project_change(body: dict[str, Any], stage: str | None = None, *, done: int = 200) -> Change:
    return Change(body, done=done, prepare=a_project(stage) if stage else None, refusal=RECORD_PROJECTS)


def output_change(body: dict[str, Any], *, done: int = 200, prepare: Prepare | None = an_output) -> Change:
    return Change(body, done=done, prepare=prepare, refusal=RECORD_OUTPUTS, managers=OUTPUT_WRITERS)


def award_list_change(body: dict[str, Any]) -> Change:
    return Change(body, prepare=an_award_list, managers=OFFICE, seers=frozenset())


# The table: one row per operation of the API ------------------------------------------------------

EXPECTATIONS: dict[str, Listing | Reading | Change | Figures | CoveredElsewhere] = {
    # The national catalogue of disciplines is the same for everyone who belongs to an institution.
    "GET /disciplines": Listing("code", dict.fromkeys(PERSONAS, Catalogue(Discipline, "code"))),
    # C-EXP: the experts' college of tests/reviews/builders.py.
    "GET /units": Listing("code", same_for_institution({"CS1002", "CS0710", "C-EXP"}, {"CS1001", "C-EXP"})),
    "GET /doctoral-rights": Listing("discipline", same_for_institution({"1002", "0710"}, {"1001"})),
    "GET /stations": Listing(
        "code", by_scope(institution={"S1002", "S0710"}, one_appointment={"S1002"}, other_institution={"S1001"})
    ),
    "GET /supervisors": Listing(
        "staff_no",
        by_scope(
            institution={"supervisor", "other_supervisor"},
            one_appointment={"supervisor"},
            other_institution={"outside_supervisor"},
        ),
    ),
    "GET /appointments": Listing(
        "id",
        by_scope(
            institution={"appointment", "other_appointment"},
            one_appointment={"appointment"},
            other_institution={"outside_appointment"},
        ),
    ),
    "GET /projects": Listing(
        "project_no",
        by_scope(
            institution={"P-appointment", "P-other_appointment"},
            one_appointment={"P-appointment"},
            other_institution={"P-outside_appointment"},
        ),
    ),
    "GET /appointments/{appointment_id}": Reading(lambda body, appointment: body["id"] == appointment.pk),
    "GET /appointments/{appointment_id}/assessments": Reading(
        lambda body, appointment: ids_of(body, "appointment") == {appointment.pk}, prepare=record_an_exit_assessment
    ),
    # The appointment's own events: its admission and entry, at least.
    "GET /appointments/{appointment_id}/events": Reading(
        lambda body, appointment: str(appointment.pk) in ids_of(body, "target_id")
    ),
    "POST /appointments/{appointment_id}/assessments": Change(
        {"kind": "annual", "held_on": "2025-03-01", "grade": "good"}, done=201
    ),
    "POST /appointments/{appointment_id}/extend": Change({"until": "2026-09-01", "reason": "Lab move"}),
    "POST /appointments/{appointment_id}/exit": Change({"on": "2026-01-05"}, prepare=record_an_exit_assessment),
    "POST /appointments/{appointment_id}/withdraw": Change({"on": "2025-02-03", "ground": "personal"}),
    "POST /appointments/{appointment_id}/transfer": Change({"on": "2025-02-03", "to": "某大学"}),
    "GET /stats": Figures(allowed={"admin", "leadership", "outsider"}),
    # Reviews follow their subject's scope; those who only see a review may not run it.
    "GET /reviews": Listing(
        "appointment",
        by_scope(
            institution={"appointment", "other_appointment"},
            one_appointment={"appointment"},
            other_institution={"outside_appointment"},
        ),
    ),
    "GET /reviews/{review_id}": Reading(
        lambda body, appointment: body["appointment"] == appointment.pk, a_review("draft")
    ),
    "POST /appointments/{appointment_id}/reviews": Change(
        {"kind": "midterm", "deadline": "2099-06-30"}, done=201, prepare=a_review("rules")
    ),
    "POST /reviews/{review_id}/draw": Change({"seed": 5}, prepare=a_review("draft"), refusal=RUN_REVIEW),
    "POST /reviews/{review_id}/open": Change({}, prepare=a_review("drawn"), refusal=RUN_REVIEW),
    "POST /reviews/{review_id}/close": Change({"note": ""}, prepare=a_review("scored"), refusal=RUN_REVIEW),
    "POST /reviews/{review_id}/decide": Change(
        {"decision": "good", "reason": "进展良好"}, prepare=a_review("closed"), refusal=RUN_REVIEW
    ),
    # The expert pool: for those who see the whole institution.
    "GET /experts": Listing(
        "name",
        by_scope(
            institution={"专家U1-0", "专家U1-1", "专家U1-2"},
            one_appointment=set(),
            other_institution={"专家U2-0", "专家U2-1", "专家U2-2"},
        ),
    ),
    # Establishment: read by those who see the whole institution, changed by its office administrators.
    "GET /establishment/rounds": Listing(
        "notice_no",
        by_scope(institution={"R-U1"}, one_appointment=set(), other_institution={"R-U2"}),
        prepare=give_every_institution_an_application,
    ),
    "GET /establishment/applications": Listing(
        "discipline",
        by_scope(institution={"1001"}, one_appointment=set(), other_institution={"1002"}),
        prepare=give_every_institution_an_application,
    ),
    "GET /establishment/applications/{application_id}": Reading(
        is_the_application_of, an_application("draft"), readers=APPLICATION_READERS
    ),
    # No applicants: the body must fit both institutions; 1003 has a mobile station in neither.
    "POST /establishment/rounds/{round_id}/applications": application_change(
        {"discipline": "1003", "unit": "C-EST", "enrolled_phd_students": 3}, "round", done=201
    ),
    "POST /establishment/applications/{application_id}/review": application_change(
        {"deadline": "2099-06-30"}, "rules", done=201
    ),
    "POST /establishment/applications/{application_id}/submit": application_change({"on": "2025-02-01"}, "supported"),
    "POST /establishment/applications/{application_id}/decide": application_change(
        {"decision": "rejected", "on": "2025-02-01"}, "submitted"
    ),
    "POST /establishment/applications/{application_id}/withdraw": application_change({"reason": "团队调离"}, "draft"),
    # Station evaluations: the institution's for administrators and leadership, a secretary's stations' for
    # the secretary; started and changed by office administrators.
    "GET /stations/evaluations": Listing(
        "station",
        {
            **dict.fromkeys(INSTITUTION_WIDE, {"S1002", "S0710"}),
            "secretary": {"S1002"},
            "supervisor": set(),
            "postdoc": set(),
            "outsider": {"S1001"},
        },
        prepare=give_every_station_an_evaluation,
    ),
    "GET /stations/evaluations/{evaluation_id}": Reading(
        is_the_evaluation_of, an_evaluation("new"), readers=EVALUATION_READERS
    ),
    # Everyone sees the station of their appointment; only its institution's office administrators evaluate it.
    "POST /stations/{station_code}/evaluations": Change(
        {"cycle": 2025, "kind": "comprehensive", "period_start": "2020-01-01", "period_end": "2024-12-31"},
        done=201,
        refusal=CHANGE_EVALUATIONS,
        managers=OFFICE,
    ),
    "POST /stations/evaluations/{evaluation_id}/refresh": evaluation_change({}, "new"),
    "POST /stations/evaluations/{evaluation_id}/review": evaluation_change(
        {"deadline": "2099-06-30"}, "rules", done=201
    ),
    "POST /stations/evaluations/{evaluation_id}/act": evaluation_change(
        {"action": "none", "note": "整改完成"}, "graded"
    ),
    # Projects: seen as their holders are, changed by who manages the holder.
    "GET /projects/{project_id}": Reading(
        lambda body, appointment: body["holder"] == appointment.pk, a_project("applied")
    ),
    "POST /appointments/{appointment_id}/projects": project_change(
        {"project_no": "A-NEW", "title": "课题", "applied_on": "2025-02-01", "funder": "国家自然科学基金委员会"},
        done=201,
    ),
    "POST /appointments/{appointment_id}/projects/record": project_change(
        {"project_no": "P-NEW", "title": "课题", "awarded_on": "2025-02-01", "funder": "国家自然科学基金委员会"},
        done=201,
    ),
    "POST /projects/{project_id}/award": project_change({"awarded_on": "2025-01-10"}, "applied"),
    "POST /projects/{project_id}/reject": project_change({"on": "2025-01-10"}, "applied"),
    "POST /projects/{project_id}/complete": project_change({"on": "2025-01-10"}, "awarded"),
    "POST /projects/{project_id}/terminate": project_change({"on": "2025-01-10", "reason": "出站"}, "awarded"),
    "POST /projects/{project_id}/update": project_change({"title": "新题目"}, "applied"),
    # The funding reference: the shipped catalogue and the institution's own; the level mapping for those who
    # see the whole institution.
    "GET /level-rules": Listing(
        "funder",
        by_scope(
            institution=DEFAULT_LEVEL_FUNDERS | {"U1-FUND"},
            one_appointment=set(),
            other_institution=DEFAULT_LEVEL_FUNDERS | {"U2-FUND"},
        ),
        prepare=give_every_institution_a_funder,
    ),
    "GET /funders": Listing(
        "code",
        shipped_and_own(Funder, "code", Q(institution__isnull=True), "FUND"),
        prepare=give_every_institution_a_funder,
    ),
    "GET /programmes": Listing(
        "code",
        shipped_and_own(Programme, "code", Q(funder__institution__isnull=True), "PROG"),
        prepare=give_every_institution_a_funder,
    ),
    # Funders' award lists: office administrators only; everyone else finds none.
    "GET /award-lists": Listing(
        "batch",
        {
            **dict.fromkeys(PERSONAS, set()),
            "admin": {"第69批-U1"},
            "outsider": {"第69批-U2"},
        },
        prepare=give_every_institution_an_award_list,
    ),
    "GET /award-lists/{list_id}": Reading(
        lambda body, appointment: {row["appointment"] for row in body["row_items"]} == {appointment.pk},
        an_award_list,
        readers=OFFICE,
    ),
    "POST /award-lists/{list_id}/rows/{row_id}/choose": award_list_change({"appointment": None}),
    "POST /award-lists/{list_id}/confirm": award_list_change({}),
    "POST /award-lists/{list_id}/discard": award_list_change({}),
    # Research outputs: seen as their stays are, written by who manages the stay and by the postdoc on their own.
    "GET /outputs": Listing(
        "title",
        by_scope(
            institution={"appointment", "other_appointment"},
            one_appointment={"appointment"},
            other_institution={"outside_appointment"},
        ),
        prepare=give_every_appointment_an_output,
    ),
    "GET /outputs/{output_id}": Reading(lambda body, appointment: body["appointment"] == appointment.pk, an_output),
    "POST /appointments/{appointment_id}/outputs": output_change(
        {"kind": "paper", "title": "Liver zonation", "year": 2025, "authors": ["甲", "乙"], "author_position": 2},
        done=201,
        prepare=None,
    ),
    "POST /outputs/{output_id}/update": output_change({"journal": "Cell"}),
    "POST /appointments/{appointment_id}/outputs/import": CoveredElsewhere("tests/outputs/test_api_import.py"),
    "POST /appointments/{appointment_id}/outputs/import/confirm": CoveredElsewhere("tests/outputs/test_api_import.py"),
    # Admissions to the appointment's station and its person's details (appointments/api.py and people/api.py, docs/decisions/0019):
    # those who manage the station or one of the person's stays change them, the others who see them may not.
    "POST /stations/{station_code}/admissions": Change(
        ADMISSION, done=201, prepare=a_supervisor_to_admit_with, refusal="You may not admit postdocs to this station."
    ),
    "GET /people/{person_id}": Reading(lambda body, appointment: body["id"] == appointment.person_id),
    "POST /people/{person_id}/update": Change(
        {"phd_institution": "四川大学", "note": "核对学位证书"}, refusal="You may not change this postdoc's details."
    ),
    "POST /people/{person_id}/correct-id": Change(
        {"id_type": "passport", "id_number": "E76543210", "note": "新护照"},
        refusal="You may not correct this postdoc's ID number.",
    ),
    "POST /outputs/{output_id}/remove": output_change({}),
}


# Helpers the tests use ----------------------------------------------------------------------------


def operations_of(kind: type) -> list[str]:
    return [operation for operation in OPERATIONS if isinstance(EXPECTATIONS.get(operation), kind)]


def record_labels(world: World) -> dict[Any, str]:
    """Readable names for the records whose identifiers are generated; codes and numbers name themselves."""
    return {
        world.appointment.pk: "appointment",
        world.other_appointment.pk: "other_appointment",
        world.outside_appointment.pk: "outside_appointment",
        world.supervisor.staff_no: "supervisor",
        world.other_supervisor.staff_no: "other_supervisor",
        world.outside_appointment.primary_supervisor.staff_no: "outside_supervisor",
    }


def give_every_appointment_a_project(world: World) -> None:
    for name in ("appointment", "other_appointment", "outside_appointment"):
        appointment = getattr(world, name)
        project_record(
            holder=appointment,
            project_no=f"P-{name}",
            title="课题",
            funder="NSFC",
            level="national",
            awarded_on=dt.date(2024, 6, 1),
            by=office_administrator_of(world, appointment),
        )


def record_in_path(placeholder: str, appointment: Appointment) -> Any:
    """What a path's placeholder names for an appointment: the appointment, its latest review, project or
    output, the latest application, round or award list (and its row) of its institution, its station or the
    station's latest evaluation (1 when none)."""
    found: Any = None
    if placeholder == "appointment_id":
        return appointment.pk
    if placeholder == "station_code":
        return appointment.station.code
    if placeholder == "person_id":
        return appointment.person_id
    if placeholder == "review_id":
        found = Review.objects.filter(appointment=appointment).order_by("pk").last()
    elif placeholder == "application_id":
        found = Application.objects.filter(institution_id=appointment.institution_id).order_by("pk").last()
    elif placeholder == "round_id":
        found = Round.objects.filter(institution_id=appointment.institution_id).order_by("pk").last()
    elif placeholder == "evaluation_id":
        found = Evaluation.objects.filter(station_id=appointment.station_id).order_by("pk").last()
    elif placeholder == "project_id":
        found = Project.objects.filter(holder=appointment).order_by("pk").last()
    elif placeholder == "output_id":
        found = Output.objects.filter(appointment=appointment).order_by("pk").last()
    elif placeholder == "list_id":
        found = AwardList.objects.filter(institution_id=appointment.institution_id).order_by("pk").last()
    elif placeholder == "row_id":
        found = AwardListRow.objects.filter(award_list__institution_id=appointment.institution_id).order_by("pk").last()
    return found.pk if found else 1


def call(operation: str, appointment: Appointment | None = None, *, api: ApiClient | None = None) -> Any:
    """One request for the operation, with the table's body, as the persona of `api` or anonymously.

    Works for an operation the table does not know yet, so that it is still tested for anonymous callers.
    """
    method, template = operation.split(" ", 1)
    path = PREFIX + re.sub(
        r"\{(\w+)\}",
        lambda match: str(record_in_path(match.group(1), appointment) if appointment else 1),
        template,
    )
    client = api.client if api else Client()
    headers = {"Authorization": f"Bearer {api.key}"} if api else {}
    if method == "GET":
        return client.get(path, headers=headers)
    expectation = EXPECTATIONS.get(operation)
    body = expectation.body if isinstance(expectation, Change) else {}
    return client.generic(method, path, data=json.dumps(body), content_type="application/json", headers=headers)


def read_every_page(api: ApiClient, operation: str) -> list[dict[str, Any]]:
    """All items of a list, page by page; each page must agree on the count, the last must end it."""
    path = PREFIX + operation.removeprefix("GET ")
    items: list[dict[str, Any]] = []
    while True:
        response = api.client.get(
            path, {"limit": MAX_LIMIT, "offset": len(items)}, headers={"Authorization": f"Bearer {api.key}"}
        )
        assert response.status_code == 200, response.json()
        page = response.json()
        items += page["items"]
        if not page["items"] or len(items) >= page["count"]:
            assert len(items) == page["count"]
            return items


def prepare(world: World, operation: str, appointment: Appointment) -> None:
    expectation = EXPECTATIONS[operation]
    if isinstance(expectation, Reading | Change) and expectation.prepare:
        expectation.prepare(world, appointment)


def timeline_length(appointment: Appointment) -> int:
    """Events of the appointment (its projects' and outputs' among them), of its station, of its institution's
    rounds, applications and award lists, of its station's evaluations, and of all their reviews."""
    institution, station = appointment.institution_id, appointment.station_id
    records: list[Model] = [
        appointment,
        appointment.person,
        *Appointment.objects.filter(station_id=station),  # an admission to the station is a new one
        appointment.station,
        *Round.objects.filter(institution_id=institution),
        *Application.objects.filter(institution_id=institution),
        *AwardList.objects.filter(institution_id=institution),
        *Evaluation.objects.filter(station_id=station),
        *Review.objects.filter(
            Q(appointment=appointment) | Q(application__institution_id=institution) | Q(evaluation__station_id=station)
        ),
    ]
    return sum(AuditEvent.objects.for_record(record).count() for record in records)


# The tests -----------------------------------------------------------------------------------------


def test_every_operation_has_an_expectation():
    assert OPERATIONS, "the OpenAPI document lists no operations"
    missing = set(OPERATIONS) - set(EXPECTATIONS)
    assert not missing, f"add a row to EXPECTATIONS for: {sorted(missing)}"
    stale = set(EXPECTATIONS) - set(OPERATIONS)
    assert not stale, f"EXPECTATIONS names operations the API no longer has: {sorted(stale)}"


@pytest.mark.parametrize("operation", OPERATIONS)
def test_anonymous_callers_are_refused(world, operation):
    events = AuditEvent.objects.count()
    response = call(operation, world.appointment)
    assert response.status_code == 401
    assert response.json() == {"message": "A valid API token is required."}
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("operation", operations_of(Listing))
def test_lists_show_exactly_the_records_in_scope(api_as, world, operation, persona):
    give_every_appointment_a_project(world)
    give_every_appointment_a_review(world)
    expectation = EXPECTATIONS[operation]
    assert isinstance(expectation, Listing)
    if expectation.prepare:
        expectation.prepare(world)
    labels = record_labels(world)
    items = read_every_page(api_as(persona), operation)
    listed = [labels.get(item[expectation.item_field], item[expectation.item_field]) for item in items]
    shows = expectation.shows[persona]
    assert set(listed) == (shows.labels() if isinstance(shows, Catalogue) else shows)
    assert len(listed) == len(set(listed)), "a record is listed twice"


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("operation", operations_of(Reading))
def test_a_record_in_scope_is_read(api_as, world, operation, persona):
    appointment = getattr(world, IN_SCOPE[persona])
    prepare(world, operation, appointment)
    expectation = EXPECTATIONS[operation]
    assert isinstance(expectation, Reading)
    response = call(operation, appointment, api=api_as(persona))
    if persona not in expectation.readers:
        assert response.status_code == 404, response.json()
        assert response.json() == {"message": "Not found."}
        return
    assert response.status_code == 200, response.json()
    assert expectation.is_about(response.json(), appointment), response.json()


@pytest.mark.parametrize(("persona", "record"), [(p, record) for p in PERSONAS for record in OUT_OF_SCOPE[p]])
@pytest.mark.parametrize("operation", operations_of(Reading) + operations_of(Change))
def test_a_record_outside_the_scope_is_not_found(api_as, world, operation, persona, record):
    appointment = getattr(world, record)
    prepare(world, operation, appointment)  # so that nothing but the scope stands in the way
    api = api_as(persona)
    before = timeline_length(appointment)
    response = call(operation, appointment, api=api)
    assert response.status_code == 404
    assert response.json() == {"message": "Not found."}
    assert timeline_length(appointment) == before


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("operation", operations_of(Change))
def test_a_change_in_scope_is_done_only_by_those_who_manage_it(api_as, world, operation, persona):
    appointment = getattr(world, IN_SCOPE[persona])
    expectation = EXPECTATIONS[operation]
    assert isinstance(expectation, Change)
    prepare(world, operation, appointment)
    api = api_as(persona)
    before = timeline_length(appointment)
    response = call(operation, appointment, api=api)
    if persona in expectation.managers:
        assert response.status_code == expectation.done, response.json()
        assert timeline_length(appointment) > before
    elif expectation.refuses(persona):
        assert response.status_code == 403, response.json()
        assert response.json() == {"message": expectation.refusal}
        assert timeline_length(appointment) == before
    else:  # the record is outside the persona's scope altogether
        assert response.status_code == 404, response.json()
        assert response.json() == {"message": "Not found."}
        assert timeline_length(appointment) == before


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("operation", operations_of(Figures))
def test_figures_are_for_those_who_see_the_institution(api_as, world, operation, persona):
    expectation = EXPECTATIONS[operation]
    assert isinstance(expectation, Figures)
    response = call(operation, api=api_as(persona))
    assert response.status_code == (200 if persona in expectation.allowed else 403)
    assert ("recruited" in response.json()) == (persona in expectation.allowed)
