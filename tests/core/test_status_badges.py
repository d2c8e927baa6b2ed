"""The status badges the review and project pages show come from their models, one colour per status."""

import pytest

from funding.models import Project
from reviews.models import Review


@pytest.mark.parametrize(
    ("status", "badge"),
    [
        (Review.Status.DRAFT, "muted"),
        (Review.Status.OPEN, "info"),
        (Review.Status.CLOSED, "warn"),
        (Review.Status.DECIDED, "ok"),
    ],
)
def test_a_review_status_has_its_badge(status: str, badge: str) -> None:
    assert Review(status=status).badge == badge


@pytest.mark.parametrize(
    ("status", "badge"),
    [
        (Project.Status.APPLIED, "info"),
        (Project.Status.AWARDED, "ok"),
        (Project.Status.REJECTED, "muted"),
        (Project.Status.COMPLETED, "ok"),
        (Project.Status.TERMINATED, "warn"),
    ],
)
def test_a_project_status_has_its_badge(status: str, badge: str) -> None:
    assert Project(status=status).badge == badge
