"""The headline figures follow design.md's definitions exactly, at the edges of the window."""

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from appointments.models import Appointment, Assessment, Grade
from appointments.services import appointment_exit, appointment_withdraw, assessment_record
from catalogue.services import doctoral_right_grant
from funding.services import project_record
from reports.selectors import headline_figures
from stations.coverage import coverage
from stations.models import Station
from stations.services import station_set_status
from tests.factories import make_appointment, make_discipline

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2023, 11, 30)


def figures(world, as_of=AS_OF, years=3):
    return headline_figures(
        institution_id=world.institution.pk,
        as_of=as_of,
        years=years,
    )


def appoint(world, entry_date, **kwargs):
    return make_appointment(world.station, world.supervisor, world.admin, entry_date=entry_date, **kwargs)


def test_the_window_excludes_its_first_day_and_includes_as_of(world):
    base = figures(world)["recruited"]
    appoint(world, dt.date(2020, 11, 30))  # as_of − 3 years: outside
    appoint(world, dt.date(2020, 12, 1))  # first day inside
    appoint(world, AS_OF)  # last day inside
    appoint(world, dt.date(2023, 12, 1))  # after as_of
    assert figures(world)["recruited"] == base + 2


def test_admitted_but_not_entered_is_not_counted(world):
    base = figures(world)
    appoint(world, dt.date(2023, 6, 1), enter=False)
    assert figures(world)["recruited"] == base["recruited"]
    assert figures(world)["in_station"] == base["in_station"]


def test_an_appointment_ended_on_as_of_is_no_longer_in_station(world):
    ended_on_the_day = appoint(world, dt.date(2021, 6, 1))
    ended_the_day_after = appoint(world, dt.date(2021, 6, 1))
    for appointment, day in ((ended_on_the_day, AS_OF), (ended_the_day_after, AS_OF + dt.timedelta(days=1))):
        assessment_record(
            appointment=appointment,
            kind=Assessment.Kind.EXIT,
            held_on=dt.date(2023, 10, 1),
            grade=Grade.PASS,
            by=world.admin,
        )
        appointment_exit(appointment=appointment, on=day, by=world.admin)
    result = figures(world)
    assert result["recruited"] - result["recruited_still_in_station"] == 1


def test_recruited_still_in_station_is_the_intersection(world):
    withdrawn = appoint(world, dt.date(2022, 1, 1))
    appointment_withdraw(appointment=withdrawn, on=dt.date(2022, 6, 1), ground="personal", by=world.admin)
    old = appoint(world, dt.date(2019, 1, 1))  # in station on as_of, but recruited before the window
    result = figures(world)
    in_window = Appointment.objects.filter(
        station__institution=world.institution, entry_date__gt=dt.date(2020, 11, 30), entry_date__lte=AS_OF
    ).exclude(status="admitted")
    assert result["recruited"] == in_window.count()
    assert result["recruited_still_in_station"] == in_window.exclude(pk=withdrawn.pk).count()
    assert result["in_station"] >= result["recruited_still_in_station"] + 1
    assert old.pk  # the old one counts in `in_station` only


def test_projects_are_counted_once_within_the_window_and_institution(world):
    holder = appoint(world, dt.date(2020, 6, 1))
    for number, day in (("P1", dt.date(2020, 11, 30)), ("P2", dt.date(2021, 5, 1)), ("P3", AS_OF)):
        project_record(
            holder=holder,
            project_no=number,
            title="t",
            funder="CPSF",
            level="provincial",
            awarded_on=day,
            by=world.admin,
        )
    assert figures(world)["projects"] == 2
    assert figures(world, years=1)["projects"] == 1
    # The same projects by the level each counts at, in the same query (see the query count below).
    assert figures(world)["projects_by_level"] == {"national": 0, "provincial": 2, "municipal": 0, "university": 0}


def test_coverage_names_doctoral_disciplines_without_a_live_mobile_station(world):
    nursing = make_discipline("1011", "护理学", world.admin)
    doctoral_right_grant(institution=world.institution, discipline=nursing, since=dt.date(2020, 1, 1), by=world.admin)
    result = coverage(world.institution.pk, AS_OF)
    assert (result.with_station, result.doctoral_disciplines, result.missing) == (2, 3, ["1011"])
    station_set_status(
        station=world.other_station,
        status=Station.Status.REVOKED,
        on=dt.date(2023, 1, 1),
        note="evaluation",
        by=world.admin,
    )
    assert coverage(world.institution.pk, AS_OF).missing == ["0710", "1011"]
    assert coverage(world.institution.pk, dt.date(2022, 12, 31)).missing == ["1011"]


def test_stats_command_prints_the_json_contract(world):
    out = StringIO()
    call_command(
        "stats", "--as-of", "2023-11-30", "--years", "3", "--format", "json", "--institution", "U1", stdout=out
    )
    data = json.loads(out.getvalue())
    assert set(data) == {
        "as_of",
        "window_years",
        "recruited",
        "recruited_still_in_station",
        "in_station",
        "projects",
        "projects_by_level",
        "coverage",
    }
    assert set(data["coverage"]) == {"with_station", "doctoral_disciplines", "missing"}
    assert set(data["projects_by_level"]) == {"national", "provincial", "municipal", "university"}
    assert data == figures(world)


def test_stats_command_refuses_bad_dates_and_users_without_the_right(world):
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("stats", "--as-of", "30/11/2023", "--institution", "U1")
    with pytest.raises(CommandError, match="may not see"):
        call_command("stats", "--as-user", "secretary")
    out = StringIO()
    call_command("stats", "--as-user", "leadership", "--as-of", "2023-11-30", stdout=out)
    assert "coverage" in out.getvalue()


def test_figures_take_a_constant_number_of_queries(world, django_assert_num_queries):
    for month in range(1, 8):
        holder = appoint(world, dt.date(2022, month, 1))
        for level in ("national", "university"):
            project_record(
                holder=holder,
                project_no=f"Q{month}{level}",
                title="t",
                funder="某基金",
                level=level,
                awarded_on=dt.date(2023, month, 1),
                by=world.admin,
            )
    with django_assert_num_queries(4):
        result = figures(world)
    assert result["projects"] == 14 == sum(result["projects_by_level"].values())
