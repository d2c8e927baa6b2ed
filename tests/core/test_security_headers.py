"""Every answer carries the hardened headers (docs/decisions/0025): a Content-Security-Policy that allows
scripts and styles only from this site (so no inline script, style or handler runs), no framing, no
MIME sniffing, and a referrer only for the site's own pages. Pages, the API, its docs and errors alike."""

import pytest
from django.http import HttpResponse
from django.urls import reverse

from tests.clients import PERSONAS

pytestmark = pytest.mark.django_db

POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def policy(response: HttpResponse) -> dict[str, str]:
    directives = (part.strip().split(None, 1) for part in response["Content-Security-Policy"].split(";"))
    return {name: (rest[0] if rest else "") for name, *rest in directives if name}


def assert_hardened(response: HttpResponse) -> None:
    assert policy(response) == POLICY
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    # Enforced, not only reported: a report-only policy would let an inline script run.
    assert "Content-Security-Policy-Report-Only" not in response


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_personas_dashboard_carries_the_headers(signed_in, persona):
    response = signed_in(persona).get(reverse("dashboard"))
    assert response.status_code == 200
    assert_hardened(response)


def test_the_sign_in_page_carries_them_before_anyone_signs_in(client, world):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert_hardened(response)


def test_an_htmx_partial_carries_them_too(signed_in):
    response = signed_in("secretary").get(reverse("postdoc-list"), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert_hardened(response)


def test_api_answers_and_refusals_carry_them(signed_in, client):
    assert_hardened(client.get("/api/v1/appointments"))  # 401, no token
    answer = signed_in("secretary").get("/api/v1/appointments")
    assert answer.status_code == 200 and answer["Content-Type"].startswith("application/json")
    assert_hardened(answer)


def test_the_api_docs_carry_them_and_hold_no_inline_script(signed_in):
    response = signed_in("secretary").get("/api/v1/docs")
    assert response.status_code == 200
    assert_hardened(response)
    page = response.content.decode()
    # The Swagger UI settings are JSON data (never run), read by a script from our own static files.
    assert '<script id="swagger-settings" type="application/json">' in page
    assert "/static/ninja/swagger-ui-init.js" in page
    assert "cdn" not in page.lower() and "https://" not in page


@pytest.mark.parametrize("signed", [False, True])
def test_a_missing_page_carries_them(client, signed_in, signed):
    browser = signed_in("secretary") if signed else client
    response = browser.get("/no-such-page/")
    assert response.status_code == 404
    assert_hardened(response)


def test_the_policy_in_force_allows_no_inline_code_nor_other_sites(settings):
    # The settings themselves: a later edit that adds 'unsafe-inline' or a CDN fails here, not only in a browser.
    values = " ".join(" ".join(sources) for sources in settings.SECURE_CSP.values())
    assert "unsafe" not in values and "http" not in values and "*" not in values


def test_htmx_is_told_in_the_head_to_add_no_style_of_its_own(signed_in):
    page = signed_in("secretary").get(reverse("dashboard")).content.decode()
    head = page.split("</head>", 1)[0]
    # htmx reads its config from a <meta> in the head; its indicator rules live in office.css instead.
    assert '<meta name="htmx-config"' in head and '"includeIndicatorStyles": false' in head
    assert "{#" not in page  # a template comment shown as text would push the meta out of the head
