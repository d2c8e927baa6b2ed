"""The API's types for award lists: a list, its rows and their candidates, and the office's choices."""

import datetime as dt
from typing import Any, Literal

from ninja import Field, Schema

from awardlists.models import AwardList
from core.api_schemas import RefusalOut, RequestBody, example, text

AwardListStatusValue = Literal["checked", "confirmed", "discarded"]


class AwardListOut(Schema):
    id: int
    programme_id: int
    programme: str = Field(description="programme code")
    funder: str = Field(description="funder code")
    batch: str
    awarded_on: dt.date
    original_name: str = Field(description="the uploaded file's name (the file itself is never served)")
    size: int
    sha256: str
    status: AwardListStatusValue
    uploaded_at: dt.datetime
    uploaded_by: str
    confirmed_at: dt.datetime | None
    discarded_at: dt.datetime | None
    rows: int = Field(description="rows of the institution")
    exact: int
    uncertain: int
    unmatched: int
    other: int = Field(description="rows of other institutions (counted, not kept)")
    awarded: int = Field(description="awards the confirmation created")
    already: int = Field(description="rows whose postdoc already held the award")


def award_list_out(b: AwardList) -> dict[str, Any]:
    """One list read with `select_related("programme__funder", "created_by")`."""
    return {
        "id": b.pk,
        "programme_id": b.programme_id,
        "programme": b.programme.code,
        "funder": b.programme.funder.code,
        "batch": b.batch,
        "awarded_on": b.awarded_on,
        "original_name": b.original_name,
        "size": b.size,
        "sha256": b.sha256,
        "status": b.status,
        "uploaded_at": b.created_at,
        "uploaded_by": b.created_by.get_username(),
        "confirmed_at": b.confirmed_at,
        "discarded_at": b.discarded_at,
        "rows": b.row_count,
        "exact": b.exact_count,
        "uncertain": b.uncertain_count,
        "unmatched": b.unmatched_count,
        "other": b.other_count,
        "awarded": b.awarded_count,
        "already": b.already_count,
    }


class CandidateOut(Schema):
    id: int = Field(description="the appointment")
    postdoc_no: str
    name: str


class AwardListRowOut(Schema):
    id: int
    sheet: str
    number: int = Field(description="the row's number in its sheet")
    name: str
    postdoc_no: str
    institution_name: str
    discipline: str = Field(description="as written")
    discipline_code: str
    grade: str = Field(description="as written")
    programme_grade: str = Field(description="the programme's grade it was read as")
    outcome: Literal["exact", "uncertain", "unmatched"]
    candidates: list[CandidateOut] = Field(description="the postdocs it may be, best first")
    notes: list[str] = Field(description="why it matched as it did")
    appointment: int | None = Field(description="the postdoc it is awarded to, once matched or chosen")
    decision: Literal["", "accept", "skip"] = Field(description="blank: not decided (an uncertain row)")
    already_awarded: bool
    project: int | None = Field(description="the award (GET /projects/{id})")


class AwardListDetailOut(AwardListOut):
    other_institutions: dict[str, int] = Field(description="the other institutions the list names, with their rows")
    warnings: list[str] = Field(description="what the reading noticed")
    row_items: list[AwardListRowOut] = Field(description="the institution's rows, by sheet and number")


class AwardListFilters(Schema):
    status: AwardListStatusValue | None = None
    programme: str | None = text(None, max_length=60, description="programme code")


class AwardListConfirmIn(RequestBody):
    model_config = example({"acknowledged": False})

    acknowledged: bool = Field(False, description="confirm despite the funding rules' warnings")


class AwardListRowChooseIn(RequestBody):
    model_config = example({"appointment": None})

    appointment: int | None = Field(..., ge=1, description="one of the row's candidates; null skips the row")


class ConfirmRefusalOut(RefusalOut):
    """The change was refused (400); for a confirmation, `rows` names the rows and why. Nothing was written."""

    rows: list[str] = Field(default_factory=list)
