"""The station evaluations' steps (综合评估 / 新设站评估, facts.md §1.9): start one and compute its
indicators, recompute them, the panel's grade (through the review engine) and the office's action
after it. The `Evaluation` model stays in stations.models (moving a model needs migrations); its
steps are here because computing the indicators reads appointments, projects and outputs, above the
stations app. A warning or revocation changes the station through stations.services."""

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import Perm, has_perm
from accounts.actors import Actor
from audit.events import Event
from audit.services import record_event, snapshot
from core.dates import add_years
from core.errors import DomainError, require
from core.review_subjects import DecidedReview
from establishment.evaluation import station_indicators
from stations.models import Evaluation, Station
from stations.services import station_set_status

# ---- periodic evaluation (综合评估 / 新设站评估, facts.md §1.9) ------------------------------------

RECTIFY_YEARS = 1  # a station graded fail is warned and given this long to rectify, unless the office says otherwise
FIRST_CYCLE, LAST_CYCLE = 1985, 2100  # the national system started in 1985


def _require_evaluator(by: Actor, station: Station) -> None:
    if not (has_perm(by, Perm.MANAGE_REFERENCE) and getattr(by, "institution_id", None) == station.institution_id):
        raise DomainError(_("Only an office administrator of this institution may do this."))


def _lock_evaluation(evaluation: Evaluation) -> Evaluation:
    return (
        Evaluation.objects.select_for_update().select_related("station", "station__institution").get(pk=evaluation.pk)
    )


def _indicators(station: Station, period_start: dt.date, period_end: dt.date) -> dict[str, Any]:
    return {**station_indicators(station, period_start, period_end), "computed_on": timezone.localdate().isoformat()}


def _evaluation_event(by: Actor, event: Event, evaluation: Evaluation, before: Any, note: str = "") -> None:
    record_event(
        actor=by,
        event=event,
        target=evaluation,
        before=before,
        after=snapshot(evaluation),
        parent=evaluation.station,
        institution=evaluation.station.institution,
        note=note,
    )


@transaction.atomic
def evaluation_create(
    *, station: Station, cycle: int, kind: str, period_start: dt.date, period_end: dt.date, by: Actor
) -> Evaluation:
    """Starts a station's evaluation of a cycle (年度) and computes its indicators from the records.
    The 2008 办法 evaluates every station every five years; a new station has its own evaluation."""
    _require_evaluator(by, station)
    if kind not in Evaluation.Kind.values:
        raise DomainError(_("Choose the kind of evaluation."), field="kind")
    if not FIRST_CYCLE <= cycle <= LAST_CYCLE:
        raise DomainError(_("Give the cycle as a year, such as 2025."), field="cycle")
    if period_end <= period_start:
        raise DomainError(_("The period must end after it starts."), field="period_end")
    if period_end > timezone.localdate():
        raise DomainError(
            _("The period cannot end after today: its figures would not be complete."), field="period_end"
        )
    if period_end.year > cycle:
        raise DomainError(
            _("The period of the %(cycle)s cycle must end by 31 December %(cycle)s.") % {"cycle": cycle},
            field="period_end",
        )
    station = Station.objects.select_for_update().select_related("institution").get(pk=station.pk)
    if station.status == Station.Status.REVOKED:
        raise DomainError(_("%(station)s has been revoked; it is not evaluated.") % {"station": station})
    if kind == Evaluation.Kind.NEW_STATION and station.established_on < period_start:
        raise DomainError(
            _(
                "A new-station evaluation covers a station set up within its period; %(station)s was set up "
                "on %(date)s, before the period starts."
            )
            % {"station": station, "date": station.established_on.isoformat()},
            field="kind",
        )
    existing = Evaluation.objects.filter(station=station, cycle=cycle, kind=kind).first()
    if existing is not None:
        raise DomainError(
            _("%(station)s already has a %(kind)s for the %(cycle)s cycle.")
            % {"station": station, "kind": existing.get_kind_display(), "cycle": cycle},
            field="cycle",
        )
    evaluation = Evaluation.objects.create(
        station=station,
        cycle=cycle,
        kind=kind,
        period_start=period_start,
        period_end=period_end,
        indicators=_indicators(station, period_start, period_end),
    )
    _evaluation_event(by, Event.EVALUATION_CREATED, evaluation, None)
    return evaluation


@transaction.atomic
def evaluation_refresh(*, evaluation: Evaluation, by: Actor) -> Evaluation:
    """Recomputes the indicators from the records as they are now (after corrections), until the
    evaluation is graded: a graded evaluation keeps the figures its panel saw."""
    evaluation = _lock_evaluation(evaluation)
    _require_evaluator(by, evaluation.station)
    if evaluation.grade:
        raise DomainError(_("This evaluation has its grade; its indicators stay as the panel saw them."))
    before = snapshot(evaluation)
    evaluation.indicators = _indicators(evaluation.station, evaluation.period_start, evaluation.period_end)
    evaluation.save(update_fields=["indicators"])
    _evaluation_event(by, Event.EVALUATION_RECOMPUTED, evaluation, before)
    return evaluation


@transaction.atomic
def evaluation_grade(*, evaluation: Evaluation, grade: str, on: dt.date | None, by: Actor) -> Evaluation:
    """Records the expert panel's grade (优秀/良好/合格/不合格), called by the review engine when the
    office decides the review. A station graded fail is warned and must rectify within
    `RECTIFY_YEARS` (the 2015 round warned its 不合格 stations with a deadline, facts.md §1.9); the
    office may change the deadline or revoke the station afterwards (`evaluation_act`)."""
    evaluation = _lock_evaluation(evaluation)
    station = evaluation.station
    _require_evaluator(by, station)
    if grade not in Evaluation.Grade.values:
        raise DomainError(_("Choose a grade."), field="grade")
    if evaluation.grade:
        raise DomainError(
            _("This evaluation already has its grade (%(grade)s).") % {"grade": evaluation.get_grade_display()},
            field="grade",
        )
    if on is None:
        raise DomainError(_("Give the date of the grade."), field="on")
    if on < evaluation.period_end:
        raise DomainError(
            _("The grade cannot be dated before the period it evaluates ends (%(date)s).")
            % {"date": evaluation.period_end.isoformat()},
            field="on",
        )
    before = snapshot(evaluation)
    evaluation.grade = grade
    evaluation.decided_on = on
    if grade == Evaluation.Grade.FAIL and station.status != Station.Status.REVOKED:
        evaluation.action = Evaluation.Action.WARNING
        evaluation.rectify_by = add_years(on, RECTIFY_YEARS)
    evaluation.save(update_fields=["grade", "decided_on", "action", "rectify_by"])
    if evaluation.action == Evaluation.Action.WARNING and station.status == Station.Status.ACTIVE:
        station_set_status(station=station, status=Station.Status.WARNED, note=_warning_note(evaluation), by=by)
    _evaluation_event(by, Event.EVALUATION_GRADED, evaluation, before)
    return evaluation


def evaluation_review_take(subject: Any) -> tuple[Evaluation, int]:
    """The evaluation a station evaluation review grades, as it is now: not graded yet. (Registered
    in establishment/apps.py with `core.review_subjects`.)"""
    require(isinstance(subject, Evaluation), _("A station evaluation reviews an evaluation."), "subject")
    subject = Evaluation.objects.select_related("station").get(pk=subject.pk)
    require(not subject.grade, _("This evaluation has been graded already."), "subject")
    return subject, subject.station.institution_id


def evaluation_review_apply(decided: DecidedReview, *, by: Actor) -> str:
    """The review's grade is the evaluation's (`evaluation_grade`)."""
    evaluation_grade(evaluation=decided.subject, grade=decided.decision, on=decided.decided_on, by=by)
    return Event.EVALUATION_GRADED


def _warning_note(evaluation: Evaluation) -> str:
    assert evaluation.rectify_by is not None
    return _("Graded fail in the %(cycle)s %(kind)s; to be rectified by %(date)s.") % {
        "cycle": evaluation.cycle,
        "kind": evaluation.get_kind_display(),
        "date": evaluation.rectify_by.isoformat(),
    }


@transaction.atomic
def evaluation_act(
    *,
    evaluation: Evaluation,
    action: str,
    rectify_by: dt.date | None,
    note: str,
    by: Actor,
    on: dt.date | None = None,
) -> Evaluation:
    """The office's action after the grade: a warning with a deadline for rectification (整改), the
    station's revocation (撤销) on `on` (today unless given), or none (a warning in force is lifted).
    Warnings and revocations follow a fail grade only."""
    evaluation = _lock_evaluation(evaluation)
    station = Station.objects.select_for_update().get(pk=evaluation.station_id)
    evaluation.station = station
    _require_evaluator(by, station)
    if not evaluation.grade:
        raise DomainError(_("Record the grade before deciding what follows from it."))
    if action not in Evaluation.Action.values:
        raise DomainError(_("Choose an action."), field="action")
    if not note.strip():
        raise DomainError(_("Say why."), field="note")
    if station.status == Station.Status.REVOKED:
        raise DomainError(
            _("%(station)s has been revoked; nothing more follows from this evaluation.") % {"station": station}
        )
    if action != Evaluation.Action.NONE and evaluation.grade != Evaluation.Grade.FAIL:
        raise DomainError(_("Only a station graded fail is warned or revoked."), field="action")
    assert evaluation.decided_on is not None
    today = timezone.localdate()
    if action == Evaluation.Action.WARNING:
        if rectify_by is None:
            raise DomainError(_("Give the deadline for rectification."), field="rectify_by")
        if rectify_by <= evaluation.decided_on:
            raise DomainError(
                _("The deadline must be after the grade's date (%(date)s).")
                % {"date": evaluation.decided_on.isoformat()},
                field="rectify_by",
            )
    if action == Evaluation.Action.REVOCATION:
        on = on or today
        if on < evaluation.decided_on or on > today:
            raise DomainError(
                _("The revocation is dated between the grade's date (%(date)s) and today.")
                % {"date": evaluation.decided_on.isoformat()},
                field="on",
            )
    before = snapshot(evaluation)
    evaluation.action = action
    evaluation.rectify_by = rectify_by if action == Evaluation.Action.WARNING else None
    evaluation.save(update_fields=["action", "rectify_by"])
    if action == Evaluation.Action.WARNING and station.status == Station.Status.ACTIVE:
        station_set_status(station=station, status=Station.Status.WARNED, note=note.strip(), by=by)
    elif action == Evaluation.Action.REVOCATION:
        station_set_status(station=station, status=Station.Status.REVOKED, on=on, note=note.strip(), by=by)
    elif action == Evaluation.Action.NONE and station.status == Station.Status.WARNED:
        station_set_status(station=station, status=Station.Status.ACTIVE, note=note.strip(), by=by)
    _evaluation_event(by, Event.EVALUATION_ACTED, evaluation, before, note=note.strip())
    return evaluation
