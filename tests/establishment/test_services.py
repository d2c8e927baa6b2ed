"""The establishment services: each step in order, each refusal with its sentence and nothing
written, one audit event per write, and the approval that sets up the station."""

import datetime as dt
from typing import Any

import pytest

from audit.models import AuditEvent
from catalogue.models import Discipline
from catalogue.services import unit_save
from core.errors import DomainError
from establishment import services
from establishment.models import Application, Document, Round
from reports.selectors import headline_figures
from stations.coverage import coverage
from stations.models import Station
from stations.services import station_create
from tests.establishment.conftest import Setup, fresh, make_doctoral, pdf, today
from tests.factories import make_discipline, make_institution, make_supervisor

pytestmark = pytest.mark.django_db

Status = Application.Status


def rows() -> dict[str, int]:
    return {
        "rounds": Round.objects.count(),
        "applications": Application.objects.count(),
        "applicants": Application.applicants.through.objects.count(),
        "documents": Document.objects.count(),
        "stations": Station.objects.count(),
        "events": AuditEvent.objects.count(),
    }


def refused(call: Any, message: str, **kwargs: Any) -> DomainError:
    """Calls a service that must refuse with `message`, and checks that nothing was written."""
    before = rows()
    with pytest.raises(DomainError) as caught:
        call(**kwargs)
    assert message in caught.value.message
    assert rows() == before
    return caught.value


def events(name: str, target: Any = None) -> list[AuditEvent]:
    found = AuditEvent.objects.filter(event=name)
    if target is not None:
        found = found.filter(target_type=target._meta.label_lower, target_id=str(target.pk))
    return list(found)


def one_event_more(call: Any, **kwargs: Any) -> Any:
    before = AuditEvent.objects.count()
    result = call(**kwargs)
    assert AuditEvent.objects.count() == before + 1
    return result


def to_internal_review(setup: Setup, *, supported: bool = True) -> Application:
    by = setup.world.admin
    application = services.application_review_start(application=setup.application, by=by)
    if supported:
        application = services.application_review_record(application=application, supported=True, by=by)
    return application


def to_submitted(setup: Setup) -> Application:
    application = to_internal_review(setup)
    return services.application_submit(application=application, on=today(), by=setup.world.admin)


# ---------------------------------------------------------------------------------------------
# Rounds


def test_a_round_is_opened_and_changed_with_one_event_each(world):
    created = one_event_more(
        services.round_save,
        institution=world.institution,
        year=2023,
        notice_no=" 人社部函〔2023〕47号 ",
        internal_deadline=dt.date(2023, 6, 28),
        submission_deadline=dt.date(2023, 7, 15),
        by=world.admin,
    )
    assert created.notice_no == "人社部函〔2023〕47号"
    assert (created.min_doctoral_supervisors, created.min_projects, created.project_years) == (3, 1, 5)
    assert events("round.created", created)[0].after["year"] == 2023

    changed = one_event_more(
        services.round_save,
        round=created,
        institution=world.institution,
        year=2023,
        internal_deadline=dt.date(2023, 6, 30),
        min_doctoral_supervisors=5,
        by=world.admin,
    )
    assert changed.pk == created.pk and changed.min_doctoral_supervisors == 5
    event = events("round.changed", created)[0]
    assert event.before["internal_deadline"] == "2023-06-28" and event.after["internal_deadline"] == "2023-06-30"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"year": 2023}, "There is already a round for 2023."),
        ({"year": 1900}, "Give the year of the round."),
        (
            {"submission_deadline": dt.date(2024, 1, 1)},
            "The submission deadline cannot be before the internal deadline.",
        ),
        ({"min_doctoral_supervisors": 0}, "At least one doctoral supervisor must be asked for."),
        ({"project_years": 0}, "Projects are counted over at least one year."),
        ({"min_projects": -1}, "The number of projects cannot be negative."),
    ],
)
def test_a_round_with_wrong_facts_is_refused(world, changes, message):
    services.round_save(
        institution=world.institution, year=2023, internal_deadline=dt.date(2023, 6, 28), by=world.admin
    )
    kwargs = {"institution": world.institution, "year": 2024, "internal_deadline": dt.date(2024, 6, 28)}
    refused(services.round_save, message, by=world.admin, **{**kwargs, **changes})


@pytest.mark.parametrize("persona", ["secretary", "supervisor", "postdoc", "leadership", "outsider"])
def test_only_an_office_administrator_of_the_institution_opens_a_round(world, persona):
    refused(
        services.round_save,
        "Only an office administrator of this institution can change establishment applications.",
        institution=world.institution,
        year=2024,
        internal_deadline=dt.date(2024, 6, 28),
        by=world.personas()[persona],
    )


def test_a_round_of_another_institution_cannot_be_changed_through_ones_own(world, setup):
    other, _admin = make_institution("U3", "第三所大学")
    refused(
        services.round_save,
        "Only an office administrator of this institution",
        institution=other,
        round=setup.round,
        year=2030,
        internal_deadline=dt.date(2030, 1, 1),
        by=world.admin,
    )


# ---------------------------------------------------------------------------------------------
# The draft


def test_an_application_starts_as_a_draft_with_its_team_and_one_event(setup):
    application = setup.application
    assert application.status == Status.DRAFT and application.institution_id == setup.world.institution.pk
    assert set(application.applicants.all()) == set(setup.applicants)
    (event,) = events("application.created", application)
    assert event.before is None
    assert "孙教授 (T-BM1)" in event.after["applicants"] and event.after["status"] == "draft"
    assert event.actor == setup.world.admin and event.institution == setup.world.institution


def _create(setup: Setup, **changes: Any) -> dict[str, Any]:
    kwargs: dict[str, Any] = {
        "round": setup.round,
        "discipline": Discipline.objects.get(code="1003"),
        "unit": setup.unit,
        "applicants": setup.applicants,
        "by": setup.world.admin,
    }
    return {**kwargs, **changes}


def test_an_application_in_a_discipline_with_a_mobile_station_is_refused(setup):
    error = refused(
        services.application_create,
        "already has a mobile station",
        **_create(setup, discipline=Discipline.objects.get(code="1002")),
    )
    assert error.field == "discipline"


def test_a_second_application_for_a_discipline_in_one_round_is_refused(setup):
    refused(
        services.application_create,
        "already has an application for 1001",
        **_create(setup, discipline=setup.discipline),
    )


def test_an_application_while_another_for_the_discipline_is_in_progress_is_refused(setup):
    later = services.round_save(
        institution=setup.world.institution, year=2099, internal_deadline=dt.date(2099, 6, 1), by=setup.world.admin
    )
    refused(
        services.application_create,
        "An application for 1001 Basic Medicine is already in progress",
        **_create(setup, round=later, discipline=setup.discipline),
    )


def test_an_application_after_a_withdrawn_one_is_accepted(setup):
    services.application_withdraw(application=setup.application, reason="团队调整", by=setup.world.admin)
    later = services.round_save(
        institution=setup.world.institution, year=2099, internal_deadline=dt.date(2099, 6, 1), by=setup.world.admin
    )
    again = services.application_create(**_create(setup, round=later, discipline=setup.discipline))
    assert again.status == Status.DRAFT


def test_a_professional_degree_category_is_refused(setup):
    professional = make_discipline("1051", "临床医学（专业学位）", setup.world.admin)
    refused(services.application_create, "is a professional-degree category", **_create(setup, discipline=professional))


def test_a_unit_or_applicant_of_another_institution_is_refused(setup, world):
    outside_unit = unit_save(
        institution=Station.objects.get(code="S1001").institution,
        code="X1",
        name_zh="外校学院",
        kind="college",
        by=world.outsider,
    )
    refused(
        services.application_create,
        "The applying unit belongs to another institution.",
        **_create(setup, unit=outside_unit),
    )
    outside_supervisor = make_supervisor(Station.objects.get(code="S1001"), world.outsider, name="外校导师")
    refused(
        services.application_create,
        "The applicant 外校导师 belongs to another institution.",
        **_create(setup, applicants=[*setup.applicants, outside_supervisor]),
    )


@pytest.mark.parametrize("persona", ["secretary", "supervisor", "postdoc", "leadership", "outsider"])
def test_only_an_office_administrator_of_the_institution_starts_an_application(setup, persona):
    refused(
        services.application_create,
        "Only an office administrator of this institution can change establishment applications.",
        **_create(setup, by=setup.world.personas()[persona]),
    )


def test_a_draft_is_changed_with_before_and_after(setup):
    application = one_event_more(
        services.application_update,
        application=setup.application,
        enrolled_phd_students=30,
        applicants=setup.applicants[:2],
        facilities="  新实验室  ",
        by=setup.world.admin,
    )
    application = fresh(application)
    assert application.enrolled_phd_students == 30 and application.facilities == "新实验室"
    assert application.applicants.count() == 2
    (event,) = events("application.changed", application)
    assert event.before["enrolled_phd_students"] == 12 and event.after["enrolled_phd_students"] == 30
    assert "钱教授" in event.before["applicants"] and "钱教授" not in event.after["applicants"]


def test_a_change_that_changes_nothing_writes_nothing(setup):
    before = rows()
    services.application_update(application=setup.application, enrolled_phd_students=12, by=setup.world.admin)
    assert rows() == before


def test_only_a_draft_is_changed(setup):
    to_internal_review(setup)
    refused(
        services.application_update,
        "Only a draft can be changed; the application is now internal expert review.",
        application=setup.application,
        enrolled_phd_students=1,
        by=setup.world.admin,
    )


def test_the_round_and_the_status_are_not_changed_as_details(setup):
    refused(
        services.application_update,
        "These details cannot be changed here: round, status.",
        application=setup.application,
        status=Status.APPROVED,
        round=setup.round,
        by=setup.world.admin,
    )


def test_a_change_to_a_discipline_with_a_station_is_refused(setup):
    refused(
        services.application_update,
        "already has a mobile station",
        application=setup.application,
        discipline=Discipline.objects.get(code="0710"),
        by=setup.world.admin,
    )
    assert fresh(setup.application).discipline == setup.discipline


# ---------------------------------------------------------------------------------------------
# The internal expert review


def test_an_eligible_draft_goes_to_the_internal_review(setup):
    application = one_event_more(services.application_review_start, application=setup.application, by=setup.world.admin)
    assert fresh(application).status == Status.INTERNAL_REVIEW
    (event,) = events("application.review_started", application)
    assert event.before["status"] == "draft" and event.after["status"] == "internal_review"


def test_a_draft_with_unmet_items_does_not_go_to_the_review_and_the_refusal_names_them(setup):
    services.application_update(
        application=setup.application, applicants=setup.applicants[:2], facilities_attested=False, by=setup.world.admin
    )
    error = refused(
        services.application_review_start,
        "The checklist has unmet items:",
        application=setup.application,
        by=setup.world.admin,
    )
    assert (
        "Doctoral supervisors among the applicants: 2 of the applicants are doctoral supervisors; the round asks for at least 3."
        in error.message
    )
    assert (
        "Research facilities: The facilities are described but the applying unit has not attested them."
        in error.message
    )
    assert "Provincial-or-higher projects" not in error.message  # met items are not named
    assert fresh(setup.application).status == Status.DRAFT


def test_a_supported_review_keeps_the_application_ready_to_submit(setup):
    application = services.application_review_start(application=setup.application, by=setup.world.admin)
    application = one_event_more(
        services.application_review_record, application=application, supported=True, by=setup.world.admin
    )
    application = fresh(application)
    assert application.status == Status.INTERNAL_REVIEW and application.internal_review_supported
    (event,) = events("application.review_supported", application)
    assert event.before["internal_review_supported"] is False and event.after["internal_review_supported"] is True
    assert not events("application.review_not_supported")


def test_an_unsupported_review_returns_the_application_to_a_draft(setup):
    application = services.application_review_start(application=setup.application, by=setup.world.admin)
    application = one_event_more(
        services.application_review_record, application=application, supported=False, by=setup.world.admin
    )
    application = fresh(application)
    assert application.status == Status.DRAFT and not application.internal_review_supported
    (event,) = events("application.review_not_supported", application)
    assert event.before["status"] == "internal_review" and event.after["status"] == "draft"


def test_a_new_review_starts_without_the_earlier_support(setup):
    application = to_internal_review(setup)
    services.application_review_record(application=application, supported=False, by=setup.world.admin)
    application = services.application_review_start(application=application, by=setup.world.admin)
    assert not fresh(application).internal_review_supported


def test_a_review_decision_for_a_draft_is_refused(setup):
    refused(
        services.application_review_record,
        "Only an application in the internal expert review can receive the review's decision.",
        application=setup.application,
        supported=True,
        by=setup.world.admin,
    )


def test_only_a_draft_goes_to_the_review(setup):
    to_internal_review(setup)
    refused(
        services.application_review_start,
        "Only a draft can go to the internal expert review.",
        application=setup.application,
        by=setup.world.admin,
    )


# ---------------------------------------------------------------------------------------------
# Submission and decision


def test_a_supported_application_is_submitted_on_its_date(setup):
    application = to_internal_review(setup)
    application = one_event_more(
        services.application_submit, application=application, on=dt.date(2026, 6, 28), by=setup.world.admin
    )
    application = fresh(application)
    assert application.status == Status.SUBMITTED and application.submitted_on == dt.date(2026, 6, 28)
    assert events("application.submitted", application)[0].after["submitted_on"] == "2026-06-28"


def test_an_application_without_a_supported_review_is_not_submitted(setup):
    application = to_internal_review(setup, supported=False)
    refused(
        services.application_submit,
        "The internal expert review has not supported the application; it cannot be submitted yet.",
        application=application,
        on=today(),
        by=setup.world.admin,
    )


def test_a_draft_is_not_submitted(setup):
    refused(
        services.application_submit,
        "Only an application in the internal expert review can be submitted.",
        application=setup.application,
        on=today(),
        by=setup.world.admin,
    )


def test_a_submission_in_the_future_is_refused(setup):
    application = to_internal_review(setup)
    error = refused(
        services.application_submit,
        "is in the future; record what has happened.",
        application=application,
        on=today() + dt.timedelta(days=1),
        by=setup.world.admin,
    )
    assert error.field == "on"


def test_a_submission_when_the_checklist_no_longer_holds_is_refused(setup):
    application = to_internal_review(setup)
    # A station appears in the discipline meanwhile (set up by other means).
    station = station_create(
        institution=setup.world.institution,
        code="S1001",
        kind=Station.Kind.MOBILE,
        unit=setup.unit,
        discipline=setup.discipline,
        name_zh="基础医学博士后科研流动站",
        established_on=dt.date(2026, 1, 1),
        by=setup.world.admin,
    )
    refused(
        services.application_submit,
        f"No mobile station in the discipline yet: 1001 Basic Medicine already has a mobile station: {station.name}.",
        application=application,
        on=today(),
        by=setup.world.admin,
    )


def test_an_approval_sets_up_the_station_and_coverage_counts_it(setup):
    institution = setup.world.institution
    before = coverage(institution.pk, today())
    assert (before.with_station, before.doctoral_disciplines, before.missing) == (2, 3, ["1001"])
    application = to_submitted(setup)
    stations_before = Station.objects.count()
    events_before = AuditEvent.objects.count()

    application = services.application_decide(
        application=application,
        approved=True,
        on=today(),
        approval_no="人社部函〔2026〕172号",
        station_code="S1001",
        name_zh="基础医学博士后科研流动站",
        name_en="Postdoctoral Research Station of Basic Medicine",
        by=setup.world.admin,
    )

    application = fresh(application)
    station = application.station
    assert application.status == Status.APPROVED and application.decided_on == today()
    assert application.approval_no == "人社部函〔2026〕172号"
    assert station is not None and Station.objects.count() == stations_before + 1
    assert (station.kind, station.discipline, station.unit, station.institution) == (
        Station.Kind.MOBILE,
        setup.discipline,
        setup.unit,
        institution,
    )
    assert station.established_on == today() and station.approval_no == "人社部函〔2026〕172号"
    # One event for the application, and the station's own from its service.
    assert AuditEvent.objects.count() == events_before + 2
    (event,) = events("application.approved", application)
    assert event.before["station"] is None and event.after["station"] == station.pk
    assert len(events("station.created", station)) == 1
    after = coverage(institution.pk, today())
    assert (after.with_station, after.doctoral_disciplines, after.missing) == (3, 3, [])
    figures = headline_figures(institution_id=institution.pk, as_of=today(), years=3)
    assert figures["coverage"] == {"with_station": 3, "doctoral_disciplines": 3, "missing": []}


def test_a_rejection_records_the_date_and_sets_up_nothing(setup):
    application = to_submitted(setup)
    stations = Station.objects.count()
    application = one_event_more(
        services.application_decide, application=application, approved=False, on=today(), by=setup.world.admin
    )
    application = fresh(application)
    assert application.status == Status.REJECTED and application.decided_on == today()
    assert application.station is None and Station.objects.count() == stations
    assert events("application.rejected", application)[0].after["status"] == "rejected"
    assert coverage(setup.world.institution.pk, today()).missing == ["1001"]


def _approval(application: Application, **changes: Any) -> dict[str, Any]:
    return {
        "application": application,
        "approved": True,
        "on": today(),
        "approval_no": "人社部函〔2026〕172号",
        "station_code": "S1001",
        "name_zh": "基础医学博士后科研流动站",
        **changes,
    }


@pytest.mark.parametrize(
    ("changes", "message", "field"),
    [
        ({"approval_no": " "}, "An approval needs its approval number.", "approval_no"),
        ({"station_code": ""}, "Give the new station's code.", "station_code"),
        ({"name_zh": ""}, "Give the new station's Chinese name.", "name_zh"),
        ({"station_code": "S1002"}, "Station code S1002 is already used.", "station_code"),
        ({"on": dt.date(2000, 1, 1)}, "The decision cannot be before the submission on", "on"),
    ],
)
def test_an_approval_with_missing_facts_is_refused(setup, changes, message, field):
    application = to_submitted(setup)
    error = refused(services.application_decide, message, by=setup.world.admin, **_approval(application, **changes))
    assert error.field == field
    assert fresh(application).status == Status.SUBMITTED


def test_an_approval_before_the_doctoral_rights_is_refused_by_the_station_service(setup):
    application = to_submitted(setup)
    # The rights are withdrawn and granted anew after the decision's date: the station cannot be set up.
    from catalogue.models import DoctoralRight

    DoctoralRight.objects.filter(institution=setup.world.institution, discipline=setup.discipline).update(
        since=today() + dt.timedelta(days=30)
    )
    refused(
        services.application_decide,
        "A mobile station needs doctoral degree-granting rights in 1001 Basic Medicine on its establishment date.",
        by=setup.world.admin,
        **_approval(application),
    )


def test_only_a_submitted_application_is_decided(setup):
    to_internal_review(setup)
    refused(
        services.application_decide,
        "Only a submitted application can be decided.",
        by=setup.world.admin,
        **_approval(setup.application),
    )


# ---------------------------------------------------------------------------------------------
# Withdrawal


@pytest.mark.parametrize("stage", ["draft", "internal_review", "submitted"])
def test_an_application_in_progress_is_withdrawn_with_its_reason(setup, stage):
    application = {"draft": lambda s: s.application, "internal_review": to_internal_review, "submitted": to_submitted}[
        stage
    ](setup)
    application = one_event_more(
        services.application_withdraw, application=application, reason=" 学科调整 ", by=setup.world.admin
    )
    assert fresh(application).status == Status.WITHDRAWN
    (event,) = events("application.withdrawn", application)
    assert event.note == "学科调整" and event.before["status"] == stage


def test_a_withdrawal_needs_a_reason(setup):
    error = refused(
        services.application_withdraw,
        "Say why the application is withdrawn.",
        application=setup.application,
        reason="  ",
        by=setup.world.admin,
    )
    assert error.field == "reason"


def test_a_decided_application_cannot_be_withdrawn(setup):
    application = to_submitted(setup)
    services.application_decide(application=application, approved=False, on=today(), by=setup.world.admin)
    refused(
        services.application_withdraw,
        "Only an application in progress can be withdrawn.",
        application=application,
        reason="迟到的撤回",
        by=setup.world.admin,
    )


# ---------------------------------------------------------------------------------------------
# Every step refuses anyone but an office administrator of the institution


STEP_CALLS = {
    "update": lambda s, by: services.application_update(application=s.application, enrolled_phd_students=1, by=by),
    "start_review": lambda s, by: services.application_review_start(application=s.application, by=by),
    "review_decided": lambda s, by: services.application_review_record(
        application=s.application, supported=True, by=by
    ),
    "submit": lambda s, by: services.application_submit(application=s.application, on=today(), by=by),
    "decide": lambda s, by: services.application_decide(application=s.application, approved=False, on=today(), by=by),
    "withdraw": lambda s, by: services.application_withdraw(application=s.application, reason="x", by=by),
    "document_add": lambda s, by: services.document_add(
        application=s.application, kind=Document.Kind.APPLICATION_FORM, upload=pdf(), by=by
    ),
}


@pytest.mark.parametrize("step", STEP_CALLS)
@pytest.mark.parametrize("persona", ["secretary", "supervisor", "postdoc", "leadership", "outsider"])
def test_every_step_refuses_anyone_but_an_office_administrator(setup, step, persona):
    by = setup.world.personas()[persona]
    refused(
        lambda: STEP_CALLS[step](setup, by),
        "Only an office administrator of this institution can change establishment applications.",
    )


def test_a_doctoral_supervisor_flag_counts_from_the_supervisors_record(setup):
    """The checklist reads the supervisors as they are now, not as they were at creation."""
    other = make_supervisor(setup.world.other_station, setup.world.admin, name="周教授")
    services.application_update(
        application=setup.application, applicants=[*setup.applicants[:2], other], by=setup.world.admin
    )
    with pytest.raises(DomainError, match="2 of the applicants are doctoral supervisors"):
        services.application_review_start(application=setup.application, by=setup.world.admin)
    make_doctoral(other, setup.world)
    assert services.application_review_start(application=setup.application, by=setup.world.admin)


def test_the_review_may_start_on_a_past_day_with_the_checklist_of_that_day(setup):
    refused(
        services.application_review_start,
        "no doctoral degree-granting rights in 1001 Basic Medicine on June 1, 2009.",
        application=setup.application,
        on=dt.date(2009, 6, 1),
        by=setup.world.admin,
    )
    refused(
        services.application_review_start,
        "is in the future",
        application=setup.application,
        on=today() + dt.timedelta(days=1),
        by=setup.world.admin,
    )
    application = services.application_review_start(
        application=setup.application, on=dt.date(2025, 6, 28), by=setup.world.admin
    )
    assert fresh(application).status == Status.INTERNAL_REVIEW
