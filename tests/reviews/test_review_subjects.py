"""What a decided review means for its subject is registered by the subject's app
(`core.review_subjects`): every kind of review has its entry, and a kind without one is refused."""

import pytest

from core import review_subjects
from core.errors import DomainError
from reviews.models import Kind
from reviews.services.reviews_and_panels import _subject_fields


def test_every_kind_of_review_has_its_subject_registered() -> None:
    assert set(Kind.values) <= review_subjects.registered_kinds()


def test_each_kind_is_registered_on_the_review_field_of_its_subject() -> None:
    fields = {kind: review_subjects.subject_of(kind).field for kind in Kind.values}
    assert fields == {
        Kind.STATION_APPLICATION: "application",
        Kind.PROPOSAL: "appointment",
        Kind.MIDTERM: "appointment",
        Kind.ANNUAL: "appointment",
        Kind.EXTENSION: "appointment",
        Kind.EXIT: "appointment",
        Kind.STATION_EVALUATION: "evaluation",
    }


def test_a_kind_no_app_registered_is_refused_clearly() -> None:
    with pytest.raises(LookupError, match="No app has registered what a review of kind 'inspection'"):
        review_subjects.subject_of("inspection")


def test_a_kind_that_is_not_a_kind_of_review_is_the_office_s_mistake() -> None:
    with pytest.raises(DomainError, match="Choose the kind of review") as refused:
        _subject_fields("inspection", object())
    assert refused.value.field == "kind"


def test_a_kind_cannot_be_registered_twice_with_another_meaning() -> None:
    entry = review_subjects.subject_of(Kind.MIDTERM)
    review_subjects.register(Kind.MIDTERM, entry)  # the same again (ready() run twice) is harmless
    other = review_subjects.ReviewSubject(field="evaluation", take=entry.take, apply=entry.apply)
    with pytest.raises(ValueError, match="already has its subject registered"):
        review_subjects.register(Kind.MIDTERM, other)
    assert review_subjects.subject_of(Kind.MIDTERM) == entry
