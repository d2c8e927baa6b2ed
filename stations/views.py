"""Stations the user may see: the list with in-station counts, and one station's page."""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.access import Perm, get_station_for_user, has_perm, visible_appointments, visible_stations
from appointments.models import Appointment
from audit.timeline import timeline
from core.views import SignedInRequest, is_htmx, paginate
from exchange import exporter
from reports.views import coverage_context
from stations.forms import StationFilterForm
from stations.models import Station


def listed_stations(request: SignedInRequest) -> tuple[StationFilterForm, QuerySet[Station]]:
    """The stations the list's search and filters select, in its order: the page and its exports."""
    form = StationFilterForm(request.GET or None)
    # The scope filter joins supervisors and appointments; counting over a subquery keeps those
    # joins from multiplying (or narrowing) the count.
    stations = (
        Station.objects.filter(pk__in=visible_stations(request.user).values("pk"))
        .select_related("discipline", "unit")
        .annotate(in_station=Count("appointments", filter=Q(appointments__status__in=Appointment.LIVE_STATUSES)))
        .order_by("kind", "code")
    )
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
    context: dict[str, Any] = {"form": form, **paginate(request, stations)}
    if is_htmx(request):
        return render(request, "stations/list.html#rows", context)
    if has_perm(user, Perm.VIEW_INSTITUTION) and user.institution_id:
        context["coverage"] = coverage_context(user.institution_id, timezone.localdate())
    return render(request, "stations/list.html", context)


@login_required
@require_GET
def station_export(request: SignedInRequest, fmt: str) -> HttpResponseBase:
    """The stations the list's search and filters select, every page, as the exchange workbook's
    Stations sheet: `.xlsx` or `.csv`."""
    if fmt not in exporter.FORMATS:
        raise Http404
    _form, stations = listed_stations(request)
    sheets = [exporter.Sheet("Stations", exporter.station_rows(stations))]
    return exporter.export_response(sheets, fmt=fmt, basename="stations")


@login_required
@require_GET
def station_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    user = request.user
    station = get_station_for_user(user, pk)
    postdocs = (
        visible_appointments(user)
        .filter(Q(station=station) | Q(workstation=station))
        .select_related("person", "station", "primary_supervisor")
        .order_by("-entry_date", "postdoc_no")
    )
    context: dict[str, Any] = {"station": station, **paginate(request, postdocs)}
    if is_htmx(request):
        return render(request, "stations/detail.html#postdocs", context)
    context["supervisors"] = station.supervisors.select_related("unit").order_by("name")
    context["in_station"] = station.appointments.filter(status__in=Appointment.LIVE_STATUSES).count()
    context["timeline"] = timeline(station)
    return render(request, "stations/detail.html", context)
