"""Every write of the review engine: the pool, forms and rules, a review from its creation to its
decision. Each function takes its actor, runs in one transaction and leaves one audit event; the
decision is applied to the subject through the subject's own service."""

import datetime as dt
import secrets
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import Perm, can_manage_appointment, has_perm
from appointments.models import Appointment, Policy
from audit.services import record_event, snapshot
from catalogue.models import Discipline, Institution
from catalogue.services import validation_message
from core.errors import DomainError
from core.errors import require as _require
from reviews.models import POSTDOC_KINDS, Criterion, Expert, Form, Kind, KindRules, Member, Relation, Review, Score
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

RULE_FIELDS = ("min_size", "min_external_percent", "min_rank", "doctoral_supervisors_only", "blind")
EXPERT_FIELDS = (
    "code",
    "name",
    "name_en",
    "is_external",
    "affiliation",
    "unit",
    "supervisor",
    "user",
    "title",
    "rank",
    "is_doctoral_supervisor",
    "email",
    "phone",
    "language",
    "is_active",
)


def _today() -> dt.date:
    return timezone.localdate()


def _day(on: dt.date | None) -> dt.date:
    """The day a step happens: today, or an earlier day when the office records a review held on
    paper (the demo's 2023 application too). Never a day to come."""
    if on is None:
        return _today()
    _require(on <= _today(), _("The date cannot be in the future."), "on")
    return on


def _require_admin(by: Any, institution_id: int) -> None:
    _require(
        has_perm(by, Perm.MANAGE_REFERENCE) and by.institution_id == institution_id,
        _("Only an office administrator of this institution may do this."),
    )


def may_manage_review(by: Any, review: Review) -> bool:
    """Administrators run every review of their institution; a station secretary runs the postdoc
    assessments of their stations."""
    if getattr(by, "institution_id", None) != review.institution_id:
        return False
    if has_perm(by, Perm.MANAGE_REFERENCE):
        return True
    return review.appointment is not None and can_manage_appointment(by, review.appointment)


def _require_manager(by: Any, review: Review) -> None:
    """Runs a review: one who may manage it and has no conflict in it (a conflicted administrator
    may not see the panel, so another one runs it)."""
    from reviews.access import user_conflicts

    _require(may_manage_review(by, review), _("You may not run this review."))
    reasons = user_conflicts(by, review)
    _require(
        not reasons,
        _("You have a conflict in this review (%(reasons)s): another administrator runs it.")
        % {"reasons": "; ".join(reasons)},
    )


def _lock(review: Review) -> Review:
    return Review.objects.select_for_update().select_related("form").get(pk=review.pk)


def _event(by: Any, event: str, review: Review, *, before: Any = None, after: Any = None, note: str = "") -> None:
    record_event(
        actor=by,
        event=event,
        target=review,
        before=before,
        after=after if after is not None else snapshot(review),
        institution=review.institution,
        note=note,
    )


# ---- the pool -----------------------------------------------------------------------------------


@transaction.atomic
def expert_save(
    *,
    institution: Institution,
    by: Any,
    expert: Expert | None = None,
    disciplines: Iterable[Discipline] | None = None,
    note: str = "",
    **fields: Any,
) -> Expert:
    """Adds an expert to the pool or changes one, with their disciplines of expertise."""
    _require_admin(by, institution.pk)
    unknown = sorted(set(fields) - set(EXPERT_FIELDS))
    _require(not unknown, _("Unknown expert details: %(fields)s.") % {"fields": ", ".join(unknown)})
    creating = expert is None
    if expert is None:
        expert = Expert(institution=institution)
    else:
        expert = Expert.objects.select_for_update().get(pk=expert.pk, institution=institution)
    before = (
        None
        if creating
        else {**snapshot(expert), "disciplines": sorted(expert.disciplines.values_list("code", flat=True))}
    )
    for name, value in fields.items():
        setattr(expert, name, value)
    if isinstance(fields.get("name"), str):
        expert.name = fields["name"].strip()
    _require(bool(expert.name), _("An expert needs a name."), "name")
    expert.code = expert.code.strip()
    _require(
        not expert.code
        or not Expert.objects.filter(institution=institution, code=expert.code).exclude(pk=expert.pk).exists(),
        _("Expert number %(code)s is already taken.") % {"code": expert.code},
        "code",
    )
    if expert.is_external:
        _require(
            expert.unit_id is None and expert.supervisor_id is None,
            _("An external expert has no unit or staff record of this institution."),
            "is_external",
        )
        _require(bool(expert.affiliation.strip()), _("Name the external expert's institution."), "affiliation")
    else:
        _require(expert.unit_id is not None, _("An internal expert needs their unit."), "unit")
        _require(expert.unit.institution_id == institution.pk, _("The unit belongs to another institution."), "unit")  # type: ignore[union-attr]
        if expert.supervisor_id is not None:
            _require(
                expert.supervisor.institution_id == institution.pk,  # type: ignore[union-attr]
                _("The staff record belongs to another institution."),
                "supervisor",
            )
            holder = Expert.objects.filter(supervisor_id=expert.supervisor_id).exclude(pk=expert.pk).first()
            _require(
                holder is None,
                _("This staff record is already linked to the expert %(expert)s.") % {"expert": holder},
                "supervisor",
            )
    if expert.user_id is not None:
        _require(
            not Expert.objects.filter(user_id=expert.user_id).exclude(pk=expert.pk).exists(),
            _("This account is already linked to another expert."),
            "user",
        )
    try:
        expert.full_clean(exclude=["unit", "supervisor", "user", "institution"], validate_unique=False)
    except ValidationError as error:
        message, field = validation_message(error)
        raise DomainError(message, field=field) from None
    expert.save()
    if disciplines is not None:
        expert.disciplines.set(disciplines)
    after = {**snapshot(expert), "disciplines": sorted(expert.disciplines.values_list("code", flat=True))}
    record_event(
        actor=by,
        event="expert.created" if creating else "expert.changed",
        target=expert,
        before=before,
        after=after,
        institution=institution,
        note=note,
    )
    return expert


@transaction.atomic
def relation_record(
    *,
    expert: Expert,
    kind: str,
    on: dt.date,
    by: Any,
    person: Any = None,
    supervisor: Any = None,
    unit: Any = None,
    declared_by: str = Relation.DeclaredBy.OFFICE,
    note: str = "",
) -> Relation:
    """Records a relation that conflicts an expert out of reviews of a party."""
    _require_admin(by, expert.institution_id)
    _require(kind in Relation.Kind.values, _("Choose the kind of relation."), "kind")
    _require(declared_by in Relation.DeclaredBy.values, _("Say who declared it."), "declared_by")
    parties = [p for p in (person, supervisor, unit) if p is not None]
    _require(len(parties) == 1, _("Name exactly one postdoc, supervisor or unit."), "party")
    _require(
        parties[0].institution_id == expert.institution_id,
        _("The other party belongs to another institution."),
        "party",
    )
    _require(on <= _today(), _("The date cannot be in the future."), "on")
    relation = Relation.objects.create(
        expert=expert,
        kind=kind,
        person=person,
        supervisor=supervisor,
        unit=unit,
        declared_by=declared_by,
        on=on,
        note=note.strip(),
    )
    record_event(
        actor=by,
        event="expert.relation_recorded",
        target=relation,
        parent=expert,
        after=snapshot(relation),
        institution=expert.institution,
        note=note,
    )
    return relation


# ---- forms and rules ----------------------------------------------------------------------------


@transaction.atomic
def form_create(
    *,
    institution: Institution,
    name: str,
    criteria: Sequence[tuple[str, str, int, int]],
    by: Any,
    outcome: str = Form.Outcome.GRADE,
    hides_subject: bool = False,
    thresholds: tuple[int, int, int] = (90, 75, 60),
    disagreement_points: int = 20,
) -> Form:
    """A scoring form with its criteria: (Chinese name, English name, weight, highest score)."""
    _require_admin(by, institution.pk)
    _require(bool(name.strip()), _("A form needs a name."), "name")
    _require(outcome in Form.Outcome.values, _("Choose what the form concludes with."), "outcome")
    _require(bool(criteria), _("A form needs at least one criterion."), "criteria")
    for name_zh, _name_en, weight, scale in criteria:
        _require(bool(name_zh.strip()), _("Every criterion needs a name."), "criteria")
        _require(weight > 0 and scale > 0, _("Weights and highest scores must be above zero."), "criteria")
    excellent, good, passing = thresholds
    _require(
        100 >= excellent > good > passing >= 0,
        _("The grade thresholds must descend: excellent above good above pass, all within 100."),
        "thresholds",
    )
    form = Form.objects.create(
        institution=institution,
        name=name.strip(),
        outcome=outcome,
        hides_subject=hides_subject,
        excellent_from=excellent,
        good_from=good,
        pass_from=passing,
        disagreement_points=disagreement_points,
    )
    Criterion.objects.bulk_create(
        Criterion(form=form, position=i, name_zh=zh.strip(), name_en=en.strip(), weight=w, scale_max=s)
        for i, (zh, en, w, s) in enumerate(criteria)
    )
    after = {**snapshot(form), "criteria": [list(c) for c in criteria]}
    record_event(actor=by, event="review_form.created", target=form, after=after, institution=institution)
    return form


@transaction.atomic
def kind_rules_save(
    *, institution: Institution, kind: str, form: Form, by: Any, collaboration_window_years: int = 3, **rules: Any
) -> KindRules:
    """Sets the institution's panel rules and form for a kind of review (e.g. mid-term: at least
    five doctoral supervisors, at least 40% from outside)."""
    _require_admin(by, institution.pk)
    _require(kind in Kind.values, _("Choose the kind of review."), "kind")
    _require(form.institution_id == institution.pk, _("The form belongs to another institution."), "form")
    unknown = sorted(set(rules) - set(RULE_FIELDS))
    _require(not unknown, _("Unknown panel rules: %(fields)s.") % {"fields": ", ".join(unknown)})
    _check_rules(rules)
    existing = KindRules.objects.select_for_update().filter(institution=institution, kind=kind).first()
    before = snapshot(existing) if existing else None
    kind_rules = existing or KindRules(institution=institution, kind=kind)
    kind_rules.form = form
    kind_rules.collaboration_window_years = collaboration_window_years
    for name, value in rules.items():
        setattr(kind_rules, name, value)
    kind_rules.save()
    record_event(
        actor=by,
        event="review_rules.saved",
        target=kind_rules,
        before=before,
        after=snapshot(kind_rules),
        institution=institution,
    )
    return kind_rules


def _check_rules(rules: dict[str, Any]) -> None:
    if "min_size" in rules:
        _require(1 <= rules["min_size"] <= 50, _("A panel has between 1 and 50 members."), "min_size")
    if "min_external_percent" in rules:
        _require(
            0 <= rules["min_external_percent"] <= 100,
            _("The external share is a percentage from 0 to 100."),
            "min_external_percent",
        )


# ---- a review -----------------------------------------------------------------------------------


def _subject_fields(kind: str, subject: Any) -> dict[str, Any]:
    from establishment.models import Application
    from stations.models import Evaluation

    if kind in POSTDOC_KINDS:
        _require(isinstance(subject, Appointment), _("A postdoc assessment reviews an appointment."), "subject")
        subject = Appointment.objects.select_related("station", "person").get(pk=subject.pk)  # as it is now
        _require(subject.is_live, _("Assessments are held for postdocs in station."), "subject")
        return {"appointment": subject, "institution_id": subject.institution_id}
    if kind == Kind.STATION_APPLICATION:
        _require(isinstance(subject, Application), _("This review needs an establishment application."), "subject")
        subject = Application.objects.get(pk=subject.pk)
        _require(
            subject.status == Application.Status.INTERNAL_REVIEW,
            _("Start the application's internal review first: the panel reviews an application that is ready."),
            "subject",
        )
        return {"application": subject, "institution_id": subject.institution_id}
    _require(kind == Kind.STATION_EVALUATION, _("Choose the kind of review."), "kind")
    _require(isinstance(subject, Evaluation), _("A station evaluation reviews an evaluation."), "subject")
    subject = Evaluation.objects.select_related("station").get(pk=subject.pk)
    _require(not subject.grade, _("This evaluation has been graded already."), "subject")
    return {"evaluation": subject, "institution_id": subject.station.institution_id}


@transaction.atomic
def review_create(
    *,
    kind: str,
    subject: Any,
    deadline: dt.date,
    by: Any,
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
    _event(by, "review.created", review)
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
def member_add(*, review: Review, expert: Expert, by: Any, on: dt.date | None = None) -> Member:
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
        event="review.member_added",
        target=member,
        parent=review,
        after=snapshot(member, ["expert", "source", "status"]),
        institution=review.institution,
    )
    return member


@transaction.atomic
def member_remove(*, member: Member, by: Any) -> None:
    review = _lock(member.review)
    _require_manager(by, review)
    _require(review.status == Review.Status.DRAFT, _("The panel can only be changed before the review opens."))
    before = snapshot(member, ["expert", "source", "status"])
    record_event(
        actor=by,
        event="review.member_removed",
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
def panel_draw(*, review: Review, by: Any, seed: int | None = None, on: dt.date | None = None) -> list[Member]:
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
        "review.panel_drawn",
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
def member_decline(*, member: Member, reason: str, by: Any, conflict: bool = False) -> Member:
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
        event="review.member_declined",
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
def member_replace(*, member: Member, by: Any) -> Member:
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
        event="review.member_replaced",
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
def review_open(*, review: Review, by: Any, on: dt.date | None = None) -> Review:
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
    _event(by, "review.opened", review, before=before)
    member_ids = [m.pk for m in review.members.all() if m.counts]
    transaction.on_commit(lambda: _queue_invitations(review.pk, member_ids))
    return review


def _queue_invitations(review_id: int, member_ids: list[int]) -> None:
    from reviews.tasks import send_invitations

    send_invitations.enqueue(review_id, member_ids)


class ExpertActor:
    """An expert acting through their signed link, without an account: recorded by name."""

    pk = None

    def __init__(self, member: Member) -> None:
        self.member = member

    def __str__(self) -> str:
        return f"expert:{self.member.expert.name} (link)"


def is_the_expert(by: Any, member: Member) -> bool:
    """The member's expert acting: through their link, or signed in with the account linked to the
    expert or to the expert's staff record."""
    if isinstance(by, ExpertActor):
        return by.member.pk == member.pk
    signed_in = getattr(by, "pk", None)
    expert = member.expert
    return signed_in is not None and (
        expert.user_id == signed_in or (expert.supervisor is not None and expert.supervisor.user_id == signed_in)
    )


def _parse_score(raw: Any, criterion: Criterion) -> Decimal:
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError) as exc:
        raise DomainError(
            _("The score for “%(criterion)s” is not a number.") % {"criterion": criterion.name},
            field=f"c{criterion.pk}",
        ) from exc
    if not value.is_finite() or not 0 <= value <= criterion.scale_max:
        raise DomainError(
            _("The score for “%(criterion)s” must be between 0 and %(max)s.")
            % {"criterion": criterion.name, "max": criterion.scale_max},
            field=f"c{criterion.pk}",
        )
    return value.quantize(Decimal("0.01"))


@transaction.atomic
def scores_submit(
    *, member: Member, values: dict[int, Any], overall: str, comments: str, by: Any, on: dt.date | None = None
) -> Member:
    """An expert's scores on every criterion, their overall grade or recommendation and comments.
    Only the expert themselves (signed in, or through their link) submits, while the review is open
    and before its deadline; a submission is final."""
    review = _lock(member.review)
    member = Member.objects.select_for_update().select_related("expert").get(pk=member.pk)
    _require(is_the_expert(by, member), _("Only the expert on the panel submits their scores."))
    _require(review.status == Review.Status.OPEN, _("This review is not open for scoring."))
    _require(_day(on) <= review.deadline, _("The deadline of this review has passed."))
    _require(member.status == Member.Status.INVITED, _("These scores have already been submitted."))
    criteria = list(review.form.criteria.all())
    missing = [c for c in criteria if str(values.get(c.pk, "")).strip() == ""]
    if missing:
        raise DomainError(
            _("Score every criterion: “%(criterion)s” has no score.") % {"criterion": missing[0].name},
            field=f"c{missing[0].pk}",
        )
    parsed = {c.pk: _parse_score(values[c.pk], c) for c in criteria}
    allowed = (
        [Review.Decision.SUPPORT, Review.Decision.REJECT]
        if review.form.outcome == Form.Outcome.RECOMMENDATION
        else [Review.Decision.EXCELLENT, Review.Decision.GOOD, Review.Decision.PASS, Review.Decision.FAIL]
    )
    _require(overall in allowed, _("Choose your overall judgement."), "overall")
    Score.objects.bulk_create(Score(member=member, criterion_id=pk, value=v) for pk, v in parsed.items())
    member.status = Member.Status.SUBMITTED
    member.overall = overall
    member.comments = comments.strip()
    member.submitted_at = timezone.now()
    member.save(update_fields=["status", "overall", "comments", "submitted_at"])
    record_event(
        actor=by,
        event="review.scores_submitted",
        target=member,
        parent=review,
        after={"scores": {str(k): str(v) for k, v in parsed.items()}, "overall": overall, "comments": member.comments},
        institution=review.institution,
    )
    return member


@transaction.atomic
def review_close(*, review: Review, by: Any, note: str = "", on: dt.date | None = None) -> Review:
    """Closes scoring. With experts who have not scored, the office must say why it closes anyway."""
    review = _lock(review)
    _require_manager(by, review)
    _require(review.status == Review.Status.OPEN, _("Only an open review can be closed."))
    members = [m for m in review.members.all() if m.counts]
    submitted = [m for m in members if m.status == Member.Status.SUBMITTED]
    _require(bool(submitted), _("No expert has scored yet."))
    if len(submitted) < len(members):
        _require(
            bool(note.strip()),
            _("%(missing)s of %(count)s experts have not scored; say why the review closes without them.")
            % {"missing": len(members) - len(submitted), "count": len(members)},
            "note",
        )
    before = snapshot(review)
    review.status = Review.Status.CLOSED
    day = _day(on)
    _require(review.opened_on is None or day >= review.opened_on, _("A review closes after it opened."), "on")
    review.closed_on = day
    review.save(update_fields=["status", "closed_on"])
    _event(by, "review.closed", review, before=before, note=note)
    return review


@transaction.atomic
def review_decide(
    *,
    review: Review,
    decision: str,
    reason: str,
    by: Any,
    minutes: str = "",
    new_exit_date: dt.date | None = None,
    on: dt.date | None = None,
) -> Review:
    """Records the office's decision with its reason and applies it to the subject through the
    subject's own service: an assessment's grade (with a failed one's consequence per policy), an
    extension, a station application's internal result, or a station evaluation's grade."""
    review = _lock(review)
    _require_manager(by, review)
    _require(review.status == Review.Status.CLOSED, _("Close the review before deciding."))
    _require(bool(reason.strip()), _("Give the reason for the decision."), "reason")
    grades = (Review.Decision.EXCELLENT, Review.Decision.GOOD, Review.Decision.PASS, Review.Decision.FAIL)
    recommendation = (Review.Decision.SUPPORT, Review.Decision.REJECT)
    if review.kind in (Kind.STATION_APPLICATION, Kind.EXTENSION):
        _require(decision in recommendation, _("Choose support or do not support."), "decision")
    else:
        _require(decision in grades, _("Choose a grade."), "decision")
    before = snapshot(review)
    review.decision = decision
    review.decision_reason = reason.strip()
    review.minutes = minutes.strip()
    day = _day(on)
    _require(review.closed_on is None or day >= review.closed_on, _("A review is decided after it closed."), "on")
    review.decided_on = day
    review.decided_by = by
    review.status = Review.Status.DECIDED
    review.save(update_fields=["decision", "decision_reason", "minutes", "decided_on", "decided_by", "status"])
    applied = _apply(review, by=by, new_exit_date=new_exit_date)
    _event(by, "review.decided", review, before=before, after={**snapshot(review), "applied": applied}, note=reason)
    return review


def _apply(review: Review, *, by: Any, new_exit_date: dt.date | None) -> str:
    """Applies a decision to the subject; returns what was done, for the audit event."""
    from appointments import services as appointments
    from appointments.models import Assessment
    from appointments.rules import policy_for

    if review.kind == Kind.STATION_APPLICATION:
        from establishment.services import application_review_decided

        assert review.application is not None
        application_review_decided(
            application=review.application, supported=review.decision == Review.Decision.SUPPORT, by=by
        )
        return "application.review_decided"
    if review.kind == Kind.STATION_EVALUATION:
        from stations.services import evaluation_graded

        assert review.evaluation is not None
        evaluation_graded(evaluation=review.evaluation, grade=review.decision, on=review.decided_on, by=by)
        return "evaluation.graded"
    appointment = review.appointment
    assert appointment is not None
    # Not the experts' names: the assessment is seen by the postdoc and the supervisor, who have a
    # conflict in this review; the review itself keeps its panel.
    panel = _("Expert review no. %(id)s (%(count)s experts)") % {
        "id": review.pk,
        "count": sum(1 for m in review.members.all() if m.status == Member.Status.SUBMITTED),
    }
    if review.kind == Kind.EXTENSION:
        if review.decision != Review.Decision.SUPPORT:
            return "extension.refused"
        _require(new_exit_date is not None, _("Give the new planned exit of the extension."), "new_exit_date")
        assert new_exit_date is not None
        appointments.appointment_extend(
            appointment=appointment, until=new_exit_date, reason=review.decision_reason, by=by
        )
        return "appointment.extended"
    appointments.assessment_record(
        appointment=appointment,
        kind=Assessment.Kind(review.kind),
        held_on=review.decided_on,  # type: ignore[arg-type]
        grade=review.decision,
        panel=panel,
        comments=review.decision_reason,
        by=by,
    )
    if review.decision != Review.Decision.FAIL or review.kind not in (Kind.MIDTERM, Kind.EXIT):
        return "assessment.recorded"
    policy = policy_for(appointment.institution_id)
    if policy.failed_assessment == Policy.FailedAssessment.WITHDRAWAL or review.attempt >= 2:
        appointments.appointment_withdraw(
            appointment=appointment,
            on=review.decided_on,  # type: ignore[arg-type]
            ground=Appointment.WithdrawalGround.FAILED_ASSESSMENT,
            note=review.decision_reason,
            by=by,
        )
        return "appointment.withdrawn"
    return "assessment.recorded; a second attempt follows"
