import datetime as dt

from django.urls import reverse

from appointments.services import assessment_record
from tests.clients import add_appointments, count_queries
from tests.factories import make_appointment, make_person

HTMX = {"HX-Request": "true"}


def _numbers(response):
    return [appointment.postdoc_no for appointment in response.context["page_obj"]]


def test_each_persona_lists_only_the_postdocs_it_may_see(signed_in, world):
    assert set(_numbers(signed_in("admin").get(reverse("postdoc-list")))) == {
        world.appointment.postdoc_no,
        world.other_appointment.postdoc_no,
    }
    for persona in ("secretary", "supervisor", "postdoc"):
        assert _numbers(signed_in(persona).get(reverse("postdoc-list"))) == [world.appointment.postdoc_no]
    assert _numbers(signed_in("outsider").get(reverse("postdoc-list"))) == [world.outside_appointment.postdoc_no]


def test_search_finds_by_name_latin_name_and_postdoc_number(signed_in, world):
    person = make_person(world.institution, world.admin, name="黄博士", name_en="Huang Li")
    found = make_appointment(world.station, world.supervisor, world.admin, person=person, postdoc_no="BH2023099")
    client = signed_in("admin")
    for text in ("黄博", "huang", "2023099"):
        assert _numbers(client.get(reverse("postdoc-list"), {"q": text})) == [found.postdoc_no]


def test_filters_by_station_status_and_entry_year(signed_in, world):
    add_appointments(world, 2)  # entered in 2023
    client = signed_in("admin")
    by_station = _numbers(client.get(reverse("postdoc-list"), {"station": world.other_station.pk}))
    assert by_station == [world.other_appointment.postdoc_no]
    assert len(_numbers(client.get(reverse("postdoc-list"), {"year": 2023}))) == 2
    assert len(_numbers(client.get(reverse("postdoc-list"), {"year": 2024}))) == 2
    assert _numbers(client.get(reverse("postdoc-list"), {"status": "exited"})) == []
    assert len(_numbers(client.get(reverse("postdoc-list"), {"status": "in_station"}))) == 4


def test_the_entry_year_filter_offers_each_year_as_its_digits_and_keeps_the_chosen_one(signed_in, world):
    add_appointments(world, 1)  # entered in 2023
    html = signed_in("admin").get(reverse("postdoc-list"), {"year": 2023}).content.decode()
    assert '<option value="2023" selected>2023</option>' in html
    assert '<option value="2024">2024</option>' in html
    assert "2,023" not in html


def test_a_station_outside_the_scope_is_not_a_filter_choice(signed_in, world):
    response = signed_in("secretary").get(reverse("postdoc-list"), {"station": world.other_station.pk})
    assert "station" in response.context["form"].errors
    assert _numbers(response) == [world.appointment.postdoc_no]
    assert world.other_station.name_zh not in response.content.decode()


def test_due_filter_keeps_postdocs_with_that_item_open(signed_in, world):
    client = signed_in("admin")
    assert len(_numbers(client.get(reverse("postdoc-list"), {"due": "proposal_overdue"}))) == 2
    assessment_record(
        appointment=world.appointment, kind="proposal", held_on=dt.date(2024, 5, 1), grade="pass", by=world.admin
    )
    overdue = _numbers(client.get(reverse("postdoc-list"), {"due": "proposal_overdue"}))
    assert overdue == [world.other_appointment.postdoc_no]


def test_list_sorts_by_entry_date_both_ways(signed_in, world):
    add_appointments(world, 3)
    client = signed_in("admin")
    newest_first = [a.entry_date for a in client.get(reverse("postdoc-list")).context["page_obj"]]
    oldest_first = [a.entry_date for a in client.get(reverse("postdoc-list"), {"sort": "entry"}).context["page_obj"]]
    assert newest_first == sorted(newest_first, reverse=True)
    assert oldest_first == sorted(oldest_first)
    assert newest_first != oldest_first


def test_list_is_paginated_with_page_numbers(signed_in, world, settings):
    settings.PAGE_SIZE = 2
    add_appointments(world, 3)
    client = signed_in("admin")
    first = client.get(reverse("postdoc-list"))
    assert first.context["page_obj"].paginator.num_pages == 3
    page = first.content.decode()
    assert "?page=2" in page and "?page=3" in page
    last = client.get(reverse("postdoc-list"), {"page": 3})
    assert len(_numbers(last)) == 1
    # A page past the end shows the last page rather than an error.
    assert _numbers(client.get(reverse("postdoc-list"), {"page": 99})) == _numbers(last)


def test_filters_are_kept_in_the_page_links(signed_in, world, settings):
    settings.PAGE_SIZE = 1
    add_appointments(world, 2)
    page = signed_in("admin").get(reverse("postdoc-list"), {"year": 2023}).content.decode()
    assert "?year=2023&amp;page=2" in page


def test_htmx_filtering_returns_only_the_rows(signed_in, world):
    response = signed_in("admin").get(reverse("postdoc-list"), {"q": "陈博士"}, headers=HTMX)
    page = response.content.decode()
    assert page.lstrip().startswith('<section id="rows"')
    assert "<html" not in page and "postdoc-filters" not in page
    assert world.appointment.postdoc_no in page


def test_the_same_url_without_htmx_returns_the_whole_page(signed_in, world):
    page = signed_in("admin").get(reverse("postdoc-list"), {"q": "陈博士"}).content.decode()
    assert "<html" in page and 'id="postdoc-filters"' in page and 'id="rows"' in page
    assert 'hx-push-url="true"' in page


def test_empty_results_say_so(signed_in):
    page = signed_in("admin").get(reverse("postdoc-list"), {"q": "nobody by this name"}).content.decode()
    assert "No postdocs match these filters." in page


def test_outsiders_see_an_empty_list_rather_than_someone_else(signed_in, world):
    page = signed_in("outsider").get(reverse("postdoc-list"), {"q": "陈博士"}).content.decode()
    assert world.appointment.postdoc_no not in page


def test_id_numbers_are_masked_in_the_list(signed_in, world):
    person = world.appointment.person
    page = signed_in("admin").get(reverse("postdoc-list")).content.decode()
    assert person.masked_id in page
    assert person.id_number not in page


def test_list_queries_do_not_grow_with_rows_or_page_size(signed_in, world, settings, django_assert_num_queries):
    client = signed_in("admin")
    url = reverse("postdoc-list") + "?due=overdue&sort=entry"
    settings.PAGE_SIZE = 2
    page, partial = count_queries(client, url), count_queries(client, url, **HTMX)
    add_appointments(world, 8)
    settings.PAGE_SIZE = 50
    with django_assert_num_queries(page):
        response = client.get(url)
    assert len(response.context["page_obj"]) == 10
    with django_assert_num_queries(partial):
        client.get(url, headers=HTMX)


def test_plain_list_queries_do_not_grow_either(signed_in, world, django_assert_num_queries):
    client = signed_in("secretary")
    before = count_queries(client, reverse("postdoc-list"))
    add_appointments(world, 5)
    with django_assert_num_queries(before):
        client.get(reverse("postdoc-list"))
