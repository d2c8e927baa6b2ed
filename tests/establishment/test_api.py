"""Establishment applications and station evaluations through the API: each step through the same services
as the pages, refusals that name the rule and write nothing, the review engine reached by id only, and lists
whose cost does not grow with their rows. Who may do what on which record is tests/permissions/test_api.py."""

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit.models import AuditEvent
from catalogue.models import Discipline
from establishment import services as establishment
from establishment.evaluation_services import evaluation_create
from establishment.models import Application, Round
from people.services import supervisor_save
from reviews import services as reviews
from reviews.models import Kind, Review
from stations.models import Evaluation, Station
from tests.clients import ApiClient
from tests.establishment.conftest import pdf
from tests.factories import World
from tests.subjects import application_at, evaluation_at, review_rules, the_round, today

pytestmark = pytest.mark.django_db

CHANGE_APPLICATIONS = "Only an office administrator of this institution can change establishment applications."
CHANGE_EVALUATIONS = "Only an office administrator of this institution can change station evaluations."
NOT_FOUND = {"message": "Not found."}


def counts() -> dict[str, int]:
    return {
        "rounds": Round.objects.count(),
        "applications": Application.objects.count(),
        "applicants": Application.applicants.through.objects.count(),
        "stations": Station.objects.count(),
        "evaluations": Evaluation.objects.count(),
        "reviews": Review.objects.count(),
        "events": AuditEvent.objects.count(),
    }


def text_of(response: Any) -> str:
    """The answer as readable text (JSON escapes Chinese, which a plain search would miss)."""
    return json.dumps(response.json(), ensure_ascii=False)


def score_and_close(api: ApiClient, review_id: int, overall: str, value: int) -> None:
    """Draws and opens the panel through the API; each expert scores through their link (the service);
    the office closes the review through the API."""
    assert api.post(f"/reviews/{review_id}/draw", {"seed": 7}).status_code == 200
    assert api.post(f"/reviews/{review_id}/open", {}).json()["status"] == "open"
    review = Review.objects.get(pk=review_id)
    criterion = review.form.criteria.get()
    for member in review.members.select_related("expert"):
        reviews.scores_submit(
            member=member, values={criterion.pk: value}, overall=overall, comments="", by=reviews.ExpertActor(member)
        )
    assert api.post(f"/reviews/{review_id}/close", {"note": ""}).json()["status"] == "closed"


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


# Establishment applications ------------------------------------------------------------------------


def test_an_application_goes_from_creation_to_its_station_through_the_api(api_as, world: World) -> None:
    application_at(world.institution, "round", world.admin)  # the round, the college C-EST and its supervisor
    review_rules(
        world.institution, Kind.STATION_APPLICATION, world.admin, experts_in=Discipline.objects.get(code="1001")
    )
    api = api_as("admin")
    rounds = api.get("/establishment/rounds").json()
    assert rounds["count"] == 1 and rounds["items"][0]["year"] == today().year
    round_id = rounds["items"][0]["id"]

    created = api.post(
        f"/establishment/rounds/{round_id}/applications",
        {
            "discipline": "1001",
            "unit": "C-EST",
            "applicants": ["T-EST-U1"],
            "enrolled_phd_students": 9,
            "facilities": "共享仪器平台",
            "facilities_attested": True,
        },
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    application_id = body["id"]
    assert (body["status"], body["discipline"], body["unit"], body["year"]) == ("draft", "1001", "C-EST", today().year)
    assert [a["staff_no"] for a in body["applicants"]] == ["T-EST-U1"]
    assert body["checklist"]["met"] is True
    assert [step["event"] for step in body["steps"]] == ["application.created"]

    started = api.post(f"/establishment/applications/{application_id}/review", {"deadline": "2099-06-30"})
    assert started.status_code == 201, started.json()
    assert started.json()["status"] == "internal_review"
    [review_id] = started.json()["reviews"]
    review = api.get(f"/reviews/{review_id}").json()
    assert (review["kind"], review["application"]) == ("station_application", application_id)

    not_yet = api.post(f"/establishment/applications/{application_id}/submit", {"on": today().isoformat()})
    assert not_yet.status_code == 400
    assert not_yet.json()["message"] == (
        "The internal expert review has not supported the application; it cannot be submitted yet."
    )

    score_and_close(api, review_id, "support", 9)
    decided = api.post(f"/reviews/{review_id}/decide", {"decision": "support", "reason": "条件具备"})
    assert decided.status_code == 200, decided.json()
    assert api.get(f"/establishment/applications/{application_id}").json()["internal_review_supported"] is True

    submitted = api.post(f"/establishment/applications/{application_id}/submit", {"on": today().isoformat()})
    assert submitted.status_code == 200, submitted.json()
    assert (submitted.json()["status"], submitted.json()["submitted_on"]) == ("submitted", today().isoformat())

    approved = api.post(
        f"/establishment/applications/{application_id}/decide",
        {
            "decision": "approved",
            "on": today().isoformat(),
            "approval_no": "人社部发〔2026〕9号",
            "station_code": "S1001",
            "name_zh": "基础医学博士后科研流动站",
            "name_en": "Postdoctoral Research Station of Basic Medicine",
        },
    )
    assert approved.status_code == 200, approved.json()
    body = approved.json()
    assert (body["status"], body["station"], body["approval_no"]) == ("approved", "S1001", "人社部发〔2026〕9号")
    assert body["decided_on"] == today().isoformat()
    assert [step["event"] for step in body["steps"]] == [
        "application.created",
        "application.review_started",
        "application.review_supported",
        "application.submitted",
        "application.approved",
    ]
    station = Station.objects.get(institution=world.institution, code="S1001")
    assert (station.kind, station.discipline.code, station.established_on) == ("mobile", "1001", today())
    assert "S1001" in {s["code"] for s in api.get("/stations").json()["items"]}
    # The other institution's S1001 is its own.
    assert Station.objects.filter(code="S1001").count() == 2


def test_the_detail_carries_the_checklist_documents_and_review_ids_never_a_panel(
    api_as, world: World, media: Path
) -> None:
    application = application_at(world.institution, "rules", world.admin)
    assert application is not None
    review_rules(world.institution, Kind.STATION_APPLICATION, world.admin, experts_in=application.discipline)
    establishment.document_add(
        application=application, kind="application_form", upload=pdf("申请书.pdf"), by=world.admin
    )
    api = api_as("admin")
    review_id = api.post(f"/establishment/applications/{application.pk}/review", {"deadline": "2099-06-30"}).json()[
        "reviews"
    ][0]
    assert api.post(f"/reviews/{review_id}/draw", {"seed": 3}).status_code == 200
    experts = [m.expert.name for m in Review.objects.get(pk=review_id).members.select_related("expert")]
    assert experts

    for persona in ("admin", "leadership"):
        response = api_as(persona).get(f"/establishment/applications/{application.pk}")
        assert response.status_code == 200
        body = response.json()
        items = {item["key"]: item for item in body["checklist"]["items"]}
        assert set(items) == {"doctoral_rights", "supervisors", "projects", "facilities", "no_station"}
        assert all(item["met"] for item in items.values())
        assert items["supervisors"]["sentence"] == (
            "1 of the applicants is a doctoral supervisor; the round asks for at least 1."
        )
        assert items["supervisors"]["figure"] == "1 / 1"
        [document] = body["documents"]
        assert (document["kind"], document["name"], document["size"]) == (
            "application_form",
            "申请书.pdf",
            len(pdf().read()),
        )
        assert set(document) == {"id", "kind", "name", "size", "sha256", "uploaded_at"}  # no file, no path
        assert body["document_count"] == 1
        assert body["reviews"] == [review_id]
        text = text_of(response)
        assert "panel" not in body and not [name for name in experts if name in text]
        assert "establishment/" not in text  # the stored file's path

    # The checklist for another day: before the institution's doctoral rights in the discipline (2010).
    earlier = api.get(f"/establishment/applications/{application.pk}", on="2009-06-01").json()["checklist"]
    assert earlier["on"] == "2009-06-01" and earlier["met"] is False
    unmet = [item for item in earlier["items"] if not item["met"]]
    assert [item["key"] for item in unmet] == ["doctoral_rights"]
    assert "no doctoral degree-granting rights" in unmet[0]["sentence"]


def test_a_draft_with_unmet_items_is_refused_with_the_rules_and_nothing_changes(api_as, world: World) -> None:
    application = application_at(world.institution, "rules", world.admin)
    assert application is not None
    establishment.application_update(application=application, applicants=[], by=world.admin)
    api = api_as("admin")
    before = counts()
    response = api.post(f"/establishment/applications/{application.pk}/review", {"deadline": "2099-06-30"})
    assert response.status_code == 400
    message = response.json()["message"]
    assert message.startswith("The checklist has unmet items: Doctoral supervisors among the applicants:")
    assert "0 of the applicants are doctoral supervisors; the round asks for at least 1." in message
    assert counts() == before
    assert Application.objects.get(pk=application.pk).status == "draft"


def test_the_review_starts_all_or_nothing(api_as, world: World) -> None:
    """An eligible draft without rules for its review stays a draft: the step is not half done."""
    application = application_at(world.institution, "draft", world.admin)
    assert application is not None
    api = api_as("admin")
    before = counts()
    response = api.post(f"/establishment/applications/{application.pk}/review", {"deadline": "2099-06-30"})
    assert response.status_code == 400
    assert response.json()["message"] == (
        "Set up the panel rules and form for this kind of review first, or choose a form."
    )
    assert response.json()["field"] is None
    assert counts() == before
    assert Application.objects.get(pk=application.pk).status == "draft"


def test_an_application_already_in_review_gets_a_new_review_only(api_as, world: World) -> None:
    application = application_at(world.institution, "internal_review", world.admin)
    assert application is not None
    response = api_as("admin").post(f"/establishment/applications/{application.pk}/review", {"deadline": "2099-06-30"})
    assert response.status_code == 201, response.json()
    assert len(response.json()["reviews"]) == 1
    assert AuditEvent.objects.filter(event="application.review_started").count() == 1
    submitted = application_at(world.outsider.institution, "submitted", world.outsider)
    assert submitted is not None
    refused = api_as("outsider").post(f"/establishment/applications/{submitted.pk}/review", {"deadline": "2099-06-30"})
    assert refused.status_code == 400
    assert refused.json()["message"] == "Only a draft can go to the internal expert review."


REFUSED_APPLICATION_CHANGES = [
    # (stage, step, body, status, field, sentence)
    ("round", "create", {"discipline": "1001", "unit": "C-EST", "enrolled_phd_students": -1}, 422, "enrolled_phd_students", None),
    ("round", "create", {"discipline": "9999", "unit": "C-EST"}, 400, "discipline", "There is no discipline 9999 in the catalogue."),
    ("round", "create", {"discipline": "1001", "unit": "NOPE"}, 400, "unit", "Your institution has no unit NOPE."),
    ("round", "create", {"discipline": "1001", "unit": "C-EST", "applicants": ["T-EST-U1", "T-NOPE"]}, 400,
     "applicants", "Your institution has no supervisor with the staff number T-NOPE."),
    ("round", "create", {"discipline": "1002", "unit": "C-EST"}, 400, "discipline",
     "1002 Clinical Medicine already has a mobile station: 临床医学博士后科研流动站."),
    ("draft", "create", {"discipline": "1001", "unit": "C-EST"}, 400, "discipline",
     "already has an application for 1001 Basic Medicine."),
    ("supported", "submit", {"on": "2099-01-01"}, 400, "on", "is in the future; record what has happened."),
    ("submitted", "decide", {"decision": "approved", "on": "2025-02-01", "station_code": "S9", "name_zh": "站"}, 400,
     "approval_no", "An approval needs its approval number."),
    ("submitted", "decide", {"decision": "approved", "on": "2025-02-01", "approval_no": "人社部发〔2025〕1号",
     "station_code": "S1002", "name_zh": "站"}, 400, "station_code", "Station code S1002 is already used."),
    ("submitted", "decide", {"decision": "rejected", "on": "2025-01-01"}, 400, "on",
     "The decision cannot be before the submission on"),
    ("submitted", "decide", {"decision": "maybe", "on": "2025-02-01"}, 422, "decision", None),
    ("draft", "withdraw", {"reason": "  "}, 400, "reason", "Say why the application is withdrawn."),
    ("draft", "submit", {"on": "2025-02-01"}, 400, None, "Only an application in the internal expert review can be submitted."),
    ("draft", "decide", {"decision": "rejected", "on": "2025-02-01"}, 400, None, "Only a submitted application can be decided."),
]  # fmt: skip


@pytest.mark.parametrize(("stage", "step", "body", "status", "field", "sentence"), REFUSED_APPLICATION_CHANGES)
def test_a_refused_application_change_names_its_rule_and_changes_nothing(
    api_as,
    world: World,
    stage: str,
    step: str,
    body: dict[str, Any],
    status: int,
    field: str | None,
    sentence: str | None,
) -> None:
    application = application_at(world.institution, stage, world.admin)
    api = api_as("admin")
    before = counts()
    states = list(Application.objects.order_by("pk").values_list("status", flat=True))
    if step == "create":
        response = api.post(f"/establishment/rounds/{the_round(world.institution, world.admin).pk}/applications", body)
    else:
        assert application is not None
        response = api.post(f"/establishment/applications/{application.pk}/{step}", body)
    assert response.status_code == status, response.json()
    answer = response.json()
    if status == 422:
        assert field in {error["field"] for error in answer["errors"]}
    else:
        assert answer["field"] == field
        assert sentence is not None and sentence in answer["message"]
    assert counts() == before
    assert list(Application.objects.order_by("pk").values_list("status", flat=True)) == states


def test_leadership_reads_applications_but_is_told_it_may_not_change_them(api_as, world: World) -> None:
    application = application_at(world.institution, "draft", world.admin)
    assert application is not None
    leadership = api_as("leadership")
    assert leadership.get(f"/establishment/applications/{application.pk}").status_code == 200
    before = counts()
    response = leadership.post(f"/establishment/applications/{application.pk}/withdraw", {"reason": "调整"})
    assert response.status_code == 403
    assert response.json() == {"message": CHANGE_APPLICATIONS}
    round_id = application.round_id
    response = leadership.post(
        f"/establishment/rounds/{round_id}/applications", {"discipline": "1003", "unit": "C-EST"}
    )
    assert response.json() == {"message": CHANGE_APPLICATIONS}
    assert counts() == before


@pytest.mark.parametrize("persona", ["secretary", "supervisor", "postdoc"])
def test_roles_that_do_not_read_applications_find_none(api_as, world: World, persona: str) -> None:
    application = application_at(world.institution, "draft", world.admin)
    assert application is not None
    api = api_as(persona)
    assert api.get("/establishment/applications").json() == {"count": 0, "items": []}
    assert api.get("/establishment/rounds").json() == {"count": 0, "items": []}
    assert api.get(f"/establishment/applications/{application.pk}").json() == NOT_FOUND
    before = counts()
    response = api.post(f"/establishment/applications/{application.pk}/withdraw", {"reason": "调整"})
    assert (response.status_code, response.json()) == (404, NOT_FOUND)
    assert counts() == before


def test_application_filters(api_as, world: World) -> None:
    application_at(world.institution, "draft", world.admin)
    round = the_round(world.institution, world.admin)
    api = api_as("admin")
    created = api.post(f"/establishment/rounds/{round.pk}/applications", {"discipline": "1003", "unit": "C-EST"})
    assert created.status_code == 201
    assert (
        api.post(f"/establishment/applications/{created.json()['id']}/withdraw", {"reason": "调整"}).status_code == 200
    )

    def disciplines(**filters: Any) -> list[str]:
        return [item["discipline"] for item in api.get("/establishment/applications", **filters).json()["items"]]

    assert disciplines() == ["1001", "1003"]
    assert disciplines(status="withdrawn") == ["1003"]
    assert disciplines(discipline="1001") == ["1001"]
    assert disciplines(year=today().year) == ["1001", "1003"]
    assert disciplines(year=2001) == []
    assert api.get("/establishment/applications", status="lost").status_code == 422
    assert api.get("/establishment/applications", discipline="10\x0001").status_code == 422


def test_out_of_range_ids_are_not_server_errors(api_as, world: World) -> None:
    api = api_as("admin")
    for pk in ("0", "-1", "99999999999999999999", "9223372036854775808"):
        assert api.get(f"/establishment/applications/{pk}").status_code in (404, 422), pk
        assert api.get(f"/stations/evaluations/{pk}").status_code in (404, 422), pk
        assert api.post(
            f"/establishment/rounds/{pk}/applications", {"discipline": "1003", "unit": "C"}
        ).status_code in (
            404,
            422,
        ), pk
        assert api.post(f"/stations/evaluations/{pk}/refresh", {}).status_code in (404, 422), pk


# Station evaluations -------------------------------------------------------------------------------


def test_an_evaluation_is_started_reviewed_graded_and_acted_on_through_the_api(api_as, world: World) -> None:
    review_rules(world.institution, Kind.STATION_EVALUATION, world.admin, experts_in=world.station.discipline)
    api = api_as("admin")
    created = api.post(
        f"/stations/{world.station.code}/evaluations",
        {"cycle": 2025, "kind": "comprehensive", "period_start": "2020-01-01", "period_end": "2024-12-31"},
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    evaluation_id = body["id"]
    assert (body["station"], body["cycle"], body["grade"], body["action"]) == ("S1002", 2025, None, None)
    assert body["computed_on"] == today().isoformat()
    indicators = {row["key"]: row for row in body["indicators"]}
    assert indicators["intake"]["value"] == 1  # world.appointment entered in 2024
    assert indicators["intake"]["label"] == "Intake" and indicators["intake"]["definition"]
    assert {"exits", "postdoc_years", "projects", "research_outputs"} <= set(indicators)

    refreshed = api.post(f"/stations/evaluations/{evaluation_id}/refresh", {})
    assert refreshed.status_code == 200
    assert AuditEvent.objects.filter(event="evaluation.recomputed").count() == 1

    started = api.post(f"/stations/evaluations/{evaluation_id}/review", {"deadline": "2099-06-30"})
    assert started.status_code == 201, started.json()
    [review_id] = started.json()["reviews"]
    assert "panel" not in started.json()
    score_and_close(api, review_id, "fail", 3)
    assert api.post(f"/reviews/{review_id}/decide", {"decision": "fail", "reason": "招收不足"}).status_code == 200

    graded = api.get(f"/stations/evaluations/{evaluation_id}").json()
    assert (graded["grade"], graded["action"], graded["station_status"]) == ("fail", "warning", "warned")
    assert graded["decided_on"] == today().isoformat()
    kept = api.post(f"/stations/evaluations/{evaluation_id}/refresh", {})
    assert kept.status_code == 400
    assert kept.json()["message"] == "This evaluation has its grade; its indicators stay as the panel saw them."

    later = (today() + dt.timedelta(days=400)).isoformat()
    warned = api.post(
        f"/stations/evaluations/{evaluation_id}/act", {"action": "warning", "rectify_by": later, "note": "限期整改"}
    )
    assert warned.status_code == 200, warned.json()
    assert (warned.json()["action"], warned.json()["rectify_by"]) == ("warning", later)
    lifted = api.post(f"/stations/evaluations/{evaluation_id}/act", {"action": "none", "note": "整改完成"})
    assert (lifted.json()["action"], lifted.json()["station_status"]) == (None, "active")
    listed = api.get("/stations/evaluations", station="S1002").json()
    assert [item["id"] for item in listed["items"]] == [evaluation_id]
    assert listed["items"][0]["reviews"] == [review_id]


REFUSED_EVALUATION_CHANGES = [
    # (stage, path, body, status, field, sentence)
    (None, "/stations/S1002/evaluations", {"cycle": 2025, "period_start": "2020-01-01", "period_end": "2099-12-31"},
     400, "period_end", "The period cannot end after today: its figures would not be complete."),
    (None, "/stations/S1002/evaluations", {"cycle": 2023, "period_start": "2020-01-01", "period_end": "2024-12-31"},
     400, "period_end", "The period of the 2023 cycle must end by 31 December 2023."),
    (None, "/stations/S1002/evaluations", {"cycle": 2025, "period_start": "2020-01-01", "period_end": "bald"},
     422, "period_end", None),
    ("new", "/stations/S1002/evaluations", {"cycle": 2025, "period_start": "2020-01-01", "period_end": "2024-12-31"},
     400, "cycle", "already has a comprehensive evaluation (综合评估) for the 2025 cycle."),
    ("new", "/stations/evaluations/{id}/act", {"action": "warning", "rectify_by": "2099-01-01", "note": "整改"},
     400, None, "Record the grade before deciding what follows from it."),
    ("graded", "/stations/evaluations/{id}/act", {"action": "warning", "note": "整改"},
     400, "rectify_by", "Give the deadline for rectification."),
    ("graded", "/stations/evaluations/{id}/act", {"action": "none", "note": " "}, 400, "note", "Say why."),
    ("graded", "/stations/evaluations/{id}/review", {"deadline": "2099-06-30"},
     400, None, "This evaluation has been graded already."),
    ("new", "/stations/evaluations/{id}/review", {"deadline": "2099-06-30"},
     400, None, "Set up the panel rules and form for this kind of review first, or choose a form."),
]  # fmt: skip


@pytest.mark.parametrize(("stage", "path", "body", "status", "field", "sentence"), REFUSED_EVALUATION_CHANGES)
def test_a_refused_evaluation_change_names_its_rule_and_changes_nothing(
    api_as, world: World, stage: str | None, path: str, body: dict[str, Any], status: int, field: str | None,
    sentence: str | None,
) -> None:  # fmt: skip
    evaluation = evaluation_at(world.station, stage, world.admin) if stage else None
    api = api_as("admin")
    before = counts()
    world.station.refresh_from_db()
    station_status = world.station.status
    response = api.post(path.format(id=evaluation.pk if evaluation else 0), body)
    assert response.status_code == status, response.json()
    answer = response.json()
    if status == 422:
        assert field in {error["field"] for error in answer["errors"]}
    else:
        assert answer["field"] == field
        assert sentence is not None and sentence in answer["message"]
    assert counts() == before
    world.station.refresh_from_db()
    assert world.station.status == station_status


def test_who_sees_and_who_changes_evaluations(api_as, world: World) -> None:
    mine = evaluation_at(world.station, "new", world.admin)
    other = evaluation_at(world.other_station, "new", world.admin)
    secretary, supervisor, postdoc, outsider = (api_as(p) for p in ("secretary", "supervisor", "postdoc", "outsider"))
    before = counts()
    assert [e["station"] for e in secretary.get("/stations/evaluations").json()["items"]] == ["S1002"]
    assert secretary.get(f"/stations/evaluations/{mine.pk}").status_code == 200
    assert secretary.get(f"/stations/evaluations/{other.pk}").json() == NOT_FOUND
    for path in (f"/stations/evaluations/{mine.pk}/refresh", "/stations/S1002/evaluations"):
        body = {"cycle": 2024, "period_start": "2019-01-01", "period_end": "2023-12-31"} if "S1002" in path else {}
        response = secretary.post(path, body)
        assert (response.status_code, response.json()) == (403, {"message": CHANGE_EVALUATIONS}), path
    assert secretary.post(f"/stations/evaluations/{other.pk}/refresh", {}).json() == NOT_FOUND
    assert secretary.post("/stations/S0710/evaluations", {}).status_code in (404, 422)
    for api in (supervisor, postdoc):
        assert api.get("/stations/evaluations").json() == {"count": 0, "items": []}
        assert api.get(f"/stations/evaluations/{mine.pk}").json() == NOT_FOUND
        # They see the station itself, so they are told why they may not evaluate it (as the page does).
        response = api.post("/stations/S1002/evaluations", {"cycle": 2024, "period_start": "2019-01-01",
                                                           "period_end": "2023-12-31"})  # fmt: skip
        assert (response.status_code, response.json()) == (403, {"message": CHANGE_EVALUATIONS})
    assert outsider.get(f"/stations/evaluations/{mine.pk}").json() == NOT_FOUND
    assert outsider.post(f"/stations/evaluations/{mine.pk}/refresh", {}).json() == NOT_FOUND
    assert counts() == before


def test_evaluation_filters(api_as, world: World) -> None:
    graded = evaluation_at(world.station, "graded", world.admin)
    evaluation_at(world.other_station, "new", world.admin)
    api = api_as("admin")

    def stations(**filters: Any) -> list[str]:
        return [item["station"] for item in api.get("/stations/evaluations", **filters).json()["items"]]

    assert stations() == ["S0710", "S1002"]
    assert stations(station="S1002") == ["S1002"]
    assert stations(grade="fail") == ["S1002"]
    assert stations(grade="ungraded") == ["S0710"]
    assert stations(action="warning") == ["S1002"]
    assert stations(action="none") == []
    assert stations(cycle=2025, kind="comprehensive") == ["S0710", "S1002"]
    assert stations(cycle=2024) == []
    assert graded.rectify_by is not None and graded.rectify_by > today()
    assert stations(action="overdue") == []
    assert api.get("/stations/evaluations", grade="superb").status_code == 422


# Lists cost the same whatever their number of rows -------------------------------------------------


def many_applications(world: World, media: Path) -> None:
    """Applications in several disciplines, with applicants, documents and reviews."""
    by = world.admin
    first = Application.objects.get(institution=world.institution, discipline__code="1001")
    review_rules(world.institution, Kind.STATION_APPLICATION, by)
    reviews.review_create(kind=Kind.STATION_APPLICATION, subject=establishment.application_review_start(
        application=first, by=by), deadline=today() + dt.timedelta(days=30), by=by)  # fmt: skip
    round = the_round(world.institution, by)
    unit = first.unit
    for index, code in enumerate(("1003", "1004", "1005", "1006", "1007", "1008", "1009", "1011")):
        applicants = [
            supervisor_save(institution=world.institution, staff_no=f"T-{code}-{i}", name=f"申报{code}-{i}", unit=unit,
                            title="教授", by=by)
            for i in range(2)
        ]  # fmt: skip
        application = establishment.application_create(
            round=round, discipline=Discipline.objects.get(code=code), unit=unit, applicants=applicants, by=by
        )
        if index % 2:
            establishment.document_add(application=application, kind="supporting", upload=pdf(f"{code}.pdf"), by=by)


def many_evaluations(world: World) -> None:
    by = world.admin
    review_rules(world.institution, Kind.STATION_EVALUATION, by)
    for station in (world.station, world.other_station):
        for cycle in (2020, 2021, 2022, 2023, 2024):
            evaluation = evaluation_create(
                station=station,
                cycle=cycle,
                kind="comprehensive",
                period_start=dt.date(cycle - 5, 1, 1),
                period_end=dt.date(cycle - 1, 12, 31),
                by=by,
            )
            reviews.review_create(
                kind=Kind.STATION_EVALUATION, subject=evaluation, deadline=today() + dt.timedelta(days=30), by=by
            )


def queries(api: ApiClient, path: str, **params: Any) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        response = api.get(path, **params)
    assert response.status_code == 200, response.json()
    return len(captured), len(response.json()["items"])


@pytest.mark.parametrize("path", ["/establishment/rounds", "/establishment/applications", "/stations/evaluations"])
@pytest.mark.parametrize("persona", ["admin", "leadership", "secretary"])
def test_every_list_takes_as_many_queries_for_a_page_as_for_one_row(
    api_as, world: World, media: Path, path: str, persona: str
) -> None:
    api = api_as(persona)
    application_at(world.institution, "draft", world.admin)
    evaluation_at(world.station, "new", world.admin)
    few, few_rows = queries(api, path, limit=100)
    many_applications(world, media)
    many_evaluations(world)
    if path == "/establishment/rounds":
        for year in (2019, 2021, 2023):
            establishment.round_save(institution=world.institution, year=year, internal_deadline=dt.date(year, 3, 1),
                                     by=world.admin)  # fmt: skip
    one, one_row = queries(api, path, limit=1)
    page, rows = queries(api, path, limit=100)
    if persona == "secretary" and path.startswith("/establishment"):
        assert rows == 0  # nothing in scope: the same queries all the same
    else:
        assert one_row == 1 and rows > few_rows and rows > 3, f"{path}: the test needs more rows"
    assert page == one == few, f"{path}: {few} queries for {few_rows} rows, {one} for one, {page} for {rows}"


def test_the_choice_types_mirror_the_models() -> None:
    from typing import get_args

    from establishment import evaluation_schemas as stations_schemas
    from establishment import schemas as establishment_schemas
    from establishment.checklist import TITLES
    from establishment.models import Document

    assert set(get_args(establishment_schemas.ApplicationStatusValue)) == set(Application.Status.values)
    assert set(get_args(establishment_schemas.DocumentKindValue)) == set(Document.Kind.values)
    item_keys = establishment_schemas.ChecklistItemOut.model_fields["key"].annotation
    assert set(get_args(item_keys)) == set(TITLES)
    assert set(get_args(stations_schemas.EvaluationKindValue)) == set(Evaluation.Kind.values)
    assert set(get_args(stations_schemas.ActionValue)) == set(Evaluation.Action.values) - {""}
    assert set(get_args(stations_schemas.StationStatusValue)) == set(Station.Status.values)
    assert set(get_args(stations_schemas.EvaluationGradeValue)) == set(Evaluation.Grade.values)
