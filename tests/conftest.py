import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, connections
from django.test.client import Client
from django.utils import translation

from accounts.models import User
from api.services import token_create
from tests.clients import ApiClient
from tests.factories import World, make_world


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # The real hasher is slow by design; tests create many accounts.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def english(settings):
    """Tests read messages in English (the msgid language); language tests switch explicitly."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def world(db: None) -> World:
    return make_world()


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    """Uploads (funders' award lists, establishment documents, workbooks) go to a temporary folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def signed_in(client: Client, world: World) -> Callable[[str], Client]:
    """The test client signed in as a persona of the world ("admin", "secretary", … tests.clients.PERSONAS)."""

    def sign_in(persona: str) -> Client:
        client.force_login(world.personas()[persona])
        return client

    return sign_in


@pytest.fixture
def api_as(world: World) -> Callable[[str], ApiClient]:
    """An API client with a fresh token of a persona of the world."""

    def make(persona: str) -> ApiClient:
        user = world.personas()[persona]
        _, key = token_create(user=user, name=f"{persona} tests", by=user)
        return ApiClient(Client(), key)

    return make


@pytest.fixture
def staff(world: World) -> World:
    """Every persona may open the admin site; what they see there is the admin's business."""
    User.objects.filter(pk__in=[user.pk for user in world.personas().values()]).update(is_staff=True)
    return world


@pytest.fixture
def file_db(transactional_db: None, tmp_path: Path) -> Iterator[Path]:
    """SQLite only: the test database copied into a file and made the default database of this test
    (of every connection opened meanwhile, in any thread), so that a second connection can take the
    write lock while the code under test runs, as another person's request would. The in-memory test
    database is left untouched."""
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's one-writer lock: PostgreSQL's writers do not wait for each other's transactions.")
    path = tmp_path / "live.sqlite3"
    live = connections["default"]
    live.ensure_connection()
    assert "memory" in live.settings_dict["NAME"]  # the test database, not the development one
    target = sqlite3.connect(path)
    live.connection.backup(target)
    target.close()
    shared: dict[str, Any] = connections.settings["default"]
    name = shared["NAME"]
    shared["NAME"] = str(path)  # every connection made from now on opens the file
    copy = connections.create_connection("default")
    connections["default"] = copy
    try:
        yield path
    finally:
        connections["default"] = live
        copy.close()
        shared["NAME"] = name
