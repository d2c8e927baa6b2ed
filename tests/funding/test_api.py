"""Projects, funders' award lists and research outputs through the API: each step through the same services as
the pages with one audit event, refusals that answer the service's sentence and write nothing, the funding
rules' warnings held back (409) until acknowledged, the reference reads, filters and order, and lists whose
cost does not grow with their rows. Who may do what on which record is tests/permissions/test_api.py."""

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from appointments.models import Appointment
from audit.models import AuditEvent
from awardlists.models import AwardList, AwardListRow
from awardlists.services import award_list_upload
from funding.models import Funder, LevelRule, Programme, Project
from funding.services import funder_save, funding_rules_save, level_rule_save, programme_save
from outputs.models import Output
from tests.awardlists.conftest import row, upload_file, xlsx_bytes
from tests.clients import ApiClient
from tests.factories import World, make_appointment, make_person
from tests.subjects import AWARD_LIST_ON, award_list_for, output_for, project_at

pytestmark = pytest.mark.django_db

NOT_FOUND = {"message": "Not found."}
RECORD_PROJECTS = "You may not record projects for this postdoc."
RECORD_OUTPUTS = "You may not record research outputs for this postdoc."
NSFC = "国家自然科学基金委员会"

Api = Callable[[str], ApiClient]


def written() -> tuple[int, ...]:
    """What a refused request must leave as it was (the personas' API tokens, made on first use, aside)."""
    return (
        Project.objects.count(),
        Output.objects.count(),
        AwardList.objects.exclude(status="checked").count(),
        AwardListRow.objects.exclude(decision="").count(),
        AuditEvent.objects.exclude(event__startswith="api_token.").count(),
    )


def events_of(record: Any, event: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.for_record(record).filter(event=event).order_by("pk"))


def text_of(response: Any) -> str:
    return json.dumps(response.json(), ensure_ascii=False)


def programme_id(api: ApiClient, funder: str, code: str) -> int:
    [found] = [p["id"] for p in api.get("/programmes", funder=funder, limit=200).json()["items"] if p["code"] == code]
    return found


# Projects: from the application to the end -----------------------------------------------------


def test_an_application_is_awarded_and_completed_through_the_api(api_as: Api, world: World) -> None:
    api = api_as("admin")
    appointment = world.appointment
    applied = api.post(
        f"/appointments/{appointment.pk}/projects",
        {"project_no": " 82400001 ", "title": "肝脏类器官", "applied_on": "2024-06-01", "funder": NSFC,
         "amount": "300000", "period_start": "2025-01-01", "period_end": "2027-12-31"},
    )  # fmt: skip
    assert applied.status_code == 201, applied.json()
    body = applied.json()
    assert (body["project_no"], body["status"], body["awarded_on"], body["holder"]) == (
        "82400001",
        "applied",
        None,
        appointment.pk,
    )
    # Matched to the catalogue's NSFC, which the institution's mapping counts national.
    assert (body["funder_code"], body["level"], body["level_override"], body["amount"]) == (
        "NSFC",
        "national",
        "",
        "300000.00",
    )
    project = Project.objects.get(pk=body["id"])
    [applied_event] = events_of(appointment, "project.applied")
    assert (applied_event.actor, applied_event.target_id) == (world.admin, str(project.pk))
    assert api.get(f"/projects/{project.pk}").json() == body

    awarded = api.post(
        f"/projects/{project.pk}/award",
        {"awarded_on": "2024-09-01", "project_no": "82400001-A", "amount": "280000", "grade": "C"},
    )
    assert awarded.status_code == 200, awarded.json()
    assert (awarded.json()["status"], awarded.json()["awarded_on"], awarded.json()["project_no"]) == (
        "awarded",
        "2024-09-01",
        "82400001-A",
    )
    assert awarded.json()["amount"] == "280000.00"
    assert awarded.json()["period_end"] == "2027-12-31"  # kept from the application
    assert len(events_of(appointment, "project.awarded")) == 1

    completed = api.post(f"/projects/{project.pk}/complete", {"on": "2025-12-20"})
    assert completed.status_code == 200, completed.json()
    assert (completed.json()["status"], completed.json()["ended_on"]) == ("completed", "2025-12-20")
    assert len(events_of(appointment, "project.completed")) == 1
    project.refresh_from_db()
    assert (project.status, project.ended_on) == ("completed", dt.date(2025, 12, 20))


def test_an_application_not_funded_and_a_project_terminated(api_as: Api, world: World) -> None:
    api = api_as("secretary")  # the secretary of the appointment's station manages it
    application = project_at(world.appointment, "applied", world.admin)
    rejected = api.post(f"/projects/{application.pk}/reject", {"on": "2024-12-01"})
    assert rejected.status_code == 200, rejected.json()
    assert (rejected.json()["status"], rejected.json()["rejected_on"]) == ("rejected", "2024-12-01")
    [event] = events_of(world.appointment, "project.rejected")
    assert event.actor == world.secretary

    project = project_at(world.appointment, "awarded", world.admin)
    before = written()
    blank = api.post(f"/projects/{project.pk}/terminate", {"on": "2025-03-01", "reason": "  "})
    assert blank.status_code == 400
    assert (blank.json()["message"], blank.json()["field"]) == ("Give the reason the project was terminated.", "reason")
    assert written() == before
    terminated = api.post(f"/projects/{project.pk}/terminate", {"on": "2025-03-01", "reason": "负责人出站"})
    assert terminated.status_code == 200, terminated.json()
    assert (terminated.json()["status"], terminated.json()["ended_on"]) == ("terminated", "2025-03-01")
    [event] = events_of(world.appointment, "project.terminated")
    assert event.note == "负责人出站"


REFUSED_STEPS = [
    # (stage, step, body, field, sentence)
    ("awarded", "award", {"awarded_on": "2025-01-10"}, "status",
     "Only an application can be awarded; this project is awarded, in progress."),
    ("awarded", "reject", {"on": "2025-01-10"}, "status",
     "This project is awarded, in progress; it cannot be marked not funded."),
    ("applied", "complete", {"on": "2025-01-10"}, "status", "This project is applied; it cannot be marked completed."),
    ("applied", "terminate", {"on": "2025-01-10", "reason": "出站"}, "status",
     "This project is applied; it cannot be marked terminated."),
    ("applied", "award", {"awarded_on": "2023-01-10"}, "awarded_on",
     "The award date is before the holder entered the station (2024-03-01)."),
    ("applied", "reject", {"on": "2024-05-01"}, "on", "The decision is dated before the application."),
    ("awarded", "complete", {"on": "2024-08-01"}, "on", "The project ends before it was awarded."),
    ("applied", "update", {"funder_id": 999999}, "funder_id", "There is no funder 999999 in the catalogue."),
    ("applied", "update", {"title": ""}, "title", "This field needs a value."),
]  # fmt: skip


@pytest.mark.parametrize(("stage", "step", "body", "field", "sentence"), REFUSED_STEPS)
def test_a_refused_step_answers_the_services_sentence_and_writes_nothing(
    api_as: Api, world: World, stage: str, step: str, body: dict[str, Any], field: str, sentence: str
) -> None:
    project = project_at(world.appointment, stage, world.admin)
    state = Project.objects.filter(pk=project.pk).values().get()
    before = written()
    response = api_as("admin").post(f"/projects/{project.pk}/{step}", body)
    assert response.status_code == 400, response.json()
    assert (response.json()["message"], response.json()["field"]) == (sentence, field)
    assert written() == before
    assert Project.objects.filter(pk=project.pk).values().get() == state


def test_a_duplicate_number_and_a_funder_without_a_level_are_refused(api_as: Api, world: World) -> None:
    api = api_as("admin")
    project_at(world.appointment, "applied", world.admin, number="DUP-1")
    before = written()
    path = f"/appointments/{world.other_appointment.pk}/projects"
    body = {"project_no": "DUP-1", "title": "课题", "applied_on": "2024-06-01", "funder": NSFC}
    duplicate = api.post(path, body)
    assert (duplicate.status_code, duplicate.json()["field"]) == (400, "project_no")
    assert duplicate.json()["message"] == "Project number DUP-1 is already recorded."
    unknown = api.post(path, {**body, "project_no": "NEW-1", "funder": "某某基金会"})
    assert (unknown.status_code, unknown.json()["field"]) == (400, "level")
    assert unknown.json()["message"] == (
        "某某基金会 is not in the catalogue of funders, so the institution's mapping gives it no level: give the level."
    )
    assert written() == before
    given = api.post(path, {**body, "project_no": "NEW-1", "funder": "某某基金会", "level_override": "municipal"})
    assert given.status_code == 201, given.json()
    assert (given.json()["funder_id"], given.json()["level"]) == (None, "municipal")


# The funding rules: a warning is held back until acknowledged, a refusal names its rule --------------


def test_a_warning_is_held_back_until_acknowledged(api_as: Api, world: World) -> None:
    """The CPSF general grant's applications come within 18 months of entry (a warning by default)."""
    api = api_as("admin")
    general = programme_id(api, "CPSF", "general")
    body = {"project_no": "2025M1", "title": "面上资助申请", "applied_on": "2025-10-01", "programme_id": general}
    before = written()
    held = api.post(f"/appointments/{world.appointment.pk}/projects", body)
    assert held.status_code == 409, held.json()
    sentence = (
        "Applications to 面上资助 are made within 18 months of entry: by 2025-09-01 for a postdoc who entered on "
        "2024-03-01."
    )
    assert held.json() == {
        "message": sentence,
        "field": "applied_on",
        "warnings": [{"rule": "apply_window", "message": sentence, "field": "applied_on"}],
    }
    assert written() == before

    recorded = api.post(f"/appointments/{world.appointment.pk}/projects", {**body, "acknowledged": True})
    assert recorded.status_code == 201, recorded.json()
    assert (recorded.json()["funder_code"], recorded.json()["programme_code"]) == ("CPSF", "general")
    assert recorded.json()["level"] == "provincial"
    [event] = events_of(world.appointment, "project.applied")
    assert event.note == f"Acknowledged warning: {sentence}"


def test_a_rule_in_refusal_mode_is_refused_naming_the_request_field(api_as: Api, world: World) -> None:
    """The CPSF general grant is awarded once per station (a refusal by default): a second application is
    refused. In warning mode the application is held back until acknowledged, and the award asks again."""
    api = api_as("admin")
    general = programme_id(api, "CPSF", "general")
    first = api.post(
        f"/appointments/{world.appointment.pk}/projects/record",
        {"project_no": "2024M1", "title": "第一次", "awarded_on": "2024-09-01", "programme_id": general},
    )
    assert first.status_code == 201, first.json()
    body = {"project_no": "2025M2", "title": "第二次", "applied_on": "2025-01-10", "programme_id": general}
    before = written()
    refused = api.post(f"/appointments/{world.appointment.pk}/projects", body)
    assert refused.status_code == 400, refused.json()
    sentence = "面上资助 is awarded at most once per station, and 陈博士 already has it at 临床医学博士后科研流动站."
    assert refused.json() == {"message": sentence, "field": "programme_id", "violations": []}
    assert written() == before

    funding_rules_save(institution=world.institution, by=world.admin, once_per_station="warn")
    before = written()
    held = api.post(f"/appointments/{world.appointment.pk}/projects", body)
    assert held.status_code == 409, held.json()
    assert held.json()["warnings"] == [{"rule": "once_per_station", "message": sentence, "field": "programme_id"}]
    assert written() == before
    application = api.post(f"/appointments/{world.appointment.pk}/projects", {**body, "acknowledged": True})
    assert application.status_code == 201, application.json()
    project_id = application.json()["id"]
    # Awarding is where the rule bites: asked again, though the application was let through.
    again = api.post(f"/projects/{project_id}/award", {"awarded_on": "2025-06-30"})
    assert (again.status_code, [w["rule"] for w in again.json()["warnings"]]) == (409, ["once_per_station"])
    awarded = api.post(f"/projects/{project_id}/award", {"awarded_on": "2025-06-30", "acknowledged": True})
    assert (awarded.status_code, awarded.json()["status"]) == (200, "awarded")
    [event] = events_of(world.appointment, "project.awarded")
    assert event.note == f"Acknowledged warning: {sentence}"


def test_an_nsfc_application_needs_the_offices_extension_commitment(api_as: Api, world: World) -> None:
    api = api_as("admin")
    young = programme_id(api, "NSFC", "young-c")
    body = {"project_no": "82500001", "title": "青年基金", "applied_on": "2025-03-10", "programme_id": young,
            "period_start": "2026-01-01", "period_end": "2028-12-31"}  # fmt: skip
    refused = api.post(f"/appointments/{world.appointment.pk}/projects", body)
    assert refused.status_code == 400
    assert refused.json()["field"] == "extension_commitment_until"
    assert "needs the office's commitment to extend the appointment" in refused.json()["message"]
    committed = api.post(
        f"/appointments/{world.appointment.pk}/projects", {**body, "extension_commitment_until": "2028-12-31"}
    )
    assert committed.status_code == 201, committed.json()
    assert committed.json()["extension_commitment_until"] == "2028-12-31"


# Corrections -----------------------------------------------------------------------------------------


def test_a_correction_changes_only_what_is_given_and_recounts_the_level(api_as: Api, world: World) -> None:
    api = api_as("admin")
    project = project_at(world.appointment, "awarded", world.admin)
    response = api.post(
        f"/projects/{project.pk}/update",
        {"title": "肝脏类器官的构建", "amount": "250000", "level_override": "provincial", "note": "按任务书更正"},
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["title"], body["amount"], body["level"], body["level_override"]) == (
        "肝脏类器官的构建",
        "250000.00",
        "provincial",
        "provincial",
    )
    assert (body["project_no"], body["awarded_on"], body["funder_code"]) == (
        project.project_no,
        "2024-09-01",
        "NSFC",
    )
    [event] = events_of(world.appointment, "project.changed")
    assert set(event.after) == {"title", "amount", "level", "level_override"}
    assert event.before["level"] == "national" and event.note == "按任务书更正"

    # Back to the mapping; a blank level given for the project follows it again.
    back = api.post(f"/projects/{project.pk}/update", {"level_override": ""})
    assert (back.json()["level"], back.json()["level_override"]) == ("national", "")
    # The same values again change nothing and record nothing.
    events = AuditEvent.objects.count()
    assert api.post(f"/projects/{project.pk}/update", {"title": "肝脏类器官的构建"}).status_code == 200
    assert AuditEvent.objects.count() == events


def test_a_project_moves_only_to_a_postdoc_the_caller_manages(api_as: Api, world: World) -> None:
    project = project_at(world.appointment, "applied", world.admin)
    secretary = api_as("secretary")  # station S1002: world.appointment, not world.other_appointment
    before = written()
    away = secretary.post(f"/projects/{project.pk}/update", {"holder": world.other_appointment.pk})
    assert (away.status_code, away.json()) == (404, NOT_FOUND)
    abroad = api_as("admin").post(f"/projects/{project.pk}/update", {"holder": world.outside_appointment.pk})
    assert (abroad.status_code, abroad.json()) == (404, NOT_FOUND)
    assert written() == before
    moved = api_as("admin").post(f"/projects/{project.pk}/update", {"holder": world.other_appointment.pk})
    assert (moved.status_code, moved.json()["holder"]) == (200, world.other_appointment.pk)


# Who reads and who changes ---------------------------------------------------------------------------


def test_projects_outside_the_scope_are_not_found_and_readers_may_not_change(api_as: Api, world: World) -> None:
    mine = project_at(world.appointment, "applied", world.admin)
    other = project_at(world.other_appointment, "applied", world.admin)
    before = written()
    for persona in ("secretary", "supervisor", "postdoc"):
        api = api_as(persona)
        assert api.get(f"/projects/{mine.pk}").status_code == 200
        assert api.get(f"/projects/{other.pk}").json() == NOT_FOUND
        response = api.post(f"/projects/{other.pk}/reject", {"on": "2024-12-01"})
        assert (response.status_code, response.json()) == (404, NOT_FOUND), persona
        assert [p["id"] for p in api.get("/projects").json()["items"]] == [mine.pk]
    for persona in ("supervisor", "postdoc", "leadership"):
        response = api_as(persona).post(f"/projects/{mine.pk}/reject", {"on": "2024-12-01"})
        assert (response.status_code, response.json()) == (403, {"message": RECORD_PROJECTS}), persona
        created = api_as(persona).post(
            f"/appointments/{world.appointment.pk}/projects",
            {"project_no": "X", "title": "课题", "applied_on": "2024-06-01", "funder": NSFC},
        )
        assert (created.status_code, created.json()) == (403, {"message": RECORD_PROJECTS}), persona
    outsider = api_as("outsider")
    assert outsider.get(f"/projects/{mine.pk}").json() == NOT_FOUND
    assert outsider.post(f"/projects/{mine.pk}/update", {"title": "改"}).json() == NOT_FOUND
    assert outsider.get("/projects").json() == {"count": 0, "items": []}
    assert written() == before


# The list: its order and filters ---------------------------------------------------------------------


def test_the_project_list_orders_awards_by_date_then_applications_and_filters(api_as: Api, world: World) -> None:
    admin = world.admin
    old = project_at(world.appointment, "awarded", admin, number="B-OLD")
    newer = project_at(world.other_appointment, "applied", admin, number="B-NEW")
    newer_award = api_as("admin").post(f"/projects/{newer.pk}/award", {"awarded_on": "2025-02-01"})
    assert newer_award.status_code == 200
    pending_z = project_at(world.appointment, "applied", admin, number="Z-APP")
    pending_a = project_at(world.other_appointment, "applied", admin, number="A-APP")
    refused = project_at(world.appointment, "applied", admin, number="M-REJ")
    api_as("admin").post(f"/projects/{refused.pk}/reject", {"on": "2024-12-01"})
    api = api_as("admin")

    def numbers(**filters: Any) -> list[str]:
        response = api.get("/projects", **filters)
        assert response.status_code == 200, response.json()
        return [item["project_no"] for item in response.json()["items"]]

    # Awards newest first, then the projects without an award date by number.
    assert numbers() == ["B-NEW", "B-OLD", "A-APP", "M-REJ", "Z-APP"]
    assert numbers(limit=2, offset=2) == ["A-APP", "M-REJ"]
    assert numbers(status="applied") == ["A-APP", "Z-APP"]
    assert numbers(status="rejected") == ["M-REJ"]
    assert numbers(level="national") == numbers()  # NSFC throughout
    assert numbers(level="provincial") == []
    assert numbers(funder="NSFC", year=2025) == ["B-NEW"]
    assert numbers(funder="CPSF") == []
    assert numbers(appointment=world.appointment.pk) == ["B-OLD", "M-REJ", "Z-APP"]
    assert numbers(q="app") == ["A-APP", "Z-APP"]
    assert numbers(q="肝脏") == numbers()  # the title
    assert numbers(role="participant") == []
    assert old.pk and pending_z.pk and pending_a.pk
    assert api.get("/projects", status="granted").status_code == 422
    assert api.get("/projects", q="a\x00b").status_code == 422


# The funding reference -------------------------------------------------------------------------------


def own_funder(world: World, code: str = "U1-FUND") -> Funder:
    funder = funder_save(institution=world.institution, code=code, name_zh=f"{code}基金", kind="university",
                         aliases="校基金\n校内基金", by=world.admin)  # fmt: skip
    programme = programme_save(funder=funder, code=f"{code}-P", name_zh="校内博士后", by=world.admin)
    assert programme.pk
    return funder


def test_funders_and_programmes_are_the_catalogue_and_the_institutions_own(api_as: Api, world: World) -> None:
    own_funder(world)
    funder_save(institution=world.outsider.institution, code="U2-FUND", name_zh="他校基金", kind="university",
                by=world.outsider)  # fmt: skip
    shipped = set(Funder.objects.filter(institution__isnull=True).values_list("code", flat=True))
    api = api_as("postdoc")
    funders = api.get("/funders").json()
    codes = [f["code"] for f in funders["items"]]
    assert set(codes) == shipped | {"U1-FUND"} and funders["count"] == len(shipped) + 1
    assert codes[-1] == "U1-FUND"  # the catalogue first, by kind: national bodies first
    kinds = [Funder.Kind.values.index(f["kind"]) for f in funders["items"][:-1]]
    assert kinds == sorted(kinds) and kinds[0] == 0
    [mine] = [f for f in funders["items"] if f["code"] == "U1-FUND"]
    assert (mine["shipped"], mine["aliases"], mine["kind"]) == (False, ["校基金", "校内基金"], "university")
    [cpsf] = [f for f in funders["items"] if f["code"] == "CPSF"]
    assert (cpsf["shipped"], cpsf["name_zh"]) == (True, "中国博士后科学基金会")

    [general] = [p for p in api.get("/programmes", funder="CPSF").json()["items"] if p["code"] == "general"]
    assert (general["once_per_station"], general["apply_within_months"], general["shipped"]) == (True, 18, True)
    first_natural_2020 = [
        a for a in general["amounts"] if (a["grade"], a["field"], a["year_from"]) == ("一等", "natural", 2020)
    ]
    assert [a["amount"] for a in first_natural_2020] == ["120000.00"]
    assert {p["funder"] for p in api.get("/programmes", funder="U1-FUND").json()["items"]} == {"U1-FUND"}
    assert api.get("/programmes", funder="U2-FUND").json() == {"count": 0, "items": []}


def test_the_level_mapping_is_for_those_who_see_the_institution(api_as: Api, world: World) -> None:
    funder = own_funder(world)
    level_rule_save(institution=world.institution, funder=funder, level="university", by=world.admin)
    cpsf = Funder.objects.get(institution__isnull=True, code="CPSF")
    general = Programme.objects.get(funder=cpsf, code="general")
    level_rule_save(institution=world.institution, funder=cpsf, programme=general, level="national", by=world.admin)
    expected = LevelRule.objects.filter(institution=world.institution).count()
    for persona in ("admin", "leadership"):
        rules = api_as(persona).get("/level-rules").json()
        assert rules["count"] == expected
        mapping = {(r["funder"], r["programme"]): r["level"] for r in rules["items"]}
        assert mapping[("U1-FUND", None)] == "university"
        assert mapping[("CPSF", None)] == "provincial" and mapping[("CPSF", "general")] == "national"
        assert mapping[("NSFC", None)] == "national"
        cpsf_rows = [(r["funder"], r["programme"]) for r in rules["items"] if r["funder"] == "CPSF"]
        assert cpsf_rows == [("CPSF", None), ("CPSF", "general")]  # the funder's rule before its programmes'
    for persona in ("secretary", "supervisor", "postdoc"):
        assert api_as(persona).get("/level-rules").json() == {"count": 0, "items": []}
    outsider = {r["funder"] for r in api_as("outsider").get("/level-rules").json()["items"]}
    assert "U1-FUND" not in outsider and "CPSF" in outsider


# Funders' award lists ------------------------------------------------------------------------------


def mixed_list(world: World) -> AwardList:
    """A list naming world.appointment exactly, world.other_appointment's number under another name (an
    uncertain row whose candidate is that postdoc), someone the institution does not know, and a row of
    another institution."""
    host = world.institution.name_zh
    a, b = world.appointment, world.other_appointment
    rows = [
        row(1, a.person.name, a.postdoc_no, "1002", host=host),
        row(2, "周博", b.postdoc_no, "0710", host=host),
        row(3, "无名氏", "", "0710", host=host),
        row(4, "他校人", "BH999", "0710", host="另一所学校"),
    ]
    return award_list_upload(
        institution=world.institution,
        programme=Programme.objects.get(funder__institution__isnull=True, funder__code="CPSF", code="general"),
        batch="第69批",
        awarded_on=AWARD_LIST_ON,
        file=upload_file("第69批.xlsx", xlsx_bytes(rows)),
        by=world.admin,
    )


def test_an_award_list_is_reviewed_and_confirmed_into_awards(api_as: Api, world: World) -> None:
    award_list = mixed_list(world)
    api = api_as("admin")
    listed = api.get("/award-lists").json()
    assert [(item["id"], item["batch"], item["status"]) for item in listed["items"]] == [
        (award_list.pk, "第69批", "checked")
    ]
    assert (listed["items"][0]["rows"], listed["items"][0]["exact"], listed["items"][0]["other"]) == (3, 1, 1)
    detail = api.get(f"/award-lists/{award_list.pk}").json()
    assert (detail["programme"], detail["funder"], detail["awarded_on"]) == ("general", "CPSF", "2025-06-30")
    assert detail["other_institutions"] == {"另一所学校": 1}
    rows = {row["number"]: row for row in detail["row_items"]}
    assert sorted(rows) == [3, 4, 5]  # after the title and the header; the other institution's row is not kept
    exact, uncertain, unmatched = rows[3], rows[4], rows[5]
    assert (exact["outcome"], exact["appointment"], exact["decision"]) == ("exact", world.appointment.pk, "accept")
    assert (uncertain["outcome"], uncertain["appointment"], uncertain["decision"]) == ("uncertain", None, "")
    assert [c["id"] for c in uncertain["candidates"]] == [world.other_appointment.pk]
    assert uncertain["candidates"][0]["postdoc_no"] == world.other_appointment.postdoc_no
    assert uncertain["notes"]
    assert (unmatched["outcome"], unmatched["candidates"]) == ("unmatched", [])
    assert "file" not in detail and "media" not in text_of(api.get(f"/award-lists/{award_list.pk}"))

    # Not yet: the uncertain row is undecided.
    before = written()
    refused = api.post(f"/award-lists/{award_list.pk}/confirm", {})
    assert refused.status_code == 400
    assert refused.json()["message"] == "Choose the postdoc of every uncertain row, or skip it, before confirming."
    assert refused.json()["rows"] == ["Not decided: row 4 (周博)."]
    wrong = api.post(
        f"/award-lists/{award_list.pk}/rows/{uncertain['id']}/choose", {"appointment": world.appointment.pk}
    )
    assert (wrong.status_code, wrong.json()["message"]) == (400, "Choose one of the row's candidates.")
    assert written() == before

    chosen = api.post(
        f"/award-lists/{award_list.pk}/rows/{uncertain['id']}/choose", {"appointment": world.other_appointment.pk}
    )
    assert chosen.status_code == 200, chosen.json()
    row = next(r for r in chosen.json()["row_items"] if r["id"] == uncertain["id"])
    assert (row["appointment"], row["decision"]) == (world.other_appointment.pk, "accept")
    assert len(events_of(award_list, "award_list_row.chosen")) == 1
    skipped = api.post(f"/award-lists/{award_list.pk}/rows/{unmatched['id']}/choose", {"appointment": None})
    assert next(r for r in skipped.json()["row_items"] if r["id"] == unmatched["id"])["decision"] == "skip"

    confirmed = api.post(f"/award-lists/{award_list.pk}/confirm", {})
    assert confirmed.status_code == 200, confirmed.json()
    body = confirmed.json()
    assert (body["status"], body["awarded"], body["already"]) == ("confirmed", 2, 0)
    awards = {r["appointment"]: r["project"] for r in body["row_items"] if r["project"]}
    assert set(awards) == {world.appointment.pk, world.other_appointment.pk}
    for holder, project_id in awards.items():
        project = api.get(f"/projects/{project_id}").json()
        assert (project["holder"], project["status"], project["batch"], project["programme_code"]) == (
            holder,
            "awarded",
            "第69批",
            "general",
        )
        assert project["awarded_on"] == "2025-06-30"
    [event] = events_of(award_list, "award_list.confirmed")
    assert event.actor == world.admin

    # A confirmed list is done.
    again = api.post(f"/award-lists/{award_list.pk}/discard", {})
    assert (again.status_code, again.json()["message"]) == (400, "This list is confirmed; it can no longer be changed.")


def test_an_award_list_is_discarded_and_only_office_administrators_see_lists(api_as: Api, world: World) -> None:
    award_list = award_list_for([world.appointment], world.admin)
    before = written()
    for persona in ("secretary", "supervisor", "postdoc", "leadership", "outsider"):
        api = api_as(persona)
        assert api.get("/award-lists").json() == {"count": 0, "items": []}, persona
        assert api.get(f"/award-lists/{award_list.pk}").json() == NOT_FOUND
        for step in ("confirm", "discard"):
            response = api.post(f"/award-lists/{award_list.pk}/{step}", {})
            assert (response.status_code, response.json()) == (404, NOT_FOUND), (persona, step)
    assert written() == before
    discarded = api_as("admin").post(f"/award-lists/{award_list.pk}/discard", {})
    assert discarded.status_code == 200
    assert (discarded.json()["status"], discarded.json()["awarded"]) == ("discarded", 0)
    assert discarded.json()["discarded_at"] is not None
    assert len(events_of(award_list, "award_list.discarded")) == 1
    assert not Project.objects.exists()
    assert [i["status"] for i in api_as("admin").get("/award-lists", status="discarded").json()["items"]] == [
        "discarded"
    ]
    assert api_as("admin").get("/award-lists", status="checked").json()["count"] == 0
    assert api_as("admin").get("/award-lists", programme="boxin").json()["count"] == 0


# Research outputs ----------------------------------------------------------------------------------


PAPER = {
    "kind": "paper",
    "title": "Liver zonation in mice",
    "year": 2024,
    "published_on": "2024-05-20",
    "authors": ["Zhang San", "陈博士"],
    "author_position": 2,
    "corresponding": True,
    "doi": "https://doi.org/10.1016/J.CELL.2024.02.002",
    "journal": "Cell",
    "issn": "0092-8674",
}


def test_a_postdoc_records_changes_and_removes_their_own_output(api_as: Api, world: World) -> None:
    api = api_as("postdoc")
    created = api.post(f"/appointments/{world.appointment.pk}/outputs", PAPER)
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["doi"], body["phase"], body["authors"], body["author_position"]) == (
        "10.1016/j.cell.2024.02.002",
        "in_station",
        ["Zhang San", "陈博士"],
        2,
    )
    assert (body["appointment"], body["postdoc_no"], body["source"]) == (
        world.appointment.pk,
        world.appointment.postdoc_no,
        "manual",
    )
    output = Output.objects.get(pk=body["id"])
    [event] = events_of(world.appointment, "output.recorded")
    assert (event.actor, event.target_id) == (world.postdoc_user, str(output.pk))

    before = written()
    duplicate = api.post(f"/appointments/{world.appointment.pk}/outputs", {**PAPER, "title": "Another title"})
    assert (duplicate.status_code, duplicate.json()["field"]) == (400, "doi")
    assert duplicate.json()["message"].startswith("The DOI 10.1016/j.cell.2024.02.002 is already recorded for this")
    beyond = api.post(f"/appointments/{world.appointment.pk}/outputs", {**PAPER, "doi": "", "author_position": 3,
                                                                         "title": "Third"})  # fmt: skip
    assert (beyond.status_code, beyond.json()["field"]) == (400, "author_position")
    assert beyond.json()["message"] == "Position 3 is beyond the 2 authors listed."
    assert written() == before

    changed = api.post(f"/outputs/{output.pk}/update", {"journal": "Cell Reports", "published_on": None})
    assert changed.status_code == 200, changed.json()
    assert (changed.json()["journal"], changed.json()["published_on"], changed.json()["title"]) == (
        "Cell Reports",
        None,
        PAPER["title"],
    )
    [event] = events_of(world.appointment, "output.changed")
    assert event.before["journal"] == "Cell" and event.after["journal"] == "Cell Reports"

    removed = api.post(f"/outputs/{output.pk}/remove", {})
    assert (removed.status_code, removed.json()["id"]) == (200, output.pk)
    assert not Output.objects.filter(pk=output.pk).exists()
    assert len(events_of(world.appointment, "output.removed")) == 1
    assert api.get(f"/outputs/{output.pk}").json() == NOT_FOUND


def test_outputs_are_read_in_scope_and_written_only_by_who_may(api_as: Api, world: World) -> None:
    mine = output_for(world.appointment, world.admin)
    other = output_for(world.other_appointment, world.admin)
    before = written()
    for persona in ("supervisor", "leadership"):
        api = api_as(persona)
        assert api.get(f"/outputs/{mine.pk}").status_code == 200
        for path, body in ((f"/outputs/{mine.pk}/update", {"journal": "X"}), (f"/outputs/{mine.pk}/remove", {}),
                           (f"/appointments/{world.appointment.pk}/outputs", PAPER)):  # fmt: skip
            response = api.post(path, body)
            assert (response.status_code, response.json()) == (403, {"message": RECORD_OUTPUTS}), (persona, path)
    for persona in ("secretary", "supervisor", "postdoc"):
        api = api_as(persona)
        assert [o["id"] for o in api.get("/outputs").json()["items"]] == [mine.pk]
        assert api.get(f"/outputs/{other.pk}").json() == NOT_FOUND
        assert api.post(f"/outputs/{other.pk}/remove", {}).json() == NOT_FOUND
        assert api.post(f"/appointments/{world.other_appointment.pk}/outputs", PAPER).json() == NOT_FOUND
    assert api_as("outsider").get("/outputs").json() == {"count": 0, "items": []}
    assert written() == before


def test_output_filters(api_as: Api, world: World) -> None:
    output_for(world.appointment, world.admin, title="Hepatocyte plasticity", doi="10.1000/hep.1")
    output_for(world.appointment, world.admin, title="Earlier work", year=2020, published_on=dt.date(2020, 3, 1))
    output_for(world.other_appointment, world.admin, title="Liver patent", kind="patent", number="ZL2024000001.2",
               journal="", year=2025, published_on=None)  # fmt: skip
    api = api_as("admin")

    def titles(**filters: Any) -> list[str]:
        response = api.get("/outputs", **filters)
        assert response.status_code == 200, response.json()
        return [item["title"] for item in response.json()["items"]]

    assert titles() == ["Liver patent", "Hepatocyte plasticity", "Earlier work"]  # newest first
    assert titles(appointment=world.appointment.pk) == ["Hepatocyte plasticity", "Earlier work"]
    assert titles(kind="patent") == ["Liver patent"]
    assert titles(year=2020) == ["Earlier work"]
    assert titles(phase="before_entry") == ["Earlier work"]
    assert titles(q="https://doi.org/10.1000/HEP.1") == ["Hepatocyte plasticity"]
    assert titles(q="hepatology") == ["Hepatocyte plasticity", "Earlier work"]  # the journal
    assert api.get("/outputs", kind="poem").status_code == 422


# Lists cost the same whatever their number of rows ---------------------------------------------------


def more_projects(world: World, n: int, start: int) -> None:
    for i in range(n):
        holder = (world.appointment, world.other_appointment)[i % 2]
        project_at(holder, ("applied", "awarded")[i % 2], world.admin, number=f"Q-{start + i}")


def more_outputs(world: World, n: int, start: int) -> None:
    for i in range(n):
        holder = (world.appointment, world.other_appointment)[i % 2]
        output_for(holder, world.admin, title=f"Output {start + i}")


def more_award_lists(world: World, n: int, start: int) -> None:
    for i in range(n):
        award_list_for([world.appointment], world.admin, batch=f"第{start + i}批")


def more_funders(world: World, n: int, start: int) -> None:
    for i in range(n):
        funder = own_funder(world, code=f"OWN{start + i}")
        level_rule_save(institution=world.institution, funder=funder, level="university", by=world.admin)


def appointments_named(world: World, n: int) -> list[Appointment]:
    return [
        make_appointment(
            world.station,
            world.supervisor,
            world.admin,
            person=make_person(world.institution, world.admin, name=f"博士{i}"),
            postdoc_no=f"BH-L-{i}",
        )  # fmt: skip
        for i in range(n)
    ]


GROWERS = {
    "/projects": more_projects,
    "/outputs": more_outputs,
    "/award-lists": more_award_lists,
    "/funders": more_funders,
    "/programmes": more_funders,
    "/level-rules": more_funders,
}


def page(api: ApiClient, path: str) -> int:
    response = api.get(path, limit=200)
    assert response.status_code == 200, response.json()
    return len(response.json().get("items", response.json().get("row_items", [])))


@pytest.mark.parametrize("path", sorted(GROWERS))
def test_every_list_takes_as_many_queries_for_six_rows_as_for_two(
    api_as: Api, world: World, django_assert_num_queries: Any, path: str
) -> None:
    api = api_as("admin")
    GROWERS[path](world, 2, 0)
    with CaptureQueriesContext(connection) as captured:
        few = page(api, path)
    GROWERS[path](world, 4, 2)
    with django_assert_num_queries(len(captured)):
        many = page(api, path)
    assert many == few + 4 and few >= 2


def test_an_award_lists_rows_take_as_many_queries_for_six_as_for_two(
    api_as: Api, world: World, django_assert_num_queries: Any
) -> None:
    postdocs = appointments_named(world, 6)
    two = award_list_for(postdocs[:2], world.admin, batch="第1批")
    six = award_list_for(postdocs, world.admin, batch="第2批", extra=0)
    api = api_as("admin")
    with CaptureQueriesContext(connection) as captured:
        assert len(api.get(f"/award-lists/{two.pk}").json()["row_items"]) == 2
    with django_assert_num_queries(len(captured)):
        rows = api.get(f"/award-lists/{six.pk}").json()["row_items"]
    assert len(rows) == 6 and all(r["outcome"] == "exact" for r in rows)
