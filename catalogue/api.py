"""The catalogue in the REST API: disciplines, units and doctoral rights, read as reference data."""

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from accounts.http import api_user
from accounts.models import User
from catalogue import schemas as s
from catalogue.models import Discipline, DoctoralRight, Unit
from core.api_schemas import READ_ERRORS, Page, Paging, page

router = Router()

# The operation ids are those the document published while these operations lived in api/api.py: clients
# generated from it name their methods after them.


def _user(request: HttpRequest) -> User:
    return api_user(request)


@router.get(
    "/disciplines",
    response={200: Page[s.DisciplineOut], **READ_ERRORS},
    tags=["reference"],
    operation_id="api_api_disciplines",
)
def disciplines(request: HttpRequest, paging: Query[Paging]) -> dict[str, Any]:
    queryset = Discipline.objects.all() if _user(request).institution_id else Discipline.objects.none()
    return page(queryset.order_by("code"), paging, s.discipline_out)


@router.get("/units", response={200: Page[s.UnitOut], **READ_ERRORS}, tags=["reference"], operation_id="api_api_units")
def units(request: HttpRequest, paging: Query[Paging]) -> dict[str, Any]:
    queryset = Unit.objects.filter(institution_id=_user(request).institution_id or 0).order_by("code")
    return page(queryset, paging, s.unit_out)


@router.get(
    "/doctoral-rights",
    response={200: Page[s.DoctoralRightOut], **READ_ERRORS},
    tags=["reference"],
    operation_id="api_api_doctoral_rights",
)
def doctoral_rights(request: HttpRequest, paging: Query[Paging]) -> dict[str, Any]:
    queryset = (
        DoctoralRight.objects.filter(institution_id=_user(request).institution_id or 0)
        .select_related("discipline")
        .order_by("discipline__code")
    )
    return page(queryset, paging, s.doctoral_right_out)
