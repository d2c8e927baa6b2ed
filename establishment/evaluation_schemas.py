"""The API's types for station evaluations (establishment.evaluation_api)."""

import datetime as dt
from typing import Any, Literal

from django.utils.dateparse import parse_date
from ninja import Field, Schema

from core.api_schemas import Day, RequestBody, example, text
from establishment.evaluation import indicator_rows
from stations.models import Evaluation

EvaluationGradeValue = Literal["excellent", "good", "pass", "fail"]
EvaluationKindValue = Literal["comprehensive", "new_station"]
ActionValue = Literal["warning", "revocation"]
StationStatusValue = Literal["active", "warned", "revoked"]


# Evaluations: outputs --------------------------------------------------------------------------------------


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
    grade: EvaluationGradeValue | None = Field(description="null until the expert review is decided")
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


# Evaluations: inputs ---------------------------------------------------------------------------------------


class EvaluationFilters(Schema):
    station: str | None = text(None, max_length=30, description="station code")
    cycle: int | None = Field(None, ge=1900, le=2200)
    kind: EvaluationKindValue | None = None
    grade: EvaluationGradeValue | Literal["ungraded"] | None = None
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
