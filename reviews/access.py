"""Who sees which review, and who sees its panel.

A review is visible with its subject: the whole institution for administrators and leadership, a
secretary's stations, a supervisor's and a postdoc's own appointments. Its panel — reviewers'
identities and scores — is seen only by those who run or oversee reviews, and never by anyone with
a conflict in it, administrators included (`panel_hidden_from`). Experts see their assignments.
Pages, partials, exports, the API and commands all ask here.
"""

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.access import INSTITUTION_WIDE_ROLES, Perm, has_perm, role_names, secretary_station_ids
from accounts.actors import Actor
from accounts.models import Role
from appointments.access import appointment_scope, can_manage_appointment
from appointments.models import Appointment
from people.models import Person, Supervisor
from reviews.models import Expert, Member, Review
from reviews.panels import Profile, conflicts, subject_parties


def review_scope(user: Any) -> Q:
    roles = role_names(user)
    if not roles or user.institution_id is None:
        return Q(pk__in=[])
    if roles & INSTITUTION_WIDE_ROLES:
        return Q(institution_id=user.institution_id)
    scope = Q(appointment__in=Appointment.objects.filter(appointment_scope(user)).values("pk"))
    if Role.SECRETARY in roles:
        scope |= Q(evaluation__station_id__in=secretary_station_ids(user))
    return scope & Q(institution_id=user.institution_id)


def visible_reviews(user: Any) -> QuerySet[Review]:
    return Review.objects.filter(review_scope(user))


def get_review_for_user(user: Any, pk: Any) -> Review:
    try:
        return visible_reviews(user).select_related("form", "institution").get(pk=pk)
    except (ValueError, TypeError, Review.DoesNotExist) as exc:
        raise Http404 from exc


def may_manage_review(by: Actor, review: Review) -> bool:
    """Administrators run every review of their institution; a station secretary runs the postdoc
    assessments of their stations."""
    if getattr(by, "institution_id", None) != review.institution_id:
        return False
    if has_perm(by, Perm.MANAGE_REFERENCE):
        return True
    return review.appointment is not None and can_manage_appointment(by, review.appointment)


def user_profile(user: Any) -> Profile:
    """What could conflict a user: their postdoc record, their supervisor record, their expert
    record (with its recorded relations)."""
    supervisor = Supervisor.objects.filter(user=user).first()
    expert = (
        Expert.objects.filter(Q(user=user) | Q(supervisor__user=user)).prefetch_related("relations").first()
        if user.pk
        else None
    )
    return Profile(
        unit_id=(expert.unit_id if expert and expert.unit_id else None) or (supervisor.unit_id if supervisor else None),
        supervisor_id=supervisor.pk if supervisor else (expert.supervisor_id if expert else None),
        person_ids=frozenset(Person.objects.filter(user=user).values_list("pk", flat=True)),
        relations=tuple(expert.relations.all()) if expert else (),
    )


def user_conflicts(user: Actor | AnonymousUser, review: Review) -> list[str]:
    """Why the user has a conflict in the review (empty when none)."""
    if not getattr(user, "is_authenticated", False):
        return []
    return conflicts(
        user_profile(user),
        subject_parties(review),
        on=timezone.localdate(),
        window_years=review.collaboration_window_years,
    )


def conflicted_review_ids(user: Any) -> list[int]:
    """The reviews of the user's institution in which the user has a conflict: lists that reach
    panel records by other ways (the audit log in the Django admin) leave these out."""
    if not getattr(user, "is_authenticated", False) or user.institution_id is None:
        return []
    profile = user_profile(user)
    if not (profile.unit_id or profile.supervisor_id or profile.person_ids or profile.relations):
        return []  # nothing can conflict this user: the common case of an office administrator
    today = timezone.localdate()
    reviews = (
        Review.objects.filter(institution_id=user.institution_id)
        .select_related("appointment__station", "appointment__workstation", "application", "evaluation__station")
        .prefetch_related("application__applicants", "evaluation__station__supervisors")
    )
    return [
        review.pk
        for review in reviews
        if conflicts(profile, subject_parties(review), on=today, window_years=review.collaboration_window_years)
    ]


def sees_panel(user: Any, review: Review) -> bool:
    """Whether the user may see who reviews and what they scored: those who run reviews (the
    institution's administrators, the station's secretary) and leadership, without a conflict."""
    if getattr(user, "institution_id", None) != review.institution_id:
        return False
    overseer = Role.LEADERSHIP in role_names(user) or may_manage_review(user, review)
    return overseer and not user_conflicts(user, review)


def panel_review_ids(user: Any, reviews: Iterable[Review]) -> set[int]:
    """`sees_panel` for many reviews at once: the user's conflicts are found once, not per review."""
    reviews = [r for r in reviews if r.institution_id == getattr(user, "institution_id", None)]
    leadership = Role.LEADERSHIP in role_names(user)
    overseen = [r for r in reviews if leadership or may_manage_review(user, r)]
    if not overseen:
        return set()
    conflicted = set(conflicted_review_ids(user))
    return {r.pk for r in overseen if r.pk not in conflicted}


def panel_hidden_from(user: Any, review: Review) -> bool:
    return not sees_panel(user, review)


def assignments(user: Any) -> QuerySet[Member]:
    """The panels an expert with an account sits on (declined ones too, for their record)."""
    if not getattr(user, "is_authenticated", False):
        return Member.objects.none()
    return (
        Member.objects.filter(Q(expert__user=user) | Q(expert__supervisor__user=user))
        .exclude(review__status=Review.Status.DRAFT)
        .select_related("review", "review__form", "expert")
    )


def get_assignment_for_user(user: Any, pk: Any) -> Member:
    try:
        return assignments(user).get(pk=pk)
    except (ValueError, TypeError, Member.DoesNotExist) as exc:
        raise Http404 from exc


def sees_fellow_members(member: Member) -> bool:
    """Reviewers see each other only in open reviews, or once the office closes a blind one."""
    return not member.review.blind or member.review.status in (Review.Status.CLOSED, Review.Status.DECIDED)


def sees_subject_identity(member: Member) -> bool:
    """A blind review on a form that says so hides who the subject is from its reviewers."""
    return not (member.review.blind and member.review.form.hides_subject)


def review_subjects(reviews: QuerySet[Review]) -> QuerySet[Review]:
    """The reviews with what names their subject (the postdoc, the application, the station)."""
    return reviews.select_related(
        "form",
        "appointment__person",
        "appointment__station",
        "appointment__primary_supervisor",
        "application__discipline",
        "application__round",
        "application__unit",
        "evaluation__station",
    )
