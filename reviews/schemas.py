"""The API's types for reviews: a review with its panel and outcome for those who see them, the experts, the steps."""

import datetime as dt
from typing import Any, Literal

from ninja import Field, Schema

from core.api_schemas import Day, RequestBody, example, text
from reviews.access import sees_panel
from reviews.models import Expert, Review
from reviews.outcome import outcome

ReviewKindValue = Literal[
    "station_application", "proposal", "midterm", "annual", "extension", "exit", "station_evaluation"
]
AssessmentKindValue = Literal["proposal", "midterm", "annual", "extension", "exit"]
ReviewStatusValue = Literal["draft", "open", "closed", "decided"]
DecisionValue = Literal["excellent", "good", "pass", "fail", "support", "reject"]


class ReviewFilters(Schema):
    kind: ReviewKindValue | None = None
    status: ReviewStatusValue | None = None


class MemberOut(Schema):
    expert: int
    name: str
    external: bool
    source: Literal["hand", "draw", "replacement"]
    status: Literal["invited", "declined", "submitted"]
    score: str | None = Field(description="weighted score out of 100, once submitted")
    overall: str


class OutcomeOut(Schema):
    submitted: int
    expected: int
    mean: str | None
    median: str | None
    disagreement: bool
    suggested: str


class ReviewOut(Schema):
    id: int
    kind: ReviewKindValue
    title: str
    appointment: int | None
    application: int | None
    evaluation: int | None
    status: ReviewStatusValue
    deadline: dt.date
    attempt: int
    min_size: int
    min_external_percent: int
    blind: bool
    members: int = Field(description="experts on the panel, declined ones aside")
    decision: str
    decided_on: dt.date | None
    panel: list[MemberOut] | None = Field(description="null for a caller who may not see the panel")
    outcome: OutcomeOut | None = Field(description="null for a caller who may not see the panel")


def review_out(review: Review, user: Any, *, detail: bool) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": review.pk,
        "kind": review.kind,
        "title": review.title,
        "appointment": review.appointment_id,
        "application": review.application_id,
        "evaluation": review.evaluation_id,
        "status": review.status,
        "deadline": review.deadline,
        "attempt": review.attempt,
        "min_size": review.min_size,
        "min_external_percent": review.min_external_percent,
        "blind": review.blind,
        "members": review.seated if hasattr(review, "seated") else review.members.exclude(status="declined").count(),
        "decision": review.decision,
        "decided_on": review.decided_on,
        "panel": None,
        "outcome": None,
    }
    if detail and sees_panel(user, review):
        members = list(review.members.select_related("expert").prefetch_related("scores").order_by("pk"))
        result = outcome(review, members, list(review.form.criteria.all()))
        scores = {r.member.pk: str(r.score) for r in result.reviewers}
        body["panel"] = [
            {
                "expert": m.expert_id,
                "name": m.expert.name,
                "external": m.expert.is_external,
                "source": m.source,
                "status": m.status,
                "score": scores.get(m.pk),
                "overall": m.overall,
            }
            for m in members
        ]
        body["outcome"] = {
            "submitted": len(result.reviewers),
            "expected": result.expected,
            "mean": None if result.mean is None else str(result.mean),
            "median": None if result.median is None else str(result.median),
            "disagreement": result.disagreement,
            "suggested": result.suggested,
        }
    return body


class ExpertOut(Schema):
    id: int
    name: str
    external: bool
    affiliation: str
    unit: str | None
    title: str
    rank: int
    doctoral_supervisor: bool
    disciplines: list[str]
    active: bool


def expert_out(expert: Expert) -> dict[str, Any]:
    return {
        "id": expert.pk,
        "name": expert.name,
        "external": expert.is_external,
        "affiliation": expert.affiliation,
        "unit": expert.unit.code if expert.unit else None,
        "title": expert.title,
        "rank": expert.rank,
        "doctoral_supervisor": expert.is_doctoral_supervisor,
        "disciplines": sorted(d.code for d in expert.disciplines.all()),
        "active": expert.is_active,
    }


class ReviewIn(RequestBody):
    model_config = example({"kind": "midterm", "deadline": "2030-06-30"})

    kind: AssessmentKindValue
    deadline: Day
    title: str = text("", max_length=200)


class DrawIn(RequestBody):
    model_config = example({})

    seed: int | None = Field(None, ge=0, le=2**48, description="repeat a recorded draw; random when absent")


class CloseIn(RequestBody):
    model_config = example({"note": ""})

    note: str = text("", max_length=2000, description="needed when experts have not scored")


class DecideIn(RequestBody):
    model_config = example({"decision": "good", "reason": "Steady progress", "minutes": ""})

    decision: DecisionValue
    reason: str = text(..., max_length=5000)
    minutes: str = text("", max_length=20000)
    new_exit_date: Day | None = Field(None, description="the new planned exit, for a supported extension")
