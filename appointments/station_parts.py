"""The parts of the station pages that appointments contributes (registered in appointments.apps):
the "Postdocs" tab, paged, the postdocs in station its overview shows at a glance, and those still
in station on a revocation's date, which its confirmation names."""

from typing import Any

from django.db.models import Q
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from appointments.access import visible_appointments
from appointments.selectors import in_station_count, joint_training_count, postdocs_in_station_on
from core.page_parts import PagePart
from core.views import paginate
from stations.models import Station
from stations.office_views import Revocation


def station_postdocs(request: HttpRequest, station: Station) -> dict[str, Any]:
    """The station's postdocs the user sees (a workstation's with its joint-training ones), a page
    of them; their list pages alone (the part's partial `postdocs`)."""
    postdocs = (
        visible_appointments(request.user)
        .filter(Q(station=station) | Q(workstation=station))
        .select_related("person", "station", "primary_supervisor")
        .order_by("-entry_date", "postdoc_no")
    )
    return paginate(request, postdocs)


def station_in_station(request: HttpRequest, station: Station) -> dict[str, Any]:
    """How many of the station's postdocs are in station, and for a workstation how many of them
    in joint training."""
    context: dict[str, Any] = {"in_station": in_station_count(station)}
    if station.kind == Station.Kind.WORKSTATION:
        context["joint_training"] = joint_training_count(station)
    return context


# How many of the postdocs still in station the revocation's confirmation names (the rest are counted).
NAMED_ON_CONFIRMATION = 10


def revocation_staying(request: HttpRequest, revocation: Revocation) -> dict[str, Any]:
    """The postdocs still in station on the revocation's date: how many, and the first of them. The
    revocation is recorded all the same (stations.services.station_set_status says why)."""
    staying = postdocs_in_station_on(revocation.station, revocation.on).select_related("person")
    return {
        "staying_count": staying.count(),
        "staying": list(staying.order_by("entry_date", "postdoc_no")[:NAMED_ON_CONFIRMATION]),
    }


STATION_POSTDOCS = PagePart(
    "postdocs", "stations/_tab_postdocs.html", station_postdocs, order=20, label=_("Postdocs"), partial="postdocs"
)
STATION_IN_STATION = PagePart("in_station", "stations/_glance_postdocs.html", station_in_station, order=10)
REVOCATION_STAYING = PagePart("staying", "stations/_revocation_staying.html", revocation_staying)
