"""Stations the user may see: the list with in-station counts and its export, and one station's page
in tabs, its overview and history here, the other tabs the parts the apps above register
(core.page_parts). The stations' evaluations are establishment.evaluation_views'."""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import pgettext_lazy
from django.views.decorators.http import require_GET

from accounts.access import Perm, has_perm
from accounts.http import SignedInRequest
from audit.timeline import timeline
from core import page_parts
from core.sheets import writers
from core.sorting import SortColumn, Sorting, choice_rank
from core.views import is_htmx, paginate
from stations.access import (
    get_station_for_user,
    may_manage_station,
    may_view_evaluations,
    visible_stations,
)
from stations.coverage import coverage_context
from stations.export import stations_sheet
from stations.forms import StationFilterForm
from stations.indicators import readable_timeline
from stations.models import Station
from stations.selectors import in_station_now

STATION_SORTING = Sorting(
    {
        "code": ("code",),
        "name": ("name_zh",),
        "kind": (choice_rank("kind", Station.Kind.choices), "code"),
        "discipline": ("discipline__code",),
        "unit": ("unit__code",),
        "established": SortColumn(("established_on",), descending_first=True),
        "status": (choice_rank("status", Station.Status.choices), "code"),
        "in_station": SortColumn(("in_station",), descending_first=True),
    },
    default=("kind", "code"),
)


def listed_stations(request: SignedInRequest) -> tuple[StationFilterForm, QuerySet[Station]]:
    """The stations the list's search and filters select, in the order the reader chose (a column
    header) or the list's own: the page and its exports."""
    form = StationFilterForm(request.GET or None)
    # The scope filter joins supervisors and appointments; counting over a subquery keeps those
    # joins from multiplying (or narrowing) the count.
    stations = (
        Station.objects.filter(pk__in=visible_stations(request.user).values("pk"))
        .select_related("discipline", "unit")
        .annotate(in_station=in_station_now())
    )
    stations = STATION_SORTING.order(stations, STATION_SORTING.from_request(request))
    if form.is_bound and form.is_valid():
        text = form.cleaned_data["q"].strip()
        if text:
            stations = stations.filter(
                Q(name_zh__icontains=text) | Q(name_en__icontains=text) | Q(code__icontains=text)
            )
        if form.cleaned_data["kind"]:
            stations = stations.filter(kind=form.cleaned_data["kind"])
        if form.cleaned_data["status"]:
            stations = stations.filter(status=form.cleaned_data["status"])
    return form, stations


@login_required
@require_GET
def station_list(request: SignedInRequest) -> HttpResponse:
    user = request.user
    form, stations = listed_stations(request)
    context: dict[str, Any] = {
        "form": form,
        "sort": STATION_SORTING.from_request(request),
        **paginate(request, stations),
    }
    if is_htmx(request):
        return render(request, "stations/list.html#rows", context)
    if has_perm(user, Perm.VIEW_INSTITUTION) and user.institution_id:
        context["coverage"] = coverage_context(user.institution_id, timezone.localdate())
    context["can_see_evaluations"] = may_view_evaluations(user)
    context["can_compare"] = has_perm(user, Perm.VIEW_INSTITUTION) and user.institution_id is not None
    context["can_add_station"] = has_perm(user, Perm.MANAGE_REFERENCE)
    return render(request, "stations/list.html", context)


@login_required
@require_GET
def station_export(request: SignedInRequest, fmt: str) -> HttpResponseBase:
    """The stations the list's search and filters select, every page, as the exchange workbook's
    Stations sheet: `.xlsx` or `.csv`."""
    if fmt not in writers.FORMATS:
        raise Http404
    _form, stations = listed_stations(request)
    return writers.export_response([stations_sheet(stations)], fmt=fmt, basename="stations")


# The station page's own tabs; the others are the parts the apps above register for the page
# "station" (core.page_parts: people's supervisors, appointments' postdocs, the projects and outputs,
# the evaluations), between these two.
OWN_TABS = {"overview": _lazy("Overview"), "history": pgettext_lazy("a record's changes", "History")}


def station_tabs(user: Any, station: Station) -> list[tuple[str, str]]:
    """The station page's tabs the user may open, in order, with their labels."""
    parts = [(part.name, str(part.label)) for part in page_parts.parts_of("station", user, station)]
    return [("overview", str(OWN_TABS["overview"])), *parts, ("history", str(OWN_TABS["history"]))]


@login_required
@require_GET
def station_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    """The station page in tabs (`?tab=`), each one a whole page for a plain link and its panel for
    htmx; only the open tab's records are read. A tab the user's role may not open is refused (403)
    like the records behind it; an unknown tab is not found. A part's own partial (a list's next
    page) answers an htmx request that targets it alone."""
    user = request.user
    station = get_station_for_user(user, pk)
    tab = request.GET.get("tab") or "overview"
    tabs = station_tabs(user, station)
    part = page_parts.part_of("station", tab)
    if tab not in OWN_TABS and part is None:
        raise Http404
    if tab not in dict(tabs):
        raise PermissionDenied
    manage = may_manage_station(user, station)
    context: dict[str, Any] = {"station": station, "tab": tab, "tabs": tabs, "can_manage": manage}
    if tab == "overview":
        glance = page_parts.context_for("station-overview", request, station)
        glance["overview_parts"] = glance.pop("page_parts")
        context.update(glance)
    elif tab == "history":
        context["timeline"] = readable_timeline(timeline(station))
    else:
        assert part is not None
        context.update(part.context(request, station) or {})
        context["tab_template"] = part.template
        if part.partial and is_htmx(request) and request.headers.get("HX-Target") == part.partial:
            return render(request, f"{part.template}#{part.partial}", context)
    if is_htmx(request):
        return render(request, "stations/detail.html#tabs", context)
    return render(request, "stations/detail.html", context)
