import datetime as dt

from django.urls import reverse

from appointments.services import appointment_exit
from stations.services import station_set_status
from tests.clients import add_appointments, count_queries
from tests.factories import make_appointment, make_station, make_supervisor


def _rows(response):
    return {station.code: station for station in response.context["page_obj"]}


def test_station_list_counts_postdocs_in_station(signed_in, world):
    add_appointments(world, 2)
    rows = _rows(signed_in("admin").get(reverse("station-list")))
    assert rows["S1002"].in_station == 3
    assert rows["S0710"].in_station == 1


def test_station_counts_are_not_narrowed_by_the_scope_of_a_postdoc(signed_in, world):
    add_appointments(world, 2)
    rows = _rows(signed_in("postdoc").get(reverse("station-list")))
    assert set(rows) == {"S1002"}
    assert rows["S1002"].in_station == 3


def test_each_persona_lists_only_the_stations_it_may_see(signed_in):
    assert set(_rows(signed_in("leadership").get(reverse("station-list")))) == {"S1002", "S0710"}
    assert set(_rows(signed_in("secretary").get(reverse("station-list")))) == {"S1002"}
    assert set(_rows(signed_in("supervisor").get(reverse("station-list")))) == {"S1002"}
    assert set(_rows(signed_in("outsider").get(reverse("station-list")))) == {"S1001"}


def test_station_list_searches_by_name_or_code_and_filters_by_kind_and_status(signed_in, world):
    client = signed_in("admin")
    assert set(_rows(client.get(reverse("station-list"), {"q": "0710"}))) == {"S0710"}
    assert set(_rows(client.get(reverse("station-list"), {"q": world.station.name_zh[:3]}))) == {"S1002"}
    assert set(_rows(client.get(reverse("station-list"), {"kind": "mobile"}))) == {"S1002", "S0710"}
    assert set(_rows(client.get(reverse("station-list"), {"kind": "workstation"}))) == set()
    assert set(_rows(client.get(reverse("station-list"), {"status": "revoked"}))) == set()
    empty = client.get(reverse("station-list"), {"q": "nothing like this"})
    assert "No stations match." in empty.content.decode()


def test_station_list_shows_coverage_to_institution_level_users(signed_in):
    assert "2 of 2" in signed_in("leadership").get(reverse("station-list")).content.decode()
    assert "2 of 2" not in signed_in("secretary").get(reverse("station-list")).content.decode()


def test_station_list_filter_returns_only_the_rows_to_htmx(signed_in):
    response = signed_in("admin").get(reverse("station-list"), {"q": "0710"}, headers={"HX-Request": "true"})
    page = response.content.decode()
    assert page.lstrip().startswith('<section id="rows"')
    assert "S0710" in page and "S1002" not in page


def test_station_list_queries_do_not_grow_with_the_data(signed_in, world, django_assert_num_queries):
    client = signed_in("admin")
    before = count_queries(client, reverse("station-list"))
    for code in ("0711", "0712", "0713"):
        station = make_station(world.institution, world.admin, code=f"S{code}", discipline_code=code)
        make_appointment(station, make_supervisor(station, world.admin), world.admin)
    with django_assert_num_queries(before):
        client.get(reverse("station-list"))


def test_station_page_shows_facts_supervisors_and_postdocs(signed_in, world):
    url = reverse("station-detail", args=[world.station.pk])
    client = signed_in("admin")
    assert world.station.name_zh in client.get(url).content.decode()
    assert "李导师" in client.get(url, {"tab": "supervisors"}).content.decode()
    assert world.appointment.postdoc_no in client.get(url, {"tab": "postdocs"}).content.decode()


def test_station_page_lists_only_postdocs_in_scope(signed_in, world):
    add_appointments(world, 2, supervisor=make_supervisor(world.station, world.admin, name="钱导师"))
    url = reverse("station-detail", args=[world.station.pk])
    response = signed_in("supervisor").get(url, {"tab": "postdocs"})
    assert [a.pk for a in response.context["page_obj"]] != []
    assert {a.person.user_id for a in response.context["page_obj"]} == {world.postdoc_user.pk}
    overview = signed_in("supervisor").get(url)
    assert overview.context["in_station"] == 3  # the station's own count, not only the user's


def test_station_page_postdocs_are_paginated(signed_in, world, settings):
    settings.PAGE_SIZE = 2
    add_appointments(world, 3)
    client = signed_in("admin")
    first = client.get(reverse("station-detail", args=[world.station.pk]), {"tab": "postdocs"})
    assert first.context["page_obj"].paginator.num_pages == 2
    second = client.get(
        reverse("station-detail", args=[world.station.pk]),
        {"tab": "postdocs", "page": 2},
        headers={"HX-Request": "true", "HX-Target": "postdocs"},
    )
    assert second.content.decode().lstrip().startswith('<section id="postdocs"')
    assert len(second.context["page_obj"]) == 2


def test_an_ended_stay_no_longer_counts_in_station(signed_in, world):
    from appointments.services import assessment_record

    assessment_record(
        appointment=world.appointment, kind="exit", held_on=dt.date(2025, 12, 5), grade="good", by=world.admin
    )
    appointment_exit(appointment=world.appointment, on=dt.date(2025, 12, 10), by=world.admin)
    rows = _rows(signed_in("admin").get(reverse("station-list")))
    assert rows["S1002"].in_station == 0


def test_station_page_shows_its_timeline_of_changes(signed_in, world):
    station_set_status(station=world.station, status="warned", note="评估结果：整改", by=world.admin)
    url = reverse("station-detail", kwargs={"pk": world.station.pk})
    page = signed_in("admin").get(url, {"tab": "history"}).content.decode()
    assert "Station set up" in page
    assert "Station status changed" in page and "评估结果：整改" in page
