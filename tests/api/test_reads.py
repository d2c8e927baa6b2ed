import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from appointments.services import assessment_record
from funding.services import project_record
from tests.clients import PERSONAS
from tests.factories import make_appointment

VISIBLE = {
    "admin": {"appointment", "other_appointment"},
    "secretary": {"appointment"},
    "supervisor": {"appointment"},
    "postdoc": {"appointment"},
    "leadership": {"appointment", "other_appointment"},
    "outsider": {"outside_appointment"},
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_appointments_are_scoped_per_persona(api_as, world, persona):
    api = api_as(persona)
    body = api.get("/appointments").json()
    expected = {getattr(world, name).pk for name in VISIBLE[persona]}
    assert body["count"] == len(expected)
    assert {item["id"] for item in body["items"]} == expected
    for name in {"appointment", "other_appointment", "outside_appointment"} - VISIBLE[persona]:
        pk = getattr(world, name).pk
        for path in (f"/appointments/{pk}", f"/appointments/{pk}/assessments", f"/appointments/{pk}/events"):
            response = api.get(path)
            assert response.status_code == 404, path
            assert response.json() == {"message": "Not found."}


@pytest.mark.parametrize("persona", PERSONAS)
def test_reference_lists_stay_in_the_users_institution(api_as, world, persona):
    api = api_as(persona)
    codes = {s["code"] for s in api.get("/stations").json()["items"]}
    if persona == "outsider":
        assert codes == {"S1001"}
    elif persona in {"admin", "leadership"}:
        assert codes == {"S1002", "S0710"}
    else:
        assert codes == {"S1002"}
    units = api.get("/units").json()["items"]
    assert ({u["code"] for u in units} == {"CS1001"}) == (persona == "outsider")
    rights = {r["discipline"] for r in api.get("/doctoral-rights").json()["items"]}
    assert rights == ({"1001"} if persona == "outsider" else {"1002", "0710"})
    staff = {s["staff_no"] for s in api.get("/supervisors").json()["items"]}
    assert world.supervisor.staff_no in staff or persona == "outsider"
    if persona == "outsider":
        assert world.supervisor.staff_no not in staff
    assert api.get("/disciplines").json()["count"] >= 3
    assert api.get("/projects").status_code == 200


def test_id_numbers_are_masked(api_as, world):
    body = api_as("admin").get(f"/appointments/{world.appointment.pk}").json()
    person = world.appointment.person
    assert body["person"]["masked_id"] == person.masked_id
    assert person.id_number not in str(body)
    events = api_as("admin").get(f"/appointments/{world.appointment.pk}/events").json()
    assert events["count"] >= 2
    assert person.id_number not in str(events)


def test_lists_paginate(api_as, world):
    for index in range(4):
        make_appointment(world.station, world.supervisor, world.admin, entry_date=dt.date(2023, 1 + index, 3))
    api = api_as("admin")
    first = api.get("/appointments", limit=2).json()
    second = api.get("/appointments", limit=2, offset=2).json()
    assert first["count"] == second["count"] == 6
    assert len(first["items"]) == len(second["items"]) == 2
    assert not {i["id"] for i in first["items"]} & {i["id"] for i in second["items"]}
    assert len(api.get("/appointments").json()["items"]) == 6  # default 50
    assert api.get("/appointments", limit=201).status_code == 422
    assert api.get("/appointments", limit=0).status_code == 422
    assert api.get("/appointments", offset=-1).status_code == 422
    assert api.get("/appointments", limit="many").status_code == 422
    # Past any list, and past the database's integer (a 500 before it was bounded).
    assert api.get("/appointments", offset=10**20).status_code == 422


@pytest.mark.parametrize("parameter", ["q", "station"])
def test_search_text_with_a_nul_is_refused_not_a_database_error(api_as, world, parameter):
    # PostgreSQL cannot compare with a NUL character; SQLite could, so both refuse it the same way.
    response = api_as("admin").get("/appointments", **{parameter: "a\x00b"})
    assert response.status_code == 422
    assert parameter in {error["field"] for error in response.json()["errors"]}


def test_filters(api_as, world):
    api = api_as("admin")
    by_station = api.get("/appointments", station="S0710").json()
    assert [i["id"] for i in by_station["items"]] == [world.other_appointment.pk]
    assert api.get("/appointments", station="NOPE").json()["count"] == 0
    assert api.get("/appointments", status="in_station").json()["count"] == 2
    assert api.get("/appointments", entry_year=2024).json()["count"] == 2
    assert api.get("/appointments", entry_year=2019).json()["count"] == 0
    assert api.get("/appointments", q="陈博士").json()["count"] == 1
    assert api.get("/appointments", q=world.other_appointment.postdoc_no).json()["count"] == 1
    # Unknown or malformed values are refused with the field named, never a 500.
    bad_status = api.get("/appointments", status="retired")
    assert bad_status.status_code == 422
    assert "status" in str(bad_status.json())
    assert api.get("/appointments", entry_year="soon").status_code == 422
    assert api.get("/appointments", q="x" * 500).status_code == 422
    # Unknown parameters are ignored, never passed to the ORM.
    assert api.get("/appointments", person__id_number__startswith="5").json()["count"] == 2
    assert api.get("/appointments/not-a-number").status_code == 422


def test_appointments_take_a_constant_number_of_queries(api_as, world):
    api = api_as("admin")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert api.get("/appointments").status_code == 200
        return len(captured)

    for index in range(3):
        make_appointment(world.station, world.supervisor, world.admin, entry_date=dt.date(2023, 1 + index, 3))
    five = queries()
    for index in range(20):
        make_appointment(world.station, world.supervisor, world.admin, entry_date=dt.date(2023, 1 + index % 12, 4))
    assert api.get("/appointments").json()["count"] == 25
    assert queries() == five


def test_projects_follow_the_appointments_scope(api_as, world):
    for appointment, no in ((world.appointment, "P-1"), (world.other_appointment, "P-2")):
        project_record(
            holder=appointment,
            project_no=no,
            title="课题",
            funder="NSFC",
            level="national",
            awarded_on=dt.date(2024, 6, 1),
            by=world.admin,
        )
    assert {p["project_no"] for p in api_as("admin").get("/projects").json()["items"]} == {"P-1", "P-2"}
    assert {p["project_no"] for p in api_as("secretary").get("/projects").json()["items"]} == {"P-1"}
    assert {p["project_no"] for p in api_as("postdoc").get("/projects").json()["items"]} == {"P-1"}
    assert api_as("outsider").get("/projects").json() == {"count": 0, "items": []}


def test_out_of_range_ids_are_404_not_500(api_as, world):
    api = api_as("admin")
    for pk in ("0", "-1", "99999999999999999999", "9223372036854775808"):
        assert api.get(f"/appointments/{pk}").status_code in (404, 422), pk
        assert api.get(f"/appointments/{pk}/events").status_code in (404, 422), pk


def test_the_choice_types_mirror_the_models():
    from typing import get_args

    from appointments import schemas
    from appointments.models import Appointment, Assessment, Grade

    assert set(get_args(schemas.StatusValue)) == set(Appointment.Status.values)
    assert set(get_args(schemas.KindValue)) == set(Assessment.Kind.values)
    assert set(get_args(schemas.GradeValue)) == set(Grade.values)
    assert set(get_args(schemas.GroundValue)) == set(Appointment.WithdrawalGround.values)


LIST_PATHS = [
    "/disciplines",
    "/units",
    "/doctoral-rights",
    "/stations",
    "/supervisors",
    "/appointments",
    "/projects",
    "/appointments/{appointment}/assessments",
    "/appointments/{appointment}/events",
]


@pytest.mark.parametrize("path", LIST_PATHS)
def test_every_list_takes_as_many_queries_for_one_row_as_for_a_page(api_as, world, path):
    """A query per row (N+1) would make the full page cost more than a page of one."""
    api = api_as("admin")
    for index in range(3):
        appointment = make_appointment(world.station, world.supervisor, world.admin, entry_date=dt.date(2023, 2, 3))
        project_record(
            holder=appointment,
            project_no=f"PQ-{index}",
            title="课题",
            funder="中国博士后科学基金会",
            level="national",
            awarded_on=dt.date(2023, 9, 1),
            by=world.admin,
        )
    path = path.format(appointment=world.appointment.pk)
    assessments = world.appointment.assessments.count()
    if "assessments" in path and assessments < 2:
        entry = world.appointment.entry_date
        for held_on in (entry + dt.timedelta(days=30), entry + dt.timedelta(days=60)):
            assessment_record(
                appointment=world.appointment, kind="annual", held_on=held_on, grade="good", by=world.admin
            )

    def queries(limit: int) -> tuple[int, int]:
        with CaptureQueriesContext(connection) as captured:
            response = api.get(path, limit=limit)
        assert response.status_code == 200, response.content
        return len(captured), len(response.json()["items"])

    one, one_row = queries(1)
    page, rows = queries(100)
    assert one_row == 1 and rows > 1, f"{path}: the test needs more than one row"
    assert page == one, f"{path}: {page} queries for {rows} rows, {one} for one"
