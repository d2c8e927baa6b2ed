"""The funding reference pages: funders, programmes and amounts per grade, the institution's level
mapping (changed through a confirmation that shows what moves) and its funding rules. The funders
are reference data every signed-in user reads; the institution's own are kept by its office
administrators. The level mapping is read by administrators and leadership, the rules by
administrators only (`funding.access`)."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, Prefetch, Q
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.http import SignedInRequest
from audit.events import Event
from audit.models import AuditEvent
from audit.timeline import timeline
from core.errors import DomainError
from core.forms import ServiceForm
from core.views import is_htmx, redirect_after_post
from funding import access, services
from funding.access import visible_funders, visible_programmes
from funding.forms import (
    AmountStyleForm,
    FunderForm,
    FundingRulesForm,
    GradeAmountForm,
    LevelChangeForm,
    ProgrammeForm,
    funder_order,
)
from funding.models import CERTAINTY_HELP, Certainty, Funder, GradeAmount, Level, LevelRule, Programme, Project

# ---------------------------------------------------------------------------------------------
# Funders, programmes and amounts


def _funder_for(user: Any, pk: Any) -> Funder:
    """A funder the user sees (the catalogue's or the institution's own), else 404."""
    try:
        return visible_funders(user.institution_id).get(pk=pk)
    except Funder.DoesNotExist as exc:
        raise Http404 from exc


def _own(user: Any, funder: Funder) -> None:
    """Only office administrators change, and only the institution's own (the catalogue is read-only)."""
    if not access.may_keep_reference(user) or funder.institution_id is None:
        raise PermissionDenied


@login_required
@require_GET
def funder_list(request: SignedInRequest) -> HttpResponse:
    user = request.user
    amounts = GradeAmount.objects.order_by("field", "grade", "-year_from")
    programmes = Programme.objects.order_by("code").prefetch_related(Prefetch("amounts", queryset=amounts))
    funders = list(
        visible_funders(user.institution_id)
        .order_by(F("institution_id").asc(nulls_first=True), *funder_order())
        .prefetch_related(Prefetch("programmes", queryset=programmes))
    )
    context = {
        "certainties": [(code, label, CERTAINTY_HELP[code]) for code, label in Certainty.choices],
        "catalogue": [f for f in funders if f.institution_id is None],
        "own": [f for f in funders if f.institution_id is not None],
        "can_manage": access.may_keep_reference(user),
        "office_admin": access.may_keep_reference(user),
    }
    return render(request, "funding/funders.html", context)


def _record_form_page(
    request: SignedInRequest,
    *,
    form: ServiceForm,
    save: Callable[[dict[str, Any]], object],
    title: str,
    subtitle: str = "",
    action_url: str,
    done: str,
) -> HttpResponse:
    if form.is_bound and form.is_valid():
        try:
            save(form.cleaned_data)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, done)
            return redirect_after_post(request, reverse("funding:funder-list"))
    context = {"form": form, "title": title, "subtitle": subtitle, "action_url": action_url}
    return render(request, "funding/record_form.html", context)


def _posted(request: SignedInRequest) -> Any:
    return request.POST if request.method == "POST" else None


@login_required
@require_http_methods(["GET", "POST"])
def funder_new(request: SignedInRequest) -> HttpResponse:
    user = request.user
    access.require_office(user)
    institution = user.institution
    assert institution is not None
    return _record_form_page(
        request,
        form=FunderForm(_posted(request)),
        save=lambda data: services.funder_save(institution=institution, by=user, **data),
        title=_("Add a funder"),
        action_url=reverse("funding:funder-new"),
        done=_("The funder is saved."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def funder_edit(request: SignedInRequest, pk: int) -> HttpResponse:
    user = request.user
    funder = _funder_for(user, pk)
    _own(user, funder)
    institution = user.institution
    assert institution is not None
    return _record_form_page(
        request,
        form=FunderForm(_posted(request), funder=funder),
        save=lambda data: services.funder_save(institution=institution, funder=funder, by=user, **data),
        title=funder.name_zh,
        action_url=reverse("funding:funder-edit", kwargs={"pk": funder.pk}),
        done=_("The funder is saved."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def programme_new(request: SignedInRequest, pk: int) -> HttpResponse:
    user = request.user
    funder = _funder_for(user, pk)
    _own(user, funder)
    return _record_form_page(
        request,
        form=ProgrammeForm(_posted(request)),
        save=lambda data: services.programme_save(funder=funder, by=user, **data),
        title=_("Add a programme"),
        subtitle=funder.name_zh,
        action_url=reverse("funding:programme-new", kwargs={"pk": funder.pk}),
        done=_("The programme is saved."),
    )


def _programme_for(user: Any, pk: Any) -> Programme:
    try:
        return visible_programmes(user.institution_id).get(pk=pk)
    except Programme.DoesNotExist as exc:
        raise Http404 from exc


@login_required
@require_http_methods(["GET", "POST"])
def programme_edit(request: SignedInRequest, pk: int) -> HttpResponse:
    user = request.user
    programme = _programme_for(user, pk)
    _own(user, programme.funder)
    return _record_form_page(
        request,
        form=ProgrammeForm(_posted(request), programme=programme),
        save=lambda data: services.programme_save(funder=programme.funder, programme=programme, by=user, **data),
        title=programme.name_zh,
        subtitle=programme.funder.name_zh,
        action_url=reverse("funding:programme-edit", kwargs={"pk": programme.pk}),
        done=_("The programme is saved."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def amount_new(request: SignedInRequest, pk: int) -> HttpResponse:
    user = request.user
    programme = _programme_for(user, pk)
    _own(user, programme.funder)
    return _record_form_page(
        request,
        form=GradeAmountForm(_posted(request)),
        save=lambda data: services.grade_amount_save(programme=programme, by=user, **data),
        title=_("Add an amount"),
        subtitle=str(programme),
        action_url=reverse("funding:amount-new", kwargs={"pk": programme.pk}),
        done=_("The amount is saved."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def amount_edit(request: SignedInRequest, pk: int) -> HttpResponse:
    user = request.user
    try:
        amount = GradeAmount.objects.select_related("programme", "programme__funder").get(
            Q(programme__funder__institution__isnull=True) | Q(programme__funder__institution_id=user.institution_id),
            pk=pk,
        )
    except GradeAmount.DoesNotExist as exc:
        raise Http404 from exc
    _own(user, amount.programme.funder)
    return _record_form_page(
        request,
        form=GradeAmountForm(_posted(request), grade_amount=amount),
        save=lambda data: services.grade_amount_save(programme=amount.programme, grade_amount=amount, by=user, **data),
        title=_("Amount per grade"),
        subtitle=str(amount.programme),
        action_url=reverse("funding:amount-edit", kwargs={"pk": amount.pk}),
        done=_("The amount is saved."),
    )


# ---------------------------------------------------------------------------------------------
# The level mapping

LEVEL_EVENTS = (Event.LEVEL_RULE_SAVED, Event.LEVEL_RULE_REMOVED, Event.LEVEL_RULES_DEFAULTED)


def counted_by_level(institution_id: int) -> dict[str, int]:
    """The institution's awarded projects by the level each counts at (every level present)."""
    counts = dict.fromkeys(Level.values, 0)
    rows = (
        Project.objects.filter(institution_id=institution_id, awarded_on__isnull=False)
        .order_by()
        .values_list("level")
        .annotate(n=Count("pk"))
    )
    for level, n in rows:
        counts[level] = n
    return counts


def _level_rows(institution_id: int) -> list[dict[str, Any]]:
    """Every funder the institution sees, with its rule and its programmes' (or what they inherit),
    and how many awarded projects each counts: four queries."""
    rules = {
        (rule.funder_id, rule.programme_id): rule
        for rule in LevelRule.objects.filter(institution_id=institution_id).order_by()
    }
    counted = Project.objects.filter(institution_id=institution_id, awarded_on__isnull=False).order_by()
    by_funder = dict(counted.values_list("funder_ref").annotate(n=Count("pk")).values_list("funder_ref", "n"))
    by_programme = dict(counted.values_list("programme_ref").annotate(n=Count("pk")).values_list("programme_ref", "n"))
    funders = (
        visible_funders(institution_id)
        .order_by(F("institution_id").asc(nulls_first=True), *funder_order())
        .prefetch_related(Prefetch("programmes", queryset=Programme.objects.order_by("code")))
    )
    labels = dict(Level.choices)
    rows = []
    for funder in funders:
        funder_rule = rules.get((funder.pk, None))
        programmes = []
        for programme in funder.programmes.all():
            rule = rules.get((funder.pk, programme.pk))
            programmes.append(
                {
                    "programme": programme,
                    "rule": rule,
                    "level": rule.level if rule else (funder_rule.level if funder_rule else ""),
                    "level_label": labels.get(rule.level if rule else (funder_rule.level if funder_rule else ""), ""),
                    "inherited": rule is None,
                    "counted": by_programme.get(programme.pk, 0),
                }
            )
        rows.append(
            {
                "funder": funder,
                "rule": funder_rule,
                "level": funder_rule.level if funder_rule else "",
                "level_label": labels.get(funder_rule.level, "") if funder_rule else "",
                "counted": by_funder.get(funder.pk, 0),
                "programmes": programmes,
            }
        )
    return rows


def level_changes(institution_id: int, limit: int = 20) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(institution_id=institution_id, event__in=LEVEL_EVENTS)[:limit])


@login_required
@require_GET
def level_list(request: SignedInRequest) -> HttpResponse:
    institution_id = access.require_mapping_reader(request.user)
    counts = counted_by_level(institution_id)
    context = {
        "rows": _level_rows(institution_id),
        "by_level": [(level, label, counts[level]) for level, label in Level.choices],
        "total": sum(counts.values()),
        "levels": Level.choices,
        "changes": level_changes(institution_id),
        "can_change": access.may_keep_reference(request.user),
        "office_admin": access.may_keep_reference(request.user),
    }
    return render(request, "funding/levels.html", context)


@dataclass(frozen=True)
class Preview:
    level: str
    label: str
    before: int
    change: int

    @property
    def after(self) -> int:
        return self.before + self.change


@login_required
@require_http_methods(["GET", "POST"])
def level_change(request: SignedInRequest) -> HttpResponse:
    """The confirmation of a change of the mapping: what moves, then (POST, confirmed) the change."""
    user = request.user
    institution_id = access.require_office(user)
    institution = user.institution
    assert institution is not None
    form = LevelChangeForm(request.POST if request.method == "POST" else request.GET, institution_id=institution_id)
    if not form.is_valid():
        if form.errors.get("funder") or form.errors.get("programme"):
            raise Http404
        return _level_change_page(request, form, None, None)
    data = form.cleaned_data
    funder, programme, level = data["funder"], data["programme"], data["level"]
    rule = LevelRule.objects.filter(institution=institution, funder=funder, programme=programme).first()
    if not level and rule is None:
        form.add_error("level", _("There is no rule of its own to remove; choose a level."))
        return _level_change_page(request, form, None, rule)
    try:
        change = services.level_change_preview(institution=institution, funder=funder, programme=programme, level=level)
    except DomainError as error:
        form.add_domain_error(error)
        return _level_change_page(request, form, None, rule)
    if request.method == "POST":
        if not data["confirm"]:
            form.add_error("confirm", _("Tick the box to confirm the change."))
        else:
            try:
                if level:
                    services.level_rule_save(
                        institution=institution, funder=funder, programme=programme, level=level, by=user
                    )
                else:
                    assert rule is not None
                    services.level_rule_remove(rule=rule, by=user)
            except DomainError as error:
                form.add_domain_error(error)
            else:
                messages.success(request, _("The level mapping is saved and the projects are recounted."))
                return redirect_after_post(request, reverse("funding:level-list"))
    return _level_change_page(request, form, change, rule)


def _level_change_page(
    request: SignedInRequest, form: LevelChangeForm, change: dict[str, int] | None, rule: LevelRule | None
) -> HttpResponse:
    data = form.cleaned_data if hasattr(form, "cleaned_data") else {}
    funder, programme = data.get("funder"), data.get("programme")
    institution_id = request.user.institution_id
    assert institution_id is not None
    preview: list[Preview] = []
    stranded = 0
    if change is not None:
        counts = counted_by_level(institution_id)
        preview = [Preview(level, str(label), counts[level], change.get(level, 0)) for level, label in Level.choices]
        stranded = change.get("without_level", 0)
    inherited, target = "", data.get("level") or ""
    if programme is not None and funder is not None and not target:
        funder_rule = LevelRule.objects.filter(institution_id=institution_id, funder=funder, programme=None).first()
        inherited = funder_rule.get_level_display() if funder_rule else ""
        target = funder_rule.level if funder_rule else ""
    labels = dict(Level.choices)
    # One rule changes: every awarded project that moves goes from its level to the new one.
    moves = [{"from": p.label, "to": labels[target], "n": -p.change} for p in preview if p.change < 0 and target]
    context = {
        "form": form,
        "funder": funder,
        "programme": programme,
        "rule": rule,
        "level_label": labels.get(data.get("level") or "", ""),
        "inherited": inherited,
        "preview": preview,
        "moves": moves,
        "moved": sum(-p.change for p in preview if p.change < 0 and target),
        "stranded": stranded,
        "total_before": sum(p.before for p in preview),
        "total_after": sum(p.after for p in preview),
    }
    template = "funding/level_change.html#confirm" if is_htmx(request) else "funding/level_change.html"
    return render(request, template, context)


# ---------------------------------------------------------------------------------------------
# The funding rules


@login_required
@require_http_methods(["GET", "POST"])
def funding_rules(request: SignedInRequest) -> HttpResponse:
    user = request.user
    access.require_office(user)
    institution = user.institution
    assert institution is not None
    rules = services.funding_rules_for(institution)
    initial = {name: getattr(rules, name) for name in FundingRulesForm.RULES}
    form = FundingRulesForm(_posted(request), initial=initial)
    if form.is_bound and form.is_valid():
        try:
            services.funding_rules_save(institution=institution, by=user, **form.cleaned_data)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("The funding rules are saved."))
            return redirect_after_post(request, reverse("funding:rules"))
    return _rules_page(request, form, AmountStyleForm(initial={"amount_style": rules.amount_style}), rules)


def _rules_page(
    request: SignedInRequest, form: FundingRulesForm, amounts_form: AmountStyleForm, rules: Any
) -> HttpResponse:
    context = {
        "form": form,
        "amounts_form": amounts_form,
        "timeline": timeline(rules) if rules.pk else [],
        "office_admin": True,
    }
    return render(request, "funding/rules.html", context)


@login_required
@require_http_methods(["POST"])
def amount_style(request: SignedInRequest) -> HttpResponse:
    """How the institution's pages write amounts (80,000 yuan or 8万元): office administrators."""
    user = request.user
    access.require_office(user)
    institution = user.institution
    assert institution is not None
    rules = services.funding_rules_for(institution)
    form = AmountStyleForm(request.POST)
    if form.is_valid():
        try:
            services.amount_style_save(institution=institution, style=form.cleaned_data["amount_style"], by=user)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("Amounts are written the new way on every page."))
            return redirect_after_post(request, reverse("funding:rules"))
    initial = {name: getattr(rules, name) for name in FundingRulesForm.RULES}
    return _rules_page(request, FundingRulesForm(initial=initial), form, rules)
