import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, connections
from django.utils import translation

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
