"""Open sessions on "My account", sign out everywhere, and what a deactivated account can no longer do."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import SignInSession
from accounts.services import user_deactivate, user_reactivate
from audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def signed_in_browser(username: str, password: str, address: str, browser: str) -> Client:
    client = Client(HTTP_USER_AGENT=browser)
    response = client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)
    assert response.status_code == 302
    return client


def test_my_account_lists_my_open_sessions(world):
    office = signed_in_browser("secretary", "pw-secretary-123", "203.0.113.5", "Firefox at the office")
    signed_in_browser("secretary", "pw-secretary-123", "198.51.100.9", "Safari on the phone")
    page = office.get(reverse("my-account")).content.decode()
    assert "203.0.113.5" in page and "198.51.100.9" in page
    assert "Safari on the phone" in page and "this browser" in page
    assert SignInSession.objects.filter(user=world.secretary, ended_at=None).count() == 2


def test_sign_out_everywhere_really_ends_the_other_session(world):
    office = signed_in_browser("secretary", "pw-secretary-123", "203.0.113.5", "Firefox")
    phone = signed_in_browser("secretary", "pw-secretary-123", "198.51.100.9", "Safari")
    assert phone.get(reverse("my-account")).status_code == 200
    assert office.get(reverse("sign-out-everywhere")).status_code == 200  # the confirmation
    response = office.post(reverse("sign-out-everywhere"))
    assert response.status_code == 302 and response["Location"] == reverse("login")
    for client in (office, phone):
        response = client.get(reverse("my-account"))
        assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert not SignInSession.objects.filter(user=world.secretary, ended_at=None).exists()
    event = AuditEvent.objects.get(event="user.signed_out_everywhere")
    assert event.after == {"sessions_ended": 2}
    # Another person's session is untouched.
    other = signed_in_browser("leadership", "pw-leadership-123", "203.0.113.5", "Firefox")
    office2 = signed_in_browser("secretary", "pw-secretary-123", "203.0.113.5", "Firefox")
    office2.post(reverse("sign-out-everywhere"))
    assert other.get(reverse("my-account")).status_code == 200


def test_changing_the_password_ends_the_other_sessions(world):
    office = signed_in_browser("postdoc", "pw-postdoc-123", "203.0.113.5", "Firefox")
    phone = signed_in_browser("postdoc", "pw-postdoc-123", "198.51.100.9", "Safari")
    office.post(
        reverse("password-change"),
        {
            "old_password": "pw-postdoc-123",
            "new_password1": "Chongqing-Spring-2027",
            "new_password2": "Chongqing-Spring-2027",
        },
    )
    assert office.get(reverse("my-account")).status_code == 200
    assert phone.get(reverse("my-account")).status_code == 302


def test_a_deactivated_account_is_signed_out_cannot_sign_in_and_keeps_its_history(world):
    browser = signed_in_browser("secretary", "pw-secretary-123", "203.0.113.5", "Firefox")
    history = AuditEvent.objects.filter(actor=world.secretary).count()
    user_deactivate(user=world.secretary, by=world.admin)
    response = browser.get(reverse("my-account"))
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    fresh = Client()
    response = fresh.post(reverse("login"), {"username": "secretary", "password": "pw-secretary-123"})
    assert response.status_code == 200 and b"The user name or the password is wrong" in response.content
    assert "_auth_user_id" not in fresh.session
    assert AuditEvent.objects.filter(actor=world.secretary).count() == history
    user_reactivate(user=world.secretary, by=world.admin)
    signed_in_browser("secretary", "pw-secretary-123", "203.0.113.5", "Firefox")


def test_a_deactivated_accounts_api_token_is_refused(world, api_as):
    api = api_as("secretary")
    assert api.get("/stations").status_code == 200
    user_deactivate(user=world.secretary, by=world.admin)
    assert api.get("/stations").status_code == 401
    user_reactivate(user=world.secretary, by=world.admin)
    assert api.get("/stations").status_code == 200
