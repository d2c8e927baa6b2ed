"""A workstation's joint-training postdocs (Appointment.workstation) count and are listed at the
workstation: its page, the stations list's "in station" column and the postdoc list's filter."""

import pytest
from django.urls import reverse

from appointments.models import Appointment
from tests.factories import make_appointment


@pytest.fixture
def joint(world, workstation):
    """Two joint-training postdocs of the workstation (their station is the secretary's mobile one),
    one of them in station."""
    live = make_appointment(
        world.station, world.supervisor, world.admin, route=Appointment.Route.JOINT, workstation=workstation
    )
    make_appointment(
        world.station,
        world.supervisor,
        world.admin,
        route=Appointment.Route.JOINT,
        workstation=workstation,
        enter=False,
    )
    return live


def test_the_workstation_page_counts_its_joint_training_postdocs(signed_in, workstation, joint):
    response = signed_in("admin").get(reverse("station-detail", args=[workstation.pk]))
    assert response.context["in_station"] == 1
    assert response.context["joint_training"] == 1
    assert "of whom 1 in joint training" in response.content.decode()


def test_the_workstation_postdocs_tab_lists_them(signed_in, workstation, joint):
    response = signed_in("admin").get(reverse("station-detail", args=[workstation.pk]), {"tab": "postdocs"})
    assert joint in list(response.context["page_obj"])
    assert response.context["page_obj"].paginator.count == 2
    assert "joint training" in response.content.decode()


def test_the_stations_list_counts_them_at_both_stations(signed_in, world, workstation, joint):
    rows = {s.code: s.in_station for s in signed_in("admin").get(reverse("station-list")).context["page_obj"]}
    assert rows[workstation.code] == 1
    assert rows[world.station.code] == 2  # its own postdoc and the joint-training one


def test_the_postdoc_list_filtered_by_the_workstation_lists_them(signed_in, world, workstation, joint):
    client = signed_in("admin")
    listed = client.get(reverse("postdoc-list"), {"station": workstation.pk}).context["page_obj"]
    assert joint in list(listed) and listed.paginator.count == 2
    own = client.get(reverse("postdoc-list"), {"station": world.station.pk}).context["page_obj"]
    assert joint in list(own)


def test_a_mobile_station_shows_no_joint_training_figure(signed_in, world):
    response = signed_in("admin").get(reverse("station-detail", args=[world.station.pk]))
    assert "joint_training" not in response.context
