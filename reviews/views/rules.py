"""Panel rules and scoring forms (office administrators)."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.http import SignedInRequest
from catalogue.models import Institution
from core.errors import DomainError
from core.views import is_htmx, redirect_after_post
from reviews import services
from reviews.forms import FormCreateForm, KindRulesForm
from reviews.models import Criterion, Form, Kind, KindRules
from reviews.views.common import admin_institution


def _rules_context(institution: Institution) -> dict[str, Any]:
    rules = {r.kind: r for r in KindRules.objects.filter(institution=institution).select_related("form")}
    return {
        "kinds": [
            {"kind": kind, "label": label, "rules": rules.get(kind), "url": reverse("reviews:rules-edit", args=[kind])}
            for kind, label in Kind.choices
        ],
        "forms": list(
            Form.objects.filter(institution=institution).prefetch_related(
                Prefetch("criteria", queryset=Criterion.objects.order_by("position", "pk"))
            )
        ),
    }


@login_required
@require_GET
def rules_list(request: SignedInRequest) -> HttpResponse:
    institution = admin_institution(request.user)
    return render(request, "reviews/rules.html", _rules_context(institution))


@login_required
@require_http_methods(["GET", "POST"])
def rules_edit(request: SignedInRequest, kind: str) -> HttpResponse:
    user = request.user
    institution = admin_institution(user)
    if kind not in Kind.values:
        raise Http404
    rules = KindRules.objects.filter(institution=institution, kind=kind).first()
    form = KindRulesForm(
        request.POST if request.method == "POST" else None,
        forms_qs=Form.objects.filter(institution=institution),
        rules=rules,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.kind_rules_save(
                institution=institution,
                kind=kind,
                form=data["form"],
                collaboration_window_years=data["collaboration_window_years"],
                by=user,
                **{name: data[name] for name in KindRulesForm.RULES},
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("The panel rules for %(kind)s are saved.") % {"kind": Kind(kind).label})
            return redirect_after_post(request, reverse("reviews:rules"))
    context = {"form": form, "kind": kind, "kind_label": Kind(kind).label, "action_url": request.path}
    return render(request, "reviews/rules_edit.html#form" if is_htmx(request) else "reviews/rules_edit.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def form_new(request: SignedInRequest) -> HttpResponse:
    user = request.user
    institution = admin_institution(user)
    form = FormCreateForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = services.form_create(
                institution=institution,
                name=data["name"],
                criteria=data["criteria"],
                outcome=data["outcome"],
                hides_subject=data["hides_subject"],
                thresholds=form.thresholds(),
                disagreement_points=data["disagreement_points"],
                by=user,
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("The scoring form “%(name)s” is created.") % {"name": created.name})
            return redirect_after_post(request, reverse("reviews:rules"))
    return render(request, "reviews/form_new.html", {"form": form})
