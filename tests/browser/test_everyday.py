"""Everyday use in real Chromium: the phone menu at 375 px, lists' key columns on a phone, and the
type-to-search box of a long drop-down, also on a form htmx puts in later."""

import pytest

from tests.factories import make_supervisor, make_world

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 800}


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


def test_on_a_phone_the_navigation_folds_into_a_menu(page, world_live):
    page.set_viewport_size(PHONE)
    sign_in(page, "secretary", "pw-secretary-123")
    page.goto("/stations/")
    toggle = page.locator(".navtoggle")
    nav = page.locator("#mainnav")
    assert toggle.is_visible() and toggle.get_attribute("aria-expanded") == "false"
    assert not nav.is_visible()
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    assert nav.is_visible() and nav.locator("a[href='/postdocs/']").is_visible()
    page.keyboard.press("Escape")
    assert toggle.get_attribute("aria-expanded") == "false" and not nav.is_visible()
    # The list keeps its key columns: code, name, status, count; the rest wait on the station's page.
    assert page.locator("#rows th.col-secondary").first.is_hidden()
    assert page.locator("#rows th[scope=col]").first.is_visible()
    # No sideways scroll for the page itself.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_on_a_desktop_the_menu_button_stays_hidden(page, world_live):
    sign_in(page, "secretary", "pw-secretary-123")
    assert not page.locator(".navtoggle").is_visible()
    assert page.locator("#mainnav a[href='/stations/']").is_visible()


def test_a_long_drop_down_is_searched_by_typing_even_after_an_htmx_swap(page, world_live):
    for index in range(20):
        make_supervisor(world_live.station, world_live.admin, name=f"导师{index:02d}")
    target = make_supervisor(world_live.station, world_live.admin, name="欧阳明")
    sign_in(page, "secretary", "pw-secretary-123")
    page.goto("/postdocs/new/")
    select = page.locator("select[name=primary_supervisor]")
    box = page.locator(".selectsearch__box").first
    assert box.is_visible()
    box.fill("欧阳")
    visible = page.evaluate(
        "[...document.querySelector('select[name=primary_supervisor]').options]"
        ".filter(o => !o.hidden && o.value).map(o => o.textContent.trim())"
    )
    assert len(visible) == 1 and "欧阳明" in visible[0]
    box.press("Enter")
    assert select.input_value() == str(target.pk)
    assert "/postdocs/new/" in page.url  # Enter picked the choice; it did not send the form

    # A form htmx loads later gets its box too.
    page.evaluate("htmx.ajax('GET', '/postdocs/new/', {target: '#main', select: 'form', swap: 'innerHTML'})")
    page.locator("#main .selectsearch__box").first.wait_for()
