import datetime as dt

import pytest

from appointments.models import Appointment
from tests.factories import World, make_appointment, make_person


@pytest.fixture
def admitted(world: World) -> Appointment:
    """An appointment admitted but not yet entered, in the secretary's station."""
    person = make_person(
        world.institution, world.admin, name="林博士", birth_date=dt.date(1994, 2, 3), phd_date=dt.date(2024, 6, 30)
    )
    return make_appointment(
        world.station, world.supervisor, world.admin, person=person, entry_date=dt.date(2025, 9, 1), enter=False
    )
