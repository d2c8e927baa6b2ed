"""Lists sorted by their column headers (core.sorting): a whitelist of columns, both directions,
the filters kept in the header links, the export in the page's order."""

import csv
import datetime as dt
import io
import re
from collections.abc import Callable

import pytest
from django.http import QueryDict
from django.template import Context, Template
from django.test import RequestFactory
from django.test.client import Client
from django.urls import reverse
from django.utils import timezone

from core.sorting import SORT_PARAM, SortColumn, Sorting
from outputs.models import Output
from people.models import Person
from reviews.models import Expert, Kind, Review
from stations.models import Station
from tests.factories import World, make_appointment, make_person
from tests.funding.helpers import record as record_project
from tests.funding.helpers import shipped
from tests.outputs.conftest import record as record_output
from tests.reviews.conftest import make_pool

SORTING = Sorting(
    {"name": ("name_sort", "name"), "born": SortColumn(("birth_date",), descending_first=True)},
    default=("-birth_date",),
)


def test_only_declared_columns_are_accepted() -> None:
    assert SORTING.parse("name").key == "name"
    assert SORTING.parse("-name").descending is True
    for asked in ("password", "-id_number", "name_sort", "name;drop table", "--name", "", None):
        sort = SORTING.parse(asked)
        assert sort.key is None, asked
        assert sort.param == ""


def test_a_header_click_asks_for_the_other_direction_or_the_columns_first() -> None:
    unsorted = SORTING.parse(None)
    assert unsorted.param_for("name") == "name"
    assert unsorted.param_for("born") == "-born"  # dates newest first
    by_name = SORTING.parse("name")
    assert by_name.param_for("name") == "-name"
    assert by_name.direction("name") == "ascending"
    assert by_name.direction("born") is None
    assert SORTING.parse("-name").param_for("name") == "name"
    assert SORTING.parse("-name").direction("name") == "descending"


@pytest.mark.django_db
def test_order_follows_the_declared_column_and_ignores_anything_else(world: World) -> None:
    people = Person.objects.filter(institution=world.institution)
    names = {p.name for p in people}
    ascending = [p.name_sort for p in SORTING.order(people, SORTING.parse("name"))]
    assert ascending == sorted(ascending)
    descending = [p.name_sort for p in SORTING.order(people, SORTING.parse("-name"))]
    assert descending == sorted(descending, reverse=True)
    default = list(SORTING.order(people, SORTING.parse("id_number")))
    assert [p.birth_date for p in default] == sorted((p.birth_date for p in default), reverse=True)
    assert {p.name for p in default} == names


def _header(query: str, key: str = "name") -> str:
    request = RequestFactory().get("/people/?" + query)
    sort = SORTING.parse(QueryDict(query).get(SORT_PARAM))
    template = Template('{% load sorting %}{% sort_header sort key "Name" %}')
    return template.render(Context({"request": request, "sort": sort, "key": key}))


def test_header_links_keep_the_filters_and_search_and_start_at_page_one() -> None:
    html = _header("q=%E9%99%88&station=3&page=4&sort=name")
    href = re.search(r'href="([^"]+)"', html).group(1).replace("&amp;", "&")  # type: ignore[union-attr]
    query = QueryDict(href.lstrip("?"))
    assert query["q"] == "陈" and query["station"] == "3"
    assert "page" not in query
    assert query[SORT_PARAM] == "-name"
    assert 'aria-sort="ascending"' in html
    assert 'hx-get="' in html


def test_a_header_of_another_column_has_no_aria_sort() -> None:
    html = _header("sort=name", key="born")
    assert "aria-sort" not in html
    assert "sort=-born" in html


def test_the_chosen_order_joins_the_filter_form() -> None:
    template = Template('{% load sorting %}{% sort_field sort "people-filters" %}')
    html = template.render(Context({"sort": SORTING.parse("-born")}))
    assert 'name="sort" value="-born" form="people-filters"' in html
    assert template.render(Context({"sort": SORTING.parse("")})) == ""


# ---- each list, sorted by a header ----------------------------------------------------------


def _rows(response: object, pattern: str) -> list[str]:
    return re.findall(pattern, response.content.decode())  # type: ignore[attr-defined]


def test_stations_sort_by_code_both_ways_and_export_in_that_order(signed_in: Callable[[str], Client]) -> None:
    client = signed_in("admin")
    url = reverse("station-list")
    codes = r'<td class="mono nowrap">(S\d+)</td>'
    assert _rows(client.get(url, {"sort": "code"}), codes) == ["S0710", "S1002"]
    response = client.get(url, {"sort": "-code"})
    assert _rows(response, codes) == ["S1002", "S0710"]
    assert 'aria-sort="descending"' in response.content.decode()
    exported = client.get(reverse("station-export", args=["csv"]), {"sort": "-code"})
    body = b"".join(exported.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    assert [row[0] for row in csv.reader(io.StringIO(body))][1:] == ["S1002", "S0710"]


def test_stations_sorted_keep_the_search_in_the_header_links(signed_in: Callable[[str], Client]) -> None:
    response = signed_in("admin").get(reverse("station-list"), {"q": "S", "kind": Station.Kind.MOBILE, "sort": "code"})
    html = response.content.decode()
    assert "?q=S&amp;kind=mobile&amp;sort=-code" in html
    assert 'name="sort" value="code" form="station-filters"' in html


def test_stations_sorted_by_an_unknown_column_keep_their_own_order(signed_in: Callable[[str], Client]) -> None:
    response = signed_in("admin").get(reverse("station-list"), {"sort": "institution__name"})
    assert response.status_code == 200
    assert "aria-sort" not in response.content.decode()


def test_stations_htmx_rows_are_sorted_too(signed_in: Callable[[str], Client]) -> None:
    response = signed_in("admin").get(reverse("station-list"), {"sort": "-code"}, headers={"HX-Request": "true"})
    assert _rows(response, r'<td class="mono nowrap">(S\d+)</td>') == ["S1002", "S0710"]
    assert "<html" not in response.content.decode()


def test_projects_sort_by_number_and_amount(world: World, signed_in: Callable[[str], Client]) -> None:
    for number, amount in (("P-B", 50000), ("P-A", 80000), ("P-C", 10000)):
        record_project(world, number, amount=amount, funder_ref=shipped("NSFC"))
    client = signed_in("admin")
    url = reverse("funding:project-list")
    pattern = r">(P-[ABC])</a></td>"
    assert _rows(client.get(url, {"sort": "number"}), pattern) == ["P-A", "P-B", "P-C"]
    assert _rows(client.get(url, {"sort": "-amount"}), pattern) == ["P-A", "P-B", "P-C"]
    assert _rows(client.get(url, {"sort": "amount"}), pattern) == ["P-C", "P-B", "P-A"]
    exported = client.get(reverse("funding:project-export", args=["csv"]), {"sort": "-number"})
    body = b"".join(exported.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    assert [row[0] for row in csv.reader(io.StringIO(body))][1:] == ["P-C", "P-B", "P-A"]


def test_outputs_sort_by_title_and_year(world: World, signed_in: Callable[[str], Client]) -> None:
    record_output(world, title="Beta", year=2024, doi="10.1000/b")
    record_output(world, title="Alpha", year=2025, doi="10.1000/a", published_on=dt.date(2025, 1, 5))
    record_output(world, title="Gamma", year=2023, doi="10.1000/c", published_on=dt.date(2023, 7, 5))
    client = signed_in("admin")
    url = reverse("outputs:list")
    pattern = r"<td>(Alpha|Beta|Gamma)<"
    assert _rows(client.get(url, {"sort": "title"}), pattern) == ["Alpha", "Beta", "Gamma"]
    assert _rows(client.get(url, {"sort": "-year"}), pattern) == ["Alpha", "Beta", "Gamma"]
    assert _rows(client.get(url, {"sort": "year"}), pattern) == ["Gamma", "Beta", "Alpha"]
    assert Output.objects.count() == 3


def test_reviews_sort_by_deadline(world: World, signed_in: Callable[[str], Client]) -> None:
    from reviews.services import review_create

    make_pool(world)
    today = timezone.localdate()
    second = make_appointment(
        world.station, world.supervisor, world.admin, person=make_person(world.institution, world.admin, name="吴博士")
    )
    review_create(kind=Kind.MIDTERM, subject=world.appointment, deadline=today + dt.timedelta(days=30), by=world.admin)
    review_create(kind=Kind.MIDTERM, subject=second, deadline=today + dt.timedelta(days=10), by=world.admin)
    client = signed_in("admin")
    url = reverse("reviews:list")
    ids = r'reviews/(\d+)/"'
    soon, late = (
        Review.objects.order_by("deadline").values_list("pk", flat=True)[0],
        Review.objects.order_by("-deadline").values_list("pk", flat=True)[0],
    )
    assert [int(pk) for pk in _rows(client.get(url, {"sort": "deadline"}), ids)] == [soon, late]
    assert [int(pk) for pk in _rows(client.get(url, {"sort": "-deadline"}), ids)] == [late, soon]
    # The number scored is no sortable column: its order would tell what the panel is hidden for.
    assert "sort=scored" not in client.get(url).content.decode()


def test_experts_sort_by_name_and_seniority(world: World, signed_in: Callable[[str], Client]) -> None:
    make_pool(world)
    client = signed_in("admin")
    url = reverse("reviews:expert-list")
    pattern = r'experts/\d+/">([^<]+)</a>'
    by_name = _rows(client.get(url, {"sort": "name"}), pattern)
    keys = dict(Expert.objects.values_list("name", "name_sort"))
    assert [keys[name] for name in by_name] == sorted(keys[name] for name in by_name)
    by_rank = _rows(client.get(url, {"sort": "rank"}), pattern)
    assert by_rank[0] == "青年专家"  # the only intermediate
    assert _rows(client.get(url, {"sort": "-rank"}), pattern)[-1] == "青年专家"
