import datetime as dt
from collections.abc import Callable

import pytest
from django.db import connection
from django.test.client import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from appointments.models import Appointment
from people.models import Supervisor
from tests.factories import World, make_appointment, make_person

PERSONAS = ["admin", "secretary", "supervisor", "postdoc", "leadership", "outsider"]


@pytest.fixture
def signed_in(client: Client, world: World) -> Callable[[str], Client]:
    def sign_in(persona: str) -> Client:
        client.force_login(world.personas()[persona])
        return client

    return sign_in


@pytest.fixture
def admitted(world: World) -> Appointment:
    """An appointment admitted but not yet entered, in the secretary's station."""
    person = make_person(
        world.institution, world.admin, name="林博士", birth_date=dt.date(1994, 2, 3), phd_date=dt.date(2024, 6, 30)
    )
    return make_appointment(
        world.station, world.supervisor, world.admin, person=person, entry_date=dt.date(2025, 9, 1), enter=False
    )


@pytest.fixture
def staff(world: World) -> World:
    """Every persona may open the admin site; what they see there is the admin's business."""
    User.objects.filter(pk__in=[user.pk for user in world.personas().values()]).update(is_staff=True)
    return world


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
