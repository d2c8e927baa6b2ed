"""A hand-built station history around the shared world, with known indicators for 2020–2024.

Station S1002 (`world.station`), period [2020-01-01, 2024-12-31]:

| who   | entry      | end                          | in the period                       | days in the period |
|-------|------------|------------------------------|-------------------------------------|--------------------|
| A     | 2018-09-01 | exited 2020-09-01 (planned)  | exit on time                        | 244                |
| B     | 2020-03-01 | exited 2023-02-15            | intake; extended 2022-03-01 → 2023-03-01; exit late | 1081 |
| C     | 2021-01-10 | withdrew 2021-06-10, personal| intake, withdrawal                  | 151                |
| D     | 2022-05-01 | live; extended 2024-05-01 → 2026-05-01 | intake, in station at end | 976              |
| G     | 2020-06-01 | exited 2022-05-20 (planned 2022-06-01) | intake, exit on time (early) | 718            |
| H     | 2019-07-01 | transferred 2020-02-01       | transfer                            | 31                 |
| world | 2024-03-01 | live; extended 2026-03-01 → 2027-03-01 (outside) | intake, in station at end | 306 |
| I     | 2016-01-01 | exited 2017-12-01            | nothing                             | 0                  |
| J     | 2025-02-01 | live                         | nothing                             | 0                  |
| K     | admitted for 2024-06-01, never entered | —  | nothing                             | 0                  |

Days: 3,507 → 9.6 postdoc-years. Projects: A 2019-12-31 (out), A 2020-01-01 university, B 2021-05-01
national, D 2024-12-31 provincial, world 2025-01-01 (out), and one in S0710 (another station): 3 in.
"""

import datetime as dt
from dataclasses import dataclass

import pytest

from appointments.models import Appointment
from appointments.services import (
    appointment_admit,
    appointment_enter,
    appointment_exit,
    appointment_extend,
    appointment_transfer,
    appointment_withdraw,
    assessment_record,
)
from funding.services import project_record
from stations.models import Station
from stations.services import station_create
from tests.factories import World, make_appointment, make_person

START, END = dt.date(2020, 1, 1), dt.date(2024, 12, 31)

EXPECTED = {
    "intake": 5,
    "in_station_at_end": 2,
    "exits": 3,
    "exits_on_time": 2,
    "on_time_share": 66.7,
    "extensions": 2,
    "withdrawals": 1,
    "withdrawals_by_ground": {"personal": 1},
    "transfers": 1,
    "postdoc_days": 3507,
    "postdoc_years": 9.6,
    "projects": 3,
    "projects_by_level": {"national": 1, "provincial": 1, "university": 1},
    "projects_per_postdoc_year": 0.31,
    "research_outputs": 0,
    "research_outputs_by_kind": {},
    "outputs_per_postdoc_year": 0.0,
}


def postdoc(world: World, entry: dt.date, *, station: Station | None = None, enter: bool = True) -> Appointment:
    station = station or world.station
    supervisor = world.supervisor if station == world.station else world.other_supervisor
    person = make_person(
        world.institution, world.admin, birth_date=dt.date(1990, 1, 1), phd_date=entry - dt.timedelta(days=200)
    )
    return make_appointment(station, supervisor, world.admin, person=person, entry_date=entry, enter=enter)


def joint_postdoc(world: World) -> tuple[Station, Appointment]:
    """A workstation, and a postdoc of the world's station it trains jointly, entered 2022-03-01."""
    workstation = station_create(
        institution=world.institution,
        code="W001",
        kind="workstation",
        unit=world.station.unit,
        name_zh="某企业博士后科研工作站",
        established_on=dt.date(2010, 1, 1),
        by=world.admin,
    )
    person = make_person(world.institution, world.admin, birth_date=dt.date(1990, 1, 1), phd_date=dt.date(2021, 6, 1))
    joint = appointment_admit(
        person=person,
        station=world.station,
        postdoc_no="BH-JOINT-1",
        entry_date=dt.date(2022, 3, 1),
        primary_supervisor=world.supervisor,
        route="joint",
        workstation=workstation,
        by=world.admin,
    )
    return workstation, appointment_enter(appointment=joint, on=dt.date(2022, 3, 1), by=world.admin)


def exit_on(world: World, appointment: Appointment, on: dt.date) -> Appointment:
    assessment_record(
        appointment=appointment, kind="exit", held_on=on - dt.timedelta(days=5), grade="good", by=world.admin
    )
    return appointment_exit(appointment=appointment, on=on, by=world.admin)


def project(world: World, holder: Appointment, awarded_on: dt.date, level: str) -> None:
    project_record(
        holder=holder,
        project_no=f"P-{holder.pk}-{awarded_on.isoformat()}",
        title="课题",
        funder="基金委",
        level=level,
        awarded_on=awarded_on,
        by=world.admin,
    )


@dataclass
class History:
    world: World
    a: Appointment
    b: Appointment
    d: Appointment


@pytest.fixture
def history(world: World) -> History:
    admin = world.admin
    a = postdoc(world, dt.date(2018, 9, 1))
    exit_on(world, a, dt.date(2020, 9, 1))
    b = postdoc(world, dt.date(2020, 3, 1))
    b = appointment_extend(appointment=b, until=dt.date(2023, 3, 1), reason="课题延续", by=admin)
    exit_on(world, b, dt.date(2023, 2, 15))
    c = postdoc(world, dt.date(2021, 1, 10))
    appointment_withdraw(appointment=c, on=dt.date(2021, 6, 10), ground="personal", by=admin)
    d = postdoc(world, dt.date(2022, 5, 1))
    d = appointment_extend(appointment=d, until=dt.date(2026, 5, 1), reason="课题延续", by=admin)
    g = postdoc(world, dt.date(2020, 6, 1))
    exit_on(world, g, dt.date(2022, 5, 20))
    h = postdoc(world, dt.date(2019, 7, 1))
    appointment_transfer(appointment=h, on=dt.date(2020, 2, 1), to="另一所大学博士后流动站", by=admin)
    appointment_extend(appointment=world.appointment, until=dt.date(2027, 3, 1), reason="课题延续", by=admin)
    i = postdoc(world, dt.date(2016, 1, 1))
    exit_on(world, i, dt.date(2017, 12, 1))
    postdoc(world, dt.date(2025, 2, 1))
    postdoc(world, dt.date(2024, 6, 1), enter=False)
    project(world, a, dt.date(2019, 12, 31), "national")
    project(world, a, dt.date(2020, 1, 1), "university")
    project(world, b, dt.date(2021, 5, 1), "national")
    project(world, d, dt.date(2024, 12, 31), "provincial")
    project(world, world.appointment, dt.date(2025, 1, 1), "national")
    project(world, world.other_appointment, dt.date(2024, 6, 1), "national")
    return History(world=world, a=a, b=b, d=d)
