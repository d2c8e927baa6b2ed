"""Stations in the REST API: the list of the stations in the caller's scope (their evaluations are
establishment.evaluation_api's).

Who sees what is the pages' rule (`stations.access`).
"""

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from accounts.http import api_user
from accounts.models import User
from core.api_schemas import READ_ERRORS, Page, Paging, page
from stations.access import visible_stations
from stations.schemas import StationOut, station_out

# The stations are registered among the reference data, where they stood in the document before they moved
# here from api/api.py (its operation id is the one published then).
reference_router = Router()


# Helpers --------------------------------------------------------------------------------------


def _user(request: HttpRequest) -> User:
    return api_user(request)


# Stations ---------------------------------------------------------------------------------------


@reference_router.get(
    "/stations", response={200: Page[StationOut], **READ_ERRORS}, tags=["reference"], operation_id="api_api_stations"
)
def stations(request: HttpRequest, paging: Query[Paging]) -> dict[str, Any]:
    queryset = visible_stations(_user(request)).select_related("discipline", "unit").order_by("code")
    return page(queryset, paging, station_out)
