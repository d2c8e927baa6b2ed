"""Station evaluations (综合评估 / 新设站评估) in the REST API: the evaluations in the caller's scope with
their indicators, and the office's steps through the same services as the pages.

Who sees what is the pages' rule (`stations.access`): administrators and leadership see every evaluation of
their institution, a station secretary those of their stations; for the other roles evaluations are outside
the scope (an empty list, a 404). Only an office administrator starts and changes them; those who see but
may not change are told so (403). The expert review runs in the review engine: an evaluation names its
reviews by id (`/reviews/{id}`), never their panel.

The endpoints keep the paths and operation ids they were published with when they lived in stations/api.py.
"""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.params import functions as param

from accounts.http import api_user
from accounts.models import User
from core.api_schemas import CHANGE_ERRORS, NO_NUL_PATTERN, READ_ERRORS, RECORD_ERRORS, Page, Paging
from core.errors import DomainError
from establishment import evaluation_services as services
from establishment.evaluation_schemas import (
    EvaluationActIn,
    EvaluationDetailOut,
    EvaluationFilters,
    EvaluationIn,
    EvaluationOut,
    EvaluationReviewIn,
    evaluation_detail_out,
    evaluation_out,
)
from reviews import services as review_services
from reviews.models import Kind, Review
from stations.access import may_manage_evaluations, visible_evaluations, visible_stations
from stations.models import Evaluation, Station

# Registered after the reviews (api/api.py), where the evaluations stand in the document.
router = Router(tags=["evaluations"])


# Helpers --------------------------------------------------------------------------------------


def _user(request: HttpRequest) -> User:
    return api_user(request)


def _listed(queryset: QuerySet[Evaluation]) -> QuerySet[Evaluation]:
    """What an evaluation's body needs, in a fixed number of queries whatever the number of rows."""
    return queryset.select_related("station").prefetch_related(
        Prefetch("reviews", queryset=Review.objects.only("pk", "evaluation_id").order_by("-pk"))
    )


def _evaluation(request: HttpRequest, evaluation_id: int) -> Evaluation:
    try:
        return _listed(visible_evaluations(_user(request))).get(pk=evaluation_id)
    except Evaluation.DoesNotExist as exc:
        raise Http404 from exc


def _refuse_unless_manager(request: HttpRequest, station: Station) -> None:
    if not may_manage_evaluations(_user(request), station):
        raise PermissionDenied(_("Only an office administrator of this institution can change station evaluations."))


def _evaluation_to_change(request: HttpRequest, evaluation_id: int) -> Evaluation:
    """404 outside the scope, 403 for those who see it but do not change it (leadership, a secretary)."""
    evaluation = _evaluation(request, evaluation_id)
    _refuse_unless_manager(request, evaluation.station)
    return evaluation


def _fresh(request: HttpRequest, evaluation: Evaluation) -> dict[str, Any]:
    return evaluation_detail_out(_evaluation(request, evaluation.pk))


# Evaluations ------------------------------------------------------------------------------------


@router.get(
    "/stations/evaluations", response={200: Page[EvaluationOut], **READ_ERRORS}, operation_id="stations_api_evaluations"
)
def evaluations(request: HttpRequest, paging: Query[Paging], filters: Query[EvaluationFilters]) -> dict[str, Any]:
    """The evaluations in your scope, latest cycle first; empty for a role that does not see evaluations."""
    queryset = visible_evaluations(_user(request))
    # An explicit allow-list, as on the page's filters: request data never becomes ORM keyword arguments.
    if filters.station:
        queryset = queryset.filter(station__code=filters.station)
    if filters.cycle:
        queryset = queryset.filter(cycle=filters.cycle)
    if filters.kind:
        queryset = queryset.filter(kind=filters.kind)
    if filters.grade == "ungraded":
        queryset = queryset.filter(grade="")
    elif filters.grade:
        queryset = queryset.filter(grade=filters.grade)
    if filters.action == "none":
        queryset = queryset.exclude(grade="").filter(action="")
    elif filters.action == "overdue":
        queryset = queryset.filter(
            action=Evaluation.Action.WARNING,
            rectify_by__lt=timezone.localdate(),
            station__status=Station.Status.WARNED,
        )
    elif filters.action:
        queryset = queryset.filter(action=filters.action)
    count = queryset.count()
    rows = _listed(queryset.order_by("-cycle", "station__code", "kind", "id"))[
        paging.offset : paging.offset + paging.limit
    ]
    return {"count": count, "items": [evaluation_out(e) for e in rows]}


@router.get(
    "/stations/evaluations/{evaluation_id}",
    response={200: EvaluationDetailOut, **RECORD_ERRORS},
    operation_id="stations_api_evaluation",
)
def evaluation(request: HttpRequest, evaluation_id: int) -> dict[str, Any]:
    """One evaluation with its indicators, each with its definition."""
    return evaluation_detail_out(_evaluation(request, evaluation_id))


@router.post(
    "/stations/{station_code}/evaluations",
    response={201: EvaluationDetailOut, **CHANGE_ERRORS},
    operation_id="stations_api_evaluation_create",
)
def evaluation_create(
    request: HttpRequest,
    payload: EvaluationIn,
    station_code: str = param.Path(..., max_length=30, pattern=NO_NUL_PATTERN),  # noqa: B008
) -> Status[dict[str, Any]]:
    """Starts a station's evaluation of a cycle; its indicators are computed from the records."""
    user = _user(request)
    station = visible_stations(user).filter(code=station_code).first()  # as the page: 404 outside the scope
    if station is None:
        raise Http404
    _refuse_unless_manager(request, station)
    created = services.evaluation_create(
        station=station,
        cycle=payload.cycle,
        kind=payload.kind,
        period_start=payload.period_start,
        period_end=payload.period_end,
        by=user,
    )
    return Status(201, _fresh(request, created))


@router.post(
    "/stations/evaluations/{evaluation_id}/refresh",
    response={200: EvaluationDetailOut, **CHANGE_ERRORS},
    operation_id="stations_api_evaluation_refresh",
)
def evaluation_refresh(request: HttpRequest, evaluation_id: int) -> dict[str, Any]:
    """Recomputes the indicators from the records as they are now, until the evaluation is graded."""
    evaluation = _evaluation_to_change(request, evaluation_id)
    services.evaluation_refresh(evaluation=evaluation, by=_user(request))
    return _fresh(request, evaluation)


@router.post(
    "/stations/evaluations/{evaluation_id}/review",
    response={201: EvaluationDetailOut, **CHANGE_ERRORS},
    operation_id="stations_api_evaluation_review",
)
def evaluation_review(request: HttpRequest, evaluation_id: int, payload: EvaluationReviewIn) -> Status[dict[str, Any]]:
    """Starts the expert review of the evaluation in the review engine, with the institution's rules for
    station evaluations. Its decision grades the evaluation. Run it at /reviews/{id} (the newest of `reviews`)."""
    evaluation = _evaluation_to_change(request, evaluation_id)
    try:
        review_services.review_create(
            kind=Kind.STATION_EVALUATION,
            subject=evaluation,
            deadline=payload.deadline,
            title=payload.title,
            on=payload.on,
            by=_user(request),
        )
    except DomainError as error:
        # The request names neither the subject (the evaluation in the path) nor a form (the rules' form).
        if error.field in ("subject", "form"):
            error.field = None
        raise
    return Status(201, _fresh(request, evaluation))


@router.post(
    "/stations/evaluations/{evaluation_id}/act",
    response={200: EvaluationDetailOut, **CHANGE_ERRORS},
    operation_id="stations_api_evaluation_act",
)
def evaluation_act(request: HttpRequest, evaluation_id: int, payload: EvaluationActIn) -> dict[str, Any]:
    """The office's action after the grade: a warning with a deadline, the station's revocation, or none."""
    evaluation = _evaluation_to_change(request, evaluation_id)
    services.evaluation_act(
        evaluation=evaluation,
        action="" if payload.action == "none" else payload.action,
        rectify_by=payload.rectify_by,
        on=payload.on,
        note=payload.note,
        by=_user(request),
    )
    return _fresh(request, evaluation)
