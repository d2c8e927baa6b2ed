"""The expert pool (office administrators): the list, an expert, the relations that conflict them out."""

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.http import SignedInRequest
from appointments.models import Appointment
from audit.timeline import timeline
from catalogue.models import Discipline, Institution, Unit
from core.errors import DomainError
from core.sorting import SortColumn, Sorting
from core.views import is_htmx, paginate, redirect_after_post
from people.models import Supervisor
from reviews import services
from reviews.access import conflicted_review_ids
from reviews.forms import ExpertFilterForm, ExpertForm, RelationForm
from reviews.models import Expert
from reviews.views.common import admin_institution

EXPERT_SORTING = Sorting(
    {
        "name": ("name_sort", "name"),
        "code": ("code",),
        "affiliation": ("is_external", "unit__code", "affiliation"),
        "rank": SortColumn(("rank",), descending_first=True),
        "active": SortColumn(("is_active",), descending_first=True),
    },
    default=("name_sort", "name"),
)


def _expert_for(user: Any, pk: Any) -> Expert:
    institution = admin_institution(user)
    try:
        return Expert.objects.select_related("unit", "supervisor", "user").get(pk=pk, institution=institution)
    except (ValueError, TypeError, Expert.DoesNotExist) as exc:
        raise Http404 from exc


@login_required
@require_GET
def expert_list(request: SignedInRequest) -> HttpResponse:
    institution = admin_institution(request.user)
    experts = Expert.objects.filter(institution=institution)
    form = ExpertFilterForm(
        request.GET or None,
        disciplines=Discipline.objects.filter(pk__in=experts.values("disciplines")).order_by("code"),
    )
    form.is_valid()
    data = form.cleaned_data if form.is_bound else {}
    if data.get("q"):
        q = data["q"].strip()
        experts = experts.filter(
            Q(name__icontains=q) | Q(name_en__icontains=q) | Q(code__icontains=q) | Q(affiliation__icontains=q)
        )
    if data.get("external"):
        experts = experts.filter(is_external=data["external"] == "external")
    if data.get("discipline"):
        experts = experts.filter(
            pk__in=Expert.disciplines.through.objects.filter(discipline=data["discipline"]).values("expert")
        )
    if data.get("active"):
        experts = experts.filter(is_active=data["active"] == "yes")
    sort = EXPERT_SORTING.from_request(request)
    experts = EXPERT_SORTING.order(experts.select_related("unit").prefetch_related("disciplines"), sort)
    context = {
        "form": form,
        "sort": sort,
        "filtered": any(data.get(name) for name in ("q", "external", "discipline", "active")),
        **paginate(request, experts),
    }
    return render(request, "reviews/experts.html#rows" if is_htmx(request) else "reviews/experts.html", context)


def _expert_form(institution: Institution, data: Any = None, **kwargs: Any) -> ExpertForm:
    return ExpertForm(
        data,
        units=Unit.objects.filter(institution=institution).order_by("code"),
        supervisors=Supervisor.objects.filter(institution=institution).order_by("name_sort", "name", "staff_no"),
        disciplines=Discipline.objects.filter(is_active=True).order_by("code"),
        languages=settings.LANGUAGES,
        **kwargs,
    )


@login_required
@require_http_methods(["GET", "POST"])
def expert_edit(request: SignedInRequest, pk: int | None = None) -> HttpResponse:
    """A new expert (no pk) or an expert's details."""
    user = request.user
    institution = admin_institution(user)
    expert = _expert_for(user, pk) if pk is not None else None
    initial = ExpertForm.initial_for(expert) if expert is not None else None
    form = _expert_form(institution, request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.expert_save(
                institution=institution,
                expert=expert,
                disciplines=form.cleaned_data["disciplines"],
                by=user,
                **form.service_fields(),
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("%(name)s is saved in the pool.") % {"name": saved.name})
            return redirect_after_post(request, reverse("reviews:expert-detail", args=[saved.pk]))
    return render(request, "reviews/expert_form.html", {"form": form, "expert": expert})


def _relation_form(institution: Institution, data: Any = None) -> RelationForm:
    return RelationForm(
        data,
        units=Unit.objects.filter(institution=institution).order_by("code"),
        supervisors=Supervisor.objects.filter(institution=institution).order_by("name_sort", "name", "staff_no"),
    )


def _expert_context(
    request: SignedInRequest, expert: Expert, relation_form: RelationForm | None = None
) -> dict[str, Any]:
    institution = admin_institution(request.user)
    hidden = conflicted_review_ids(request.user)
    return {
        "expert": expert,
        "disciplines": list(expert.disciplines.order_by("code")),
        "relations": list(expert.relations.select_related("person", "supervisor", "unit")),
        "relation_form": relation_form or _relation_form(institution),
        # Not the panels of reviews the user has a conflict in: that would name their reviewers.
        "memberships": list(
            expert.memberships.exclude(review_id__in=hidden).select_related("review").order_by("-review__deadline")
        ),
        "timeline": timeline(expert, names_experts=True),  # the pool's page: office administrators only
    }


@login_required
@require_GET
def expert_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    expert = _expert_for(request.user, pk)
    return render(request, "reviews/expert.html", _expert_context(request, expert))


@login_required
@require_http_methods(["GET", "POST"])
def expert_relation(request: SignedInRequest, pk: int) -> HttpResponse:
    """Records a relation that conflicts the expert out of reviews of a party."""
    user = request.user
    expert = _expert_for(user, pk)
    institution = admin_institution(user)
    form = _relation_form(institution, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        person = None
        try:
            if data["postdoc_no"].strip():
                appointment = (
                    Appointment.objects.filter(institution=institution, postdoc_no=data["postdoc_no"].strip())
                    .select_related("person")
                    .first()
                )
                if appointment is None:
                    raise DomainError(
                        _("No postdoc numbered %(no)s in this institution.") % {"no": data["postdoc_no"].strip()},
                        field="postdoc_no",
                    )
                person = appointment.person
            services.relation_record(
                expert=expert,
                kind=data["kind"],
                on=data["on"],
                person=person,
                supervisor=data["supervisor"],
                unit=data["unit"],
                declared_by=data["declared_by"],
                note=data["note"],
                by=user,
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("The relation is recorded; draws avoid it from now on."))
            return redirect_after_post(request, reverse("reviews:expert-detail", args=[expert.pk]))
    if is_htmx(request):
        return render(request, "reviews/expert.html#relation-form", {"expert": expert, "relation_form": form})
    return render(request, "reviews/expert.html", _expert_context(request, expert, form))
