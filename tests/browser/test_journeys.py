"""Journeys in real Chromium: what a station secretary does on an ordinary morning."""

import pytest
from playwright.sync_api import expect

from appointments.models import Assessment
from audit.models import AuditEvent
from tests.factories import make_world

pytestmark = pytest.mark.browser


@pytest.fixture
def world_live(transactional_db):
    return make_world()


def sign_in(page, username, password):
    page.goto("/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert "/login/" not in page.url, "sign-in failed"


def test_secretary_records_a_midterm_assessment_and_sees_it_on_the_timeline(page, world_live):
    appointment = world_live.appointment
    sign_in(page, "secretary", "pw-secretary-123")
    assert page.locator("html").get_attribute("lang").lower() == "zh-hans"

    # Find the postdoc by name: the rows update in place as one types.
    page.goto("/postdocs/")
    page.fill("#id_q", "陈博士")
    # htmx swaps the rows and pushes the filter into the address, so the page can be shared.
    page.wait_for_url("**/postdocs/?*q=*")
    expect(page.locator("#rows tbody tr")).to_have_count(1)
    row_link = page.locator("#rows a", has_text="陈博士")
    row_link.click()
    page.wait_for_url(f"**/postdocs/{appointment.pk}/")

    # Record the mid-term assessment: the form opens inside the page.
    page.click(f"a[href$='/postdocs/{appointment.pk}/assess/']")
    page.wait_for_selector("#action-panel form")
    page.select_option("#action-panel select[name=kind]", "midterm")
    page.fill("#action-panel input[name=held_on]", "2025-03-10")
    page.select_option("#action-panel select[name=grade]", "excellent")
    page.fill("#action-panel textarea[name=comments]", "进展顺利")
    page.click("#action-panel form button[type=submit]")

    # On success the page reloads with the new event first on the timeline.
    first = page.locator(".timeline > li").first
    first.filter(has_text="记录考核").wait_for()
    assert "记录考核" in first.inner_text()
    assert "中期考核" in first.inner_text()
    assert Assessment.objects.filter(appointment=appointment, kind="midterm", grade="excellent").count() == 1
    assert AuditEvent.objects.filter(event="assessment.recorded", actor=world_live.secretary).count() == 1

    # Switch to English: the same timeline, in the other language.
    page.click("form.langswitch button[value=en]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    first = page.locator(".timeline > li").first
    assert "Assessment recorded" in first.inner_text()
    assert "mid-term assessment" in first.inner_text().lower()


def test_a_refused_exit_shows_the_rule_and_keeps_the_input(page, world_live):
    appointment = world_live.appointment
    sign_in(page, "secretary", "pw-secretary-123")
    page.goto(f"/postdocs/{appointment.pk}/exit/")
    page.fill("input[name=on]", "2024-06-01")
    page.check("input[name=confirm]")
    page.click(".stepform form button[type=submit]")
    page.wait_for_selector(".stepform .error, .stepform .errorlist, .stepform [role=alert]")
    text = page.locator(".stepform").inner_text()
    assert "21" in text  # the earliest-exit rule, named with its months
    assert page.input_value("input[name=on]") == "2024-06-01"
    appointment.refresh_from_db()
    assert appointment.status == "in_station"


def test_leadership_compares_the_stations_sorts_them_and_takes_the_table_away(page, world_live):
    sign_in(page, "leadership", "pw-leadership-123")
    page.goto("/stations/")
    page.click("a[href='/stations/compared/']")
    page.wait_for_url("**/stations/compared/")
    rows = page.locator("#rows tbody tr")
    expect(rows).to_have_count(2)
    expect(page.locator("#rows tfoot th")).to_have_text("全校")

    # A click on a heading sorts in place (htmx), largest first, and the address keeps the order.
    page.click("#rows th a:has-text('期末在站人数')")
    page.wait_for_url("**/stations/compared/?*sort=-in_station_at_end*")
    expect(page.locator("#rows th[aria-sort=descending]")).to_have_count(1)

    # The export takes the same period and order.
    with page.expect_download() as download:
        page.click("#rows a:has-text('Excel')")
    assert download.value.suggested_filename.startswith("stations-compared-")
    assert download.value.suggested_filename.endswith(".xlsx")
