"""A mid-term review of any appointment at a chosen stage, with a small pool in its institution:
for tests that need a review without caring about its panel (the API's permission matrix)."""

import datetime as dt
from typing import Any

from django.utils import timezone

from appointments.models import Appointment
from catalogue.models import Unit
from catalogue.services import unit_save
from reviews import services
from reviews.models import Expert, Kind, KindRules, Rank, Review

STAGES = ("rules", "draft", "drawn", "open", "scored", "closed")


def ensure_rules(appointment: Appointment, by: Any) -> None:
    """Mid-term rules (a panel of three, no other condition) and three experts in the station's discipline."""
    institution = appointment.institution
    if KindRules.objects.filter(institution=institution, kind=Kind.MIDTERM).exists():
        return
    form = services.form_create(
        institution=institution, name="中期考核表", criteria=[("进展", "Progress", 1, 10)], by=by
    )
    services.kind_rules_save(
        institution=institution, kind=Kind.MIDTERM, form=form, by=by, min_size=3, min_external_percent=0,
        min_rank=Rank.INTERMEDIATE, doctoral_supervisors_only=False,
    )  # fmt: skip
    unit = Unit.objects.filter(institution=institution, code="C-EXP").first() or unit_save(
        institution=institution, code="C-EXP", name_zh="专家所在学院", kind="college", by=by
    )
    for i in range(3):
        services.expert_save(
            institution=institution, by=by, name=f"专家{institution.code}-{i}", unit=unit,
            disciplines=[appointment.station.discipline],
        )  # fmt: skip


def review_at(appointment: Appointment, stage: str, by: Any) -> Review | None:
    """The appointment's mid-term review brought to `stage` (one of STAGES) by `by`, its office administrator."""
    ensure_rules(appointment, by)
    if stage == "rules":
        return None
    review = services.review_create(
        kind=Kind.MIDTERM, subject=appointment, deadline=timezone.localdate() + dt.timedelta(days=30), by=by
    )
    if stage == "draft":
        return review
    services.panel_draw(review=review, seed=1, by=by)
    if stage == "drawn":
        return review
    services.review_open(review=review, by=by)
    if stage == "open":
        return review
    for member in review.members.select_related("expert"):
        criterion = review.form.criteria.get()
        services.scores_submit(
            member=member, values={criterion.pk: 8}, overall="good", comments="", by=services.ExpertActor(member)
        )
    if stage == "scored":
        return review
    return services.review_close(review=review, by=by)


def expert_names(institution_code: str) -> set[str]:
    return set(Expert.objects.filter(institution__code=institution_code).values_list("name", flat=True))
