"""The office's review pages: who sees what, the list and its export, a new review, a review and its steps."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from accounts.access import Perm, has_perm, role_names
from accounts.http import SignedInRequest
from accounts.models import Role
from appointments.access import can_manage_appointment, get_appointment_for_user
from appointments.models import Appointment
from audit.timeline import timeline
from core.errors import DomainError
from core.forms import ServiceForm
from core.sheets import writers
from core.sorting import SortColumn, Sorting, choice_rank
from core.views import is_htmx, paginate, redirect_after_post
from reviews import services
from reviews.access import (
    get_review_for_user,
    may_manage_review,
    panel_review_ids,
    review_subjects,
    sees_panel,
    user_conflicts,
    visible_reviews,
)
from reviews.export import reviews_sheet
from reviews.forms import (
    CloseForm,
    ConfirmForm,
    DecideForm,
    DeclineForm,
    DrawForm,
    EmptyForm,
    MemberAddForm,
    NewReviewForm,
    ReviewFilterForm,
)
from reviews.models import POSTDOC_KINDS, Criterion, Expert, Form, Kind, KindRules, Member, Review
from reviews.outcome import Outcome, outcome
from reviews.panels import Profile, conflicts, covers_subject, ineligibility, subject_parties
from reviews.views.common import GRADES, RECOMMENDATIONS, Status, number, refused
from stations.models import Evaluation

# ---------------------------------------------------------------------------------------------
# Who sees what of a review


@dataclass(frozen=True)
class Sight:
    """What a user sees of one review and may do with it."""

    overseer: bool  # runs or oversees reviews: the institution's administrators, leadership, the station's secretary
    panel: bool  # sees who reviews and what they scored (`sees_panel`)
    manage: bool  # runs its steps: a manager who sees the panel
    hidden: str  # why the panel is not shown, as a sentence ("" when it is)


def sight(user: Any, review: Review) -> Sight:
    manager = may_manage_review(user, review)
    overseer = manager or (Role.LEADERSHIP in role_names(user) and user.institution_id == review.institution_id)
    panel = sees_panel(user, review)
    hidden = ""
    if not panel and overseer:
        hidden = _(
            "The panel and its scores are hidden from you because you have a conflict in this review (%(reasons)s)."
        ) % {"reasons": "; ".join(user_conflicts(user, review))}
        if manager:
            hidden += " " + _("Another administrator runs it.")
    elif not panel:
        hidden = _("Your role does not see review panels: you see the review's status and its decision.")
    return Sight(overseer=overseer, panel=panel, manage=manager and panel, hidden=hidden)


def subject_of(review: Review) -> dict[str, Any]:
    """The subject as the office's pages name it: a label, a link, and the postdoc for postdoc kinds."""
    if review.appointment is not None:
        a = review.appointment
        return {
            "label": f"{a.person.name} · {a.postdoc_no}",
            "url": reverse("postdoc-detail", args=[a.pk]),
            "appointment": a,
        }
    if review.evaluation is not None:
        return {
            "label": str(review.evaluation),
            "url": reverse("station-evaluation-detail", args=[review.evaluation.pk]),
        }
    assert review.application is not None
    return {
        "label": str(review.application),
        "url": reverse("establishment:application-detail", args=[review.application.pk]),
    }


# ---------------------------------------------------------------------------------------------
# The list and its export


@dataclass(frozen=True)
class Listed:
    form: ReviewFilterForm
    reviews: QuerySet[Review]
    filtered: bool


# The "scored" column is not sortable: its order would tell a reader without sight of a panel
# how far its scoring has gone.
REVIEW_SORTING = Sorting(
    {
        "title": ("title",),
        "deadline": SortColumn(("deadline",), descending_first=True),
        "status": (choice_rank("status", Review.Status.choices),),
        "decision": (choice_rank("decision", Review.Decision.choices),),
    },
    default=("-deadline",),
    tiebreak=("-pk",),
)


def listed_reviews(request: SignedInRequest) -> Listed:
    form = ReviewFilterForm(request.GET or None)
    form.is_valid()  # invalid filters are shown with their error and left out
    data = form.cleaned_data if form.is_bound else {}
    reviews = review_subjects(visible_reviews(request.user))
    if data.get("q"):
        q = data["q"].strip()
        reviews = reviews.filter(
            Q(title__icontains=q)
            | Q(appointment__person__name__icontains=q)
            | Q(appointment__person__name_en__icontains=q)
            | Q(appointment__postdoc_no__icontains=q)
        )
    if data.get("kind"):
        reviews = reviews.filter(kind=data["kind"])
    if data.get("status"):
        reviews = reviews.filter(status=data["status"])
    if data.get("deadline_from"):
        reviews = reviews.filter(deadline__gte=data["deadline_from"])
    if data.get("deadline_to"):
        reviews = reviews.filter(deadline__lte=data["deadline_to"])
    filters = ("q", "kind", "status", "deadline_from", "deadline_to")
    return Listed(
        form=form,
        reviews=REVIEW_SORTING.order(reviews, REVIEW_SORTING.from_request(request)),
        filtered=any(data.get(name) for name in filters),
    )


@login_required
@require_GET
def review_list(request: SignedInRequest) -> HttpResponse:
    listed = listed_reviews(request)
    reviews = listed.reviews.annotate(
        seated=Count("members", filter=~Q(members__status=Member.Status.DECLINED)),
        submitted=Count("members", filter=Q(members__status=Member.Status.SUBMITTED)),
    )
    context: dict[str, Any] = {
        "form": listed.form,
        "filtered": listed.filtered,
        "sort": REVIEW_SORTING.from_request(request),
        **paginate(request, reviews),
    }
    page = list(context["page_obj"].object_list)
    panel_ids = panel_review_ids(request.user, page)
    context["rows"] = [{"review": r, "subject": subject_of(r), "panel": r.pk in panel_ids} for r in page]
    if is_htmx(request):
        return render(request, "reviews/list.html#rows", context)
    context["is_admin"] = has_perm(request.user, Perm.MANAGE_REFERENCE)
    return render(request, "reviews/list.html", context)


@login_required
@require_GET
def review_export(request: SignedInRequest, fmt: str) -> HttpResponseBase:
    """The reviews the list's filters select, every page, within the user's scope: `.xlsx` or `.csv`."""
    if fmt not in writers.FORMATS:
        raise Http404
    reviews = listed_reviews(request).reviews
    panel_ids = panel_review_ids(request.user, reviews)
    sheet = reviews_sheet(reviews, panel_ids)
    return writers.export_response([sheet], fmt=fmt, basename="reviews")


# ---------------------------------------------------------------------------------------------
# A new review


def _applications() -> QuerySet[Any]:
    """Station applications, which establishment (a layer above) declares; the review's foreign key
    names their model (docs/decisions/0028)."""
    return Review._meta.get_field("application").related_model._default_manager.all()


def _subject_for(request: SignedInRequest) -> tuple[Any, list[tuple[str, Any]], str]:
    """The subject named by the query (`?appointment=`, `?evaluation=` or `?application=`), the kinds
    of review it takes and the query itself: 404 outside the user's scope, 403 for who may not start one."""
    user = request.user
    if "appointment" in request.GET:
        appointment = get_appointment_for_user(user, request.GET["appointment"])
        if not can_manage_appointment(user, appointment):
            raise PermissionDenied
        return appointment, [(k.value, k.label) for k in POSTDOC_KINDS], f"appointment={appointment.pk}"
    subjects: tuple[tuple[str, Kind, QuerySet[Any]], ...] = (
        (
            "evaluation",
            Kind.STATION_EVALUATION,
            Evaluation.objects.filter(station__institution_id=user.institution_id or 0),
        ),
        ("application", Kind.STATION_APPLICATION, _applications().filter(institution_id=user.institution_id or 0)),
    )
    for name, kind, candidates in subjects:
        if name in request.GET:
            try:
                subject = candidates.get(pk=request.GET[name])
            except (ValueError, TypeError, candidates.model.DoesNotExist) as exc:
                raise Http404 from exc
            if not has_perm(user, Perm.MANAGE_REFERENCE):
                raise PermissionDenied
            return subject, [(kind.value, kind.label)], f"{name}={subject.pk}"
    raise Http404


@login_required
@require_http_methods(["GET", "POST"])
def review_new(request: SignedInRequest) -> HttpResponse:
    user = request.user
    subject, kinds, query = _subject_for(request)
    institution_id = user.institution_id or 0
    rules = list(
        KindRules.objects.filter(institution_id=institution_id, kind__in=[k for k, _label in kinds]).select_related(
            "form"
        )
    )
    form = NewReviewForm(
        request.POST if request.method == "POST" else None,
        kinds=kinds,
        forms_qs=Form.objects.filter(institution_id=institution_id),
    )
    if rules and not form.is_bound:
        form.fields["kind"].initial = rules[0].kind  # a kind the institution has rules for
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            review = services.review_create(
                kind=data["kind"],
                subject=subject,
                deadline=data["deadline"],
                title=data["title"],
                form=data["form"],
                by=user,
                **form.rule_overrides(),
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("The review is started. Build its panel, then open it for scoring."))
            return redirect_after_post(request, reverse("reviews:detail", args=[review.pk]))
    context = {
        "form": form,
        "subject": subject,
        "action_url": f"{reverse('reviews:new')}?{query}",
        "cancel_url": subject_url(subject),
        "rules": rules,
    }
    return render(request, "reviews/new.html#form" if is_htmx(request) else "reviews/new.html", context)


def subject_url(subject: Any) -> str:
    if isinstance(subject, Appointment):
        return reverse("postdoc-detail", args=[subject.pk])
    if subject._meta.model_name == "evaluation":
        return reverse("station-evaluation-detail", args=[subject.pk])
    return reverse("establishment:application-detail", args=[subject.pk])


# ---------------------------------------------------------------------------------------------
# One review


def _seated_rows(review: Review, members: list[Member], result: Outcome, manage: bool) -> list[dict[str, Any]]:
    scores = {r.member.pk: r.score for r in result.reviewers}
    replaced = {m.replaces_id for m in members if m.replaces_id}
    changing = review.status in (Status.DRAFT, Status.OPEN)
    rows = []
    for member in members:
        actions = []
        if manage and review.status == Status.DRAFT:
            actions.append(("remove", _("Remove"), True))
        if manage and changing and member.status == Member.Status.INVITED:
            actions.append(("decline", _("Record a decline"), False))
        if manage and changing and member.status == Member.Status.DECLINED and member.pk not in replaced:
            actions.append(("replace", _("Draw a replacement"), False))
        rows.append(
            {
                "member": member,
                "score": scores.get(member.pk),
                "actions": [
                    {
                        "url": reverse(f"reviews:member-{name}", args=[review.pk, member.pk]),
                        "title": title,
                        "danger": danger,
                    }
                    for name, title, danger in actions
                ],
            }
        )
    return rows


def detail_context(request: SignedInRequest, review: Review) -> dict[str, Any]:
    user = request.user
    seen = sight(user, review)
    context: dict[str, Any] = {"review": review, "sight": seen, "subject": subject_of(review)}
    if not seen.panel:
        return context  # no member, score, problem (they name experts) or timeline (it names them too)
    members = list(review.members.select_related("expert", "expert__unit").prefetch_related("scores").order_by("pk"))
    criteria = list(review.form.criteria.all())
    result = outcome(review, members, criteria)
    seated = [m for m in members if m.counts]
    context |= {
        "members": _seated_rows(review, members, result, seen.manage),
        "seated": len(seated),
        "external": sum(1 for m in seated if m.expert.is_external),
        "criteria": criteria,
        **outcome_context(result, criteria),
        "problems": services.problems(review) if review.status == Status.DRAFT else [],
        "steps": [
            {
                "name": step.name,
                "title": step.title,
                "url": reverse(f"reviews:{step.name}", args=[review.pk]),
                "danger": step.danger,
            }
            for step in REVIEW_STEPS.values()
            if seen.manage and step.available(review, len(seated))
        ],
        # Reached only by a reader who sees the panel (above): the timeline may name its experts.
        "timeline": timeline(review, names_experts=True),
    }
    return context


def outcome_context(result: Outcome, criteria: list[Criterion]) -> dict[str, Any]:
    """The outcome with each reviewer's scores in the criteria's order, and the suggestion in words."""
    rows = []
    for reviewer in result.reviewers:
        values = {s.criterion_id: s.value for s in reviewer.member.scores.all()}
        rows.append({"reviewer": reviewer, "values": [number(values.get(c.pk)) for c in criteria]})
    return {
        "outcome": result,
        "outcome_rows": rows,
        "suggested": dict(Review.Decision.choices).get(result.suggested, ""),
    }


PARTS = ("panel", "outcome")


@login_required
@require_GET
def review_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    review = get_review_for_user(request.user, pk)
    review = review_subjects(Review.objects.filter(pk=review.pk)).select_related("institution", "decided_by").get()
    context = detail_context(request, review)
    part = request.GET.get("part")
    if is_htmx(request) and part in PARTS:
        return render(request, f"reviews/detail.html#{part}", context)
    return render(request, "reviews/detail.html", context)


# ---- the steps ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """A step of a review: its own URL, form and service call."""

    name: str
    title: str | Promise
    form: Callable[[Review, Any, Any], ServiceForm]  # (review, member or None, POST data or None)
    perform: Callable[[Review, Any, dict[str, Any], Any], Any]  # (review, member, cleaned data, user)
    done: Callable[[Any], str]  # the message, from what `perform` returned
    available: Callable[[Review, int], bool] = lambda review, seated: True
    danger: bool = False  # asks for confirmation, shown as a danger button
    member: bool = False  # acts on one member of the panel


def _add_form(review: Review, member: Member | None, data: Any) -> ServiceForm:
    """The pool's experts in the subject's disciplines who are not on the panel, each with what the
    rules would say of them."""
    parties = subject_parties(review)
    today = timezone.localdate()
    pool = (
        Expert.objects.filter(institution_id=review.institution_id, is_active=True)
        .exclude(memberships__review=review)
        .select_related("unit")
        .prefetch_related("disciplines", "relations")
        .order_by("name_sort", "name", "pk")
    )
    experts, notes = [], {}
    for expert in pool:
        if not covers_subject({d.pk for d in expert.disciplines.all()}, parties):
            continue
        experts.append(expert.pk)
        reasons = [
            _("conflict: %(reason)s") % {"reason": reason}
            for reason in conflicts(
                Profile.of_expert(expert), parties, on=today, window_years=review.collaboration_window_years
            )
        ] + ineligibility(expert, review, parties)
        if reasons:
            notes[expert.pk] = "; ".join(reasons)
    queryset = Expert.objects.filter(pk__in=experts).select_related("unit").order_by("name_sort", "name", "pk")
    return MemberAddForm(data, experts=queryset, notes=notes)


def _decide_form(review: Review, member: Member | None, data: Any) -> ServiceForm:
    recommendation = review.kind in (Kind.STATION_APPLICATION, Kind.EXTENSION)
    initial = None
    if data is None:
        members = list(review.members.prefetch_related("scores"))
        suggested = outcome(review, members, list(review.form.criteria.all())).suggested
        if suggested in dict(RECOMMENDATIONS if recommendation else GRADES):
            initial = {"decision": suggested}
    return DecideForm(
        data,
        initial=initial,
        choices=RECOMMENDATIONS if recommendation else GRADES,
        extension=review.kind == Kind.EXTENSION,
    )


def _is_early(review: Review) -> bool:
    return review.members.filter(status=Member.Status.INVITED).exists()


def _draft(review: Review, seated: int) -> bool:
    return review.status == Status.DRAFT


REVIEW_STEPS: dict[str, Step] = {
    step.name: step
    for step in [
        Step(
            "add",
            gettext_lazy("Add an expert"),
            _add_form,
            lambda r, m, d, by: services.member_add(review=r, expert=d["expert"], by=by),
            lambda member: _("%(expert)s is on the panel.") % {"expert": member.expert.name},
            _draft,
        ),
        Step(
            "draw",
            gettext_lazy("Draw the panel"),
            lambda r, m, d: DrawForm(d),
            lambda r, m, d, by: services.panel_draw(review=r, seed=d["seed"], by=by),
            lambda drawn: _("%(count)s experts drawn.") % {"count": len(drawn)},
            lambda r, seated: r.status == Status.DRAFT and seated < r.min_size,
        ),
        Step(
            "open",
            gettext_lazy("Open for scoring"),
            lambda r, m, d: EmptyForm(d),
            lambda r, m, d, by: services.review_open(review=r, by=by),
            lambda review: _("The review is open: the experts are invited by mail."),
            _draft,
        ),
        Step(
            "close",
            gettext_lazy("Close the review"),
            lambda r, m, d: CloseForm(d, early=_is_early(r)),
            lambda r, m, d, by: services.review_close(review=r, note=d["note"], by=by),
            lambda review: _("The review is closed; record the decision."),
            lambda r, seated: r.status == Status.OPEN,
            danger=True,
        ),
        Step(
            "decide",
            gettext_lazy("Decide on the review"),
            _decide_form,
            lambda r, m, d, by: services.review_decide(
                review=r,
                decision=d["decision"],
                reason=d["reason"],
                minutes=d["minutes"],
                new_exit_date=d.get("new_exit_date"),
                by=by,
            ),
            lambda review: _("The review's decision is recorded."),
            lambda r, seated: r.status == Status.CLOSED,
        ),
    ]
}

MEMBER_STEPS: dict[str, Step] = {
    step.name: step
    for step in [
        Step(
            "remove",
            gettext_lazy("Remove from the panel"),
            lambda r, m, d: ConfirmForm(d),
            lambda r, m, d, by: services.member_remove(member=m, by=by),
            lambda _none: _("The expert is removed from the panel."),
            danger=True,
            member=True,
        ),
        Step(
            "decline",
            gettext_lazy("Record that the expert declines"),
            lambda r, m, d: DeclineForm(d),
            lambda r, m, d, by: services.member_decline(member=m, reason=d["reason"], conflict=d["conflict"], by=by),
            lambda member: (
                _("Recorded: %(expert)s declines. Draw a replacement if the panel needs one.")
                % {"expert": member.expert.name}
            ),
            member=True,
        ),
        Step(
            "replace",
            gettext_lazy("Draw a replacement"),
            lambda r, m, d: EmptyForm(d),
            lambda r, m, d, by: services.member_replace(member=m, by=by),
            lambda member: _("%(expert)s is drawn as the replacement.") % {"expert": member.expert.name},
            member=True,
        ),
    ]
}


@login_required
@require_http_methods(["GET", "POST"])
def review_step(request: SignedInRequest, pk: int, step: str, member_pk: int | None = None) -> HttpResponse:
    """One step: its form (GET; htmx loads it into the review's page) and its POST."""
    user = request.user
    spec = MEMBER_STEPS[step] if member_pk is not None else REVIEW_STEPS[step]
    review = get_review_for_user(user, pk)
    if not may_manage_review(user, review):
        raise PermissionDenied
    seen = sight(user, review)
    if not seen.panel:  # a manager with a conflict does not run the review (回避)
        return refused(request, seen.hidden, review=review)
    member = (
        get_object_or_404(Member.objects.select_related("expert"), pk=member_pk, review=review) if spec.member else None
    )
    data = request.POST if request.method == "POST" else None
    form = spec.form(review, member, data)
    if data is not None and form.is_valid():
        try:
            result = spec.perform(review, member, form.cleaned_data, user)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, spec.done(result))
            return redirect_after_post(request, reverse("reviews:detail", args=[review.pk]))
    context: dict[str, Any] = {
        "review": review,
        "step": spec,
        "member": member,
        "form": form,
        "action_url": request.path,
    }
    if spec.name == "open":
        context["problems"] = services.problems(review)
    if spec.name in ("close", "decide"):
        members = list(review.members.select_related("expert").prefetch_related("scores"))
        criteria = list(review.form.criteria.all())
        context |= {"criteria": criteria, **outcome_context(outcome(review, members, criteria), criteria)}
    template = "reviews/step.html#form" if is_htmx(request) else "reviews/step.html"
    return render(request, template, context)
