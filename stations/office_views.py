"""The office's steps on a station (office administrators of its institution; others are refused):
set up a workstation or an innovation base, correct a station's record, record a warning, a
revocation (confirmed, after seeing who is still in station) or a reinstatement. Each goes through
its service in stations.services; a refused step shows the sentence on the same page with the input
kept. A station outside the user's scope answers 404, as every record does."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.access import Perm, has_perm
from accounts.http import SignedInRequest
from catalogue.models import Institution
from core import page_parts
from core.errors import DomainError
from core.views import redirect_after_post
from stations import services
from stations.access import get_station_for_user, may_manage_station
from stations.forms import StationCreateForm, StationEditForm, StationStatusForm
from stations.models import Station


@dataclass(frozen=True)
class Revocation:
    """A revocation being confirmed: the record the parts of its confirmation are given (the postdocs
    still in station on its date are appointments', registered for "station-revocation")."""

    station: Station
    on: dt.date


def _station_to_manage(user: Any, pk: int) -> Station:
    station = get_station_for_user(user, pk)
    if not may_manage_station(user, station):
        raise PermissionDenied
    return station


@login_required
@require_http_methods(["GET", "POST"])
def station_new(request: SignedInRequest) -> HttpResponse:
    user = request.user
    if not has_perm(user, Perm.MANAGE_REFERENCE) or user.institution_id is None:
        raise PermissionDenied
    form = StationCreateForm(request.POST or None, institution_id=user.institution_id)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            station = services.station_create(
                institution=Institution.objects.get(pk=user.institution_id),
                code=data["code"],
                kind=data["kind"],
                unit=data["unit"],
                name_zh=data["name_zh"],
                name_en=data["name_en"],
                established_on=data["established_on"],
                approval_no=data["approval_no"],
                by=user,
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("The station is set up."))
            return redirect_after_post(request, reverse("station-detail", args=[station.pk]))
    return render(request, "stations/station_form.html", {"form": form, "station": None})


@login_required
@require_http_methods(["GET", "POST"])
def station_edit(request: SignedInRequest, pk: int) -> HttpResponse:
    user = request.user
    station = _station_to_manage(user, pk)
    initial = {
        "name_zh": station.name_zh,
        "name_en": station.name_en,
        "unit": station.unit_id,
        "approval_no": station.approval_no,
    }
    form = StationEditForm(request.POST or None, initial=initial, institution_id=station.institution_id)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.station_update(
                station=station,
                name_zh=data["name_zh"],
                name_en=data["name_en"],
                unit=data["unit"],
                approval_no=data["approval_no"],
                note=data["note"],
                by=user,
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("The station's record is saved."))
            return redirect_after_post(request, reverse("station-detail", args=[station.pk]))
    return render(request, "stations/station_form.html", {"form": form, "station": station})


@login_required
@require_http_methods(["GET", "POST"])
def station_status(request: SignedInRequest, pk: int) -> HttpResponse:
    """A warning or a reinstatement is recorded at once; a revocation is checked, then shown with the
    postdocs still in station on its date, and recorded only when confirmed."""
    user = request.user
    station = _station_to_manage(user, pk)
    form = StationStatusForm(request.POST or None, station=station)
    context: dict[str, Any] = {"form": form, "station": station}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        revoking = data["status"] == Station.Status.REVOKED
        try:
            if revoking and not (data["confirm"] and "back" not in request.POST):
                on = services.check_revocation(station=station, on=data["on"], revocation_no=data["revocation_no"])
                if "back" not in request.POST:
                    context["confirming"] = True
                    context.update(page_parts.context_for("station-revocation", request, Revocation(station, on)))
                return render(request, "stations/status.html", context)
            services.station_set_status(
                station=station,
                status=data["status"],
                on=data["on"] if revoking else None,
                revocation_no=data["revocation_no"] if revoking else "",
                note=data["note"],
                by=user,
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("The station's status is recorded."))
            return redirect_after_post(request, reverse("station-detail", args=[station.pk]) + "?tab=history")
    return render(request, "stations/status.html", context)
