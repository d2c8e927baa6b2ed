"""The reviews as a sheet: the list page's export and the whole-institution workbook write the same
rows. Reviewers' names and scores are written only for the reviews whose panel the user sees
(`reviews.access.panel_review_ids`); the panel's columns are left out altogether for a user who
sees no panel at all. Nothing imports this sheet (docs/decisions/0012)."""

from collections.abc import Iterator
from typing import Any

from django.db.models import Prefetch, QuerySet

from core.sheets import writers
from reviews.models import Member, Review
from reviews.outcome import outcome
from reviews.sheet_columns import REVIEWS_PANEL_SHEET, REVIEWS_SHEET


def review_rows(reviews: QuerySet[Review], panel_ids: set[int]) -> Iterator[writers.Row]:
    """Reviews (with `access.review_subjects`) as rows; the panel only of those in `panel_ids`."""
    members = Member.objects.select_related("expert").prefetch_related("scores").order_by("pk")
    reviews = reviews.prefetch_related(Prefetch("members", queryset=members), "form__criteria")
    for review in reviews.iterator(chunk_size=writers.CHUNK_SIZE):
        a = review.appointment
        row: dict[str, Any] = {
            "id": review.pk,
            "kind": review.kind,
            "title": review.title,
            "postdoc_no": a.postdoc_no if a else "",
            "postdoc_name": a.person.name if a else "",
            "station_code": a.station.code if a else (review.evaluation.station.code if review.evaluation else ""),
            "subject": str(review.subject),
            "deadline": review.deadline,
            "status": review.status,
            "attempt": review.attempt,
            "decision": review.decision,
            "decided_on": review.decided_on,
        }
        if review.pk in panel_ids:  # never a name or a score of a panel the user may not see
            seated = [m for m in review.members.all() if m.counts]
            result = outcome(review, seated, list(review.form.criteria.all()))
            scores = {r.member.pk: r.score for r in result.reviewers}
            row |= {
                "panel_size": len(seated),
                "submitted": len(result.reviewers),
                "reviewers": "; ".join(
                    f"{m.expert.name} {scores[m.pk]}" if m.pk in scores else m.expert.name for m in seated
                ),
                "mean": result.mean,
                "median": result.median,
                "disagreement": ("yes" if result.disagreement else "no") if result.reviewers else "",
                "suggested": result.suggested,
            }
        yield row


def reviews_sheet(reviews: QuerySet[Review], panel_ids: set[int]) -> writers.Sheet:
    """The sheet of these reviews, with the panel's columns only if the user sees some panel."""
    layout = REVIEWS_PANEL_SHEET if panel_ids else REVIEWS_SHEET
    return writers.Sheet("Reviews", review_rows(reviews, panel_ids), layout)
