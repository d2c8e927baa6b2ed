"""Each rule of docs/decisions/0018 refused with its sentence on the page, through the API and in the workbook
import, as the services refuse it (tests/validity/test_rules.py)."""

import datetime as dt
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from appointments.models import Appointment
from exchange.importer import import_workbook
from people.models import Person
from stations.models import Station
from tests.appointments.test_pages_new_postdoc import _data
from tests.exchange.test_workbook import problems_text, valid_sheets, write_xlsx
from tests.factories import resident_id

pytestmark = pytest.mark.django_db

FUTURE = (timezone.localdate() + dt.timedelta(days=30)).isoformat()


def revoke(station: Station, on: dt.date) -> None:
    Station.objects.filter(pk=station.pk).update(status="revoked", revoked_on=on)


# (what to change in the new-postdoc form, the sentence, the field it is shown at)
PAGE_CASES = {
    "birth_date_in_the_future": (
        {"birth_date": FUTURE, "id_type": "passport", "id_number": "E55555555", "phd_date": ""},
        "is in the future; a birth date must be on or before today",
    ),
    "phd_before_18": ({"phd_date": "2009-06-30"}, "is before the person turned 18"),
    "under_age_at_entry": (
        {"birth_date": "2010-01-01", "id_number": resident_id(dt.date(2010, 1, 1), 901), "phd_date": ""},
        "would be younger than 18",
    ),
    "phd_after_entry": ({"phd_date": "2026-06-30"}, "a PhD may follow entry only by the 6 months"),
    "supervisor_of_another_station": ({}, "is a supervisor of another station"),
}


@pytest.mark.parametrize("case", PAGE_CASES)
def test_the_new_postdoc_page_refuses_with_the_rules_sentence_and_keeps_the_input(signed_in, world, case):
    changes, sentence = PAGE_CASES[case]
    if case == "supervisor_of_another_station":
        changes = {"primary_supervisor": str(world.other_supervisor.pk)}
    response = signed_in("secretary").post(reverse("postdoc-new"), _data(world, **changes))
    assert response.status_code == 200
    html = response.content.decode()
    assert sentence in html
    assert 'value="BH2025001"' in html  # the input is kept
    assert not Appointment.objects.filter(postdoc_no="BH2025001").exists()
    assert not Person.objects.filter(name="吴博士").exists()


def test_the_new_postdoc_page_refuses_an_entry_after_the_revocation(signed_in, world):
    revoke(world.station, dt.date(2025, 1, 1))
    response = signed_in("admin").post(reverse("postdoc-new"), _data(world))
    # A revoked station is no longer offered, or refused with the rule's sentence.
    assert response.status_code == 200
    assert not Appointment.objects.filter(postdoc_no="BH2025001").exists()


# The workbook: column indexes of tests/exchange/test_workbook.HEADERS["Postdocs"].
BIRTH, ID_NUMBER, PHD, SUPERVISOR, ENTRY = 3, 5, 8, 10, 13


def _import_with(world, tmp_path: Path, change) -> str:
    sheets = valid_sheets()
    change(sheets)
    report = import_workbook(
        path=write_xlsx(tmp_path / "w.xlsx", sheets), institution=world.institution, by=world.admin
    )
    assert not report.ok
    return problems_text(report)


def test_the_import_refuses_a_birth_date_in_the_future(world, tmp_path):
    def change(sheets):
        row = sheets["Postdocs"][1]
        row[BIRTH], row[4], row[ID_NUMBER], row[PHD] = FUTURE, "passport", "E55555555", ""

    assert "is in the future; a birth date must be on or before today" in _import_with(world, tmp_path, change)


def test_the_import_refuses_a_phd_after_entry(world, tmp_path):
    def change(sheets):
        sheets["Postdocs"][1][PHD] = "2024-06-30"  # entry 2023-03-01

    assert "a PhD may follow entry only by the 6 months" in _import_with(world, tmp_path, change)


def test_the_import_refuses_an_entry_before_the_station_was_established(world, tmp_path):
    def change(sheets):
        sheets["Stations"][1][5] = "2023-06-01"  # entry 2023-03-01

    assert "was established (2023-06-01)" in _import_with(world, tmp_path, change)


def test_the_import_refuses_a_supervisor_of_another_station(world, tmp_path):
    def change(sheets):
        sheets["Postdocs"][1][SUPERVISOR] = world.other_supervisor.staff_no

    assert "is a supervisor of another station" in _import_with(world, tmp_path, change)


# The API -------------------------------------------------------------------------------------------


def _admission(world, **person):
    details = {"name": "林博士", "gender": "female", "birth_date": "1994-02-03", "id_type": "passport",
               "id_number": "E12345678", "phd_date": "2024-06-30"}  # fmt: skip
    details.update(person)
    return {
        "person": details,
        "postdoc_no": "BH-API-1",
        "entry_date": "2025-03-01",
        "primary_supervisor": world.supervisor.staff_no,
    }


API_CASES = {
    "birth_date_in_the_future": ({"birth_date": FUTURE, "phd_date": None}, "is in the future", "birth_date"),
    "phd_before_18": ({"phd_date": "2010-06-30"}, "is before the person turned 18", "phd_date"),
    "under_age_at_entry": ({"birth_date": "2008-01-01", "phd_date": None}, "would be younger than 18", "entry_date"),
    "phd_after_entry": ({"phd_date": "2026-06-30"}, "a PhD may follow entry only by", "phd_date"),
}


@pytest.mark.parametrize("case", API_CASES)
def test_the_api_refuses_an_impossible_admission_with_the_rules_sentence(api_as, world, case):
    person, sentence, field = API_CASES[case]
    response = api_as("secretary").post(f"/stations/{world.station.code}/admissions", _admission(world, **person))
    assert response.status_code == 400, response.json()
    assert sentence in response.json()["message"]
    assert response.json()["field"] == field
    assert not Person.objects.filter(id_number="E12345678").exists()


def test_the_api_refuses_an_entry_after_the_revocation(api_as, world):
    revoke(world.station, dt.date(2025, 1, 1))
    response = api_as("admin").post(f"/stations/{world.station.code}/admissions", _admission(world))
    assert response.status_code == 400
    assert "was revoked (2025-01-01)" in response.json()["message"]


def test_the_api_refuses_a_supervisor_of_another_station_unless_the_office_records_an_exception(api_as, world):
    body = _admission(world) | {"primary_supervisor": world.other_supervisor.staff_no}
    refused = api_as("secretary").post(f"/stations/{world.station.code}/admissions", body)
    assert refused.status_code == 400
    assert refused.json()["violations"][0] == {
        "rule": "supervisor_of_other_station",
        "message": refused.json()["message"],
        "overridable": True,
        "field": "primary_supervisor",
    }
    done = api_as("admin").post(
        f"/stations/{world.station.code}/admissions", body | {"exception_reason": "跨学科联合培养"}
    )
    assert done.status_code == 201, done.json()


def test_the_api_admits_a_new_person_and_a_registered_one(api_as, world):
    api = api_as("admin")
    first = api.post(f"/stations/{world.station.code}/admissions", _admission(world))
    assert first.status_code == 201, first.json()
    person_id = first.json()["person"]["id"]
    assert first.json()["person"]["masked_id"] == "******678"
    again = {
        "person_id": person_id,
        "postdoc_no": "BH-API-2",
        "entry_date": "2027-06-01",
        "primary_supervisor": world.other_supervisor.staff_no,
    }
    second = api.post(f"/stations/{world.other_station.code}/admissions", again)
    assert second.status_code == 201, second.json()
    assert second.json()["person"]["id"] == person_id


def test_the_api_wants_exactly_one_person(api_as, world):
    body = _admission(world) | {"person_id": world.appointment.person_id}
    response = api_as("admin").post(f"/stations/{world.station.code}/admissions", body)
    assert response.status_code == 422
    assert "either `person`" in response.json()["errors"][0]["message"]


def test_a_secretary_learns_only_that_the_office_must_admit_a_person_registered_elsewhere(api_as, world):
    other = world.other_appointment.person
    body = _admission(world, id_type=other.id_type, id_number=other.id_number, birth_date=other.birth_date.isoformat())
    response = api_as("secretary").post(f"/stations/{world.station.code}/admissions", body)
    assert response.status_code == 400
    message = response.json()["message"]
    assert "only the office administrator can admit them" in message
    assert other.name not in message and world.other_station.code not in message
    by_id = api_as("secretary").post(
        f"/stations/{world.station.code}/admissions",
        {k: v for k, v in _admission(world).items() if k != "person"} | {"person_id": other.pk},
    )
    assert by_id.status_code == 400 and by_id.json()["message"] == message


def test_the_api_corrects_details_through_the_same_rules(api_as, world):
    person = world.appointment.person
    api = api_as("secretary")
    refused = api.post(f"/people/{person.pk}/update", {"birth_date": FUTURE})
    assert refused.status_code == 400 and "is in the future" in refused.json()["message"]
    done = api.post(f"/people/{person.pk}/update", {"name_en": "Chen Boshi", "note": "拼写"})
    assert done.status_code == 200 and done.json()["name_en"] == "Chen Boshi"
    assert done.json()["birth_date"] is None  # a secretary may not see full IDs: no birth date either
    admin_view = api_as("admin").get(f"/people/{person.pk}")
    assert admin_view.json()["birth_date"] == person.birth_date.isoformat()


def test_the_api_corrects_an_id_number(api_as, world):
    person = world.appointment.person
    response = api_as("admin").post(
        f"/people/{person.pk}/correct-id", {"id_type": "passport", "id_number": "E76543210", "note": "新护照"}
    )
    assert response.status_code == 200, response.json()
    assert response.json()["masked_id"] == "******210"
    person.refresh_from_db()
    assert person.id_number == "E76543210"
