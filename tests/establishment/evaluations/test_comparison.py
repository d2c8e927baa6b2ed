"""Every station side by side (establishment/comparison.py): each station's line says what its
evaluation says for the same period, in a fixed number of queries."""

import datetime as dt

import pytest

from establishment.comparison import COMPARISON_QUERIES, months_between, stations_compared
from establishment.evaluation import station_indicators
from outputs.services import output_record
from stations.models import Station
from stations.services import station_create
from tests.establishment.evaluations.conftest import END, START, History, exit_on, joint_postdoc, postdoc, project
from tests.factories import make_appointment, make_person, make_supervisor

SHARED = [
    "intake",
    "in_station_at_end",
    "exits",
    "exits_on_time",
    "on_time_share",
    "extensions",
    "withdrawals",
    "withdrawals_by_ground",
    "transfers",
    "postdoc_days",
    "postdoc_years",
    "projects",
    "projects_per_postdoc_year",
    "research_outputs",
    "outputs_per_postdoc_year",
]


def _compare(world, start=START, end=END):
    return stations_compared(world.institution.pk, start, end, Station.objects.filter(institution=world.institution))


def _line(comparison, station):
    return next(line for line in comparison.stations if line.station == station)


@pytest.fixture
def joint(history: History):
    """A workstation training one of the station's postdocs jointly, and a paper of theirs."""
    world = history.world
    workstation, appointment = joint_postdoc(world)
    exit_on(world, appointment, dt.date(2024, 3, 1))
    project(world, appointment, dt.date(2023, 5, 1), "provincial")
    output_record(
        appointment=appointment,
        kind="paper",
        title="联合培养的论文",
        published_on=dt.date(2023, 6, 1),
        authors=appointment.person.name,
        author_position=1,
        by=world.admin,
    )
    return workstation


def test_every_line_is_the_stations_evaluation(history: History, joint):
    world = history.world
    comparison = _compare(world)
    assert len(comparison.stations) == 3
    for station in (world.station, world.other_station, joint):
        line = _line(comparison, station)
        expected = station_indicators(station, START, END)
        assert {key: getattr(line, key) for key in SHARED} == {key: expected[key] for key in SHARED}, station.code
    assert _line(comparison, joint).intake == 1 and _line(comparison, joint).research_outputs == 1


def test_the_institutions_line_counts_a_joint_postdoc_once(history: History, joint):
    world = history.world
    comparison = _compare(world)
    own = [station_indicators(s, START, END) for s in (world.station, world.other_station)]
    total = comparison.institution
    assert total.intake == sum(figures["intake"] for figures in own)
    assert total.exits == sum(figures["exits"] for figures in own)
    assert total.projects == sum(figures["projects"] for figures in own)
    assert total.intake < sum(line.intake for line in comparison.stations)  # the joint postdoc counts at both


def test_the_intake_per_year_adds_up_to_the_intake(history: History):
    line = _line(_compare(history.world), history.world.station)
    assert line.intake_by_year == {2020: 2, 2021: 1, 2022: 1, 2023: 0, 2024: 1}
    assert sum(line.intake_by_year.values()) == line.intake


def test_the_median_time_to_exit_is_in_whole_months(history: History):
    # Exits in the period: A 2018-09-01 → 2020-09-01 (24), B 2020-03-01 → 2023-02-15 (35),
    # G 2020-06-01 → 2022-05-20 (23): the median is 24.
    line = _line(_compare(history.world), history.world.station)
    assert sorted(line.months_to_exit.elements()) == [23, 24, 35]
    assert line.median_months_to_exit == 24
    assert _line(_compare(history.world), history.world.other_station).median_months_to_exit is None


@pytest.mark.parametrize(
    ("entry", "ended", "months"),
    [
        (dt.date(2020, 3, 1), dt.date(2023, 2, 28), 35),
        (dt.date(2020, 3, 1), dt.date(2023, 3, 1), 36),
        (dt.date(2020, 1, 31), dt.date(2022, 2, 28), 24),
        (dt.date(2020, 1, 31), dt.date(2022, 3, 31), 26),
    ],
)
def test_whole_months_count_as_people_do(world, entry, ended, months):
    assert months_between(entry, ended) == months
    appointment = postdoc(world, entry)
    exit_on(world, appointment, ended)
    line = _line(_compare(world, entry, ended), world.station)
    assert sorted(line.months_to_exit.elements()) == [months]


def test_the_amounts_are_summed_per_postdoc_year(history: History):
    world = history.world
    from funding.models import Project

    Project.objects.filter(holder=history.b).update(amount=80000)
    line = _line(_compare(world), world.station)
    assert line.amount == 80000
    assert line.amount_per_postdoc_year == round(80000 / 9.6, 2)


def test_supervisors_with_postdocs_in_the_period(history: History):
    world = history.world
    comparison = _compare(world)
    assert _line(comparison, world.station).supervisors == 1
    assert _line(comparison, world.other_station).supervisors == 1
    assert comparison.institution.supervisors == 2


def test_the_number_of_queries_does_not_grow_with_stations_or_postdocs(world, django_assert_num_queries):
    with django_assert_num_queries(COMPARISON_QUERIES):
        _compare(world)
    for index in range(4):
        station = station_create(
            institution=world.institution,
            code=f"W10{index}",
            kind="workstation",
            unit=world.station.unit,
            name_zh=f"工作站{index}",
            established_on=dt.date(2010, 1, 1),
            by=world.admin,
        )
        _postdoc_at(world, station, dt.date(2021, 1, 1))
    with django_assert_num_queries(COMPARISON_QUERIES):
        comparison = _compare(world)
    assert len(comparison.stations) == 6


def _postdoc_at(world, station, entry):
    supervisor = make_supervisor(station, world.admin, name=f"{station.code}导师")
    person = make_person(
        world.institution, world.admin, birth_date=dt.date(1990, 1, 1), phd_date=entry - dt.timedelta(days=200)
    )
    return make_appointment(station, supervisor, world.admin, person=person, entry_date=entry)


@pytest.mark.parametrize(
    ("months", "median"),
    [
        ({}, None),
        ({24: 1}, 24),
        ({23: 1, 24: 1}, 23.5),
        ({23: 1, 25: 1}, 24),
        ({20: 3, 30: 1}, 20),
        ({20: 2, 30: 2}, 25),
    ],
)
def test_the_median_is_read_off_the_counts(months, median):
    from collections import Counter

    from establishment.comparison import StationFigures

    assert StationFigures(None, {}, months_to_exit=Counter(months)).median_months_to_exit == median
