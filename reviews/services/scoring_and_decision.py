"""The experts' scores, the review's close and the office's decision, applied to the review's subject."""

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.actors import Actor
from accounts.models import User
from audit.events import Event
from audit.services import record_event, snapshot
from core.errors import DomainError
from core.errors import require as _require
from core.review_subjects import DecidedReview, subject_of
from reviews.models import Criterion, Form, Kind, Member, Review, Score
from reviews.services.common import _day, _event, _lock, _require_manager, is_the_expert


def _parse_score(raw: Any, criterion: Criterion) -> Decimal:
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError) as exc:
        raise DomainError(
            _("The score for “%(criterion)s” is not a number.") % {"criterion": criterion.name},
            field=f"c{criterion.pk}",
        ) from exc
    if not value.is_finite() or not 0 <= value <= criterion.scale_max:
        raise DomainError(
            _("The score for “%(criterion)s” must be between 0 and %(max)s.")
            % {"criterion": criterion.name, "max": criterion.scale_max},
            field=f"c{criterion.pk}",
        )
    return value.quantize(Decimal("0.01"))


@transaction.atomic
def scores_submit(
    *, member: Member, values: dict[int, Any], overall: str, comments: str, by: Actor, on: dt.date | None = None
) -> Member:
    """An expert's scores on every criterion, their overall grade or recommendation and comments.
    Only the expert themselves (signed in, or through their link) submits, while the review is open
    and before its deadline; a submission is final."""
    review = _lock(member.review)
    member = Member.objects.select_for_update().select_related("expert").get(pk=member.pk)
    _require(is_the_expert(by, member), _("Only the expert on the panel submits their scores."))
    _require(review.status == Review.Status.OPEN, _("This review is not open for scoring."))
    _require(_day(on) <= review.deadline, _("The deadline of this review has passed."))
    _require(member.status == Member.Status.INVITED, _("These scores have already been submitted."))
    criteria = list(review.form.criteria.all())
    missing = [c for c in criteria if str(values.get(c.pk, "")).strip() == ""]
    if missing:
        raise DomainError(
            _("Score every criterion: “%(criterion)s” has no score.") % {"criterion": missing[0].name},
            field=f"c{missing[0].pk}",
        )
    parsed = {c.pk: _parse_score(values[c.pk], c) for c in criteria}
    allowed = (
        [Review.Decision.SUPPORT, Review.Decision.REJECT]
        if review.form.outcome == Form.Outcome.RECOMMENDATION
        else [Review.Decision.EXCELLENT, Review.Decision.GOOD, Review.Decision.PASS, Review.Decision.FAIL]
    )
    _require(overall in allowed, _("Choose your overall judgement."), "overall")
    Score.objects.bulk_create(Score(member=member, criterion_id=pk, value=v) for pk, v in parsed.items())
    member.status = Member.Status.SUBMITTED
    member.overall = overall
    member.comments = comments.strip()
    member.submitted_at = timezone.now()
    member.save(update_fields=["status", "overall", "comments", "submitted_at"])
    record_event(
        actor=by,
        event=Event.REVIEW_SCORES_SUBMITTED,
        target=member,
        parent=review,
        after={"scores": {str(k): str(v) for k, v in parsed.items()}, "overall": overall, "comments": member.comments},
        institution=review.institution,
    )
    return member


@transaction.atomic
def review_close(*, review: Review, by: Actor, note: str = "", on: dt.date | None = None) -> Review:
    """Closes scoring. With experts who have not scored, the office must say why it closes anyway."""
    review = _lock(review)
    _require_manager(by, review)
    _require(review.status == Review.Status.OPEN, _("Only an open review can be closed."))
    members = [m for m in review.members.all() if m.counts]
    submitted = [m for m in members if m.status == Member.Status.SUBMITTED]
    _require(bool(submitted), _("No expert has scored yet."))
    if len(submitted) < len(members):
        _require(
            bool(note.strip()),
            _("%(missing)s of %(count)s experts have not scored; say why the review closes without them.")
            % {"missing": len(members) - len(submitted), "count": len(members)},
            "note",
        )
    before = snapshot(review)
    review.status = Review.Status.CLOSED
    day = _day(on)
    _require(review.opened_on is None or day >= review.opened_on, _("A review closes after it opened."), "on")
    review.closed_on = day
    review.save(update_fields=["status", "closed_on"])
    _event(by, Event.REVIEW_CLOSED, review, before=before, note=note)
    return review


@transaction.atomic
def review_decide(
    *,
    review: Review,
    decision: str,
    reason: str,
    by: User,
    minutes: str = "",
    new_exit_date: dt.date | None = None,
    on: dt.date | None = None,
) -> Review:
    """Records the office's decision with its reason and applies it to the subject through the
    subject's own service: an assessment's grade (with a failed one's consequence per policy), an
    extension, a station application's internal result, or a station evaluation's grade."""
    review = _lock(review)
    _require_manager(by, review)
    _require(review.status == Review.Status.CLOSED, _("Close the review before deciding."))
    _require(bool(reason.strip()), _("Give the reason for the decision."), "reason")
    grades = (Review.Decision.EXCELLENT, Review.Decision.GOOD, Review.Decision.PASS, Review.Decision.FAIL)
    recommendation = (Review.Decision.SUPPORT, Review.Decision.REJECT)
    if review.kind in (Kind.STATION_APPLICATION, Kind.EXTENSION):
        _require(decision in recommendation, _("Choose support or do not support."), "decision")
    else:
        _require(decision in grades, _("Choose a grade."), "decision")
    before = snapshot(review)
    review.decision = decision
    review.decision_reason = reason.strip()
    review.minutes = minutes.strip()
    day = _day(on)
    _require(review.closed_on is None or day >= review.closed_on, _("A review is decided after it closed."), "on")
    review.decided_on = day
    review.decided_by = by
    review.status = Review.Status.DECIDED
    review.save(update_fields=["decision", "decision_reason", "minutes", "decided_on", "decided_by", "status"])
    applied = _apply(review, by=by, new_exit_date=new_exit_date)
    _event(by, Event.REVIEW_DECIDED, review, before=before, after={**snapshot(review), "applied": applied}, note=reason)
    return review


def _apply(review: Review, *, by: Actor, new_exit_date: dt.date | None) -> str:
    """Applies a decision to the subject through the app that registered the review's kind
    (`core.review_subjects`); returns what was done, for the audit event."""
    entry = subject_of(review.kind)
    subject = getattr(review, entry.field)
    assert subject is not None and review.decided_on is not None
    decided = DecidedReview(
        subject=subject,
        kind=review.kind,
        decision=review.decision,
        supported=review.decision == Review.Decision.SUPPORT,
        reason=review.decision_reason,
        decided_on=review.decided_on,
        attempt=review.attempt,
        panel=lambda: _panel(review),
        new_exit_date=new_exit_date,
    )
    return entry.apply(decided, by=by)


def _panel(review: Review) -> str:
    # Not the experts' names: the assessment is seen by the postdoc and the supervisor, who have a
    # conflict in this review; the review itself keeps its panel.
    return _("Expert review no. %(id)s (%(count)s experts)") % {
        "id": review.pk,
        "count": sum(1 for m in review.members.all() if m.status == Member.Status.SUBMITTED),
    }
