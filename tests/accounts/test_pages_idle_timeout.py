"""A session idle for SESSION_IDLE_MINUTES is signed out, saying so; the activity that keeps it open is
written to the session at most once a minute (docs/decisions/0054)."""

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.middleware import ACTIVE_EVERY, BACKGROUND_HEADER
from accounts.models import SignInSession
from audit.models import AuditEvent

pytestmark = pytest.mark.django_db

ACTIVE = "_accounts_active_at"


def signed_in_browser(language: str = "en") -> Client:
    client = Client(HTTP_USER_AGENT="Firefox at the office")
    client.cookies["django_language"] = language
    response = client.post(reverse("login"), {"username": "secretary", "password": "pw-secretary-123"})
    assert response.status_code == 302
    return client


def last_active(client: Client) -> float:
    return float(client.session[ACTIVE])


def idle_for(client: Client, *, minutes: float) -> None:
    """As if the last request recorded were `minutes` ago."""
    session = client.session
    session[ACTIVE] = (timezone.now() - dt.timedelta(minutes=minutes)).timestamp()
    session.save()


def session_writes(client: Client, url: str, **headers: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, headers=headers)
    assert response.status_code == 200
    return sum(
        1
        for query in queries
        if "django_session" in query["sql"] and query["sql"].lstrip().startswith(("UPDATE", "INSERT"))
    )


def test_a_request_after_the_idle_time_is_signed_out_and_told_why(world, settings):
    settings.SESSION_IDLE_MINUTES = 60
    browser = signed_in_browser()
    idle_for(browser, minutes=62)
    response = browser.get(reverse("my-account"))
    assert response.status_code == 302 and response["Location"] == f"/login/?next={reverse('my-account')}"
    page = browser.get(response["Location"]).content.decode()
    assert "You were signed out after 60 minutes without activity. Please sign in again." in page
    assert "_auth_user_id" not in browser.session
    # Recorded as the sign-outs are, saying why; the session list shows it ended.
    event = AuditEvent.objects.get(event="user.signed_out")
    assert event.actor_id == world.secretary.pk
    assert event.after == {"reason": "idle", "idle_minutes": 60}
    assert not SignInSession.objects.filter(user=world.secretary, ended_at=None).exists()


def test_a_request_within_the_idle_time_stays_signed_in(world, settings):
    settings.SESSION_IDLE_MINUTES = 60
    browser = signed_in_browser()
    idle_for(browser, minutes=59)
    assert browser.get(reverse("my-account")).status_code == 200
    assert time_since(last_active(browser)) < 5  # the request counted as activity
    assert not AuditEvent.objects.filter(event="user.signed_out").exists()


def time_since(timestamp: float) -> float:
    return timezone.now().timestamp() - timestamp


def test_the_activity_is_written_at_most_once_a_minute(world):
    browser = signed_in_browser()
    url = reverse("my-account")
    # Just signed in: the sign-in recorded the activity, so the next pages write no session.
    assert [session_writes(browser, url) for _ in range(3)] == [0, 0, 0]
    idle_for(browser, minutes=ACTIVE_EVERY / 60 + 0.1)
    assert [session_writes(browser, url) for _ in range(3)] == [1, 0, 0]


def test_a_page_polling_by_itself_is_no_activity(world, settings):
    settings.SESSION_IDLE_MINUTES = 60
    browser = signed_in_browser()
    idle_for(browser, minutes=30)
    before = last_active(browser)
    assert browser.get(reverse("my-account"), headers={BACKGROUND_HEADER: "1", "HX-Request": "true"}).status_code == 200
    assert last_active(browser) == before
    # ... and it is signed out like any request once the idle time is over.
    idle_for(browser, minutes=62)
    response = browser.get(
        reverse("my-account"),
        headers={BACKGROUND_HEADER: "1", "HX-Request": "true", "HX-Current-URL": "http://testserver/reviews/3/?x=1"},
    )
    # htmx goes to the sign-in page as a whole page, back to where the person was afterwards.
    assert response.status_code == 204
    assert response["HX-Redirect"] == "/login/?next=/reviews/3/%3Fx%3D1"
    assert "_auth_user_id" not in browser.session


def test_the_session_ends_at_its_age_from_the_sign_in_however_active(world, settings):
    browser = signed_in_browser()
    ends = browser.session.get_expiry_date()
    expected = timezone.now() + dt.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    assert abs((ends - expected).total_seconds()) < 10
    idle_for(browser, minutes=5)
    assert session_writes(browser, reverse("my-account")) == 1  # an activity written...
    assert browser.session.get_expiry_date() == ends  # ...does not move the end


def test_no_idle_limit_when_set_to_zero(world, settings):
    settings.SESSION_IDLE_MINUTES = 0
    browser = signed_in_browser()
    idle_for(browser, minutes=7 * 60)
    assert browser.get(reverse("my-account")).status_code == 200


def test_the_sign_in_log_says_a_sign_out_was_for_inactivity(world, settings, signed_in):
    settings.SESSION_IDLE_MINUTES = 45
    browser = signed_in_browser()
    idle_for(browser, minutes=50)
    browser.get(reverse("my-account"))
    admin = signed_in("admin")
    admin.cookies["django_language"] = "en"
    page = admin.get(reverse("user-sign-ins")).content.decode()
    assert "after 45 minutes without activity" in page


def test_an_api_call_of_an_idle_browser_session_is_refused(world, settings):
    settings.SESSION_IDLE_MINUTES = 60
    browser = signed_in_browser()
    assert browser.get("/api/v1/appointments").status_code == 200  # the docs page reads with the session
    idle_for(browser, minutes=62)
    assert browser.get("/api/v1/appointments").status_code == 401
    assert AuditEvent.objects.filter(event="user.signed_out", after__reason="idle").count() == 1
