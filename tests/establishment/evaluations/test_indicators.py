import datetime as dt

from establishment.evaluation import default_period, station_indicators
from stations.indicators import INDICATORS
from tests.establishment.evaluations.conftest import (
    END,
    EXPECTED,
    START,
    History,
    exit_on,
    joint_postdoc,
    postdoc,
    project,
)


def test_indicators_of_a_hand_built_history(history: History):
    assert station_indicators(history.world.station, START, END) == EXPECTED


def test_the_other_station_counts_only_its_own_postdocs(history: History):
    figures = station_indicators(history.world.other_station, START, END)
    assert figures["intake"] == 1  # world.other_appointment, entered 2024-03-01
    assert figures["in_station_at_end"] == 1
    assert figures["projects"] == 1
    assert figures["exits"] == figures["withdrawals"] == figures["extensions"] == 0
    assert figures["on_time_share"] is None


def test_a_period_without_postdocs_has_empty_ratios(world):
    figures = station_indicators(world.station, dt.date(2000, 1, 1), dt.date(2004, 12, 31))
    assert figures["intake"] == figures["postdoc_years"] == figures["projects"] == 0
    assert figures["on_time_share"] is None
    assert figures["projects_per_postdoc_year"] is None
    assert figures["research_outputs"] == 0
    assert figures["outputs_per_postdoc_year"] is None


def test_the_period_includes_both_its_first_and_last_day(world):
    first = postdoc(world, dt.date(2020, 1, 1))
    postdoc(world, dt.date(2024, 12, 31))
    project(world, first, dt.date(2020, 1, 1), "national")
    figures = station_indicators(world.station, START, END)
    assert figures["intake"] == 3  # with world.appointment (2024-03-01)
    assert figures["projects"] == 1
    # A stay of one day on the period's last day counts that day.
    assert figures["postdoc_days"] == (END - dt.date(2020, 1, 1)).days + 1 + 306 + 1


def test_an_exit_on_the_day_after_the_period_is_not_an_exit_in_it(world):
    appointment = postdoc(world, dt.date(2023, 1, 1))
    exit_on(world, appointment, dt.date(2025, 1, 1))
    figures = station_indicators(world.station, START, END)
    assert figures["exits"] == 0
    assert figures["in_station_at_end"] == 2


def test_a_workstation_counts_the_postdocs_it_trains_jointly(world):
    workstation, _joint = joint_postdoc(world)
    assert station_indicators(workstation, START, END)["intake"] == 1
    assert station_indicators(world.station, START, END)["intake"] == 2


def test_indicators_take_three_queries_whatever_the_data(world, django_assert_num_queries):
    with django_assert_num_queries(3):
        station_indicators(world.station, START, END)


def test_indicators_take_three_queries_over_a_long_history(history: History, django_assert_num_queries):
    for year in range(2019, 2024):
        postdoc(history.world, dt.date(year, 2, 1))
    with django_assert_num_queries(3):
        station_indicators(history.world.station, START, END)


def test_every_indicator_says_its_definition():
    assert [i.key for i in INDICATORS if not str(i.definition).strip()] == []
    assert {i.key for i in INDICATORS} <= set(EXPECTED) | {"research_outputs"}


def test_the_default_period_is_the_five_years_before_the_cycle(world):
    assert default_period(2025) == (dt.date(2020, 1, 1), dt.date(2024, 12, 31))
    assert default_period(2025, world.station) == (dt.date(2020, 1, 1), dt.date(2024, 12, 31))
    world.station.established_on = dt.date(2023, 11, 15)
    assert default_period(2025, world.station) == (dt.date(2023, 11, 15), dt.date(2024, 12, 31))


def test_research_outputs_count_those_produced_in_station_in_the_period(history: History, django_assert_num_queries):
    from outputs.services import output_record

    world = history.world

    def output(appointment, title, kind="paper", *, year=None, on=None, **extra):
        return output_record(
            appointment=appointment,
            kind=kind,
            title=title,
            year=year,
            published_on=on,
            authors=appointment.person.name,
            author_position=1,
            by=world.admin,
            **extra,
        )

    output(history.a, "In station, in the period", on=dt.date(2020, 3, 1))
    output(history.a, "In station, before the period", on=dt.date(2019, 5, 1))
    output(history.a, "After the exit", on=dt.date(2020, 10, 1))
    output(history.b, "Dated 1 July 2021", "patent", year=2021, number="ZL202110000001.1")
    output(history.b, "Before entry", on=dt.date(2020, 2, 1))
    output(history.d, "On the period's last day", "book", on=END)
    output(history.d, "After the period", on=dt.date(2025, 1, 1))
    output(world.other_appointment, "Another station's", on=dt.date(2024, 6, 1))
    with django_assert_num_queries(3):
        figures = station_indicators(world.station, START, END)
    assert figures["research_outputs"] == 3
    assert figures["research_outputs_by_kind"] == {"paper": 1, "patent": 1, "book": 1}
    assert figures["outputs_per_postdoc_year"] == round(3 / 9.6, 2)
    assert station_indicators(world.other_station, START, END)["research_outputs"] == 1
