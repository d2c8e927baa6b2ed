"""The stations' periodic evaluations (综合评估 / 新设站评估) in pages: the institution's list and its
export, one evaluation's page, the office's steps (start, recompute, act after the grade), and the
"Evaluations" tab of the station's page (registered in establishment/apps.py with core.page_parts).
Their URLs keep the stations' paths and names (establishment/evaluation_urls.py)."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.http import SignedInRequest
from audit.timeline import timeline
from core.errors import DomainError
from core.page_parts import PagePart
from core.sheets import writers
from core.views import is_htmx, paginate, redirect_after_post
from establishment import evaluation_services as services
from establishment.evaluation import indicator_rows
from establishment.evaluation_forms import EvaluationActForm, EvaluationFilterForm, EvaluationStartForm
from establishment.export import evaluations_sheet
from reviews.models import Review
from stations.access import (
    get_station_for_user,
    may_manage_evaluations,
    may_view_evaluations,
    visible_evaluations,
)
from stations.indicators import INDICATORS, readable_timeline
from stations.models import Evaluation, Station

# ---- periodic evaluations -------------------------------------------------------------------------
# Administrators and leadership see every evaluation of their institution (leadership read-only), a
# station secretary those of their stations, read-only; other roles are refused (403). A station or
# evaluation the user cannot see at all answers 404, as every record outside a scope does.


def get_evaluation_for_user(user: Any, pk: Any) -> Evaluation:
    """The evaluation if the user may see it; 404 outside the user's stations, 403 for a role that
    sees the station but not its evaluations."""
    try:
        evaluation = Evaluation.objects.get(pk=pk, station__institution_id=user.institution_id)
    except (ValueError, TypeError, Evaluation.DoesNotExist) as exc:
        raise Http404 from exc
    station = get_station_for_user(user, evaluation.station_id)
    if not may_view_evaluations(user, station):
        raise PermissionDenied
    evaluation.station = station
    return evaluation


def _require_manager(user: Any, station: Station) -> None:
    if not may_manage_evaluations(user, station):
        raise PermissionDenied


@login_required
@require_http_methods(["GET", "POST"])
def evaluation_new(request: SignedInRequest, pk: int) -> HttpResponse:
    """Starts an evaluation of a station (administrators). An htmx GET with a cycle gives the period
    fields with that cycle's default period."""
    user = request.user
    station = get_station_for_user(user, pk)
    _require_manager(user, station)
    if request.method == "POST":
        form = EvaluationStartForm(request.POST, station=station)
        if form.is_valid():
            data = form.cleaned_data
            try:
                evaluation = services.evaluation_create(
                    station=station,
                    cycle=data["cycle"],
                    kind=data["kind"],
                    period_start=data["period_start"],
                    period_end=data["period_end"],
                    by=user,
                )
            except DomainError as error:
                form.add_domain_error(error)
            else:
                messages.success(request, _("The evaluation is started; its indicators are computed from the records."))
                return redirect_after_post(request, reverse("station-evaluation-detail", args=[evaluation.pk]))
    else:
        try:
            cycle = int(request.GET.get("cycle", ""))
        except ValueError:
            cycle = None
        form = EvaluationStartForm(station=station, cycle=cycle if cycle and 1000 <= cycle <= 9999 else None)
        if is_htmx(request):
            return render(request, "stations/evaluation_new.html#period", {"form": form, "station": station})
    context = {"form": form, "station": station}
    template = "stations/evaluation_new.html#form" if is_htmx(request) else "stations/evaluation_new.html"
    return render(request, template, context)


def _evaluation_context(request: SignedInRequest, evaluation: Evaluation) -> dict[str, Any]:
    user = request.user
    station = evaluation.station
    manage = may_manage_evaluations(user, station)
    graded = bool(evaluation.grade)
    return {
        "evaluation": evaluation,
        "station": station,
        "rows": indicator_rows(evaluation.indicators),
        "computed_on": parse_date(evaluation.indicators.get("computed_on") or ""),
        "can_manage": manage,
        "can_recompute": manage and not graded,
        "can_act": manage and graded and station.status != Station.Status.REVOKED,
        "reviews": list(Review.objects.filter(evaluation=evaluation).order_by("-id")),
        "rectification_overdue": (
            evaluation.action == Evaluation.Action.WARNING
            and evaluation.rectify_by is not None
            and evaluation.rectify_by < timezone.localdate()
        ),
        "timeline": readable_timeline(timeline(evaluation)),
    }


@login_required
@require_GET
def evaluation_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    evaluation = get_evaluation_for_user(request.user, pk)
    context = _evaluation_context(request, evaluation)
    if context["can_act"]:
        context["act_form"] = EvaluationActForm(evaluation=evaluation)
    return render(request, "stations/evaluation.html", context)


@login_required
@require_POST
def evaluation_recompute(request: SignedInRequest, pk: int) -> HttpResponse:
    evaluation = get_evaluation_for_user(request.user, pk)
    _require_manager(request.user, evaluation.station)
    try:
        services.evaluation_refresh(evaluation=evaluation, by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The indicators are recomputed from the records."))
    return redirect_after_post(request, reverse("station-evaluation-detail", args=[evaluation.pk]))


@login_required
@require_POST
def evaluation_act(request: SignedInRequest, pk: int) -> HttpResponse:
    """The office's action after the grade; a refused or unconfirmed one shows the form again."""
    user = request.user
    evaluation = get_evaluation_for_user(user, pk)
    _require_manager(user, evaluation.station)
    form = EvaluationActForm(request.POST, evaluation=evaluation)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.evaluation_act(
                evaluation=evaluation,
                action=data["action"],
                rectify_by=data["rectify_by"],
                on=data["on"],
                note=data["note"],
                by=user,
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("The action is recorded."))
            return redirect_after_post(request, reverse("station-evaluation-detail", args=[evaluation.pk]))
    context = _evaluation_context(request, evaluation)
    context["act_form"] = form
    template = "stations/evaluation.html#act" if is_htmx(request) else "stations/evaluation.html"
    return render(request, template, context)


def listed_evaluations(request: SignedInRequest) -> tuple[EvaluationFilterForm, QuerySet[Evaluation]]:
    """The evaluations the list's filters select, in its order: the page and its exports."""
    user = request.user
    if not may_view_evaluations(user):
        raise PermissionDenied
    scope = visible_evaluations(user)
    cycles = sorted(set(scope.order_by().values_list("cycle", flat=True)), reverse=True)
    form = EvaluationFilterForm(request.GET or None, cycles=cycles)
    evaluations = scope.select_related("station", "station__discipline").order_by("-cycle", "station__code", "kind")
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        if data["cycle"]:
            evaluations = evaluations.filter(cycle=data["cycle"])
        if data["kind"]:
            evaluations = evaluations.filter(kind=data["kind"])
        if data["grade"] == "ungraded":
            evaluations = evaluations.filter(grade="")
        elif data["grade"]:
            evaluations = evaluations.filter(grade=data["grade"])
        action = data["action"]
        if action == "no_action":
            evaluations = evaluations.exclude(grade="").filter(action="")
        elif action == "warning":
            evaluations = evaluations.filter(action=Evaluation.Action.WARNING)
        elif action == "overdue":
            evaluations = evaluations.filter(
                action=Evaluation.Action.WARNING,
                rectify_by__lt=timezone.localdate(),
                station__status=Station.Status.WARNED,
            )
        elif action == "revocation":
            evaluations = evaluations.filter(action=Evaluation.Action.REVOCATION)
    return form, evaluations


@login_required
@require_GET
def evaluation_list(request: SignedInRequest) -> HttpResponse:
    form, evaluations = listed_evaluations(request)
    context: dict[str, Any] = {
        "form": form,
        **paginate(request, evaluations),
        "today": timezone.localdate(),
        "definitions": {indicator.key: indicator.definition for indicator in INDICATORS},
    }
    if is_htmx(request):
        return render(request, "stations/evaluations.html#rows", context)
    return render(request, "stations/evaluations.html", context)


@login_required
@require_GET
def evaluation_export(request: SignedInRequest, fmt: str) -> HttpResponseBase:
    """The evaluations the list's filters select, every page, as `.xlsx` or `.csv`."""
    if fmt not in writers.FORMATS:
        raise Http404
    _form, evaluations = listed_evaluations(request)
    return writers.export_response([evaluations_sheet(evaluations)], fmt=fmt, basename="evaluations")


# ---- the station page's "Evaluations" tab -----------------------------------------------------------


def station_evaluations_tab(request: HttpRequest, station: Station) -> dict[str, Any]:
    """The station's evaluations, and the form to start one for those who run them."""
    context: dict[str, Any] = {"evaluations": list(station.evaluations.order_by("-cycle", "kind"))}
    if may_manage_evaluations(request.user, station) and station.status != Station.Status.REVOKED:
        context["start_form"] = EvaluationStartForm(station=station)
    return context


STATION_EVALUATIONS = PagePart(
    "evaluations",
    "stations/_tab_evaluations.html",
    station_evaluations_tab,
    order=40,
    label=gettext_lazy("Evaluations"),
    shown=may_view_evaluations,
)
