"""What a decided review means for its subject, registered by the subject's app.

The review engine (`reviews`) stands above the apps whose records it reviews (an appointment, a
station's evaluation) and below one (an establishment application). So that none of them has to
import another against the layers, each subject app registers, in its `AppConfig.ready()`, one entry
per kind of review: how to take a subject for a new review, which field of the review holds it and
what the office's decision does to it. The engine looks the entry up by the review's kind. This
module imports no app.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class DecidedReview:
    """A decided review as its subject's app sees it."""

    subject: Any
    kind: str
    decision: str  # a grade (excellent, good, pass, fail) or a recommendation (support, reject)
    supported: bool  # for a recommendation: the panel's decision supports
    reason: str
    decided_on: dt.date
    attempt: int  # 1, or more after a failed review of the same kind and subject
    panel: Callable[[], str]  # the panel as the subject's record names it, read only when asked
    new_exit_date: dt.date | None  # an extension's new planned exit, as the office gives it


class TakeSubject(Protocol):
    def __call__(self, subject: Any) -> tuple[Any, int]:
        """Refuses (`DomainError`) a subject this kind of review cannot take now; else returns the
        subject as it is now and its institution's id."""
        ...


class ApplyDecision(Protocol):
    # `by` is an `accounts.actors.Actor`, which `core`, below `accounts`, cannot name.
    def __call__(self, decided: DecidedReview, *, by: Any) -> str:
        """Applies the decision to the subject; returns what was done, for the review's audit event."""
        ...


@dataclass(frozen=True)
class ReviewSubject:
    """One kind of review's subject: the review's field that holds it, and the subject app's
    functions that take it and apply a decision to it."""

    field: str
    take: TakeSubject
    apply: ApplyDecision


_registry: dict[str, ReviewSubject] = {}


def register(kind: str, entry: ReviewSubject) -> None:
    """Registers what a review of this kind means for its subject (from `AppConfig.ready()`)."""
    known = _registry.get(kind)
    if known is not None and known != entry:
        raise ValueError(f"A review of kind {kind!r} already has its subject registered: {known}.")
    _registry[kind] = entry


def subject_of(kind: str) -> ReviewSubject:
    """The registered entry for a kind of review; refuses a kind no app has registered."""
    try:
        return _registry[kind]
    except KeyError:
        raise LookupError(
            f"No app has registered what a review of kind {kind!r} means for its subject: register it "
            "with core.review_subjects.register() in the subject app's AppConfig.ready()."
        ) from None


def registered_kinds() -> set[str]:
    return set(_registry)
