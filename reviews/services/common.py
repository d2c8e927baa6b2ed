"""What every review service shares: who runs a review, who acts as its expert, the day a step happens."""

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import Perm, has_perm
from accounts.actors import AccountlessActor, Actor
from audit.events import Event
from audit.services import record_event, snapshot
from core.errors import require as _require
from reviews.access import may_manage_review, user_conflicts
from reviews.models import Member, Review


def _today() -> dt.date:
    return timezone.localdate()


def _day(on: dt.date | None) -> dt.date:
    """The day a step happens: today, or an earlier day when the office records a review held on
    paper (the demo's 2023 application too). Never a day to come."""
    if on is None:
        return _today()
    _require(on <= _today(), _("The date cannot be in the future."), "on")
    return on


def _require_admin(by: Actor, institution_id: int) -> None:
    _require(
        has_perm(by, Perm.MANAGE_REFERENCE) and by.institution_id == institution_id,
        _("Only an office administrator of this institution may do this."),
    )


def _require_manager(by: Actor, review: Review) -> None:
    """Runs a review: one who may manage it and has no conflict in it (a conflicted administrator
    may not see the panel, so another one runs it)."""
    _require(may_manage_review(by, review), _("You may not run this review."))
    reasons = user_conflicts(by, review)
    _require(
        not reasons,
        _("You have a conflict in this review (%(reasons)s): another administrator runs it.")
        % {"reasons": "; ".join(reasons)},
    )


def _lock(review: Review) -> Review:
    return Review.objects.select_for_update().select_related("form").get(pk=review.pk)


def _event(by: Actor, event: Event, review: Review, *, before: Any = None, after: Any = None, note: str = "") -> None:
    record_event(
        actor=by,
        event=event,
        target=review,
        before=before,
        after=after if after is not None else snapshot(review),
        institution=review.institution,
        note=note,
    )


class ExpertActor(AccountlessActor):
    """An expert acting through their signed link, without an account: recorded by name."""

    def __init__(self, member: Member) -> None:
        self.member = member

    def __str__(self) -> str:
        return f"expert:{self.member.expert.name} (link)"


def is_the_expert(by: Actor, member: Member) -> bool:
    """The member's expert acting: through their link, or signed in with the account linked to the
    expert or to the expert's staff record."""
    if isinstance(by, ExpertActor):
        return by.member.pk == member.pk
    signed_in = getattr(by, "pk", None)
    expert = member.expert
    return signed_in is not None and (
        expert.user_id == signed_in or (expert.supervisor is not None and expert.supervisor.user_id == signed_in)
    )
