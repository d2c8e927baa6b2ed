"""/healthz: 200 with the database reachable and a fresh worker heartbeat, 503 otherwise; for a
monitor, without sign-in, cookies, caching or personal data (docs/decisions/0059)."""

import datetime as dt

import pytest
from django.db import OperationalError
from django.utils import timezone

import ops.views
from ops.models import WorkerHeartbeat

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def stale_after_a_minute(settings):
    settings.WORKER_STALE_SECONDS = 60


def beat(worker_id: str, *, age: int) -> WorkerHeartbeat:
    seen = timezone.now() - dt.timedelta(seconds=age)
    return WorkerHeartbeat.objects.create(
        worker_id=worker_id, hostname="worker-host", pid=4321, started_at=seen - dt.timedelta(hours=1), seen_at=seen
    )


def test_a_reachable_database_and_a_fresh_heartbeat_answer_200(client, django_assert_max_num_queries):
    beat("older", age=50)
    newest = beat("newer", age=5)
    with django_assert_max_num_queries(2):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body == {
        "status": "ok",
        "database": "ok",
        "worker": {"last_heartbeat": newest.seen_at.isoformat(), "age_seconds": body["worker"]["age_seconds"]},
    }
    # Not exact: a test's first request loads every URL module, which can take seconds.
    assert 5 <= body["worker"]["age_seconds"] < 60


def test_no_heartbeat_yet_answers_503_with_the_reason(client):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "database": "ok",
        "worker": {"last_heartbeat": None, "age_seconds": None},
        "reason": "No task worker has ever reported (is `manage.py worker` running?).",
    }


def test_a_heartbeat_older_than_the_stale_limit_answers_503(client):
    beat("gone", age=120)
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["database"] == "ok"
    assert body["worker"]["age_seconds"] >= 120
    assert body["reason"].startswith("The task worker's last heartbeat is ")
    assert body["reason"].endswith(" s old (more than 60 s).")


def test_a_database_that_does_not_answer_answers_503(client, monkeypatch):
    class Unreachable:
        def cursor(self):
            raise OperationalError("connection refused")

    monkeypatch.setattr(ops.views, "connection", Unreachable())
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "database": "error",
        "worker": {"last_heartbeat": None, "age_seconds": None},
        "reason": "The database does not answer.",
    }


def test_it_needs_no_sign_in_sets_no_cookie_and_is_never_stored(client):
    beat("w", age=1)
    response = client.get("/healthz")
    assert response.status_code == 200  # not a redirect to the sign-in page
    assert not response.cookies
    assert "no-store" in response["Cache-Control"]


def test_it_names_no_worker_host_or_process(client):
    """Nothing a passer-by could use: no worker ids, host names or process ids, no people."""
    beat("secret-worker-id", age=1)
    text = client.get("/healthz").content.decode()
    for private in ("secret-worker-id", "worker-host", "4321"):
        assert private not in text


def test_a_signed_in_person_gets_the_same_answer(client, world):
    client.force_login(world.admin)
    beat("w", age=1)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert set(response.json()) == {"status", "database", "worker"}


def test_it_answers_over_plain_http_when_the_site_redirects_to_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    beat("w", age=1)
    assert client.get("/healthz").status_code == 200
    assert client.get("/login/").status_code == 301


def test_only_get_and_head_are_answered(client):
    beat("w", age=1)
    assert client.head("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405
