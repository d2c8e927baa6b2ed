"""The review engine in the REST API: reviews in the caller's scope, postdoc assessments started and
run through the same services as the pages, and the expert pool. A caller with a conflict in a review,
or whose role does not see panels, gets `panel: null` and `outcome: null`: never names or scores."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from accounts.access import sees_whole_institution
from accounts.http import api_user
from accounts.models import User
from appointments.access import can_manage_appointment, get_appointment_for_user
from core.api_schemas import CHANGE_ERRORS, READ_ERRORS, RECORD_ERRORS, Page, Paging
from reviews import services
from reviews.access import get_review_for_user, may_manage_review, visible_reviews
from reviews.models import Expert, Member, Review
from reviews.schemas import (
    CloseIn,
    DecideIn,
    DrawIn,
    ExpertOut,
    ReviewFilters,
    ReviewIn,
    ReviewOut,
    expert_out,
    review_out,
)

router = Router(tags=["reviews"])


def _user(request: HttpRequest) -> User:
    return api_user(request)


def _review_to_run(request: HttpRequest, review_id: int) -> Review:
    """404 outside the scope, 403 for those who see the review but do not run it."""
    review = get_review_for_user(_user(request), review_id)
    if not may_manage_review(_user(request), review):
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
        queryset = Expert.objects.filter(institution_id=user.institution_id or 0)
    queryset = queryset.select_related("unit").prefetch_related("disciplines").order_by("name", "pk")
    count = queryset.count()
    return {"count": count, "items": [expert_out(e) for e in queryset[paging.offset : paging.offset + paging.limit]]}
