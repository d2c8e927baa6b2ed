"""Property: over generated pools, relations and rules, a draw never seats a conflicted or
ineligible expert, and a panel it fills always meets its rules (so it can open); when it cannot
fill the panel it writes nothing."""

import datetime as dt
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from catalogue.models import Discipline
from catalogue.services import unit_save
from core.errors import DomainError
from reviews import services
from reviews.models import Kind, Rank, Relation
from reviews.panels import Profile, conflicts, ineligibility, subject_parties
from tests.factories import World

MOSTLY = st.sampled_from([True, True, True, False])  # eligible pools are the interesting ones

EXPERT = st.fixed_dictionaries(
    {
        "external": st.booleans(),
        "unit": st.sampled_from(["station", "other", "third", "third"]),  # internal experts' unit
        "rank": st.sampled_from([Rank.FULL, Rank.FULL, Rank.ASSOCIATE, Rank.INTERMEDIATE]),
        "doctoral": MOSTLY,
        "in_discipline": MOSTLY,
        "is_supervisor": st.sampled_from(
            [False, False, False, True]
        ),  # internal: the postdoc's own supervisor's expert record
        "relation": st.sampled_from([None, None, None, "declared", "co_applicant", "recent", "old"]),
        "active": MOSTLY,
    }
)
RULES = st.fixed_dictionaries(
    {
        "min_size": st.integers(1, 6),
        "min_external_percent": st.sampled_from([0, 0, 20, 40, 50, 100]),
        "min_rank": st.sampled_from([Rank.INTERMEDIATE, Rank.ASSOCIATE, Rank.FULL]),
        "doctoral_supervisors_only": st.sampled_from([False, True, False]),
    }
)


@pytest.mark.django_db
@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(experts=st.lists(EXPERT, min_size=0, max_size=20), rules=RULES, seed=st.integers(0, 2**40))
def test_a_draw_never_seats_a_conflicted_expert_and_always_meets_the_rules(
    world: World, experts: list[dict[str, Any]], rules: dict[str, Any], seed: int
) -> None:
    with transaction.atomic():
        by, today = world.admin, timezone.localdate()
        d1002, d0710 = Discipline.objects.get(code="1002"), Discipline.objects.get(code="0710")
        units = {
            "station": world.station.unit,
            "other": unit_save(institution=world.institution, code="C-X", name_zh="其他学院", kind="college", by=by),
            "third": unit_save(institution=world.institution, code="C-Y", name_zh="第三学院", kind="college", by=by),
        }
        supervisor_taken = False
        for i, spec in enumerate(experts):
            internal = not spec["external"]
            as_supervisor = internal and spec["is_supervisor"] and not supervisor_taken
            supervisor_taken |= as_supervisor
            expert = services.expert_save(
                institution=world.institution,
                by=by,
                name=f"专家{i}",
                is_external=spec["external"],
                affiliation="" if internal else f"外校{i}",
                unit=units[spec["unit"]] if internal else None,
                supervisor=world.supervisor if as_supervisor else None,
                rank=spec["rank"],
                is_doctoral_supervisor=spec["doctoral"],
                is_active=spec["active"],
                disciplines=[d1002 if spec["in_discipline"] else d0710],
            )
            if spec["relation"]:
                kind = {"recent": "collaboration", "old": "collaboration"}.get(spec["relation"], spec["relation"])
                days = 365 * 4 if spec["relation"] == "old" else 30
                services.relation_record(
                    expert=expert,
                    kind=kind,
                    person=world.appointment.person,
                    on=today - dt.timedelta(days=days),
                    declared_by=Relation.DeclaredBy.SUBJECT,
                    by=by,
                )
        review = services.review_create(
            kind=Kind.MIDTERM,
            subject=world.appointment,
            deadline=today,
            by=by,
            form=services.form_create(institution=world.institution, name="表", criteria=[("总", "", 1, 10)], by=by),
            **rules,
        )
        try:
            drawn = services.panel_draw(review=review, by=by, seed=seed)
        except DomainError:
            assert review.members.count() == 0
            drawn = []
        event("panel filled" if drawn else "panel could not be filled")
        parties = subject_parties(review)
        for member in drawn:
            expert = member.expert
            assert not conflicts(Profile.of_expert(expert), parties, on=today, window_years=3), expert.name
            assert not ineligibility(expert, review, parties), expert.name
            assert expert.disciplines.filter(pk=d1002.pk).exists()
        if drawn:
            assert services.problems(review) == []
            services.review_open(review=review, by=by)
        transaction.set_rollback(True)
