"""What the review pages share: the grades, a score as people write it, the refusal, the administrators' check."""

from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.access import Perm, has_perm
from catalogue.models import Institution
from reviews.models import Review

Status = Review.Status
GRADES = [
    (d.value, d.label)
    for d in (Review.Decision.EXCELLENT, Review.Decision.GOOD, Review.Decision.PASS, Review.Decision.FAIL)
]
RECOMMENDATIONS = [(d.value, d.label) for d in (Review.Decision.SUPPORT, Review.Decision.REJECT)]


def admin_institution(user: Any) -> Institution:
    if not has_perm(user, Perm.MANAGE_REFERENCE) or user.institution is None:
        raise PermissionDenied
    return user.institution


def number(value: Decimal | None) -> str:
    """A score as people write it: 8.5, 8, 10 (not 8.50, 8.00 or 1E+1)."""
    return "" if value is None else format(value.normalize(), "f")


def refused(request: HttpRequest, sentence: str, *, status: int = 403, **context: Any) -> HttpResponse:
    return render(request, "reviews/refused.html", {"sentence": sentence, **context}, status=status)
