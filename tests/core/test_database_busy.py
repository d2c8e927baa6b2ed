"""A request that meets a busy database (SQLite's write lock held by someone else for longer than it
waits) answers 503 with a sentence and Retry-After, as a page, into an htmx page's messages, or in the
API's JSON shape; nothing is half-written, and the same request succeeds once the lock is free."""

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test.client import Client
from django.urls import reverse

from api.services import token_create
from funding.models import Funder
from tests.factories import make_world


@pytest.fixture
def busy_after(file_db: Path) -> Iterator[Any]:
    """Waits a tenth of a second for the lock, instead of the configured 20 s."""
    options = connection.settings_dict["OPTIONS"]
    saved = dict(options)
    options["timeout"] = 0.1
    connection.close()
    yield file_db
    options.clear()
    options.update(saved)
    connection.close()


class Lock:
    """Another writer holding SQLite's write lock, as a long import did before it wrote in slices."""

    def __init__(self, path: Path) -> None:
        self.other = sqlite3.connect(path, isolation_level=None)

    def __enter__(self) -> "Lock":
        self.other.execute("BEGIN IMMEDIATE")
        return self

    def __exit__(self, *exc: object) -> None:
        self.other.execute("ROLLBACK")
        self.other.close()


def funder_form(code: str) -> dict[str, str]:
    return {"code": code, "name_zh": "渝州医科大学博士后基金", "kind": "university"}


def test_a_form_saved_while_the_database_is_busy_gets_503_and_a_sentence_and_nothing_is_half_written(busy_after):
    world = make_world()
    client = Client()
    client.force_login(world.admin)
    before = Funder.objects.count()
    with Lock(busy_after):
        response = client.post(reverse("funding:funder-new"), funder_form("C77"))
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert "The database is busy" in response.content.decode() and "nothing was saved" in response.content.decode()
    assert Funder.objects.count() == before
    # The lock is free: the same form succeeds.
    again = client.post(reverse("funding:funder-new"), funder_form("C77"))
    assert again.status_code == 302 and Funder.objects.filter(code="C77").exists()


def test_an_htmx_form_puts_the_sentence_into_the_messages(busy_after):
    world = make_world()
    client = Client()
    client.force_login(world.admin)
    with Lock(busy_after):
        response = client.post(reverse("funding:funder-new"), funder_form("C78"), headers={"HX-Request": "true"})
    assert response.status_code == 503 and response["HX-Retarget"] == "#messages"
    assert "The database is busy" in response.content.decode()


def test_an_api_write_while_the_database_is_busy_gets_503_json_with_retry_after(busy_after):
    world = make_world()
    _token, key = token_create(user=world.admin, name="busy", by=world.admin)
    api = Client()
    appointment = world.appointment
    with Lock(busy_after):
        response = api.post(
            f"/api/v1/appointments/{appointment.pk}/extend",
            {"until": "2031-01-01", "reason": "busy test"},
            content_type="application/json",
            headers={"Authorization": f"Bearer {key}"},
        )
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert "The database is busy" in response.json()["message"]
    appointment.refresh_from_db()
    assert str(appointment.planned_exit_date) != "2031-01-01"


def test_other_database_errors_stay_server_errors():
    from django.db import OperationalError

    from core.middleware import database_busy

    assert database_busy(OperationalError("database is locked"))
    assert not database_busy(OperationalError("no such table: x"))
    assert not database_busy(ValueError("database is locked"))
