"""The eligibility checklist: each condition met and unmet, with its figure and sentence."""

import datetime as dt

import pytest
from django.utils.formats import date_format

from catalogue.models import Discipline, DoctoralRight
from catalogue.services import doctoral_right_grant, reference_save
from core.dates import add_years
from establishment import services
from establishment.checklist import checklist
from funding.models import Level
from funding.services import project_record
from stations.models import Station
from stations.services import station_create, station_set_status
from tests.establishment.conftest import Setup, today
from tests.factories import make_appointment, make_supervisor

pytestmark = pytest.mark.django_db


def item(setup: Setup, key: str, on: dt.date | None = None):
    found = checklist(setup.application, on or today())
    return next(i for i in found.items if i.key == key)


def update(setup: Setup, **changes) -> None:
    setup.application = services.application_update(application=setup.application, by=setup.world.admin, **changes)


def test_an_eligible_application_meets_every_condition(setup):
    found = checklist(setup.application, today())
    assert found.met and found.unmet == []
    assert [i.key for i in found.items] == ["doctoral_rights", "supervisors", "projects", "facilities", "no_station"]
    assert {i.key: i.figure for i in found.items} == {
        "doctoral_rights": "12",
        "supervisors": "3 / 3",
        "projects": "1 / 1",
        "facilities": "yes",
        "no_station": "0",
    }


def test_the_checklist_is_computed_in_a_few_queries(setup, django_assert_max_num_queries):
    with django_assert_max_num_queries(7):
        checklist(setup.application, today())


# (1) doctoral rights and enrolled PhD students


def test_doctoral_rights_are_met_with_their_date_and_the_enrolled_students(setup):
    found = item(setup, "doctoral_rights")
    assert found.met
    assert found.sentence == "Doctoral rights in 1001 Basic Medicine since Jan. 1, 2010; 12 PhD students enrolled."


def test_without_doctoral_rights_on_the_date_the_condition_is_unmet(setup):
    found = item(setup, "doctoral_rights", on=dt.date(2009, 12, 31))
    assert not found.met
    assert found.sentence == (
        "The institution has no doctoral degree-granting rights in 1001 Basic Medicine on Dec. 31, 2009."
    )


def test_doctoral_rights_withdrawn_before_the_date_do_not_count(setup):
    DoctoralRight.objects.filter(discipline=setup.discipline, institution=setup.world.institution).update(
        until=dt.date(2020, 1, 1)
    )
    assert not item(setup, "doctoral_rights").met
    assert item(setup, "doctoral_rights", on=dt.date(2019, 12, 31)).met


def test_a_discipline_without_any_doctoral_rights_is_unmet(setup):
    application = services.application_create(
        round=setup.round,
        discipline=Discipline.objects.get(code="1003"),
        unit=setup.unit,
        enrolled_phd_students=3,
        by=setup.world.admin,
    )
    found = next(i for i in checklist(application, today()).items if i.key == "doctoral_rights")
    assert not found.met and "no doctoral degree-granting rights in 1003" in found.sentence


def test_rights_without_enrolled_phd_students_are_unmet(setup):
    update(setup, enrolled_phd_students=0)
    found = item(setup, "doctoral_rights")
    assert not found.met and found.figure == "0"
    assert "but no PhD students are enrolled (the attested count is 0)." in found.sentence


# (2) doctoral supervisors


def test_fewer_doctoral_supervisors_than_the_round_asks_for_are_unmet(setup):
    non_doctoral = make_supervisor(setup.world.other_station, setup.world.admin, name="周讲师")
    update(setup, applicants=[*setup.applicants[:2], non_doctoral])
    found = item(setup, "supervisors")
    assert not found.met and found.figure == "2 / 3"
    assert found.sentence == "2 of the applicants are doctoral supervisors; the round asks for at least 3."


def test_the_minimum_of_doctoral_supervisors_is_the_rounds(setup):
    update(setup, applicants=setup.applicants[:2])
    services.round_save(
        round=setup.round,
        institution=setup.world.institution,
        year=setup.round.year,
        internal_deadline=setup.round.internal_deadline,
        min_doctoral_supervisors=2,
        by=setup.world.admin,
    )
    setup.application.round.refresh_from_db()
    found = item(setup, "supervisors")
    assert found.met and found.figure == "2 / 2"


# (3) provincial-or-higher projects


def _project(setup: Setup, holder, level: str, awarded_on: dt.date, no: str) -> None:
    project_record(
        holder=holder,
        project_no=no,
        title="项目",
        funder="资助方",
        level=level,
        awarded_on=awarded_on,
        by=setup.world.admin,
    )


def test_projects_supervised_by_an_applicant_count(setup):
    _project(setup, setup.world.appointment, Level.NATIONAL, dt.date(2025, 3, 1), "NSFC-1")
    found = item(setup, "projects")
    assert found.met and found.figure == "2 / 1"
    since = date_format(add_years(today(), -5))
    assert found.sentence == (
        f"2 provincial-or-higher projects awarded after {since}, held by postdocs of 基础医学院 or supervised by the "
        "applicants; the round asks for at least 1."
    )


def test_one_project_is_told_in_the_singular(setup):
    assert item(setup, "projects").sentence.startswith("1 provincial-or-higher project awarded after")


def test_municipal_and_university_projects_do_not_count(setup):
    _project(setup, setup.world.appointment, Level.MUNICIPAL, dt.date(2025, 3, 1), "M-1")
    _project(setup, setup.world.appointment, Level.UNIVERSITY, dt.date(2025, 3, 1), "U-1")
    assert item(setup, "projects").figure == "1 / 1"


def test_projects_of_postdocs_neither_of_the_unit_nor_of_the_applicants_do_not_count(setup):
    _project(setup, setup.world.other_appointment, Level.NATIONAL, dt.date(2025, 3, 1), "N-OTHER")
    assert item(setup, "projects").figure == "1 / 1"


def test_projects_of_postdocs_of_the_applying_unit_count_whoever_supervises_them(setup):
    # A postdoc supervised in the applying college by someone outside the team.
    colleague = make_supervisor(setup.world.station, setup.world.admin, name="吴老师")
    colleague.unit = setup.unit
    reference_save(instance=colleague, by=setup.world.admin)
    holder = make_appointment(setup.world.station, colleague, setup.world.admin, entry_date=dt.date(2024, 5, 6))
    _project(setup, holder, Level.PROVINCIAL, dt.date(2025, 6, 1), "P-UNIT")
    assert item(setup, "projects").figure == "2 / 1"


def test_projects_before_the_window_do_not_count(setup):
    services.round_save(
        round=setup.round,
        institution=setup.world.institution,
        year=setup.round.year,
        internal_deadline=setup.round.internal_deadline,
        project_years=1,
        by=setup.world.admin,
    )
    setup.application.round.refresh_from_db()
    found = item(setup, "projects")  # awarded 2025-01-10, more than a year before today
    assert not found.met and found.figure == "0 / 1"
    assert found.sentence.startswith(
        f"0 provincial-or-higher projects awarded after {date_format(add_years(today(), -1))},"
    )
    assert item(setup, "projects", on=dt.date(2025, 6, 1)).met


def test_projects_awarded_after_the_date_do_not_count(setup):
    assert not item(setup, "projects", on=dt.date(2025, 1, 9)).met


# (4) facilities


def test_facilities_described_but_not_attested_are_unmet(setup):
    update(setup, facilities_attested=False)
    found = item(setup, "facilities")
    assert not found.met and found.figure == "no"
    assert found.sentence == "The facilities are described but the applying unit has not attested them."


def test_facilities_attested_but_not_described_are_unmet(setup):
    update(setup, facilities="")
    found = item(setup, "facilities")
    assert not found.met
    assert found.sentence == "Describe the research facilities and have the applying unit attest them."


# No live mobile station in the discipline


def _station(setup: Setup) -> Station:
    return station_create(
        institution=setup.world.institution,
        code="S1001",
        kind=Station.Kind.MOBILE,
        unit=setup.unit,
        discipline=setup.discipline,
        name_zh="基础医学博士后科研流动站",
        name_en="Postdoctoral Research Station of Basic Medicine",
        established_on=dt.date(2026, 1, 1),
        by=setup.world.admin,
    )


def test_a_live_mobile_station_in_the_discipline_is_named(setup):
    _station(setup)
    found = item(setup, "no_station")
    assert not found.met and found.figure == "1"
    assert found.sentence == (
        "1001 Basic Medicine already has a mobile station: Postdoctoral Research Station of Basic Medicine."
    )


def test_a_revoked_station_leaves_the_discipline_open(setup):
    station = _station(setup)
    station_set_status(
        station=station, status=Station.Status.REVOKED, on=today(), note="评估不合格", by=setup.world.admin
    )
    assert item(setup, "no_station").met


def test_an_approved_application_counts_its_own_station(setup):
    by = setup.world.admin
    application = services.application_review_start(application=setup.application, by=by)
    application = services.application_review_record(application=application, supported=True, by=by)
    application = services.application_submit(application=application, on=today(), by=by)
    application = services.application_decide(
        application=application,
        approved=True,
        on=today(),
        approval_no="批复",
        station_code="S1001",
        name_zh="基础医学博士后科研流动站",
        by=by,
    )
    found = next(i for i in checklist(application, today()).items if i.key == "no_station")
    assert found.met and "has its mobile station from this application" in found.sentence


def test_a_workstation_does_not_block_the_discipline(setup):
    doctoral_right_grant(
        institution=setup.world.institution,
        discipline=setup.discipline,
        since=dt.date(2010, 1, 1),
        by=setup.world.admin,
    )
    station_create(
        institution=setup.world.institution,
        code="W01",
        kind=Station.Kind.WORKSTATION,
        unit=setup.unit,
        discipline=setup.discipline,
        name_zh="企业工作站",
        established_on=dt.date(2020, 1, 1),
        by=setup.world.admin,
    )
    assert item(setup, "no_station").met
