"""A review's outcome from its submitted scores: each reviewer's weighted score out of 100, the
mean and median, a flag where reviewers disagree widely, and what the scores suggest."""

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from reviews.models import Criterion, Form, Member, Review

HUNDRED = Decimal(100)
CENT = Decimal("0.1")


def weighted_score(values: dict[int, Decimal], criteria: Sequence[Criterion]) -> Decimal:
    """Σ weight × value / scale ÷ Σ weight, out of 100 (one decimal)."""
    total_weight = sum(c.weight for c in criteria)
    points = sum(Decimal(c.weight) * values[c.pk] / c.scale_max for c in criteria)
    return (points * HUNDRED / total_weight).quantize(CENT, rounding=ROUND_HALF_UP)


def grade_for(score: Decimal, form: Form) -> str:
    if score >= form.excellent_from:
        return Review.Decision.EXCELLENT
    if score >= form.good_from:
        return Review.Decision.GOOD
    if score >= form.pass_from:
        return Review.Decision.PASS
    return Review.Decision.FAIL


@dataclass(frozen=True)
class ReviewerScore:
    member: Member
    score: Decimal
    overall: str


@dataclass(frozen=True)
class Outcome:
    reviewers: list[ReviewerScore]
    expected: int  # members on the panel (declined ones aside)
    mean: Decimal | None
    median: Decimal | None
    spread: Decimal | None
    disagreement: bool
    suggested: str  # a Review.Decision value, or "" before any score
    support: int
    reject: int

    @property
    def complete(self) -> bool:
        return len(self.reviewers) == self.expected


def outcome(review: Review, members: Sequence[Member], criteria: Sequence[Criterion]) -> Outcome:
    """Members with their scores prefetched (`scores`); criteria of the review's form in order."""
    form = review.form
    reviewers = [
        ReviewerScore(
            member=m,
            score=weighted_score({s.criterion_id: s.value for s in m.scores.all()}, criteria),
            overall=m.overall,
        )
        for m in members
        if m.status == Member.Status.SUBMITTED
    ]
    scores = [r.score for r in reviewers]
    mean = (sum(scores, Decimal(0)) / len(scores)).quantize(CENT, rounding=ROUND_HALF_UP) if scores else None
    median = Decimal(statistics.median(scores)).quantize(CENT, rounding=ROUND_HALF_UP) if scores else None
    spread = max(scores) - min(scores) if scores else None
    support = sum(1 for r in reviewers if r.overall == Review.Decision.SUPPORT)
    reject = sum(1 for r in reviewers if r.overall == Review.Decision.REJECT)
    if mean is None:
        suggested = ""
    elif form.outcome == Form.Outcome.RECOMMENDATION:
        suggested = Review.Decision.SUPPORT if support > reject else Review.Decision.REJECT
    else:
        suggested = grade_for(mean, form)
    return Outcome(
        reviewers=reviewers,
        expected=sum(1 for m in members if m.counts),
        mean=mean,
        median=median,
        spread=spread,
        disagreement=spread is not None and spread > form.disagreement_points,
        suggested=suggested,
        support=support,
        reject=reject,
    )
