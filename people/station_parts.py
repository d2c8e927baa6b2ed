"""The parts of the station page that people contributes (registered in people.apps): the
"Supervisors" tab and the count of supervisors its overview shows at a glance."""

from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from core.page_parts import PagePart
from stations.access import can_manage_station
from stations.models import Station


def _supervisor_new_url(station: Station) -> str | None:
    """The page to add a supervisor to this station, once the people app serves it."""
    try:
        return f"{reverse('people:supervisor-new')}?station={station.pk}"
    except NoReverseMatch:
        return None


def station_supervisors(request: HttpRequest, station: Station) -> dict[str, Any]:
    """The station's supervisors, and the link to add one for those who manage the station."""
    context: dict[str, Any] = {"supervisors": station.supervisors.select_related("unit").order_by("name_sort", "name")}
    if can_manage_station(request.user, station):
        context["supervisor_new_url"] = _supervisor_new_url(station)
    return context


def station_supervisor_count(request: HttpRequest, station: Station) -> dict[str, Any]:
    return {"supervisor_count": station.supervisors.count()}


STATION_SUPERVISORS = PagePart(
    "supervisors", "stations/_tab_supervisors.html", station_supervisors, order=10, label=_("Supervisors")
)
STATION_SUPERVISOR_COUNT = PagePart(
    "supervisor_count", "stations/_glance_supervisors.html", station_supervisor_count, order=20
)
