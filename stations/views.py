"""Stations the user may see: the list with in-station counts, and one station's page; the
stations' periodic evaluations (综合评估 / 新设站评估): the institution's list, one evaluation's page,
and the office's steps (start, recompute, act after the grade)."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import Perm, has_perm
from accounts.http import SignedInRequest
from appointments.access import visible_appointments
from audit.timeline import timeline
from core.errors import DomainError
from core.sheets import writers
from core.sorting import SortColumn, Sorting, choice_rank
from core.views import is_htmx, paginate, redirect_after_post
from funding.access import visible_projects
from funding.figures import STATUS_COLUMNS, station_figures
from funding.models import Project
from outputs.access import visible_outputs
from reviews.models import Review
from stations import services
from stations.access import (
    can_manage_station,
    get_station_for_user,
    may_manage_evaluations,
    may_manage_station,
    may_view_evaluations,
    visible_evaluations,
    visible_stations,
)
from stations.coverage import coverage_context
from stations.evaluation import INDICATORS, indicator_rows, readable_timeline
from stations.export import evaluations_sheet, stations_sheet
from stations.forms import EvaluationActForm, EvaluationFilterForm, EvaluationStartForm, StationFilterForm
from stations.models import Evaluation, Station
from stations.selectors import in_station_count, in_station_now, joint_training_count

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


STATION_TABS = ("overview", "supervisors", "postdocs", "funding", "evaluations", "history")


def station_tabs(user: Any, station: Station) -> list[tuple[str, str]]:
    """The station page's tabs the user may open, in order, with their labels."""
    labels = {
        "overview": _("Overview"),
        "supervisors": _("Supervisors"),
        "postdocs": _("Postdocs"),
        "funding": _("Projects and outputs"),
        "evaluations": _("Evaluations"),
        "history": pgettext("a record's changes", "History"),
    }
    shown = [key for key in STATION_TABS if key != "evaluations" or may_view_evaluations(user, station)]
    return [(key, labels[key]) for key in shown]


def _supervisor_new_url(station: Station) -> str | None:
    """The page to add a supervisor to this station, once the people app serves it."""
    try:
        return f"{reverse('people:supervisor-new')}?station={station.pk}"
    except NoReverseMatch:
        return None


@login_required
@require_GET
def station_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    """The station page in tabs (`?tab=`), each one a whole page for a plain link and its panel for
    htmx; only the open tab's records are read. A tab the user's role may not open is refused (403)
    like the records behind it; an unknown tab is not found."""
    user = request.user
    station = get_station_for_user(user, pk)
    tab = request.GET.get("tab") or "overview"
    tabs = station_tabs(user, station)
    if tab not in STATION_TABS:
        raise Http404
    if tab not in dict(tabs):
        raise PermissionDenied
    manage = may_manage_station(user, station)
    context: dict[str, Any] = {"station": station, "tab": tab, "tabs": tabs, "can_manage": manage}
    if tab == "overview":
        context["in_station"] = in_station_count(station)
        if station.kind == Station.Kind.WORKSTATION:
            context["joint_training"] = joint_training_count(station)
        context["supervisor_count"] = station.supervisors.count()
    elif tab == "supervisors":
        context["supervisors"] = station.supervisors.select_related("unit").order_by("name_sort", "name")
        if can_manage_station(user, station):
            context["supervisor_new_url"] = _supervisor_new_url(station)
    elif tab == "postdocs":
        postdocs = (
            visible_appointments(user)
            .filter(Q(station=station) | Q(workstation=station))
            .select_related("person", "station", "primary_supervisor")
            .order_by("-entry_date", "postdoc_no")
        )
        context.update(paginate(request, postdocs))
        if is_htmx(request) and request.headers.get("HX-Target") == "postdocs":
            return render(request, "stations/detail.html#postdocs", context)
    elif tab == "funding":
        context.update(station_funding_context(user, station))
    elif tab == "evaluations":
        context["evaluations"] = list(station.evaluations.order_by("-cycle", "kind"))
        if may_manage_evaluations(user, station) and station.status != Station.Status.REVOKED:
            context["start_form"] = EvaluationStartForm(station=station)
    else:
        context["timeline"] = readable_timeline(timeline(station))
    if is_htmx(request):
        return render(request, "stations/detail.html#tabs", context)
    return render(request, "stations/detail.html", context)


def station_funding_context(user: Any, station: Station) -> dict[str, Any]:
    """The station's projects by level and status, success rates per programme and research outputs
    by phase: of its postdocs (those whose station it is, as the lists' station filter selects them)
    that the user sees. Three queries, whatever the number of postdocs."""
    projects = visible_projects(user).filter(holder__station=station)
    outputs = visible_outputs(user).filter(appointment__station=station)
    return {
        "funding": station_figures(projects, outputs),
        "status_columns": [(str(status), Project.Status(status).label) for status in STATUS_COLUMNS],
    }


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
        "review_url": f"/reviews/new/?evaluation={evaluation.pk}",
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
