import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from appointments.services import appointment_extend, assessment_record
from audit.models import AuditEvent
from funding.services import project_record

HTMX = {"HX-Request": "true"}


def _page(client, appointment):
    return client.get(reverse("postdoc-detail", kwargs={"pk": appointment.pk}))


def test_postdoc_page_shows_facts_due_items_and_supervisor(signed_in, world):
    response = _page(signed_in("supervisor"), world.appointment)
    page = response.content.decode()
    assert "陈博士" in page and world.appointment.postdoc_no in page and "李导师" in page
    due = {item.key: item.state for item in response.context["due"]}
    assert due["proposal"] == "overdue"
    assert "research proposal" in page.lower()


@pytest.mark.parametrize("persona", ["admin", "secretary", "supervisor", "postdoc", "leadership"])
def test_the_id_number_is_masked_on_the_page(signed_in, world, persona):
    person = world.appointment.person
    page = _page(signed_in(persona), world.appointment).content.decode()
    assert person.masked_id in page
    assert person.id_number not in page


def test_only_those_allowed_see_the_show_full_id_button(signed_in, world):
    assert "Show full ID" in _page(signed_in("admin"), world.appointment).content.decode()
    for persona in ("secretary", "supervisor", "postdoc", "leadership"):
        assert "Show full ID" not in _page(signed_in(persona), world.appointment).content.decode()


def test_revealing_the_id_shows_it_and_is_audited(signed_in, world):
    person = world.appointment.person
    client = signed_in("admin")
    response = client.post(reverse("postdoc-reveal-id", kwargs={"pk": world.appointment.pk}), headers=HTMX)
    page = response.content.decode()
    assert page.lstrip().startswith('<span id="id-number">')
    assert person.id_number in page
    event = AuditEvent.objects.get(event="person.id_revealed")
    assert event.actor == world.admin and event.target_id == str(person.pk)
    # The reveal appears in the timeline, and the page is masked again on the next visit.
    later = _page(client, world.appointment).content.decode()
    assert "Full ID number shown" in later
    assert person.id_number not in later


def test_reveal_without_javascript_shows_the_whole_page_with_the_number(signed_in, world):
    response = signed_in("admin").post(reverse("postdoc-reveal-id", kwargs={"pk": world.appointment.pk}))
    page = response.content.decode()
    assert "<html" in page and world.appointment.person.id_number in page


def test_a_refused_reveal_is_not_audited(signed_in, world):
    signed_in("secretary").post(reverse("postdoc-reveal-id", kwargs={"pk": world.appointment.pk}))
    assert not AuditEvent.objects.filter(event="person.id_revealed").exists()


def test_step_buttons_are_shown_only_to_those_who_may_take_them(signed_in, world):
    # The world's postdoc had the PhD before entry, so no certificate is awaited.
    for persona in ("admin", "secretary"):
        steps = {step["name"] for step in _page(signed_in(persona), world.appointment).context["steps"]}
        assert steps == {"assess", "extend", "exit", "withdraw", "transfer"}
    for persona in ("supervisor", "postdoc", "leadership"):
        response = _page(signed_in(persona), world.appointment)
        assert response.context["steps"] == []
        assert "Record exit" not in response.content.decode()


def test_an_admitted_postdoc_can_enter_or_withdraw_only(signed_in, admitted):
    steps = {step["name"] for step in _page(signed_in("secretary"), admitted).context["steps"]}
    assert steps == {"enter", "phd-certificate", "withdraw"}


def test_timeline_shows_who_when_and_what_changed_newest_first(signed_in, world):
    assessment_record(
        appointment=world.appointment, kind="midterm", held_on=dt.date(2025, 3, 1), grade="good", by=world.admin
    )
    appointment_extend(appointment=world.appointment, until=dt.date(2026, 9, 1), reason="More data.", by=world.admin)
    response = _page(signed_in("leadership"), world.appointment)
    timeline = response.context["timeline"]
    assert timeline[0]["what"] == "Extended"
    changes = {change["label"]: (change["before"], change["after"]) for change in timeline[0]["changes"]}
    assert changes["Planned exit date"] == ("March 1, 2026", "Sept. 1, 2026")
    assert changes["Status"] == ("in station", "extended")
    page = response.content.decode()
    assert "Assessment recorded" in page and "More data." in page and "admin-U1" in page


def test_assessments_extensions_and_projects_are_listed(signed_in, world):
    assessment_record(
        appointment=world.appointment, kind="proposal", held_on=dt.date(2024, 5, 1), grade="excellent", by=world.admin
    )
    project_record(
        holder=world.appointment,
        project_no="2024T001",
        title="Cell signalling",
        funder="CPSF",
        level="national",
        awarded_on=dt.date(2024, 9, 1),
        by=world.admin,
    )
    page = _page(signed_in("postdoc"), world.appointment).content.decode()
    assert "excellent (优秀)" in page
    assert "Cell signalling" in page and "2024T001" in page


def _project(world, number: str, month: int) -> None:
    project_record(
        holder=world.appointment,
        project_no=number,
        title="Cell signalling",
        funder="CPSF",
        level="national",
        awarded_on=dt.date(2024, month, 1),
        extension_commitment_until=dt.date(2026, 12, 31),
        by=world.admin,
    )


def test_page_queries_do_not_grow_with_the_timeline_or_the_projects(signed_in, world, django_assert_num_queries):
    from tests.clients import count_queries

    client = signed_in("admin")
    url = reverse("postdoc-detail", kwargs={"pk": world.appointment.pk})
    # One assessment and one project first: the timeline names each kind of record its events link to
    # in one query, so the count may grow with the kinds, never with the events or the projects.
    assessment_record(
        appointment=world.appointment, kind="annual", held_on=dt.date(2024, 3, 1), grade="pass", by=world.admin
    )
    _project(world, "2024T001", 3)
    before = count_queries(client, url)
    for month in (4, 5, 6):
        assessment_record(
            appointment=world.appointment, kind="annual", held_on=dt.date(2024, month, 1), grade="pass", by=world.admin
        )
        _project(world, f"2024T00{month}", month)
    with django_assert_num_queries(before):
        client.get(url)


def test_the_page_reads_the_projects_once(signed_in, world):
    """The due items' extension commitments and the Projects card share one read of the projects."""
    _project(world, "2024T001", 3)
    with CaptureQueriesContext(connection) as queries:
        response = _page(signed_in("admin"), world.appointment)
    assert response.status_code == 200
    assert "2024T001" in response.content.decode()
    assert len([q for q in queries if 'FROM "funding_project"' in q["sql"]]) == 1
