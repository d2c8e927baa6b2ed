"""A review from its creation to its opening: its subject, its panel drawn or built by hand, its problems."""

import datetime as dt
import secrets
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.actors import Actor
from accounts.models import User
from audit.events import Event
from audit.services import record_event, snapshot
from core.errors import require as _require
from core.review_subjects import subject_of
from reviews.access import may_manage_review
from reviews.models import Expert, Form, Kind, KindRules, Member, Relation, Review
from reviews.panels import (
    Profile,
    conflicts,
    covers_subject,
    draw,
    external_needed,
    ineligibility,
    panel_problems,
    subject_parties,
)
from reviews.services.common import _day, _event, _lock, _require_manager, _today, is_the_expert
from reviews.services.experts_and_forms import RULE_FIELDS, _check_rules
from reviews.tasks import send_invitations

# ---- a review -----------------------------------------------------------------------------------


def _subject_fields(kind: str, subject: Any) -> dict[str, Any]:
    """The review's subject as the app that registered its kind takes it (`core.review_subjects`):
    the review's field that holds it, and the subject's institution."""
    _require(kind in Kind.values, _("Choose the kind of review."), "kind")
    entry = subject_of(kind)
    subject, institution_id = entry.take(subject)
    return {entry.field: subject, "institution_id": institution_id}


@transaction.atomic
def review_create(
    *,
    kind: str,
    subject: Any,
    deadline: dt.date,
    by: User,
    title: str = "",
    form: Form | None = None,
    on: dt.date | None = None,
    **rules: Any,
) -> Review:
    """Starts a review of a subject with the institution's rules for its kind (which the review
    copies; `rules` may tighten or change them for this review)."""
    fields = _subject_fields(kind, subject)
    review = Review(kind=kind, deadline=deadline, created_by=by, **fields)
    _require_manager(by, review)
    kind_rules = KindRules.objects.filter(institution_id=review.institution_id, kind=kind).first()
    form = form or (kind_rules.form if kind_rules else None)
    _require(
        form is not None,
        _("Set up the panel rules and form for this kind of review first, or choose a form."),
        "form",
    )
    assert form is not None
    _require(form.institution_id == review.institution_id, _("The form belongs to another institution."), "form")
    review.form = form
    if kind_rules is not None:
        for name in RULE_FIELDS:
            setattr(review, name, getattr(kind_rules, name))
        review.collaboration_window_years = kind_rules.collaboration_window_years
    unknown = sorted(set(rules) - set(RULE_FIELDS))
    _require(not unknown, _("Unknown panel rules: %(fields)s.") % {"fields": ", ".join(unknown)})
    _check_rules(rules)
    for name, value in rules.items():
        setattr(review, name, value)
    _require(deadline >= _day(on), _("The deadline cannot be in the past."), "deadline")
    review.title = title.strip() or f"{Kind(kind).label} · {subject}"
    review.attempt = (
        Review.objects.filter(
            kind=kind, decision=Review.Decision.FAIL, **{k: v for k, v in fields.items() if k != "institution_id"}
        ).count()
        + 1
    )
    review.save()
    _event(by, Event.REVIEW_CREATED, review)
    return review


def _seated(review: Review) -> list[Member]:
    return list(review.members.select_related("expert").order_by("id"))


def _check_candidate(review: Review, expert: Expert, on: dt.date) -> None:
    parties = subject_parties(review)
    reasons = conflicts(Profile.of_expert(expert), parties, on=on, window_years=review.collaboration_window_years)
    _require(
        not reasons,
        _("%(expert)s has a conflict and cannot sit on this panel: %(reasons)s.")
        % {"expert": expert.name, "reasons": "; ".join(reasons)},
        "expert",
    )


@transaction.atomic
def member_add(*, review: Review, expert: Expert, by: Actor, on: dt.date | None = None) -> Member:
    """Puts an expert on the panel by hand. A conflicted expert is refused; other rules are checked
    when the panel opens, so an office can build a panel step by step."""
    review = _lock(review)
    _require_manager(by, review)
    _require(review.status == Review.Status.DRAFT, _("The panel can only be changed before the review opens."))
    _require(
        expert.institution_id == review.institution_id, _("The expert is in another institution's pool."), "expert"
    )
    _require(
        not review.members.filter(expert=expert).exists(),
        _("%(expert)s is already on the panel.") % {"expert": expert.name},
        "expert",
    )
    _check_candidate(review, expert, _day(on))
    member = Member.objects.create(review=review, expert=expert, source=Member.Source.HAND)
    record_event(
        actor=by,
        event=Event.REVIEW_MEMBER_ADDED,
        target=member,
        parent=review,
        after=snapshot(member, ["expert", "source", "status"]),
        institution=review.institution,
    )
    return member


@transaction.atomic
def member_remove(*, member: Member, by: Actor) -> None:
    review = _lock(member.review)
    _require_manager(by, review)
    _require(review.status == Review.Status.DRAFT, _("The panel can only be changed before the review opens."))
    before = snapshot(member, ["expert", "source", "status"])
    record_event(
        actor=by,
        event=Event.REVIEW_MEMBER_REMOVED,
        target=member,
        parent=review,
        before=before,
        institution=review.institution,
    )
    member.delete()


def _candidates(review: Review, exclude: set[int], today: dt.date) -> list[Expert]:
    """Experts the review's rules admit who have no conflict on that day, in the subject's disciplines."""
    parties = subject_parties(review)
    pool = (
        Expert.objects.filter(institution_id=review.institution_id, is_active=True)
        .exclude(pk__in=exclude)
        .prefetch_related("disciplines", "relations")
        .order_by("pk")
    )
    return [
        expert
        for expert in pool
        if covers_subject({d.pk for d in expert.disciplines.all()}, parties)
        and not ineligibility(expert, review, parties)
        and not conflicts(Profile.of_expert(expert), parties, on=today, window_years=review.collaboration_window_years)
    ]


@transaction.atomic
def panel_draw(*, review: Review, by: Actor, seed: int | None = None, on: dt.date | None = None) -> list[Member]:
    """Fills the panel up to its size by a random draw (抽取) from eligible experts in the subject's
    disciplines, never a conflicted one, with enough external members for the rules. The seed is
    recorded, so the draw can be repeated and checked."""
    review = _lock(review)
    _require_manager(by, review)
    _require(review.status == Review.Status.DRAFT, _("The panel can only be changed before the review opens."))
    members = _seated(review)
    seated = [m for m in members if m.counts]
    seats = review.min_size - len(seated)
    _require(seats > 0, _("The panel is already full."))
    external_seats = max(0, external_needed(review) - sum(1 for m in seated if m.expert.is_external))
    review.seed = secrets.randbits(48) if seed is None else seed
    draw_round = len(members)  # each draw and replacement of a review takes its own round
    result = draw(
        _candidates(review, {m.expert_id for m in members}, _day(on)),
        seed=review.seed,
        round=draw_round,
        seats=seats,
        external_seats=min(external_seats, seats),
    )
    review.save(update_fields=["seed"])
    drawn = [Member.objects.create(review=review, expert=e, source=Member.Source.DRAW) for e in result.drawn]
    _event(
        by,
        Event.REVIEW_PANEL_DRAWN,
        review,
        after={
            "seed": result.seed,
            "round": result.round,
            "candidates": result.candidates,
            "drawn": [e.pk for e in result.drawn],
            "external_seats": external_seats,
        },
    )
    return drawn


@transaction.atomic
def member_decline(*, member: Member, reason: str, by: Actor, conflict: bool = False) -> Member:
    """Records that an expert declines (by the office, or the expert through their link). With
    `conflict`, the expert declares a conflict with the subject, which is kept for later reviews."""
    review = _lock(member.review)
    member = Member.objects.select_for_update().select_related("expert").get(pk=member.pk)
    _require(is_the_expert(by, member) or may_manage_review(by, review), _("You may not change this panel."))
    _require(review.status in (Review.Status.DRAFT, Review.Status.OPEN), _("This review is closed."))
    _require(member.status == Member.Status.INVITED, _("Only an invited expert who has not scored can decline."))
    _require(bool(reason.strip()), _("Say why the expert declines."), "reason")
    before = snapshot(member, ["status", "declined_reason"])
    member.status = Member.Status.DECLINED
    member.declined_reason = reason.strip()
    member.link_key = secrets.token_urlsafe(16)  # the link stops working
    member.save(update_fields=["status", "declined_reason", "link_key"])
    after = snapshot(member, ["status", "declined_reason"])
    if conflict:
        relation = _declared_conflict(review, member.expert, reason)
        after["declared_conflict"] = relation
    record_event(
        actor=by,
        event=Event.REVIEW_MEMBER_DECLINED,
        target=member,
        parent=review,
        before=before,
        after=after,
        institution=review.institution,
        note=reason,
    )
    return member


def _declared_conflict(review: Review, expert: Expert, reason: str) -> dict[str, Any]:
    """A conflict the expert declares on their assignment: recorded against the subject's person
    (a postdoc) or unit, so that later draws avoid it too."""
    parties = subject_parties(review)
    target: dict[str, Any] = (
        {"person_id": next(iter(parties.persons))} if parties.persons else {"unit_id": next(iter(parties.units))}
    )
    relation = Relation.objects.create(
        expert=expert,
        kind=Relation.Kind.DECLARED,
        declared_by=Relation.DeclaredBy.EXPERT,
        on=_today(),
        note=reason.strip(),
        **target,
    )
    return snapshot(relation)


@transaction.atomic
def member_replace(*, member: Member, by: Actor) -> Member:
    """Draws a replacement for an expert who declined, keeping the panel within its rules."""
    review = _lock(member.review)
    _require_manager(by, review)
    _require(review.status in (Review.Status.DRAFT, Review.Status.OPEN), _("This review is closed."))
    member = Member.objects.select_related("expert").get(pk=member.pk)
    _require(member.status == Member.Status.DECLINED, _("Only an expert who declined is replaced."))
    _require(
        not Member.objects.filter(review=review, replaces=member).exists(),
        _("This expert has already been replaced."),
    )
    members = _seated(review)
    seated = [m for m in members if m.counts]
    external_short = external_needed(review) - sum(1 for m in seated if m.expert.is_external)
    if review.seed is None:
        review.seed = secrets.randbits(48)
        review.save(update_fields=["seed"])
    result = draw(
        _candidates(review, {m.expert_id for m in members}, _today()),
        seed=review.seed,
        round=len(members),
        seats=1,
        external_seats=1 if external_short > 0 else 0,
    )
    replacement = Member.objects.create(
        review=review, expert=result.drawn[0], source=Member.Source.REPLACEMENT, replaces=member
    )
    record_event(
        actor=by,
        event=Event.REVIEW_MEMBER_REPLACED,
        target=replacement,
        parent=review,
        after={
            "replaces": member.pk,
            "expert": replacement.expert_id,
            "seed": result.seed,
            "round": result.round,
            "candidates": result.candidates,
        },
        institution=review.institution,
    )
    if review.status == Review.Status.OPEN:
        transaction.on_commit(lambda: _queue_invitations(review.pk, [replacement.pk]))
    return replacement


def problems(review: Review, on: dt.date | None = None) -> list[str]:
    """The rules the review's panel breaks (today, or on the day given): empty when it may open."""
    return panel_problems(review, _seated(review), subject_parties(review), on=on or _today())


@transaction.atomic
def review_open(*, review: Review, by: Actor, on: dt.date | None = None) -> Review:
    """Opens the review for scoring once the panel meets every rule; invitations go out by mail."""
    review = _lock(review)
    _require_manager(by, review)
    _require(review.status == Review.Status.DRAFT, _("This review is already open."))
    day = _day(on)
    broken = problems(review, day)
    _require(not broken, _("The panel cannot open: %(problems)s") % {"problems": " ".join(broken)})
    _require(review.deadline >= day, _("The deadline has passed; set a later one first."), "deadline")
    before = snapshot(review)
    review.status = Review.Status.OPEN
    review.opened_on = day
    review.save(update_fields=["status", "opened_on"])
    _event(by, Event.REVIEW_OPENED, review, before=before)
    member_ids = [m.pk for m in review.members.all() if m.counts]
    transaction.on_commit(lambda: _queue_invitations(review.pk, member_ids))
    return review


def _queue_invitations(review_id: int, member_ids: list[int]) -> None:
    send_invitations.enqueue(review_id, member_ids)
