"""The office's station pages (create, edit, status) for every persona, in and out of scope, and what
a refusal or a revocation's confirmation shows."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from stations.models import Station
from stations.services import station_set_status
from tests.clients import PERSONAS


def _urls(station: Station) -> list[str]:
    return [reverse("station-edit", args=[station.pk]), reverse("station-status", args=[station.pk])]


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_office_administrators_open_the_station_steps(signed_in, world, persona):
    client = signed_in(persona)
    expected_own = {"admin": 200, "outsider": 404}.get(persona, 403)
    for url in _urls(world.station):
        assert client.get(url).status_code == expected_own, url
        assert client.post(url, {"name_zh": "改", "status": "warned", "note": "x"}).status_code in (
            {expected_own} if expected_own != 200 else {200, 302}
        ), url
    # A station outside the persona's scope is not found (the secretary's and the supervisor's
    # scope is their own station; the postdoc's their own stay's).
    expected_other = {"admin": 200, "leadership": 403, "outsider": 404}.get(persona, 404)
    for url in _urls(world.other_station):
        assert client.get(url).status_code == expected_other, url
    assert client.get(reverse("station-new")).status_code == (200 if persona in ("admin", "outsider") else 403)


@pytest.mark.parametrize("persona", ["secretary", "supervisor", "postdoc", "leadership"])
def test_a_refused_persona_changes_nothing(signed_in, world, persona):
    client = signed_in(persona)  # a sign-in is audited itself
    before = AuditEvent.objects.count()
    client.post(
        reverse("station-new"), {"kind": "workstation", "code": "W9", "name_zh": "站", "established_on": "2020-01-01"}
    )
    client.post(reverse("station-status", args=[world.station.pk]), {"status": "warned", "note": "整改"})
    assert AuditEvent.objects.count() == before
    assert not Station.objects.filter(code="W9").exists()


def test_the_station_page_offers_the_steps_to_administrators_only(signed_in, world):
    edit = reverse("station-edit", args=[world.station.pk])
    assert edit in signed_in("admin").get(reverse("station-detail", args=[world.station.pk])).content.decode()
    for persona in ("secretary", "supervisor", "postdoc", "leadership"):
        assert edit not in signed_in(persona).get(reverse("station-detail", args=[world.station.pk])).content.decode()


def test_an_administrator_sets_up_a_workstation(signed_in, world):
    client = signed_in("admin")
    page = client.get(reverse("station-new")).content.decode()
    assert "only through its establishment application" in page
    assert 'value="mobile"' not in page
    response = client.post(
        reverse("station-new"),
        {
            "kind": "workstation",
            "code": "W100",
            "name_zh": "某公司博士后科研工作站",
            "name_en": "",
            "unit": world.station.unit_id,
            "established_on": "2019-05-01",
            "approval_no": "人社部发〔2019〕5号",
        },
    )
    station = Station.objects.get(institution=world.institution, code="W100")
    assert response.status_code == 302 and response["Location"] == reverse("station-detail", args=[station.pk])
    assert station.kind == "workstation" and station.approval_no == "人社部发〔2019〕5号"


def test_a_mobile_station_is_not_created_on_the_page(signed_in, world):
    response = signed_in("admin").post(
        reverse("station-new"),
        {
            "kind": "mobile",
            "code": "M1",
            "name_zh": "站",
            "unit": world.station.unit_id,
            "established_on": "2019-05-01",
        },
    )
    assert response.status_code == 200 and not Station.objects.filter(code="M1").exists()
    assert "Select a valid choice" in response.content.decode()


def test_a_refused_creation_keeps_the_input_and_says_why(signed_in, world):
    response = signed_in("admin").post(
        reverse("station-new"),
        {
            "kind": "innovation_base",
            "code": world.station.code,  # taken
            "name_zh": "我的基地名称",
            "unit": world.station.unit_id,
            "established_on": "2019-05-01",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "already exists" in page and "我的基地名称" in page


def test_an_over_long_name_is_refused_with_its_limit(signed_in, world):
    response = signed_in("admin").post(
        reverse("station-edit", args=[world.station.pk]), {"name_zh": "长" * 201, "unit": world.station.unit_id}
    )
    page = response.content.decode()
    assert response.status_code == 200 and "at most 200 characters" in page


def test_an_administrator_corrects_a_station(signed_in, world):
    response = signed_in("admin").post(
        reverse("station-edit", args=[world.station.pk]),
        {"name_zh": "新的名称", "name_en": "New", "unit": world.station.unit_id, "approval_no": "X-1", "note": "更正"},
    )
    assert response.status_code == 302
    station = Station.objects.get(pk=world.station.pk)
    assert (station.name_zh, station.name_en, station.approval_no) == ("新的名称", "New", "X-1")


def test_a_warning_is_recorded_at_once(signed_in, world):
    response = signed_in("admin").post(
        reverse("station-status", args=[world.station.pk]), {"status": "warned", "note": "限期整改"}
    )
    assert response.status_code == 302
    assert Station.objects.get(pk=world.station.pk).status == "warned"


def test_a_revocation_is_confirmed_after_seeing_who_stays(signed_in, world):
    client = signed_in("admin")
    url = reverse("station-status", args=[world.station.pk])
    today = timezone.localdate().isoformat()
    data = {"status": "revoked", "on": today, "revocation_no": "人社部函〔2026〕1号", "note": "评估不合格"}
    first = client.post(url, data)
    page = first.content.decode()
    assert first.status_code == 200 and first.context["confirming"]
    assert "1 postdoc is in station on that date." in page and world.appointment.postdoc_no in page
    assert Station.objects.get(pk=world.station.pk).status == "active"  # nothing yet
    back = client.post(url, {**data, "confirm": "on", "back": "1"})
    assert not back.context.get("confirming") and "人社部函〔2026〕1号" in back.content.decode()
    assert Station.objects.get(pk=world.station.pk).status == "active"
    confirmed = client.post(url, {**data, "confirm": "on"})
    assert confirmed.status_code == 302
    station = Station.objects.get(pk=world.station.pk)
    assert (station.status, station.revoked_on.isoformat(), station.revocation_no) == (
        "revoked",
        today,
        "人社部函〔2026〕1号",
    )


@pytest.mark.parametrize(
    ("on", "field_message"),
    [
        ("2004-01-01", "cannot be revoked before it was established"),
        ("2999-01-01", "cannot be in the future"),
        ("", "A revocation needs its date."),
    ],
)
def test_a_wrong_revocation_date_is_refused_before_the_confirmation(signed_in, world, on, field_message):
    response = signed_in("admin").post(
        reverse("station-status", args=[world.station.pk]),
        {"status": "revoked", "on": on, "revocation_no": "N-1", "note": "我的理由"},
    )
    page = response.content.decode()
    assert response.status_code == 200 and not response.context.get("confirming")
    assert field_message in page and "我的理由" in page and "N-1" in page


def test_a_revocation_needs_its_document_number_on_the_page(signed_in, world):
    response = signed_in("admin").post(
        reverse("station-status", args=[world.station.pk]), {"status": "revoked", "on": "2025-01-01", "note": "x"}
    )
    assert "Give the document number of the revocation." in response.content.decode()


def test_a_revoked_station_offers_reinstatement_and_correction(signed_in, world):
    station_set_status(station=world.station, status="revoked", on=dt.date(2025, 1, 1), note="撤销", by=world.admin)
    client = signed_in("admin")
    form = client.get(reverse("station-status", args=[world.station.pk])).context["form"]
    assert [value for value, _label in form.fields["status"].choices] == ["active", "revoked"]
    response = client.post(reverse("station-status", args=[world.station.pk]), {"status": "active", "note": "误录"})
    assert response.status_code == 302 and Station.objects.get(pk=world.station.pk).status == "active"


def test_the_stations_list_offers_a_new_station_to_administrators_only(signed_in):
    new = reverse("station-new")
    assert new in signed_in("admin").get(reverse("station-list")).content.decode()
    for persona in ("secretary", "supervisor", "postdoc", "leadership"):
        assert new not in signed_in(persona).get(reverse("station-list")).content.decode()
