import datetime as dt

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from core.errors import DomainError
from establishment.evaluation import station_indicators
from establishment.evaluation_services import (
    evaluation_act,
    evaluation_create,
    evaluation_grade,
    evaluation_refresh,
)
from stations.coverage import coverage
from stations.models import Evaluation, Station
from stations.services import station_set_status
from tests.establishment.evaluations.conftest import END, START, postdoc


def start(world, **changes) -> Evaluation:
    arguments = {
        "station": world.station,
        "cycle": 2025,
        "kind": "comprehensive",
        "period_start": START,
        "period_end": END,
        "by": world.admin,
    }
    return evaluation_create(**{**arguments, **changes})


def graded(world, grade: str = "fail", on: dt.date = dt.date(2025, 6, 30)) -> Evaluation:
    return evaluation_grade(evaluation=start(world), grade=grade, on=on, by=world.admin)


def events(name: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(event=name))


class Unchanged:
    """Asserts that a refused call wrote nothing: no evaluation, station or audit row changed."""

    def __init__(self, world):
        self.world = world

    def state(self):
        return (
            list(Evaluation.objects.order_by("pk").values()),
            list(Station.objects.order_by("pk").values()),
            AuditEvent.objects.count(),
        )

    def __enter__(self):
        self.before = self.state()
        return self

    def __exit__(self, *exc):
        assert self.state() == self.before
        return False


# ---- evaluation_create ---------------------------------------------------------------------------


def test_create_stores_the_indicators_and_one_audit_event(world):
    evaluation = start(world)
    assert evaluation.grade == "" and evaluation.action == ""
    stored = dict(evaluation.indicators)
    assert stored.pop("computed_on") == timezone.localdate().isoformat()
    assert stored == station_indicators(world.station, START, END)
    [event] = events("evaluation.created")
    assert event.before is None and event.after["cycle"] == 2025
    assert event.parent_id == str(world.station.pk)


@pytest.mark.parametrize("persona", ["secretary", "leadership", "supervisor", "postdoc", "outsider"])
def test_only_an_administrator_of_the_institution_starts_an_evaluation(world, persona):
    with Unchanged(world), pytest.raises(DomainError, match="Only an office administrator of this institution"):
        start(world, by=world.personas()[persona])


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"kind": "annual"}, "kind", "Choose the kind"),
        ({"cycle": 25}, "cycle", "as a year"),
        ({"period_end": START}, "period_end", "must end after it starts"),
        ({"period_start": END, "period_end": START}, "period_end", "must end after it starts"),
        ({"period_end": dt.date(2099, 12, 31), "cycle": 2100}, "period_end", "cannot end after today"),
        ({"cycle": 2023}, "period_end", "must end by 31 December 2023"),
        ({"kind": "new_station"}, "kind", "set up within its period"),
    ],
)
def test_create_refuses_a_bad_request_with_a_sentence(world, changes, field, message):
    with Unchanged(world), pytest.raises(DomainError, match=message) as refused:
        start(world, **changes)
    assert refused.value.field == field


def test_create_refuses_a_second_evaluation_of_the_same_cycle_and_kind(world):
    start(world)
    with Unchanged(world), pytest.raises(DomainError, match="already has a comprehensive evaluation") as refused:
        start(world, period_start=dt.date(2021, 1, 1))
    assert refused.value.field == "cycle"


def test_a_new_station_has_its_own_evaluation_beside_the_comprehensive_one(world):
    Station.objects.filter(pk=world.station.pk).update(established_on=dt.date(2021, 3, 1))
    world.station.refresh_from_db()
    start(world)
    evaluation = start(world, kind="new_station", period_start=dt.date(2021, 3, 1))
    assert evaluation.kind == "new_station"


def test_create_refuses_a_revoked_station(world):
    station_set_status(station=world.station, status="revoked", on=dt.date(2025, 1, 1), note="撤销", by=world.admin)
    with Unchanged(world), pytest.raises(DomainError, match="has been revoked"):
        start(world)


# ---- evaluation_refresh --------------------------------------------------------------------------


def test_refresh_recomputes_from_the_records_while_ungraded(world):
    evaluation = start(world)
    assert evaluation.indicators["intake"] == 1
    postdoc(world, dt.date(2022, 2, 1))
    evaluation = evaluation_refresh(evaluation=evaluation, by=world.admin)
    assert evaluation.indicators["intake"] == 2
    [event] = events("evaluation.recomputed")
    assert event.before["indicators"]["intake"] == 1 and event.after["indicators"]["intake"] == 2


def test_refresh_refuses_a_graded_evaluation_and_keeps_what_the_panel_saw(world):
    evaluation = graded(world, "good")
    postdoc(world, dt.date(2022, 2, 1))
    with Unchanged(world), pytest.raises(DomainError, match="has its grade"):
        evaluation_refresh(evaluation=evaluation, by=world.admin)


@pytest.mark.parametrize("persona", ["secretary", "leadership", "outsider"])
def test_refresh_is_for_administrators_of_the_institution(world, persona):
    evaluation = start(world)
    with Unchanged(world), pytest.raises(DomainError, match="Only an office administrator"):
        evaluation_refresh(evaluation=evaluation, by=world.personas()[persona])


# ---- evaluation_grade ---------------------------------------------------------------------------


def test_a_passing_grade_is_recorded_without_action(world):
    evaluation = graded(world, "good")
    assert (evaluation.grade, evaluation.decided_on, evaluation.action) == ("good", dt.date(2025, 6, 30), "")
    world.station.refresh_from_db()
    assert world.station.status == "active"
    assert len(events("evaluation.graded")) == 1
    assert events("station.status_changed") == []


def test_a_fail_grade_warns_the_station_with_a_year_to_rectify(world):
    evaluation = graded(world, "fail", on=dt.date(2025, 6, 30))
    assert evaluation.action == "warning"
    assert evaluation.rectify_by == dt.date(2026, 6, 30)
    world.station.refresh_from_db()
    assert world.station.status == "warned"
    [status_event] = events("station.status_changed")
    assert "2026-06-30" in status_event.note
    [graded_event] = events("evaluation.graded")
    assert graded_event.before["grade"] == "" and graded_event.after["grade"] == "fail"


@pytest.mark.parametrize(
    ("grade", "on", "message"),
    [
        ("bad", dt.date(2025, 6, 30), "Choose a grade"),
        ("support", dt.date(2025, 6, 30), "Choose a grade"),
        ("pass", dt.date(2024, 12, 1), "before the period it evaluates ends"),
    ],
)
def test_graded_refuses_a_bad_grade_or_date(world, grade, on, message):
    evaluation = start(world)
    with Unchanged(world), pytest.raises(DomainError, match=message):
        evaluation_grade(evaluation=evaluation, grade=grade, on=on, by=world.admin)


def test_a_grade_is_recorded_once(world):
    evaluation = graded(world, "pass")
    with Unchanged(world), pytest.raises(DomainError, match=r"already has its grade \(pass"):
        evaluation_grade(evaluation=evaluation, grade="fail", on=dt.date(2025, 7, 1), by=world.admin)


def test_graded_is_for_administrators_of_the_institution(world):
    evaluation = start(world)
    with Unchanged(world), pytest.raises(DomainError, match="Only an office administrator"):
        evaluation_grade(evaluation=evaluation, grade="fail", on=dt.date(2025, 6, 30), by=world.secretary)


# ---- evaluation_act ------------------------------------------------------------------------------


def test_revocation_revokes_the_station_and_coverage_drops(world):
    today = timezone.localdate()
    assert coverage(world.institution.pk, today).with_station == 2
    evaluation = evaluation_act(
        evaluation=graded(world), action="revocation", rectify_by=None, note="整改不合格", by=world.admin
    )
    assert (evaluation.action, evaluation.rectify_by) == ("revocation", None)
    world.station.refresh_from_db()
    assert (world.station.status, world.station.revoked_on) == ("revoked", today)
    after = coverage(world.institution.pk, today)
    assert (after.with_station, after.doctoral_disciplines, after.missing) == (1, 2, ["1002"])
    [acted] = events("evaluation.acted")
    assert acted.before["action"] == "warning" and acted.after["action"] == "revocation"
    assert acted.note == "整改不合格"


def test_revocation_on_a_given_day(world):
    evaluation_act(
        evaluation=graded(world),
        action="revocation",
        rectify_by=None,
        on=dt.date(2025, 9, 1),
        note="整改不合格",
        by=world.admin,
    )
    world.station.refresh_from_db()
    assert world.station.revoked_on == dt.date(2025, 9, 1)


def test_a_warning_with_a_new_deadline(world):
    evaluation = evaluation_act(
        evaluation=graded(world), action="warning", rectify_by=dt.date(2026, 12, 31), note="延长整改期", by=world.admin
    )
    assert (evaluation.action, evaluation.rectify_by) == ("warning", dt.date(2026, 12, 31))
    assert len(events("station.status_changed")) == 1  # already warned by the grade: no second change


def test_no_action_lifts_the_warning(world):
    evaluation_act(evaluation=graded(world), action="", rectify_by=None, note="整改完成", by=world.admin)
    world.station.refresh_from_db()
    assert world.station.status == "active"
    assert Evaluation.objects.get().action == ""


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"action": "closure"}, "Choose an action"),
        ({"note": "  "}, "Say why"),
        ({"action": "warning", "rectify_by": None}, "Give the deadline"),
        ({"action": "warning", "rectify_by": dt.date(2025, 6, 30)}, "must be after the grade's date"),
        ({"action": "revocation", "on": dt.date(2025, 1, 1)}, "between the grade's date"),
        ({"action": "revocation", "on": dt.date(2099, 1, 1)}, "between the grade's date"),
        ({"by": "secretary"}, "Only an office administrator"),
        ({"by": "leadership"}, "Only an office administrator"),
        ({"by": "outsider"}, "Only an office administrator"),
    ],
)
def test_act_refuses_with_a_sentence_and_writes_nothing(world, changes, message):
    evaluation = graded(world)
    arguments = {"evaluation": evaluation, "action": "warning", "rectify_by": dt.date(2026, 9, 1), "note": "整改"}
    arguments.update(changes)
    if isinstance(arguments.get("by"), str):
        arguments["by"] = world.personas()[arguments["by"]]
    arguments.setdefault("by", world.admin)
    with Unchanged(world), pytest.raises(DomainError, match=message):
        evaluation_act(**arguments)


def test_act_needs_the_grade_first(world):
    evaluation = start(world)
    with Unchanged(world), pytest.raises(DomainError, match="Record the grade"):
        evaluation_act(evaluation=evaluation, action="", rectify_by=None, note="无", by=world.admin)


@pytest.mark.parametrize("action", ["warning", "revocation"])
def test_only_a_fail_grade_leads_to_warning_or_revocation(world, action):
    evaluation = graded(world, "pass")
    with Unchanged(world), pytest.raises(DomainError, match="Only a station graded fail"):
        evaluation_act(
            evaluation=evaluation, action=action, rectify_by=dt.date(2026, 9, 1), note="整改", by=world.admin
        )


def test_nothing_follows_a_revocation(world):
    evaluation = evaluation_act(
        evaluation=graded(world), action="revocation", rectify_by=None, note="撤销", by=world.admin
    )
    with Unchanged(world), pytest.raises(DomainError, match="has been revoked"):
        evaluation_act(evaluation=evaluation, action="", rectify_by=None, note="恢复", by=world.admin)
