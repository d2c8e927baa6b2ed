import datetime as dt

from appointments.models import Appointment, Assessment, PolicyException
from audit.models import AuditEvent


def _snapshot(world) -> tuple[int, int, int, str]:
    world.appointment.refresh_from_db()
    return (
        AuditEvent.objects.count(),
        Assessment.objects.count(),
        PolicyException.objects.count(),
        world.appointment.status,
    )


def test_an_early_exit_is_refused_with_the_rules_sentence_and_writes_nothing(api_as, world):
    api = api_as("secretary")
    before = _snapshot(world)
    response = api.post(f"/appointments/{world.appointment.pk}/exit", {"on": "2025-01-02"})
    assert response.status_code == 400
    body = response.json()
    assert "An exit is allowed from 2025-12-01 on, 21 months after entry." in body["message"]
    assert body["field"] == "on"
    assert {v["rule"] for v in body["violations"]} == {"earliest_exit", "exit_assessment"}
    assert all(v["overridable"] for v in body["violations"])
    assert _snapshot(world) == before


def test_only_an_administrator_records_an_exception(api_as, world):
    path = f"/appointments/{world.appointment.pk}/exit"
    body = {"on": "2025-01-02", "exception_reason": "Ministry approval 2025-12"}
    refused = api_as("secretary").post(path, body)
    assert refused.status_code == 400
    assert "exception_permission" in {v["rule"] for v in refused.json()["violations"]}
    accepted = api_as("admin").post(path, body)
    assert accepted.status_code == 200, accepted.json()
    assert accepted.json()["status"] == "exited"
    assert accepted.json()["ended_on"] == "2025-01-02"
    assert PolicyException.objects.filter(appointment=world.appointment).count() == 2


def test_record_an_assessment_then_extend(api_as, world):
    api = api_as("secretary")
    created = api.post(
        f"/appointments/{world.appointment.pk}/assessments",
        {"kind": "midterm", "held_on": "2025-05-06", "grade": "good"},
    )
    assert created.status_code == 201, created.json()
    assert created.json()["kind"] == "midterm"
    listed = api.get(f"/appointments/{world.appointment.pk}/assessments").json()
    assert listed["count"] == 1
    world.appointment.refresh_from_db()
    assert world.appointment.midterm_passed_on == dt.date(2025, 5, 6)
    no_reason = api.post(f"/appointments/{world.appointment.pk}/extend", {"until": "2026-09-01", "reason": " "})
    assert no_reason.status_code == 400
    assert no_reason.json()["field"] == "reason"
    extended = api.post(f"/appointments/{world.appointment.pk}/extend", {"until": "2026-09-01", "reason": "Lab move"})
    assert extended.status_code == 200, extended.json()
    assert extended.json()["status"] == "extended"
    events = api.get(f"/appointments/{world.appointment.pk}/events").json()
    assert events["items"][0]["event"] == "appointment.extended"


def test_withdraw_and_transfer(api_as, world):
    admin = api_as("admin")
    withdrawn = admin.post(
        f"/appointments/{world.appointment.pk}/withdraw", {"on": "2025-02-03", "ground": "personal", "note": "家庭"}
    )
    assert withdrawn.status_code == 200, withdrawn.json()
    assert withdrawn.json()["status"] == "withdrawn"
    again = admin.post(f"/appointments/{world.appointment.pk}/withdraw", {"on": "2025-02-03", "ground": "personal"})
    assert again.status_code == 400
    moved = admin.post(f"/appointments/{world.other_appointment.pk}/transfer", {"on": "2025-02-03", "to": "某大学"})
    assert moved.status_code == 200, moved.json()
    assert moved.json()["transferred_to"] == "某大学"


def test_who_may_act(api_as, world):
    path = f"/appointments/{world.appointment.pk}/assessments"
    body = {"kind": "midterm", "held_on": "2025-05-06", "grade": "good"}
    for persona in ("supervisor", "postdoc", "leadership"):
        response = api_as(persona).post(path, body)
        assert response.status_code == 403
        assert response.json() == {"message": "You may not change this appointment."}
    assert api_as("outsider").post(path, body).status_code == 404
    assert api_as("secretary").post(f"/appointments/{world.other_appointment.pk}/assessments", body).status_code == 404
    assert Assessment.objects.count() == 0


def test_bad_input_is_422_naming_the_field_never_500(api_as, world):
    api = api_as("admin")
    path = f"/appointments/{world.appointment.pk}"
    cases = [
        ("/exit", {"on": "not a date"}, "on"),
        ("/exit", {}, "on"),
        ("/withdraw", {"on": "2025-01-01", "ground": "boredom"}, "ground"),
        ("/assessments", {"kind": "vibe", "held_on": "2025-01-01", "grade": "good"}, "kind"),
        ("/assessments", {"kind": "midterm", "held_on": "2025-01-01", "grade": "A+"}, "grade"),
        ("/extend", {"until": "2026-01-01"}, "reason"),
        ("/transfer", {"on": "2025-01-01", "to": "x" * 500}, "to"),
        # Pydantic alone would read 0 as 1970-01-01; dates are written YYYY-MM-DD, years 1900 to 2299.
        ("/exit", {"on": 0}, "on"),
        ("/exit", {"on": "0001-01-01"}, "on"),
        ("/exit", {"on": "2025-02-30"}, "on"),
        # PostgreSQL cannot store a NUL character: refused here, on every database, rather than a 500 there.
        ("/withdraw", {"on": "2025-01-01", "ground": "personal", "note": "a\x00b"}, "note"),
        ("/assessments", {"kind": "midterm", "held_on": "2025-01-01", "grade": "good", "panel": "\x00"}, "panel"),
        ("/transfer", {"on": "2025-01-01", "to": "\ud800"}, "to"),
    ]
    for suffix, body, field in cases:
        response = api.post(path + suffix, body)
        assert response.status_code == 422, (suffix, body)
        assert field in {error["field"] for error in response.json()["errors"]}, response.json()
    broken = api.client.post(
        f"/api/v1{path}/exit",
        "{not json",
        content_type="application/json",
        headers={"Authorization": f"Bearer {api.key}"},
    )
    assert broken.status_code == 400
    assert broken.json() == {"message": "The request body is not valid JSON."}
    future = api.post(path + "/exit", {"on": "2099-01-01"})
    assert future.status_code == 400
    assert {v["rule"] for v in future.json()["violations"]} == {"future_date"}
    assert Appointment.objects.get(pk=world.appointment.pk).status == "in_station"
