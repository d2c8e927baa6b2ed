"""Funders' award lists (批次资助名单) in the REST API: the lists, one list with its rows and how each matched,
a row's postdoc chosen (or the row skipped), and the confirmation into awards or the discarding, through the
same services as the pages (`awardlists.services`). The upload is done on the pages (a file through a form);
the API does not take it.

Only an office administrator sees award lists (`AwardList.objects.visible_to`): for everyone else the list
of lists is empty and a list is a 404, as a list of another institution is for anyone.
"""

from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from accounts.http import api_user
from accounts.models import User
from appointments.models import Appointment
from awardlists import schemas as s
from awardlists import services
from awardlists.models import AwardList, AwardListRow
from core.api_schemas import CHANGE_ERRORS, READ_ERRORS, RECORD_ERRORS, Page, Paging
from core.errors import DomainError

router = Router(tags=["award lists"])

LIST_RELATED = ("programme__funder", "created_by")
CONFIRM_ERRORS: dict[int, Any] = {**CHANGE_ERRORS, 400: s.ConfirmRefusalOut}


def _user(request: HttpRequest) -> User:
    return api_user(request)


def _visible(request: HttpRequest) -> QuerySet[AwardList]:
    return AwardList.objects.visible_to(_user(request)).select_related(*LIST_RELATED)


def _list(request: HttpRequest, list_id: int) -> AwardList:
    try:
        return _visible(request).get(pk=list_id)
    except AwardList.DoesNotExist as exc:
        raise Http404 from exc


def _rows_out(award_list: AwardList) -> list[dict[str, Any]]:
    """The list's rows with their candidates: two queries, whatever the number of rows."""
    rows = list(award_list.rows.order_by("sheet", "number", "pk"))
    ids = {pk for row in rows for pk in row.candidates} | {row.appointment_id for row in rows if row.appointment_id}
    appointments = (
        Appointment.objects.filter(institution_id=award_list.institution_id)
        .select_related("person")
        .only("pk", "postdoc_no", "person__name")
        .in_bulk(list(ids))
    )
    return [
        {
            "id": row.pk,
            "sheet": row.sheet,
            "number": row.number,
            "name": row.name,
            "postdoc_no": row.postdoc_no,
            "institution_name": row.institution_name,
            "discipline": row.discipline,
            "discipline_code": row.discipline_code,
            "grade": row.grade,
            "programme_grade": row.programme_grade,
            "outcome": row.outcome,
            "candidates": [
                {"id": pk, "postdoc_no": appointments[pk].postdoc_no, "name": appointments[pk].person.name}
                for pk in row.candidates
                if pk in appointments
            ],
            "notes": row.note_texts,
            "appointment": row.appointment_id,
            "decision": row.decision,
            "already_awarded": row.already_awarded,
            "project": row.project_id,
        }
        for row in rows
    ]


def _detail(request: HttpRequest, list_id: int) -> dict[str, Any]:
    award_list = _list(request, list_id)
    return {
        **s.award_list_out(award_list),
        "other_institutions": {str(name): int(n) for name, n in award_list.other_institutions.items()},
        "warnings": [str(warning) for warning in award_list.warnings],
        "row_items": _rows_out(award_list),
    }


@router.get("/award-lists", response={200: Page[s.AwardListOut], **READ_ERRORS})
def award_lists(request: HttpRequest, paging: Query[Paging], filters: Query[s.AwardListFilters]) -> dict[str, Any]:
    """The institution's uploaded award lists, newest first; for office administrators, empty for others."""
    queryset = _visible(request)
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.programme:
        queryset = queryset.filter(programme__code=filters.programme)
    queryset = queryset.order_by("-created_at", "-pk")
    count = queryset.count()
    rows = queryset[paging.offset : paging.offset + paging.limit]
    return {"count": count, "items": [s.award_list_out(row) for row in rows]}


@router.get("/award-lists/{list_id}", response={200: s.AwardListDetailOut, **RECORD_ERRORS})
def award_list(request: HttpRequest, list_id: int) -> dict[str, Any]:
    """One list with the institution's rows: how each matched, its candidates, the decision and the award."""
    return _detail(request, list_id)


@router.post("/award-lists/{list_id}/rows/{row_id}/choose", response={200: s.AwardListDetailOut, **CHANGE_ERRORS})
def award_list_row_choose(
    request: HttpRequest, list_id: int, row_id: int, payload: s.AwardListRowChooseIn
) -> dict[str, Any]:
    """The postdoc of a row, one of its candidates; `appointment: null` skips the row."""
    award_list = _list(request, list_id)
    try:
        row = award_list.rows.get(pk=row_id)
    except AwardListRow.DoesNotExist as exc:
        raise Http404 from exc
    appointment = None
    if payload.appointment is not None:
        appointment = (
            Appointment.objects.select_related("person")
            .filter(pk=payload.appointment, institution_id=award_list.institution_id)
            .first()
        )
        if appointment is None:
            # The service's own sentence, for an id that is no candidate at all.
            raise DomainError(_("Choose one of the row's candidates."), field="appointment")
    services.award_list_row_choose(row=row, appointment=appointment, by=_user(request))
    return _detail(request, list_id)


@router.post("/award-lists/{list_id}/confirm", response={200: s.AwardListDetailOut, **CONFIRM_ERRORS})
def award_list_confirm(request: HttpRequest, list_id: int, payload: s.AwardListConfirmIn) -> Any:
    """Creates the awards of every exact or accepted row through the funding services, all or nothing. A
    refusal names the rows (`rows`); warnings of the funding rules need `acknowledged: true`."""
    award_list = _list(request, list_id)
    try:
        services.award_list_confirm(award_list=award_list, by=_user(request), acknowledged=payload.acknowledged)
    except services.ConfirmRefused as refused:
        return Status(400, {"message": refused.message, "field": None, "violations": [], "rows": refused.sentences})
    return _detail(request, list_id)


@router.post("/award-lists/{list_id}/discard", response={200: s.AwardListDetailOut, **CHANGE_ERRORS})
def award_list_discard(request: HttpRequest, list_id: int) -> dict[str, Any]:
    """Sets a list aside without awarding anything (a wrong programme, a second upload)."""
    services.award_list_discard(award_list=_list(request, list_id), by=_user(request))
    return _detail(request, list_id)
