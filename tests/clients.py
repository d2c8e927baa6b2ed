"""What tests of several apps share to drive the pages and the API: the personas, an API client that
sends a token, and query counting."""

import datetime as dt
from typing import Any

from django.db import connection
from django.test.client import Client
from django.test.utils import CaptureQueriesContext

from people.models import Supervisor
from tests.factories import World, make_appointment

# Every role, each with its own scope (tests.factories.World.personas); "outsider" is another institution's.
PERSONAS = ["admin", "secretary", "supervisor", "postdoc", "leadership", "outsider"]


class ApiClient:
    """A test client that sends `Authorization: Bearer <key>` on every request."""

    def __init__(self, client: Client, key: str) -> None:
        self.client, self.key = client, key

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(f"/api/v1{path}", params, headers={"Authorization": f"Bearer {self.key}"})

    def post(self, path: str, body: Any) -> Any:
        return self.client.post(
            f"/api/v1{path}", body, content_type="application/json", headers={"Authorization": f"Bearer {self.key}"}
        )


def count_queries(client: Client, url: str, **headers: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, headers=headers)
    assert response.status_code == 200
    return len(queries)


def add_appointments(world: World, count: int, supervisor: Supervisor | None = None) -> None:
    """More postdocs in the secretary's station (entered in 2023, supervised by `supervisor`)."""
    for index in range(count):
        make_appointment(
            world.station, supervisor or world.supervisor, world.admin, entry_date=dt.date(2023, 1 + index % 12, 3)
        )
