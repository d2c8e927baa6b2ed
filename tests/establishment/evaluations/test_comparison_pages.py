"""The stations compared as a page and an export: who sees them, the period and filters, the order,
the export's rows, and a query count that does not grow with the stations."""

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from establishment.comparison_views import MAX_YEARS
from tests.clients import PERSONAS, count_queries
from tests.establishment.evaluations.conftest import History
from tests.factories import make_appointment, make_person, make_station, make_supervisor

PAGE = reverse("station-comparison")
PERIOD = {"year_from": 2020, "year_to": 2024}


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_page_and_its_export_by_persona(signed_in, world, persona):
    client = signed_in(persona)
    page = client.get(PAGE)
    export = client.get(reverse("station-comparison-export", args=["csv"]))
    if persona in ("admin", "leadership", "outsider"):
        assert page.status_code == 200 and export.status_code == 200
        codes = [line.station.code for line in page.context["comparison"].stations]
        # Each institution's administrator or leadership sees that institution's stations only.
        expected = world.outsider.institution.stations if persona == "outsider" else world.institution.stations
        assert codes == sorted(expected.values_list("code", flat=True))
    else:
        assert page.status_code == 403 and export.status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client, world):
    response = client.get(PAGE)
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_default_period_is_the_last_five_years_up_to_today(signed_in, world):
    comparison = signed_in("admin").get(PAGE).context["comparison"]
    today = timezone.localdate()
    assert comparison.start == dt.date(today.year - 4, 1, 1) and comparison.end == today
    assert comparison.years == list(range(today.year - 4, today.year + 1))


def test_the_chosen_period_gives_the_evaluations_figures(signed_in, history: History):
    comparison = signed_in("leadership").get(PAGE, PERIOD).context["comparison"]
    line = next(line for line in comparison.stations if line.station == history.world.station)
    assert (line.intake, line.exits, line.extensions, line.postdoc_years) == (5, 3, 2, 9.6)
    assert line.intake_by_year == {2020: 2, 2021: 1, 2022: 1, 2023: 0, 2024: 1}


@pytest.mark.parametrize(
    ("period", "message"),
    [
        ({"year_from": 2024, "year_to": 2020}, "The last year comes on or after the first."),
        ({"year_from": 2000, "year_to": 2020}, f"Compare at most {MAX_YEARS} years at a time."),
        ({"year_from": 1900}, "Ensure this value is greater than or equal to 1985."),
    ],
)
def test_a_period_it_cannot_compare_is_refused_with_a_sentence(signed_in, world, period, message):
    response = signed_in("admin").get(PAGE, period, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and response.context["comparison"] is None
    assert message in response.content.decode()
    assert signed_in("admin").get(reverse("station-comparison-export", args=["csv"]), period).status_code == 404


def test_filters_and_search_narrow_the_stations(signed_in, world):
    client = signed_in("admin")
    by_code = client.get(PAGE, {"q": world.other_station.code}).context["comparison"]
    assert [line.station for line in by_code.stations] == [world.other_station]
    none = client.get(PAGE, {"q": "nothing like it"})
    assert none.context["comparison"].stations == [] and "Clear the filters" in none.content.decode()
    # The institution's line stays the whole institution's.
    assert by_code.institution.intake == client.get(PAGE).context["comparison"].institution.intake


def test_a_column_sorts_the_stations_with_empty_values_last(signed_in, history: History):
    client = signed_in("admin")
    world = history.world
    intake = client.get(PAGE, {**PERIOD, "sort": "-intake"}).context["comparison"].stations
    assert [line.intake for line in intake] == sorted((line.intake for line in intake), reverse=True)
    median = client.get(PAGE, {**PERIOD, "sort": "median_months_to_exit"}).context["comparison"].stations
    assert median[0].station == world.station and median[-1].median_months_to_exit is None
    ignored = client.get(PAGE, {**PERIOD, "sort": "station__institution"}).context["comparison"].stations
    assert [line.station.code for line in ignored] == sorted(line.station.code for line in ignored)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_export_has_a_row_per_station_then_the_institution(signed_in, history: History, fmt):
    response = signed_in("admin").get(reverse("station-comparison-export", args=[fmt]), PERIOD)
    content = b"".join(response.streaming_content)
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    else:
        sheet = load_workbook(io.BytesIO(content), read_only=True).active
        header, *values = [list(row) for row in sheet.iter_rows(values_only=True)]
        rows = [dict(zip(header, (("" if v is None else str(v)) for v in row), strict=True)) for row in values]
    station = next(row for row in rows if row["station_code"] == history.world.station.code)
    assert (station["intake"], station["intake_2020"], station["exits"]) == ("5", "2", "3")
    assert (station["withdrawals"], station["withdrawals_personal"], station["withdrawals_illness"]) == ("1", "1", "0")
    assert rows[-1]["station_code"] == "" and rows[-1]["station_name"] == "全校"


def test_the_page_takes_the_same_queries_with_more_stations(signed_in, world):
    client = signed_in("admin")
    before = count_queries(client, PAGE)
    for index in range(3):
        station = make_station(world.institution, world.admin, code=f"S90{index}", discipline_code=f"090{index}")
        _postdoc_at(world, station, dt.date(2024, 1, 1))
    assert count_queries(client, PAGE) == before


def test_the_stations_list_links_to_the_comparison_for_those_who_may_see_it(signed_in, world):
    assert PAGE in signed_in("leadership").get(reverse("station-list")).content.decode()
    assert PAGE not in signed_in("secretary").get(reverse("station-list")).content.decode()


def _postdoc_at(world, station, entry):
    supervisor = make_supervisor(station, world.admin, name=f"{station.code}导师")
    person = make_person(
        world.institution, world.admin, birth_date=dt.date(1990, 1, 1), phd_date=entry - dt.timedelta(days=200)
    )
    return make_appointment(station, supervisor, world.admin, person=person, entry_date=entry)
