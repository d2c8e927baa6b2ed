"""Station evaluations (综合评估 / 新设站评估) in the REST API: the evaluations in the caller's scope with
their indicators, and the office's steps through the same services as the pages.

Who sees what is the pages' rule (`stations.access`): administrators and leadership see every evaluation of
their institution, a station secretary those of their stations; for the other roles evaluations are outside
the scope (an empty list, a 404). Only an office administrator starts and changes them; those who see but
may not change are told so (403). The expert review runs in the review engine: an evaluation names its
reviews by id (`/reviews/{id}`), never their panel.
"""

import datetime as dt
from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema, Status

from accounts.access import visible_stations
from api.schemas import (
    CHANGE_ERRORS,
    NO_NUL_PATTERN,
    READ_ERRORS,
    RECORD_ERRORS,
    Day,
    GradeValue,
    Page,
    Paging,
    RequestBody,
    example,
    text,
)
from core.errors import DomainError
from reviews import services as review_services
from reviews.models import Kind, Review
from stations import services
from stations.access import may_manage_evaluations, visible_evaluations
from stations.evaluation import indicator_rows
from stations.models import Evaluation, Station

router = Router(tags=["evaluations"])

EvaluationKindValue = Literal["comprehensive", "new_station"]
ActionValue = Literal["warning", "revocation"]
StationStatusValue = Literal["active", "warned", "revoked"]


# Outputs --------------------------------------------------------------------------------------


class EvaluationOut(Schema):
    id: int
    station: str = Field(description="station code")
    station_name_zh: str
    station_name_en: str
    station_status: StationStatusValue
    cycle: int
    kind: EvaluationKindValue
    period_start: dt.date
    period_end: dt.date
    grade: GradeValue | None = Field(description="null until the expert review is decided")
    decided_on: dt.date | None
    action: ActionValue | None = Field(description="what followed from a fail grade; null for none")
    rectify_by: dt.date | None
    computed_on: dt.date | None = Field(description="the day the indicators were computed from the records")
    reviews: list[int] = Field(description="its expert reviews, newest first: read them at /reviews/{id}")


class IndicatorOut(Schema):
    key: str = Field(description="e.g. intake, exits_on_time; a breakdown is key.sub, e.g. withdrawals.personal")
    label: str
    definition: str
    value: int | float | None = Field(description="null when it cannot be computed or is not recorded yet")
    recorded: bool = Field(description="false for an indicator the evaluation was computed without")
    breakdown: bool = Field(description="a sub-row of the indicator before it")


class EvaluationDetailOut(EvaluationOut):
    indicators: list[IndicatorOut]


def evaluation_out(e: Evaluation) -> dict[str, Any]:
    """One evaluation from a queryset made by `_listed` (its station joined, its reviews prefetched)."""
    station = e.station
    return {
        "id": e.pk,
        "station": station.code,
        "station_name_zh": station.name_zh,
        "station_name_en": station.name_en,
        "station_status": station.status,
        "cycle": e.cycle,
        "kind": e.kind,
        "period_start": e.period_start,
        "period_end": e.period_end,
        "grade": e.grade or None,
        "decided_on": e.decided_on,
        "action": e.action or None,
        "rectify_by": e.rectify_by,
        "computed_on": parse_date(e.indicators.get("computed_on") or ""),
        "reviews": [r.pk for r in e.reviews.all()],
    }


def evaluation_detail_out(e: Evaluation) -> dict[str, Any]:
    return {
        **evaluation_out(e),
        "indicators": [
            {
                "key": row["key"],
                "label": str(row["label"]),
                "definition": str(row["definition"]),
                "value": row["value"],
                "recorded": row["recorded"],
                "breakdown": row["sub"],
            }
            for row in indicator_rows(e.indicators)
        ],
    }


# Inputs ---------------------------------------------------------------------------------------


class EvaluationFilters(Schema):
    station: str | None = text(None, max_length=30, description="station code")
    cycle: int | None = Field(None, ge=1900, le=2200)
    kind: EvaluationKindValue | None = None
    grade: GradeValue | Literal["ungraded"] | None = None
    action: Literal["none", "warning", "overdue", "revocation"] | None = Field(
        None, description="none: graded without action; overdue: warned and past the deadline"
    )


class EvaluationIn(RequestBody):
    model_config = example(
        {"cycle": 2025, "kind": "comprehensive", "period_start": "2020-01-01", "period_end": "2024-12-31"}
    )

    cycle: int = Field(ge=1900, le=2200, description="the evaluation's year")
    kind: EvaluationKindValue = "comprehensive"
    period_start: Day
    period_end: Day


class EvaluationReviewIn(RequestBody):
    model_config = example({"deadline": "2030-06-30"})

    deadline: Day = Field(description="the experts' deadline")
    title: str = text("", max_length=200)
    on: Day | None = Field(None, description="a past day the review started (a review held on paper)")


class EvaluationActIn(RequestBody):
    model_config = example({"action": "warning", "rectify_by": "2030-12-31", "note": "整改招收与培养"})

    action: Literal["none", "warning", "revocation"] = Field(
        description="none lifts a warning in force; warning and revocation follow a fail grade only"
    )
    rectify_by: Day | None = Field(None, description="the deadline to rectify, for a warning")
    on: Day | None = Field(None, description="the day of a revocation (today when absent)")
    note: str = text(..., max_length=5000)


# Helpers --------------------------------------------------------------------------------------


def _user(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]


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


# The operations -------------------------------------------------------------------------------


@router.get("/stations/evaluations", response={200: Page[EvaluationOut], **READ_ERRORS})
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


@router.get("/stations/evaluations/{evaluation_id}", response={200: EvaluationDetailOut, **RECORD_ERRORS})
def evaluation(request: HttpRequest, evaluation_id: int) -> dict[str, Any]:
    """One evaluation with its indicators, each with its definition."""
    return evaluation_detail_out(_evaluation(request, evaluation_id))


@router.post("/stations/{station_code}/evaluations", response={201: EvaluationDetailOut, **CHANGE_ERRORS})
def evaluation_create(
    request: HttpRequest,
    payload: EvaluationIn,
    station_code: str = Path(..., max_length=30, pattern=NO_NUL_PATTERN),  # noqa: B008
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


@router.post("/stations/evaluations/{evaluation_id}/refresh", response={200: EvaluationDetailOut, **CHANGE_ERRORS})
def evaluation_refresh(request: HttpRequest, evaluation_id: int) -> dict[str, Any]:
    """Recomputes the indicators from the records as they are now, until the evaluation is graded."""
    evaluation = _evaluation_to_change(request, evaluation_id)
    services.evaluation_refresh(evaluation=evaluation, by=_user(request))
    return _fresh(request, evaluation)


@router.post("/stations/evaluations/{evaluation_id}/review", response={201: EvaluationDetailOut, **CHANGE_ERRORS})
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


@router.post("/stations/evaluations/{evaluation_id}/act", response={200: EvaluationDetailOut, **CHANGE_ERRORS})
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
