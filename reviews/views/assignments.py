"""The expert's side: their assignments, and the scoring and declining pages the signed link shares."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.actors import Actor
from accounts.http import SignedInRequest
from catalogue.models import Discipline
from core.errors import DomainError
from core.views import is_htmx, paginate, redirect_after_post
from reviews import services
from reviews.access import assignments, get_assignment_for_user, sees_fellow_members, sees_subject_identity
from reviews.forms import ExpertDeclineForm, ScoreForm
from reviews.models import Form, Member, Review
from reviews.outcome import weighted_score
from reviews.panels import subject_parties
from reviews.views.common import GRADES, RECOMMENDATIONS, Status, number


def _overall_choices(review: Review) -> list[tuple[str, Any]]:
    return RECOMMENDATIONS if review.form.outcome == Form.Outcome.RECOMMENDATION else GRADES


def expert_view_context(member: Member) -> dict[str, Any]:
    """What the expert sees of the review: the subject unless the review hides it, and fellow
    members unless a blind review is still running. Never another expert's scores."""
    review = Review.objects.select_related(
        "form", "appointment__person", "appointment__station", "appointment__primary_supervisor",
        "evaluation__station", "application__discipline", "application__unit",
    ).get(pk=member.review_id)  # fmt: skip
    member.review = review
    criteria = list(review.form.criteria.all())
    parties = subject_parties(review)
    context: dict[str, Any] = {
        "member": member,
        "review": review,
        "criteria": criteria,
        "identity": sees_subject_identity(member),
        "disciplines": list(Discipline.objects.filter(pk__in=parties.disciplines).order_by("code")),
        "fellows": None,
        "can_score": review.status == Status.OPEN
        and member.status == Member.Status.INVITED
        and timezone.localdate() <= review.deadline,
        "can_decline": review.status in (Status.DRAFT, Status.OPEN) and member.status == Member.Status.INVITED,
    }
    if sees_fellow_members(member):
        context["fellows"] = [
            m.expert for m in review.members.select_related("expert").exclude(pk=member.pk).order_by("pk") if m.counts
        ]
    if member.status == Member.Status.SUBMITTED:
        values = {s.criterion_id: s.value for s in member.scores.all()}
        context["submitted"] = [(c, number(values.get(c.pk))) for c in criteria]
        if len(values) == len(criteria):
            context["weighted"] = weighted_score(values, criteria)
    return context


def scoring_page(
    request: HttpRequest, member: Member, *, by: Actor, action_url: str, decline_url: str, extra: dict[str, Any]
) -> HttpResponse:
    context = {**expert_view_context(member), "action_url": action_url, "decline_url": decline_url, **extra}
    review = context["review"]
    form = ScoreForm(
        request.POST if request.method == "POST" else None,
        criteria=context["criteria"],
        overall=_overall_choices(review),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.scores_submit(
                member=member,
                values=form.values(),
                overall=form.cleaned_data["overall"],
                comments=form.cleaned_data["comments"],
                by=by,
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("Thank you: your scores are submitted. They are final."))
            return redirect_after_post(request, action_url)
    context["form"] = form
    return render(request, "reviews/score.html#scoring" if is_htmx(request) else "reviews/score.html", context)


def decline_page(
    request: HttpRequest,
    member: Member,
    *,
    by: Actor,
    done: Callable[[], HttpResponse],
    action_url: str,
    extra: dict[str, Any],
) -> HttpResponse:
    form = ExpertDeclineForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.member_decline(
                member=member,
                reason=form.cleaned_data["reason"],
                conflict=form.cleaned_data["conflict"],
                by=by,
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            return done()
    context = {**expert_view_context(member), "form": form, "action_url": action_url, **extra}
    return render(request, "reviews/decline.html#form" if is_htmx(request) else "reviews/decline.html", context)


@login_required
@require_GET
def assignment_list(request: SignedInRequest) -> HttpResponse:
    members = assignments(request.user).order_by("-review__deadline", "-pk")
    context = paginate(request, members)
    context["rows"] = [{"member": m, "identity": sees_subject_identity(m)} for m in context["page_obj"].object_list]
    return render(request, "reviews/assignments.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def assignment_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    member = get_assignment_for_user(request.user, pk)
    return scoring_page(
        request,
        member,
        by=request.user,  # the signed-in expert themselves (services.is_the_expert)
        action_url=reverse("reviews:assignment", args=[member.pk]),
        decline_url=reverse("reviews:assignment-decline", args=[member.pk]),
        extra={"back_url": reverse("reviews:assignments")},
    )


@login_required
@require_http_methods(["GET", "POST"])
def assignment_decline(request: SignedInRequest, pk: int) -> HttpResponse:
    member = get_assignment_for_user(request.user, pk)
    url = reverse("reviews:assignment", args=[member.pk])

    def done() -> HttpResponse:
        messages.success(request, _("The office is told that you cannot review this."))
        return redirect_after_post(request, url)

    return decline_page(
        request,
        member,
        by=request.user,
        done=done,
        action_url=reverse("reviews:assignment-decline", args=[member.pk]),
        extra={"back_url": url},
    )
