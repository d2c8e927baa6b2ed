"""The review engine in the REST API: reviews in the caller's scope, postdoc assessments started and
run through the same services as the pages, and the expert pool. A caller with a conflict in a review,
or whose role does not see panels, gets `panel: null` and `outcome: null`: never names or scores."""

import datetime as dt
from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from accounts.access import can_manage_appointment, get_appointment_for_user, sees_whole_institution
from core.api_schemas import CHANGE_ERRORS, READ_ERRORS, RECORD_ERRORS, Day, Page, Paging, RequestBody, example, text
from reviews import services
from reviews.access import get_review_for_user, sees_panel, visible_reviews
from reviews.models import Expert, Member, Review
from reviews.outcome import outcome

router = Router(tags=["reviews"])

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


def _user(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


def _review_to_run(request: HttpRequest, review_id: int) -> Review:
    """404 outside the scope, 403 for those who see the review but do not run it."""
    review = get_review_for_user(_user(request), review_id)
    if not services.may_manage_review(_user(request), review):
        raise PermissionDenied(_("You may not run this review."))
    return review


def _fresh(request: HttpRequest, review: Review) -> dict[str, Any]:
    return review_out(get_review_for_user(_user(request), review.pk), _user(request), detail=True)


@router.get("/reviews", response={200: Page[ReviewOut], **READ_ERRORS})
def reviews(request: HttpRequest, paging: Query[Paging], filters: Query[ReviewFilters]) -> dict[str, Any]:
    queryset = visible_reviews(_user(request))
    if filters.kind:
        queryset = queryset.filter(kind=filters.kind)
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    queryset = queryset.annotate(seated=Count("members", filter=~Q(members__status=Member.Status.DECLINED)))
    count = queryset.count()
    rows = queryset.order_by("-deadline", "-id")[paging.offset : paging.offset + paging.limit]
    return {"count": count, "items": [review_out(r, _user(request), detail=False) for r in rows]}


@router.get("/reviews/{review_id}", response={200: ReviewOut, **RECORD_ERRORS})
def review(request: HttpRequest, review_id: int) -> dict[str, Any]:
    return review_out(get_review_for_user(_user(request), review_id), _user(request), detail=True)


@router.post("/appointments/{appointment_id}/reviews", response={201: ReviewOut, **CHANGE_ERRORS})
def review_create(request: HttpRequest, appointment_id: int, payload: ReviewIn) -> Status[dict[str, Any]]:
    user = _user(request)
    appointment = get_appointment_for_user(user, appointment_id)
    if not can_manage_appointment(user, appointment):
        raise PermissionDenied(_("You may not change this appointment."))
    created = services.review_create(
        kind=payload.kind, subject=appointment, deadline=payload.deadline, title=payload.title, by=user
    )
    return Status(201, _fresh(request, created))


@router.post("/reviews/{review_id}/draw", response={200: ReviewOut, **CHANGE_ERRORS})
def draw(request: HttpRequest, review_id: int, payload: DrawIn) -> dict[str, Any]:
    review = _review_to_run(request, review_id)
    services.panel_draw(review=review, seed=payload.seed, by=_user(request))
    return _fresh(request, review)


@router.post("/reviews/{review_id}/open", response={200: ReviewOut, **CHANGE_ERRORS})
def open_(request: HttpRequest, review_id: int) -> dict[str, Any]:
    review = _review_to_run(request, review_id)
    services.review_open(review=review, by=_user(request))
    return _fresh(request, review)


@router.post("/reviews/{review_id}/close", response={200: ReviewOut, **CHANGE_ERRORS})
def close(request: HttpRequest, review_id: int, payload: CloseIn) -> dict[str, Any]:
    review = _review_to_run(request, review_id)
    services.review_close(review=review, note=payload.note, by=_user(request))
    return _fresh(request, review)


@router.post("/reviews/{review_id}/decide", response={200: ReviewOut, **CHANGE_ERRORS})
def decide(request: HttpRequest, review_id: int, payload: DecideIn) -> dict[str, Any]:
    review = _review_to_run(request, review_id)
    services.review_decide(
        review=review,
        decision=payload.decision,
        reason=payload.reason,
        minutes=payload.minutes,
        new_exit_date=payload.new_exit_date,
        by=_user(request),
    )
    return _fresh(request, review)


@router.get("/experts", response={200: Page[ExpertOut], **READ_ERRORS})
def experts(request: HttpRequest, paging: Query[Paging]) -> dict[str, Any]:
    """The institution's expert pool, for those who see the whole institution; empty for the others."""
    user = _user(request)
    queryset = Expert.objects.none()
    if sees_whole_institution(user):
        queryset = Expert.objects.filter(institution_id=user.institution_id)
    queryset = queryset.select_related("unit").prefetch_related("disciplines").order_by("name", "pk")
    count = queryset.count()
    return {"count": count, "items": [expert_out(e) for e in queryset[paging.offset : paging.offset + paging.limit]]}
