import datetime as dt

import pytest

from catalogue.models import Unit
from stations.models import Station
from stations.services import station_create
from tests.factories import World


def make_workstation(world: World, code: str = "W001", established_on: dt.date = dt.date(2015, 3, 1)) -> Station:
    return station_create(
        institution=world.institution,
        code=code,
        kind=Station.Kind.WORKSTATION,
        unit=Unit.objects.get(institution=world.institution, code="CS1002"),
        name_zh="渝州生物医药有限公司博士后科研工作站",
        established_on=established_on,
        by=world.admin,
    )


@pytest.fixture
def workstation(world: World) -> Station:
    return make_workstation(world)
