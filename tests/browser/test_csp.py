"""The Content-Security-Policy in real Chromium (docs/decisions/0025): key pages, with what they do by
themselves (htmx's polling and swaps, the type-to-search box, the API docs' Swagger UI), run without a
single violation. A test client sees the header; only a browser says what the policy refused."""

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from exchange.services import import_job_create
from reviews import services as reviews
from reviews.models import Kind
from tests.factories import make_world
from tests.reviews.conftest import make_pool

pytestmark = pytest.mark.browser

# Every violation, as the page itself sees it (the event fires for scripts, styles, handlers, eval...).
LISTEN = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__cspViolations.push(
    event.effectiveDirective + " refused " + (event.blockedURI || "inline") + " at " + event.sourceFile + ":" + event.lineNumber
  );
});
"""


@pytest.fixture
def live_world(transactional_db, settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path  # the uploaded workbook
    world = make_world()
    make_pool(world)
    review = reviews.review_create(
        kind=Kind.MIDTERM,
        subject=world.appointment,
        deadline=timezone.localdate() + dt.timedelta(days=14),
        by=world.admin,
    )
    reviews.panel_draw(review=review, seed=11, by=world.admin)
    reviews.review_open(review=review, by=world.admin)  # open: its panel polls
    # Queued, with no worker in a test: its page shows the progress and polls every second.
    job = import_job_create(
        institution=world.institution,
        upload=SimpleUploadedFile("Units.csv", b"code,name,kind\nC901,x,college\n"),
        by=world.admin,
        language="en",
    )
    return world, review, job


@pytest.fixture
def watched(page) -> Iterator[tuple[Any, list[str]]]:  # type: ignore[no-untyped-def]
    """The page, and what the browser's console said of the policy (each report also reaches the console)."""
    console: list[str] = []
    page.add_init_script(LISTEN)
    page.on(
        "console", lambda message: console.append(message.text) if "Content Security Policy" in message.text else None
    )
    page.on("pageerror", lambda error: console.append(f"page error: {error}"))
    yield page, console


def violations(page, console: list[str]) -> list[str]:  # type: ignore[no-untyped-def]
    return console + page.evaluate("window.__cspViolations || []")


def sign_in(page, username: str, password: str) -> None:  # type: ignore[no-untyped-def]
    page.goto("/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert "/login/" not in page.url, "sign-in failed"


def test_key_pages_run_without_a_policy_violation(watched, live_world):  # type: ignore[no-untyped-def]
    page, console = watched
    world, review, job = live_world
    seen: dict[str, list[str]] = {}

    def visit(path: str, ready: str) -> None:
        page.goto(path)
        page.wait_for_selector(ready)
        seen[path] = violations(page, console)
        console.clear()

    visit("/login/", "main form")
    sign_in(page, "admin-U1", "pw-admin-123")
    visit("/", "main .figure .meter")  # the dashboard, its bars now <meter>s

    visit("/postdocs/", "#rows")
    page.fill("#postdoc-filters input[name=q]", "陈")  # htmx swaps the rows in
    page.wait_for_load_state("networkidle")
    seen["/postdocs/ (filtered)"] = violations(page, console)
    console.clear()

    visit(f"/stations/{world.station.pk}/", "#station-tabs")
    visit("/stations/compared/", "#rows table")
    page.click("#rows th a.sortlink >> nth=1")  # htmx sorts the stations in place
    page.wait_for_load_state("networkidle")
    seen["/stations/compared/ (sorted)"] = violations(page, console)
    console.clear()
    visit("/postdocs/new/", "main form select")

    visit(f"/reviews/{review.pk}/", "#review-panel .meter")
    visit("/exchange/imports/new/", "main form button[type=submit]")
    visit(f"/exchange/imports/{job.pk}/", "#job progress")
    page.wait_for_timeout(2500)  # two of its polls
    seen[f"/exchange/imports/{job.pk}/ (polling)"] = violations(page, console)
    console.clear()

    # The API docs: Swagger UI from our own static files draws the operations.
    visit("/api/v1/docs", ".swagger-ui .opblock")
    page.locator(".swagger-ui .opblock-summary").first.click()
    page.wait_for_selector(".swagger-ui .opblock-body")
    seen["/api/v1/docs (an operation open)"] = violations(page, console)
    console.clear()

    visit("/no-such-page/", "main")

    assert {path: found for path, found in seen.items() if found} == {}
    # htmx was told to add no <style> of its own (its indicator rules live in office.css).
    page.goto("/")
    assert page.evaluate("document.querySelectorAll('style').length") == 0


def test_an_inline_script_would_be_refused_and_seen(watched, live_world):  # type: ignore[no-untyped-def]
    """The watch above would see a violation: the policy is enforced in the browser, not only sent."""
    page, console = watched
    sign_in(page, "admin-U1", "pw-admin-123")
    page.evaluate(
        """() => {
          const script = document.createElement("script");
          script.textContent = "window.__ran = true";
          document.body.appendChild(script);
          const box = document.createElement("div");
          box.setAttribute("style", "color: red");
          document.body.appendChild(box);
        }"""
    )
    page.wait_for_timeout(200)
    assert page.evaluate("window.__ran === undefined")
    found = violations(page, console)
    assert any("script-src" in line for line in found) and any("style-src" in line for line in found)
