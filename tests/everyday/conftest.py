from collections.abc import Callable

import pytest
from django.test.client import Client

from tests.factories import World

PERSONAS = ["admin", "secretary", "supervisor", "postdoc", "leadership", "outsider"]


@pytest.fixture
def signed_in(client: Client, world: World) -> Callable[[str], Client]:
    def sign_in(persona: str) -> Client:
        client.force_login(world.personas()[persona])
        return client

    return sign_in
