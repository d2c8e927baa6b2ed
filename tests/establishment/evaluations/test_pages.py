"""The evaluation pages: who sees what (every persona), the start form, the evaluation page with
its steps, and the institution's list with its filters, pagination and export."""

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from establishment.evaluation_services import evaluation_act, evaluation_create, evaluation_grade
from establishment.sheet_columns import EVALUATIONS_SHEET
from stations.models import Evaluation, Station
from tests.clients import PERSONAS, count_queries
from tests.establishment.evaluations.conftest import END, START, postdoc
from tests.factories import make_station


def start(world, station=None, cycle=2025, by=None, **changes) -> Evaluation:
    return evaluation_create(
        station=station or world.station,
        cycle=cycle,
        kind=changes.pop("kind", "comprehensive"),
        period_start=changes.pop("period_start", START),
        period_end=changes.pop("period_end", END),
        by=by or world.admin,
    )


@pytest.fixture
def evaluation(world) -> Evaluation:
    return start(world)


def body(response) -> bytes:
    assert response.status_code == 200, response.status_code
    return b"".join(response.streaming_content)


# ---- who sees what -------------------------------------------------------------------------------

READERS = {"admin", "leadership", "secretary"}


@pytest.mark.parametrize("persona", PERSONAS)
def test_evaluation_page_by_persona(signed_in, evaluation, persona):
    response = signed_in(persona).get(reverse("station-evaluation-detail", args=[evaluation.pk]))
    expected = 200 if persona in READERS else 404 if persona == "outsider" else 403
    assert response.status_code == expected


@pytest.mark.parametrize("persona", PERSONAS)
def test_evaluation_list_by_persona(signed_in, world, evaluation, persona):
    outside = start(world, station=Station.objects.get(code="S1001"), by=world.outsider)
    response = signed_in(persona).get(reverse("station-evaluation-list"))
    if persona in ("supervisor", "postdoc"):
        assert response.status_code == 403
        return
    assert response.status_code == 200
    listed = [e.pk for e in response.context["page_obj"]]
    assert listed == ([outside.pk] if persona == "outsider" else [evaluation.pk])


@pytest.mark.parametrize("persona", PERSONAS)
def test_evaluation_export_by_persona(signed_in, evaluation, persona):
    response = signed_in(persona).get(reverse("station-evaluation-export", args=["csv"]))
    if persona in ("supervisor", "postdoc"):
        assert response.status_code == 403
        return
    rows = list(csv.reader(io.StringIO(body(response).decode("utf-8-sig"))))
    assert rows[0] == [column.key for column in EVALUATIONS_SHEET.columns]
    assert [row[0] for row in rows[1:]] == ([] if persona == "outsider" else ["S1002"])


@pytest.mark.parametrize("persona", PERSONAS)
def test_station_page_shows_evaluations_to_those_who_may_see_them(signed_in, world, evaluation, persona):
    response = signed_in(persona).get(reverse("station-detail", args=[world.station.pk]), {"tab": "evaluations"})
    if persona == "outsider":
        assert response.status_code == 404
        return
    # The evaluations tab is offered to those who may see them; others are refused it.
    assert response.status_code == (200 if persona in READERS else 403)
    page = response.content.decode()
    assert ('id="evaluations"' in page) == (persona in READERS)
    assert (reverse("station-evaluation-detail", args=[evaluation.pk]) in page) == (persona in READERS)
    assert ('id="evaluation-start"' in page) == (persona == "admin")


def test_a_secretary_does_not_see_the_evaluations_of_another_station(signed_in, world):
    other = start(world, station=world.other_station)
    client = signed_in("secretary")
    assert client.get(reverse("station-evaluation-detail", args=[other.pk])).status_code == 404
    assert list(client.get(reverse("station-evaluation-list")).context["page_obj"]) == []


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_administrators_start_recompute_and_act(signed_in, world, evaluation, persona):
    client = signed_in(persona)
    urls = [
        ("get", reverse("station-evaluation-new", args=[world.station.pk]), {}),
        ("post", reverse("station-evaluation-new", args=[world.station.pk]), {"cycle": 2026, "kind": "comprehensive"}),
        ("post", reverse("station-evaluation-recompute", args=[evaluation.pk]), {}),
        ("post", reverse("station-evaluation-act", args=[evaluation.pk]), {"action": "", "note": "无"}),
    ]
    for method, url, data in urls:
        response = getattr(client, method)(url, data)
        if persona == "admin":
            assert response.status_code in (200, 302), url
        elif persona == "outsider":
            assert response.status_code == 404, url
        else:
            assert response.status_code == 403, url
    assert Evaluation.objects.filter(cycle=2026).exists() == (persona == "admin")


def test_anonymous_visitors_are_sent_to_sign_in(client, evaluation):
    response = client.get(reverse("station-evaluation-detail", args=[evaluation.pk]))
    assert response.status_code == 302 and "login" in response["Location"]


# ---- starting an evaluation ----------------------------------------------------------------------


def test_the_start_form_proposes_the_five_years_before_the_cycle(signed_in, world):
    client = signed_in("admin")
    response = client.get(reverse("station-evaluation-new", args=[world.station.pk]), {"cycle": 2025})
    page = response.content.decode()
    assert 'value="2020-01-01"' in page and 'value="2024-12-31"' in page
    partial = client.get(
        reverse("station-evaluation-new", args=[world.station.pk]), {"cycle": 2021}, headers={"HX-Request": "true"}
    ).content.decode()
    assert partial.lstrip().startswith('<fieldset id="evaluation-period"')
    assert 'value="2016-01-01"' in partial and 'value="2020-12-31"' in partial


def test_starting_with_an_empty_period_takes_the_default_and_opens_the_evaluation(signed_in, world):
    response = signed_in("admin").post(
        reverse("station-evaluation-new", args=[world.station.pk]),
        {"cycle": 2025, "kind": "comprehensive", "period_start": "", "period_end": ""},
    )
    evaluation = Evaluation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("station-evaluation-detail", args=[evaluation.pk])
    assert (evaluation.period_start, evaluation.period_end) == (START, END)


def test_a_refused_start_shows_the_sentence_next_to_the_field(signed_in, world, evaluation):
    response = signed_in("admin").post(
        reverse("station-evaluation-new", args=[world.station.pk]), {"cycle": 2025, "kind": "comprehensive"}
    )
    assert response.status_code == 200
    assert "already has a comprehensive evaluation" in str(response.context["form"].errors["cycle"])
    assert Evaluation.objects.count() == 1


# ---- the evaluation page -------------------------------------------------------------------------


def test_evaluation_page_shows_indicators_with_definitions_and_the_review_link(signed_in, world, evaluation):
    page = signed_in("admin").get(reverse("station-evaluation-detail", args=[evaluation.pk])).content.decode()
    assert "Postdoc-years" in page and "divided by 365.25" in page
    assert "Research outputs per postdoc-year" in page and "not recorded yet" not in page  # counted (issue 5)
    assert f'href="/reviews/new/?evaluation={evaluation.pk}"' in page
    assert "Recompute" in page
    assert "Evaluation started" in page  # the timeline


def test_leadership_reads_the_evaluation_without_its_buttons(signed_in, evaluation):
    page = signed_in("leadership").get(reverse("station-evaluation-detail", args=[evaluation.pk])).content.decode()
    assert "Postdoc-years" in page
    assert "Recompute" not in page and "/reviews/new/" not in page


def test_recompute_takes_in_new_records(signed_in, world, evaluation):
    postdoc(world, dt.date(2022, 2, 1))
    response = signed_in("admin").post(reverse("station-evaluation-recompute", args=[evaluation.pk]))
    assert response.status_code == 302
    evaluation.refresh_from_db()
    assert evaluation.indicators["intake"] == 2
    page = signed_in("admin").get(response["Location"]).content.decode()
    assert "Indicators recomputed" in page


def test_a_graded_evaluation_offers_the_action_form_and_no_recompute(signed_in, world, evaluation):
    evaluation_grade(evaluation=evaluation, grade="fail", on=dt.date(2025, 6, 30), by=world.admin)
    page = signed_in("admin").get(reverse("station-evaluation-detail", args=[evaluation.pk])).content.decode()
    assert 'id="act"' in page and "Recompute" not in page
    assert "rectify by" in page
    response = signed_in("admin").post(reverse("station-evaluation-recompute", args=[evaluation.pk]))
    assert response.status_code == 302
    messages = [str(m) for m in signed_in("admin").get(response["Location"]).context["messages"]]
    assert any("has its grade" in m for m in messages)


def test_a_revocation_must_be_confirmed(signed_in, world, evaluation):
    evaluation_grade(evaluation=evaluation, grade="fail", on=dt.date(2025, 6, 30), by=world.admin)
    client = signed_in("admin")
    url = reverse("station-evaluation-act", args=[evaluation.pk])
    unconfirmed = client.post(url, {"action": "revocation", "note": "整改不合格"})
    assert unconfirmed.status_code == 200
    assert "Tick the box" in str(unconfirmed.context["act_form"].errors["confirm"])
    world.station.refresh_from_db()
    assert world.station.status == "warned"
    confirmed = client.post(url, {"action": "revocation", "note": "整改不合格", "confirm": "on"})
    assert confirmed.status_code == 302
    world.station.refresh_from_db()
    assert world.station.status == "revoked"
    page = client.get(confirmed["Location"]).content.decode()
    assert 'id="act"' not in page  # nothing more follows a revocation


def test_a_refused_action_is_shown_on_its_field_through_htmx(signed_in, world, evaluation):
    evaluation_grade(evaluation=evaluation, grade="pass", on=dt.date(2025, 6, 30), by=world.admin)
    response = signed_in("admin").post(
        reverse("station-evaluation-act", args=[evaluation.pk]),
        {"action": "warning", "rectify_by": "2026-06-30", "note": "整改"},
        headers={"HX-Request": "true"},
    )
    page = response.content.decode()
    assert page.lstrip().startswith('<section id="act"')
    assert "Only a station graded fail" in page


# ---- the institution's list ----------------------------------------------------------------------


@pytest.fixture
def several(world):
    """Four evaluations: 2025 S1002 fail (warned, deadline passed), 2025 S0710 good, 2020 S1002 and
    2020 S0710 ungraded."""
    failed = start(world)
    evaluation_grade(evaluation=failed, grade="fail", on=dt.date(2025, 6, 30), by=world.admin)
    evaluation_act(
        evaluation=failed, action="warning", rectify_by=dt.date(2025, 9, 30), note="限期整改", by=world.admin
    )
    good = start(world, station=world.other_station)
    evaluation_grade(evaluation=good, grade="good", on=dt.date(2025, 6, 30), by=world.admin)
    old = [
        start(world, station=s, cycle=2020, period_start=dt.date(2015, 1, 1), period_end=dt.date(2019, 12, 31))
        for s in (world.station, world.other_station)
    ]
    return {"failed": failed, "good": good, "old": old}


def _listed(client, params=None) -> list[int]:
    response = client.get(reverse("station-evaluation-list"), params or {})
    return [e.pk for e in response.context["page_obj"].paginator.object_list]


def test_list_filters_by_cycle_kind_grade_and_action(signed_in, several):
    client = signed_in("admin")
    failed, good, old = several["failed"].pk, several["good"].pk, [e.pk for e in several["old"]]
    assert set(_listed(client)) == {failed, good, *old}
    assert set(_listed(client, {"cycle": 2020})) == set(old)
    assert set(_listed(client, {"grade": "ungraded"})) == set(old)
    assert _listed(client, {"grade": "good"}) == [good]
    assert _listed(client, {"action": "warning"}) == [failed]
    assert _listed(client, {"action": "overdue"}) == [failed]
    assert _listed(client, {"action": "no_action"}) == [good]
    assert _listed(client, {"action": "revocation"}) == []
    assert _listed(client, {"kind": "new_station"}) == []


def test_list_is_paginated_and_htmx_gets_the_rows(signed_in, several, settings):
    settings.PAGE_SIZE = 3
    client = signed_in("admin")
    first = client.get(reverse("station-evaluation-list"))
    assert first.context["page_obj"].paginator.num_pages == 2
    second = client.get(reverse("station-evaluation-list"), {"page": 2}, headers={"HX-Request": "true"})
    assert second.content.decode().lstrip().startswith('<section id="rows"')
    assert len(second.context["page_obj"]) == 1


def test_list_queries_do_not_grow_with_the_data(signed_in, world, several, django_assert_num_queries):
    client = signed_in("admin")
    before = count_queries(client, reverse("station-evaluation-list"))
    for code in ("0711", "0712", "0713"):
        start(world, station=make_station(world.institution, world.admin, code=f"S{code}", discipline_code=code))
    with django_assert_num_queries(before):
        client.get(reverse("station-evaluation-list"))


def test_export_has_every_page_of_the_filtered_rows_as_xlsx(signed_in, several, settings):
    settings.PAGE_SIZE = 1
    response = signed_in("admin").get(reverse("station-evaluation-export", args=["xlsx"]), {"cycle": 2025})
    workbook = load_workbook(io.BytesIO(body(response)))
    rows = list(workbook["Evaluations"].iter_rows(values_only=True))
    header = list(rows[0])
    assert header == [column.key for column in EVALUATIONS_SHEET.columns]
    by_station = {row[header.index("station_code")]: row for row in rows[1:]}
    assert set(by_station) == {"S1002", "S0710"}
    failed = by_station["S1002"]
    assert failed[header.index("grade")] == "fail"
    assert failed[header.index("action")] == "warning"
    assert failed[header.index("rectify_by")].date() == dt.date(2025, 9, 30)
    assert failed[header.index("intake")] == 1


def test_export_accepts_only_xlsx_and_csv(signed_in, world):
    assert signed_in("admin").get(reverse("station-evaluation-export", args=["pdf"])).status_code == 404


def test_the_station_timeline_tells_its_evaluations(signed_in, world, evaluation):
    evaluation_grade(evaluation=evaluation, grade="fail", on=dt.date(2025, 6, 30), by=world.admin)
    url = reverse("station-detail", args=[world.station.pk])
    page = signed_in("admin").get(url, {"tab": "history"}).content.decode()
    assert "Evaluation started" in page and "Grade recorded" in page
    assert "Station status changed" in page and "to be rectified by 2026-06-30" in page
    assert "evaluation.graded" not in page and "&#x27;intake&#x27;" not in page
