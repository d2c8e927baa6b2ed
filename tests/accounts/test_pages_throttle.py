"""Sign-in throttling per account and per address (django-axes, docs/decisions/0017), its message
on the page, and the lift on the users page; sign-ins audited."""

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse

from audit.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def limits(settings):
    settings.SIGN_IN_FAILURES_PER_ACCOUNT = 3
    settings.SIGN_IN_FAILURES_PER_ADDRESS = 6
    settings.AXES_FAILURE_LIMIT = 3


def sign_in(client: Client, username: str, password: str, address: str = "203.0.113.5"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def test_a_successful_sign_in_is_audited_with_its_address(world, client):
    response = sign_in(client, "secretary", "pw-secretary-123")
    assert response.status_code == 302
    event = AuditEvent.objects.get(event="user.signed_in", target_id=str(world.secretary.pk))
    assert event.after["address"] == "203.0.113.5" and event.institution == world.institution
    client.post(reverse("logout"))
    assert AuditEvent.objects.filter(event="user.signed_out", target_id=str(world.secretary.pk)).exists()


def test_a_failed_sign_in_is_audited_with_the_name_tried_and_the_address(world, client):
    sign_in(client, "secretary", "wrong")
    event = AuditEvent.objects.get(event="user.sign_in_failed")
    assert (event.target_id, event.institution, event.after["username"]) == (
        str(world.secretary.pk),
        world.institution,
        "secretary",
    )
    assert event.after["address"] == "203.0.113.5" and event.actor is None
    # A user name nobody has: no account to point at, no institution; the name tried is the label.
    sign_in(client, "nobody-here", "wrong")
    event = AuditEvent.objects.filter(event="user.sign_in_failed").first()
    assert (event.target_type, event.target_id, event.target_label, event.institution) == (
        "accounts.user",
        "",
        "nobody-here",
        None,
    )


def test_an_account_is_locked_after_repeated_failures_and_the_page_says_until_when(world, client):
    for _attempt in range(3):
        response = sign_in(client, "secretary", "wrong")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Too many failed sign-ins" in page and "locked until" in page and "minutes from now" in page
    # Even the right password is refused while locked, with the same sentence, on the same page.
    response = sign_in(client, "secretary", "pw-secretary-123")
    assert response.status_code == 200 and "locked until" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # Another account from another address is not affected.
    assert sign_in(Client(), "leadership", "pw-leadership-123", address="198.51.100.7").status_code == 302


def test_an_address_is_locked_after_more_failures_over_several_accounts(world, client):
    for index in range(6):
        sign_in(client, f"guess-{index}", "wrong", address="192.0.2.44")
    response = sign_in(client, "leadership", "pw-leadership-123", address="192.0.2.44")
    assert response.status_code == 200 and "locked until" in response.content.decode()
    # The same account from another address signs in: each limit on its own.
    assert sign_in(Client(), "leadership", "pw-leadership-123", address="192.0.2.45").status_code == 302


def test_a_few_failures_from_a_shared_address_lock_nothing(world, client):
    for username in ("secretary", "leadership"):
        sign_in(client, username, "wrong", address="192.0.2.10")
        sign_in(client, username, "wrong", address="192.0.2.10")
    assert sign_in(client, "postdoc", "pw-postdoc-123", address="192.0.2.10").status_code == 302


def test_the_administrator_sees_the_lockout_and_lifts_it(world, client, signed_in):
    for _attempt in range(3):
        sign_in(client, "secretary", "wrong", address="198.51.100.1")
    admin = signed_in("admin")
    page = admin.get(reverse("user-detail", args=[world.secretary.pk])).content.decode()
    assert "Sign-in to this account is locked" in page and "Lift the lock" in page
    assert "Sign-in failed" in page  # the failures are on the account's history
    response = admin.post(reverse("user-lift-lockout", args=[world.secretary.pk]), follow=True)
    assert b"can sign in again" in response.content
    assert not AccessAttempt.objects.filter(username="secretary").exists()
    event = AuditEvent.objects.get(event="user.lockout_lifted")
    assert event.after == {"failed_attempts_forgotten": 1} and event.actor == world.admin
    assert sign_in(Client(), "secretary", "pw-secretary-123", address="198.51.100.1").status_code == 302


@pytest.mark.parametrize("persona", ["secretary", "supervisor", "postdoc", "leadership", "outsider"])
def test_only_the_institutions_administrator_lifts_a_lockout(world, client, signed_in, persona):
    # The locked account is the administrator's: signing in as the persona resets only the persona's.
    for _attempt in range(3):
        sign_in(client, "admin-U1", "wrong")
    other = signed_in(persona)
    response = other.post(reverse("user-lift-lockout", args=[world.admin.pk]))
    assert response.status_code == (404 if persona == "outsider" else 403)
    assert AccessAttempt.objects.filter(username="admin-U1").exists()


def test_the_test_clients_sign_in_still_works_without_a_request(world, client):
    # `client.login` authenticates without a request: the throttle lets Django's backend answer.
    assert client.login(username="secretary", password="pw-secretary-123")
    assert not client.login(username="secretary", password="wrong")
