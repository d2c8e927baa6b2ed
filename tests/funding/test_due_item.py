"""The office's commitment to extend an appointment for a project (NSFC, facts.md §1.3) is a due item
of the appointment, where the others are: its page and the reminders."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from appointments.models import Policy
from appointments.reminders import due_digests
from appointments.selectors import ExtensionCommitment, due_items
from appointments.services import appointment_extend
from funding.services import project_reject
from tests.funding.helpers import apply, other_postdoc

pytestmark = pytest.mark.django_db

UNTIL = dt.date(2028, 12, 31)


def commit(world, number="N1", holder=None, until=UNTIL):
    return apply(
        world,
        number,
        holder=holder,
        funder="国家自然科学基金委员会",
        programme="青年科学基金项目",
        applied_on=dt.date(2025, 3, 1),
        period_start=dt.date(2026, 1, 1),
        period_end=until,
        extension_commitment_until=until,
    )


def page_due(client, appointment):
    response = client.get(reverse("postdoc-detail", kwargs={"pk": appointment.pk}))
    assert response.status_code == 200
    return {item.key: item for item in response.context["due"]}, response.content.decode()


def test_the_commitment_is_due_on_the_postdocs_page_until_the_appointment_is_extended(client, world):
    application = commit(world)
    client.force_login(world.admin)
    due, page = page_due(client, world.appointment)
    item = due["extension_commitment:N1"]
    assert item.label == "extension to 2028-12-31 committed for project N1 (NSFC)"
    # Due when the exit application would be: three months before the planned exit (2026-03-01).
    assert (item.due_on, item.done_on, item.state) == (dt.date(2025, 12, 1), None, "overdue")
    assert "Extension to 2028-12-31 committed for project N1 (NSFC)" in page
    appointment_extend(appointment=world.appointment, until=UNTIL, reason="国家自然科学基金青年项目", by=world.admin)
    due, _page = page_due(client, world.appointment)
    assert due["extension_commitment:N1"].state == "done"
    assert due["extension_commitment:N1"].done_on == timezone.localdate()
    project_reject(project=application, on=dt.date(2025, 8, 25), by=world.admin)
    due, _page = page_due(client, world.appointment)
    assert "extension_commitment:N1" not in due  # a refused application commits nobody


def test_the_due_item_is_computed_from_the_dates():
    from appointments.models import Appointment

    appointment = Appointment(
        status="in_station", entry_date=dt.date(2024, 3, 1), planned_exit_date=dt.date(2029, 3, 1)
    )
    items = due_items(appointment, Policy(), dt.date(2025, 1, 1), [ExtensionCommitment("N1", "NSFC", UNTIL)])
    item = next(i for i in items if i.key == "extension_commitment:N1")
    assert item.state == "done" and item.done_on == dt.date(2024, 3, 1)  # planned that long from the start
    assert [i.key for i in items][-1] == "planned_exit"


def test_the_page_reads_no_more_with_more_commitments(client, world):
    from tests.clients import count_queries

    client.force_login(world.admin)
    url = reverse("postdoc-detail", kwargs={"pk": world.appointment.pk})
    commit(world, "N1")
    before = count_queries(client, url)
    commit(world, "N2")
    commit(world, "N3", until=dt.date(2029, 6, 30))
    assert count_queries(client, url) == before


def test_the_reminders_carry_the_commitment_in_one_query_for_all(world, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    world.secretary.email = "sec@example.edu"  # the station's secretary gets the digest
    world.secretary.save(update_fields=["email"])
    commit(world, "N1")
    with CaptureQueriesContext(connection) as one:
        digests = due_digests(world.institution, dt.date(2026, 1, 10))
    for index in range(3):
        commit(world, f"M{index}", holder=other_postdoc(world))
    with django_assert_num_queries(len(one)):
        more = due_digests(world.institution, dt.date(2026, 1, 10))
    lines = [line for lines in digests.values() for line in lines]
    assert any("extension to 2028-12-31 committed for project N1 (NSFC) overdue" in line for line in lines)
    assert sum("committed for project M" in line for lines in more.values() for line in lines) >= 3
