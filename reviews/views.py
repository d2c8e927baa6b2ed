"""The review pages: the office's list (and its export), a new review, the review with its steps
(each at its own URL, its form an htmx partial through the same view), the expert pool, the panel
rules and scoring forms; an expert's assignments, and the signed link an external expert scores through.

Who sees a panel is `reviews.access`'s answer, asked on every page, partial and export: a user who
may not see it (the subject's postdoc and supervisors, anyone with a conflict — administrators
included) gets no reviewer's name and no score, and a manager with a conflict cannot run the
review's steps either (回避). Writes go to `reviews.services`; their refusals come back next to the
field they name, with the input kept.
"""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from accounts.access import Perm, can_manage_appointment, get_appointment_for_user, has_perm, role_names
from accounts.models import Role
from appointments.models import Appointment
from audit.timeline import timeline
from catalogue.models import Discipline, Institution, Unit
from core.errors import DomainError
from core.forms import ServiceForm
from core.sorting import SortColumn, Sorting, choice_rank
from core.views import SignedInRequest, is_htmx, paginate, redirect_after_post
from establishment.models import Application
from exchange import exporter
from people.models import Supervisor
from reviews import links, services
from reviews.access import (
    assignments,
    conflicted_review_ids,
    get_assignment_for_user,
    get_review_for_user,
    panel_review_ids,
    review_subjects,
    sees_fellow_members,
    sees_panel,
    sees_subject_identity,
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
    ExpertDeclineForm,
    ExpertFilterForm,
    ExpertForm,
    FormCreateForm,
    KindRulesForm,
    MemberAddForm,
    NewReviewForm,
    RelationForm,
    ReviewFilterForm,
    ScoreForm,
)
from reviews.models import POSTDOC_KINDS, Criterion, Expert, Form, Kind, KindRules, Member, Review
from reviews.outcome import Outcome, outcome, weighted_score
from reviews.panels import Profile, conflicts, covers_subject, ineligibility, subject_parties
from stations.models import Evaluation

Status = Review.Status
GRADES = [
    (d.value, d.label)
    for d in (Review.Decision.EXCELLENT, Review.Decision.GOOD, Review.Decision.PASS, Review.Decision.FAIL)
]
RECOMMENDATIONS = [(d.value, d.label) for d in (Review.Decision.SUPPORT, Review.Decision.REJECT)]


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
    manager = services.may_manage_review(user, review)
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
    if fmt not in exporter.FORMATS:
        raise Http404
    reviews = listed_reviews(request).reviews
    panel_ids = panel_review_ids(request.user, reviews)
    sheet = reviews_sheet(reviews, panel_ids)
    return exporter.export_response([sheet], fmt=fmt, basename="reviews")


# ---------------------------------------------------------------------------------------------
# A new review


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
        ("application", Kind.STATION_APPLICATION, Application.objects.filter(institution_id=user.institution_id or 0)),
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


def number(value: Decimal | None) -> str:
    """A score as people write it: 8.5, 8, 10 (not 8.50, 8.00 or 1E+1)."""
    return "" if value is None else format(value.normalize(), "f")


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


def refused(request: HttpRequest, sentence: str, *, status: int = 403, **context: Any) -> HttpResponse:
    return render(request, "reviews/refused.html", {"sentence": sentence, **context}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def review_step(request: SignedInRequest, pk: int, step: str, member_pk: int | None = None) -> HttpResponse:
    """One step: its form (GET; htmx loads it into the review's page) and its POST."""
    user = request.user
    spec = MEMBER_STEPS[step] if member_pk is not None else REVIEW_STEPS[step]
    review = get_review_for_user(user, pk)
    if not services.may_manage_review(user, review):
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


# ---------------------------------------------------------------------------------------------
# The expert pool (office administrators)


def _admin_institution(user: Any) -> Institution:
    if not has_perm(user, Perm.MANAGE_REFERENCE) or user.institution is None:
        raise PermissionDenied
    return user.institution


def _expert_for(user: Any, pk: Any) -> Expert:
    institution = _admin_institution(user)
    try:
        return Expert.objects.select_related("unit", "supervisor", "user").get(pk=pk, institution=institution)
    except (ValueError, TypeError, Expert.DoesNotExist) as exc:
        raise Http404 from exc


@login_required
@require_GET
def expert_list(request: SignedInRequest) -> HttpResponse:
    institution = _admin_institution(request.user)
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
    institution = _admin_institution(user)
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
    institution = _admin_institution(request.user)
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
    institution = _admin_institution(user)
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


# ---------------------------------------------------------------------------------------------
# Panel rules and scoring forms (office administrators)


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
    institution = _admin_institution(request.user)
    return render(request, "reviews/rules.html", _rules_context(institution))


@login_required
@require_http_methods(["GET", "POST"])
def rules_edit(request: SignedInRequest, kind: str) -> HttpResponse:
    user = request.user
    institution = _admin_institution(user)
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
    institution = _admin_institution(user)
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


# ---------------------------------------------------------------------------------------------
# The expert's side: assignments (with an account) and the signed link (without one)


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


def _scoring(
    request: HttpRequest, member: Member, *, by: Any, action_url: str, decline_url: str, extra: dict[str, Any]
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


def _decline(
    request: HttpRequest,
    member: Member,
    *,
    by: Any,
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
    return _scoring(
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

    return _decline(
        request,
        member,
        by=request.user,
        done=done,
        action_url=reverse("reviews:assignment-decline", args=[member.pk]),
        extra={"back_url": url},
    )


# ---- the signed link: no account, no office navigation ---------------------------------------


def _link_headers(response: HttpResponse) -> HttpResponse:
    # The token is the expert's key: never sent to another site as a referrer, never indexed.
    # ("no-referrer" would make the browser send `Origin: null`, which CSRF checks refuse.)
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


# The link's pages are the expert's, whoever else is signed in on this browser: rendered as for a
# visitor, base.html shows no office navigation, account or sign-out, only the language switch.
LINK_CONTEXT = {"user": AnonymousUser(), "link_page": True}


def _refusal_status(token: str) -> int:
    """410 Gone for a link that worked once (withdrawn, expired, closed); 403 for anything else."""
    try:
        data = signing.loads(token, salt=links.SALT)
        review_status = Member.objects.filter(pk=int(data["m"])).values_list("review__status", flat=True).get()
    except (signing.BadSignature, KeyError, TypeError, ValueError, Member.DoesNotExist):
        return 403
    return 403 if review_status == Status.DRAFT else 410


def _member_for_link(request: HttpRequest, token: str) -> Member | HttpResponse:
    try:
        return links.member_for_token(token)
    except DomainError as error:
        return _link_headers(refused(request, error.message, status=_refusal_status(token), **LINK_CONTEXT))


@never_cache
@require_http_methods(["GET", "POST"])
def link_page(request: HttpRequest, token: str) -> HttpResponse:
    member = _member_for_link(request, token)
    if isinstance(member, HttpResponse):
        return member
    url = reverse("reviews:link", args=[token])
    response = _scoring(
        request,
        member,
        by=services.ExpertActor(member),
        action_url=url,
        decline_url=reverse("reviews:link-decline", args=[token]),
        extra=LINK_CONTEXT,
    )
    return _link_headers(response)


@never_cache
@require_http_methods(["GET", "POST"])
def link_decline(request: HttpRequest, token: str) -> HttpResponse:
    member = _member_for_link(request, token)
    if isinstance(member, HttpResponse):
        return member

    def done() -> HttpResponse:
        # The link stops working now: the confirmation is this page, not a redirect to it.
        return render(request, "reviews/declined.html", {**LINK_CONTEXT, "member": member})

    response = _decline(
        request,
        member,
        by=services.ExpertActor(member),
        done=done,
        action_url=reverse("reviews:link-decline", args=[token]),
        extra={**LINK_CONTEXT, "back_url": reverse("reviews:link", args=[token])},
    )
    return _link_headers(response)
