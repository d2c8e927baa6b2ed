import hashlib

import pytest
from django.test.client import Client

from api.models import ApiToken
from api.services import token_create, token_revoke
from audit.models import AuditEvent
from core.errors import DomainError


def test_a_token_is_required(client: Client, world):
    assert client.get("/api/v1/appointments").status_code == 401
    wrong = client.get("/api/v1/appointments", headers={"Authorization": "Bearer not-a-real-key-at-all"})
    assert wrong.status_code == 401
    assert "message" in wrong.json()
    assert client.get("/api/v1/appointments", headers={"Authorization": "Basic abc"}).status_code == 401


def test_a_signed_in_browser_may_read_but_not_write(client: Client, world):
    client.force_login(world.secretary)
    body = client.get("/api/v1/appointments").json()
    assert [item["id"] for item in body["items"]] == [world.appointment.pk]
    refused = client.post(
        f"/api/v1/appointments/{world.appointment.pk}/assessments",
        {"kind": "midterm", "held_on": "2025-05-06", "grade": "good"},
        content_type="application/json",
    )
    assert refused.status_code == 401


def test_the_key_is_stored_hashed_and_shown_once(world):
    token, key = token_create(user=world.admin, name="script", by=world.admin)
    token.refresh_from_db()
    assert token.key_prefix == key[:8]
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in {token.name, token.key_hash}
    event = AuditEvent.objects.get(event="api_token.created")
    text = f"{event.before} {event.after} {event.note} {event.target_label}"
    assert key not in text and token.key_hash not in text


def test_the_right_key_authenticates_and_a_revoked_one_does_not(world):
    token, key = token_create(user=world.admin, name="script", by=world.admin)
    headers = {"Authorization": f"Bearer {key}"}
    client = Client()
    assert client.get("/api/v1/appointments", headers=headers).status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None
    # Same prefix, different key: refused.
    assert client.get("/api/v1/appointments", headers={"Authorization": f"Bearer {key[:8]}xxxx"}).status_code == 401
    token_revoke(token=token, by=world.admin)
    assert client.get("/api/v1/appointments", headers=headers).status_code == 401
    assert AuditEvent.objects.filter(event="api_token.revoked").count() == 1


def test_tokens_are_ones_own(world):
    with pytest.raises(DomainError):
        token_create(user=world.secretary, name="x", by=world.admin)
    token, _ = token_create(user=world.secretary, name="x", by=world.secretary)
    with pytest.raises(DomainError):
        token_revoke(token=token, by=world.admin)
    with pytest.raises(DomainError):
        token_create(user=world.admin, name="  ", by=world.admin)


def test_the_tokens_page_creates_shows_once_and_revokes(client: Client, world):
    assert client.get("/api/tokens/").status_code == 302  # sign in first
    client.force_login(world.secretary)
    created = client.post("/api/tokens/", {"action": "create", "name": "laptop"})
    assert created.status_code == 200
    token = ApiToken.objects.get(user=world.secretary)
    key = created.context["new_key"]
    assert key.startswith(token.key_prefix) and key in created.content.decode()
    assert created["Cache-Control"] == "no-store"
    listed = client.get("/api/tokens/")
    assert "laptop" in listed.content.decode() and key not in listed.content.decode()
    # Revoking needs the confirmation box.
    unconfirmed = client.post("/api/tokens/", {"action": "revoke", "token": token.pk})
    assert unconfirmed.status_code == 400
    token.refresh_from_db()
    assert token.revoked_at is None
    assert client.post("/api/tokens/", {"action": "revoke", "token": token.pk, "confirm": "yes"}).status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_nobody_revokes_anothers_token_from_the_page(client: Client, world):
    token, _ = token_create(user=world.admin, name="mine", by=world.admin)
    client.force_login(world.secretary)
    response = client.post("/api/tokens/", {"action": "revoke", "token": token.pk, "confirm": "yes"})
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
