"""The postdoc list's pages read keys first and, past the middle, from the end (docs/decisions/0067):
every page must hold exactly the rows the plain order gives it, whatever the sort, filter or page."""

import datetime as dt

import pytest
from django.urls import reverse

from appointments.models import Appointment
from tests.clients import add_appointments, count_queries
from tests.factories import make_appointment, make_person

HTMX = {"HX-Request": "true"}


def _numbers(response):
    return [appointment.postdoc_no for appointment in response.context["page_obj"]]


@pytest.fixture
def many(world, settings):
    """Nine postdocs in the secretary's station (ties on the entry date, broken by number) and pages of two."""
    add_appointments(world, 7)
    for _ in range(2):  # the same entry date as another: the postdoc number decides
        make_appointment(world.station, world.supervisor, world.admin, entry_date=dt.date(2023, 3, 3))
    settings.PAGE_SIZE = 2
    return world


@pytest.mark.parametrize("sort", ["-entry", "entry"])
@pytest.mark.parametrize("filters", [{}, {"year": 2023}, {"station": "secretary's"}])
def test_every_page_holds_the_rows_the_order_gives_it(signed_in, many, sort, filters):
    client = signed_in("admin")
    query = {"sort": sort, **filters}
    appointments = Appointment.objects.filter(institution=many.institution)
    if "year" in filters:
        appointments = appointments.filter(entry_date__year=2023)
    if "station" in filters:
        query["station"] = many.station.pk
        appointments = appointments.filter(station=many.station)
    ordering = ["entry_date", "postdoc_no"] if sort == "entry" else ["-entry_date", "postdoc_no"]
    expected = list(appointments.order_by(*ordering).values_list("postdoc_no", flat=True))
    pages = -(-len(expected) // 2)
    seen = []
    for number in range(1, pages + 1):
        response = client.get(reverse("postdoc-list"), {**query, "page": number})
        assert response.context["page_obj"].number == number
        seen += _numbers(response)
    assert seen == expected


def test_out_of_range_pages_give_the_nearest_page(signed_in, many):
    client = signed_in("admin")
    last = client.get(reverse("postdoc-list"), {"page": 6})  # 11 postdocs, pages of two
    assert len(_numbers(last)) == 1
    assert _numbers(client.get(reverse("postdoc-list"), {"page": 99})) == _numbers(last)
    first = client.get(reverse("postdoc-list"))
    assert _numbers(client.get(reverse("postdoc-list"), {"page": "x"})) == _numbers(first)


def test_the_last_page_keeps_the_filters_in_its_links(signed_in, many):
    page = signed_in("admin").get(reverse("postdoc-list"), {"year": 2023, "page": 5}).content.decode()
    assert "?year=2023&amp;page=4" in page and "?year=2023&amp;page=1" in page


def test_the_last_page_costs_the_queries_of_the_first(signed_in, many, django_assert_num_queries):
    client = signed_in("admin")
    first = count_queries(client, reverse("postdoc-list") + "?status=in_station")
    with django_assert_num_queries(first):
        client.get(reverse("postdoc-list"), {"status": "in_station", "page": 6})
    add_appointments(many, 6)
    with django_assert_num_queries(first):
        client.get(reverse("postdoc-list"), {"status": "in_station", "page": 9})


def test_a_search_counts_up_to_the_cap_and_says_more(signed_in, world, settings, monkeypatch):
    monkeypatch.setattr("appointments.views.SEARCH_COUNT_CAP", 3)
    settings.PAGE_SIZE = 2
    for index in range(5):
        person = make_person(world.institution, world.admin, name=f"欧阳{'一二三四五'[index]}")
        make_appointment(world.station, world.supervisor, world.admin, person=person)
    client = signed_in("admin")
    response = client.get(reverse("postdoc-list"), {"q": "欧阳"})
    page = response.content.decode()
    assert response.context["page_obj"].paginator.count == 3
    assert "More than 3 postdocs match; the pages show the first 3, the export has every one." in page
    assert "Showing 1–2 of more than 3" in page
    assert response.context["page_obj"].paginator.capped
    assert len(_numbers(client.get(reverse("postdoc-list"), {"q": "欧阳", "page": 2}))) == 1


def test_a_search_under_the_cap_counts_exactly(signed_in, world, settings):
    settings.PAGE_SIZE = 2
    for index in range(3):
        person = make_person(world.institution, world.admin, name=f"欧阳{'一二三'[index]}")
        make_appointment(world.station, world.supervisor, world.admin, person=person)
    page = signed_in("admin").get(reverse("postdoc-list"), {"q": "欧阳"}).content.decode()
    assert "3 postdocs match; the export has every page." in page
    assert "Showing 1–2 of 3" in page and "more than" not in page
