from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test.client import Client

from api.services import token_create
from tests.factories import World

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


@pytest.fixture
def api_as(world: World) -> Callable[[str], ApiClient]:
    def make(persona: str) -> ApiClient:
        user = world.personas()[persona]
        _, key = token_create(user=user, name=f"{persona} tests", by=user)
        return ApiClient(Client(), key)

    return make


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    """Uploads (funders' award lists, establishment documents) go to a temporary folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
