"""Where a user may admit postdocs ("New postdoc"): one query with `can_manage_station`'s rules."""

import datetime as dt

import pytest
from django.urls import reverse

from accounts.models import Role
from accounts.services import role_assign
from appointments.views import manageable_stations
from stations.access import can_manage_station
from stations.models import Station
from stations.services import station_set_status
from tests.clients import count_queries
from tests.factories import make_station


def _by_the_rule(user):
    """The rule station by station, as `stations.access` states it."""
    stations = Station.objects.exclude(status=Station.Status.REVOKED).order_by("code")
    return [station for station in stations if can_manage_station(user, station)]


@pytest.mark.parametrize("persona", ["admin", "secretary", "supervisor", "postdoc", "leadership", "outsider"])
def test_each_persona_manages_the_stations_the_rule_gives(world, persona):
    user = world.personas()[persona]
    assert list(manageable_stations(user)) == _by_the_rule(user)


def test_administrators_manage_every_station_of_their_institution_only(world):
    assert list(manageable_stations(world.admin)) == [world.other_station, world.station]  # by code
    assert list(manageable_stations(world.outsider)) == list(Station.objects.filter(institution__code="U2"))


def test_a_secretary_manages_their_own_stations_and_no_revoked_one(world):
    assert list(manageable_stations(world.secretary)) == [world.station]
    station_set_status(
        station=world.station, status=Station.Status.REVOKED, on=dt.date(2025, 1, 2), note="撤销", by=world.admin
    )
    assert list(manageable_stations(world.secretary)) == []
    assert list(manageable_stations(world.admin)) == [world.other_station]


def test_a_leader_who_is_also_secretary_manages_only_the_secretarys_station(world):
    role_assign(user=world.leadership, role=Role.SECRETARY, station=world.other_station, by=world.admin)
    world.leadership.refresh_from_db()
    assert list(manageable_stations(world.leadership)) == [world.other_station]
    assert list(manageable_stations(world.leadership)) == _by_the_rule(world.leadership)


def test_an_inactive_administrator_manages_nothing(world):
    world.admin.is_active = False
    assert list(manageable_stations(world.admin)) == []


@pytest.mark.parametrize(
    ("persona", "shown"), [("admin", True), ("secretary", True), ("supervisor", False), ("leadership", False)]
)
def test_the_new_postdoc_button_follows_the_rule(signed_in, persona, shown):
    page = signed_in(persona).get(reverse("postdoc-list")).content.decode()
    assert (reverse("postdoc-new") in page) is shown


def test_the_button_costs_one_query_whatever_the_number_of_stations(world, signed_in, django_assert_num_queries):
    client = signed_in("admin")
    before = count_queries(client, reverse("postdoc-list"))
    for n in range(5):
        make_station(world.institution, world.admin, code=f"S09{n:02}", discipline_code=f"09{n:02}")
    with django_assert_num_queries(before):
        client.get(reverse("postdoc-list"))
