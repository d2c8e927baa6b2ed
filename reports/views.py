"""The dashboard: the headline figures over what the user may see, and what is due."""

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.access import Perm, has_perm, role_names
from accounts.http import SignedInRequest
from accounts.models import Role
from appointments.access import figures_scope, visible_appointments
from appointments.due_counts import institution_due_counts
from appointments.models import Appointment
from appointments.rules import policy_for
from appointments.selectors import DUE_FILTERS, due_counts
from core.views import is_htmx
from funding.models import Level
from outputs.figures import OutputCounts, outputs_by_phase_and_kind
from outputs.models import Output
from reports.forms import FiguresForm
from reports.selectors import headline_figures, window_start
from reports.todo import todo_for
from stations.coverage import coverage_context

DEFAULT_YEARS = 3


def level_rows(figures: dict[str, Any]) -> list[dict[str, Any]]:
    """The projects of the window by level, in the order of `Level`, with each level's share."""
    total = figures["projects"]
    return [
        {
            "level": level,
            "label": label,
            "count": figures["projects_by_level"][level],
            "percent": round(100 * figures["projects_by_level"][level] / total) if total else 0,
        }
        for level, label in Level.choices
    ]


def outputs_in_window(*, institution_id: int, as_of: dt.date, years: int, scope: Any) -> OutputCounts:
    """The research outputs dated in the figures' window, by phase and kind, over the same
    postdocs as the figures (`scope`, None for the whole institution): one query on the index
    (institution, dated_on)."""
    outputs = Output.objects.filter(
        institution_id=institution_id, dated_on__gt=window_start(as_of, years), dated_on__lte=as_of
    )
    if scope is not None:
        outputs = outputs.filter(
            appointment__in=Appointment.objects.filter(institution_id=institution_id).filter(scope).values("pk")
        )
    return outputs_by_phase_and_kind(outputs)


@login_required
@require_GET
def dashboard(request: SignedInRequest) -> HttpResponse:
    user = request.user
    today = timezone.localdate()
    if role_names(user) == {Role.POSTDOC}:
        return _postdoc_home(request, today)
    form = FiguresForm(request.GET or None, initial={"as_of": today, "years": DEFAULT_YEARS})
    as_of, years = today, DEFAULT_YEARS
    if form.is_bound and form.is_valid():
        as_of = form.cleaned_data["as_of"] or today
        years = form.cleaned_data["years"] or DEFAULT_YEARS
    institution_id = user.institution_id or 0
    scope = figures_scope(user)
    figures = headline_figures(institution_id=institution_id, as_of=as_of, years=years, scope=scope)
    show_coverage = has_perm(user, Perm.VIEW_INSTITUTION)
    context: dict[str, Any] = {
        "form": form,
        "figures": figures,
        "levels": level_rows(figures),
        "outputs": outputs_in_window(institution_id=institution_id, as_of=as_of, years=years, scope=scope),
        "as_of": as_of,
        "years": years,
        "show_coverage": show_coverage,
        "coverage": coverage_context(institution_id, as_of, figures["coverage"]) if show_coverage else None,
    }
    if is_htmx(request):
        return render(request, "reports/dashboard.html#figures", context)
    policy = policy_for(institution_id)
    if scope is None:  # the whole institution: from the kept counts, the same at every size
        counts = institution_due_counts(institution_id, policy, today)
    else:  # the user's stations or postdocs: few enough to count
        counts = due_counts(visible_appointments(user), policy, today)
    context["due"] = [{"key": key, "label": label, "count": counts[key]} for key, label in DUE_FILTERS.items()]
    context["today"] = today
    context["todo"] = todo_for(user, policy, today)
    return render(request, "reports/dashboard.html", context)


def _postdoc_home(request: SignedInRequest, today: dt.date) -> HttpResponse:
    """A postdoc's home: their own due items with what to do about each, and their record; the
    institution's figures are no business of theirs (over one postdoc they would say nothing)."""
    user = request.user
    own = list(visible_appointments(user).select_related("station").order_by("-entry_date", "-pk"))
    policy = policy_for(user.institution_id or 0)
    context = {"todo": todo_for(user, policy, today), "own": own, "today": today}
    return render(request, "reports/home_postdoc.html", context)
