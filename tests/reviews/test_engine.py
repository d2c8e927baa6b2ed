"""The review engine through its services: conflicts, the draw, panel rules, scoring, closing and
deciding, with the decision applied to the subject."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from appointments.models import Appointment, Assessment, Policy
from appointments.rules import policy_for
from audit.models import AuditEvent
from catalogue.services import reference_save
from core.errors import DomainError
from reviews import services
from reviews.access import may_manage_review
from reviews.models import Kind, Member, Relation, Review, Score
from reviews.outcome import outcome
from reviews.services import ExpertActor
from tests.factories import World, make_appointment
from tests.reviews.conftest import Pool

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def _events(review: Review, event: str) -> int:
    return AuditEvent.objects.filter(event=event, target_id=str(review.pk), target_type="reviews.review").count()


def _seat(review: Review, experts: list, by) -> None:  # type: ignore[no-untyped-def]
    for expert in experts:
        services.member_add(review=review, expert=expert, by=by)


def _submit_all(review: Review, points: list[tuple[int, int, int]], overall: str = "good") -> None:
    criteria = list(review.form.criteria.all())
    members = [m for m in review.members.select_related("expert") if m.counts]
    for member, values in zip(members, points, strict=False):
        services.scores_submit(
            member=member,
            values={c.pk: v for c, v in zip(criteria, values, strict=True)},
            overall=overall,
            comments="意见",
            by=ExpertActor(member),
        )


def test_review_copies_the_kind_rules(midterm: Review, pool: Pool) -> None:
    assert (midterm.min_size, midterm.min_external_percent, midterm.doctoral_supervisors_only) == (5, 40, True)
    assert midterm.form == pool.form and midterm.status == Review.Status.DRAFT and midterm.attempt == 1
    assert _events(midterm, "review.created") == 1


def test_conflicted_experts_are_refused_by_hand_with_the_reason(world: World, midterm: Review, pool: Pool) -> None:
    with pytest.raises(DomainError, match="supervises the postdoc"):
        services.member_add(review=midterm, expert=pool.the_supervisor, by=world.admin)
    with pytest.raises(DomainError, match="works in the subject's unit"):
        services.member_add(review=midterm, expert=pool.same_unit, by=world.admin)
    services.relation_record(
        expert=pool.internal[0], kind=Relation.Kind.COLLABORATION, person=world.appointment.person,
        on=TODAY() - dt.timedelta(days=400), by=world.admin,
    )  # fmt: skip
    with pytest.raises(DomainError, match="collaborated"):
        services.member_add(review=midterm, expert=pool.internal[0], by=world.admin)
    assert midterm.members.count() == 0


def test_an_old_collaboration_no_longer_conflicts(world: World, midterm: Review, pool: Pool) -> None:
    services.relation_record(
        expert=pool.internal[0], kind=Relation.Kind.COLLABORATION, supervisor=world.supervisor,
        on=TODAY() - dt.timedelta(days=365 * 3 + 5), by=world.admin,
    )  # fmt: skip
    services.member_add(review=midterm, expert=pool.internal[0], by=world.admin)


def test_a_panel_that_breaks_a_rule_cannot_open_and_says_which(world: World, midterm: Review, pool: Pool) -> None:
    _seat(midterm, [*pool.internal, pool.junior], world.admin)  # 5 members, 1 external, 1 junior
    with pytest.raises(DomainError) as refused:
        services.review_open(review=midterm, by=world.admin)
    message = refused.value.message
    assert "1 of 5 members are external; the rules ask for at least 40%" in message
    assert "青年专家 is below the minimum seniority" in message
    assert "青年专家 is not a doctoral supervisor" in message
    midterm.refresh_from_db()
    assert midterm.status == Review.Status.DRAFT and _events(midterm, "review.opened") == 0


def test_the_draw_meets_the_rules_and_repeats_from_its_seed(world: World, midterm: Review, pool: Pool) -> None:
    drawn = services.panel_draw(review=midterm, by=world.admin, seed=12345)
    experts = [m.expert for m in drawn]
    assert len(experts) == 5 and sum(e.is_external for e in experts) >= 2
    assert not {pool.same_unit, pool.the_supervisor, pool.other_discipline, pool.junior} & set(experts)
    assert services.problems(midterm) == []
    event = AuditEvent.objects.get(event="review.panel_drawn", target_id=str(midterm.pk))
    assert event.after["seed"] == 12345 and event.after["drawn"] == [e.pk for e in experts]
    # The same seed over the same pool draws the same panel.
    again = services.review_create(
        kind=Kind.MIDTERM, subject=world.appointment, deadline=midterm.deadline, by=world.admin
    )
    assert [m.expert for m in services.panel_draw(review=again, by=world.admin, seed=12345)] == experts


def test_a_draw_that_cannot_meet_the_rules_writes_nothing(world: World, pool: Pool) -> None:
    review = services.review_create(
        kind=Kind.MIDTERM, subject=world.appointment, deadline=TODAY(), by=world.admin, min_size=9
    )
    with pytest.raises(DomainError, match="Only 8 eligible experts without a conflict; the panel needs 9"):
        services.panel_draw(review=review, by=world.admin, seed=1)
    review.refresh_from_db()
    assert review.members.count() == 0 and review.seed is None


def test_a_declined_expert_is_replaced_within_the_rules(world: World, midterm: Review, pool: Pool) -> None:
    _seat(midterm, [*pool.internal[:3], *pool.external[:2]], world.admin)  # exactly the 2 externals 40% needs
    services.review_open(review=midterm, by=world.admin)
    external = midterm.members.get(expert=pool.external[0])
    services.member_decline(member=external, reason="有利益冲突", conflict=True, by=ExpertActor(external))
    assert Relation.objects.filter(expert=external.expert, person=world.appointment.person).exists()
    replacement = services.member_replace(member=external, by=world.admin)
    assert replacement.expert.is_external and replacement.replaces == external
    assert replacement.expert not in (pool.external[0], pool.junior)
    assert services.problems(midterm) == []
    with pytest.raises(DomainError, match="already been replaced"):
        services.member_replace(member=external, by=world.admin)


def test_scores_only_from_the_expert_while_open(world: World, midterm: Review, pool: Pool) -> None:
    services.panel_draw(review=midterm, by=world.admin, seed=3)
    member = midterm.members.select_related("expert").first()
    assert member is not None
    criteria = list(midterm.form.criteria.all())
    values = dict(zip([c.pk for c in criteria], (8, 8, 4), strict=True))
    with pytest.raises(DomainError, match="not open for scoring"):
        services.scores_submit(member=member, values=values, overall="good", comments="", by=ExpertActor(member))
    services.review_open(review=midterm, by=world.admin)
    with pytest.raises(DomainError, match="Only the expert on the panel"):
        services.scores_submit(member=member, values=values, overall="good", comments="", by=world.admin)
    with pytest.raises(DomainError, match="between 0 and 5"):
        services.scores_submit(
            member=member, values={**values, criteria[2].pk: 6}, overall="good", comments="", by=ExpertActor(member)
        )
    with pytest.raises(DomainError, match="not a number"):
        services.scores_submit(
            member=member, values={**values, criteria[0].pk: "八"}, overall="good", comments="", by=ExpertActor(member)
        )
    assert Score.objects.filter(member=member).count() == 0
    services.scores_submit(member=member, values=values, overall="good", comments="好", by=ExpertActor(member))
    with pytest.raises(DomainError, match="already been submitted"):
        services.scores_submit(member=member, values=values, overall="good", comments="", by=ExpertActor(member))


def test_outcome_weights_and_flags_disagreement(world: World, midterm: Review, pool: Pool) -> None:
    services.panel_draw(review=midterm, by=world.admin, seed=5)
    services.review_open(review=midterm, by=world.admin)
    # weights 3, 2, 1 over scales 10, 10, 5: (3·10/10 + 2·10/10 + 1·5/5)/6 = 100; (3·5/10 + 2·5/10 + 1·1/5)/6 ≈ 45.0
    _submit_all(midterm, [(10, 10, 5), (5, 5, 1), (9, 8, 4), (9, 9, 4), (8, 8, 4)])
    members = list(midterm.members.prefetch_related("scores"))
    result = outcome(midterm, members, list(midterm.form.criteria.all()))
    scores = sorted(r.score for r in result.reviewers)
    assert scores[0] == Decimal("45.0") and scores[-1] == Decimal("100.0")
    assert result.disagreement and result.complete
    assert result.median == Decimal("85.0")  # of 45.0, 80.0, 85.0, 88.3, 100.0
    assert result.mean == Decimal("79.7") and result.suggested == Review.Decision.GOOD


def test_decision_records_the_assessment_through_its_service(world: World, midterm: Review, pool: Pool) -> None:
    services.panel_draw(review=midterm, by=world.admin, seed=9)
    services.review_open(review=midterm, by=world.admin)
    _submit_all(midterm, [(9, 9, 4)] * 4)
    with pytest.raises(DomainError, match="1 of 5 experts have not scored"):
        services.review_close(review=midterm, by=world.admin)
    services.review_close(review=midterm, by=world.admin, note="一位专家出差")
    services.review_decide(review=midterm, decision="good", reason="进展良好", minutes="纪要", by=world.admin)
    assessment = Assessment.objects.get(appointment=world.appointment, kind=Assessment.Kind.MIDTERM)
    assert assessment.grade == "good" and assessment.held_on == TODAY()
    # The postdoc and supervisor see the assessment; the experts' names stay with the review.
    assert not [m for m in midterm.members.select_related("expert") if m.expert.name in assessment.panel]
    world.appointment.refresh_from_db()
    assert world.appointment.midterm_passed_on == TODAY()
    assert _events(midterm, "review.decided") == 1


def _failed_midterm(world: World, appointment: Appointment) -> Review:
    review = services.review_create(kind=Kind.MIDTERM, subject=appointment, deadline=TODAY(), by=world.admin)
    services.panel_draw(review=review, by=world.admin, seed=11)
    services.review_open(review=review, by=world.admin)
    _submit_all(review, [(3, 3, 1)] * 5, overall="fail")
    services.review_close(review=review, by=world.admin)
    return services.review_decide(review=review, decision="fail", reason="进展不足", by=world.admin)


def test_a_failed_midterm_leads_to_a_second_attempt_then_withdrawal(world: World, pool: Pool) -> None:
    first = _failed_midterm(world, world.appointment)
    assert first.attempt == 1
    world.appointment.refresh_from_db()
    assert world.appointment.status == Appointment.Status.IN_STATION
    second = _failed_midterm(world, world.appointment)
    assert second.attempt == 2
    world.appointment.refresh_from_db()
    assert world.appointment.status == Appointment.Status.WITHDRAWN
    assert world.appointment.withdrawal_ground == Appointment.WithdrawalGround.FAILED_ASSESSMENT


def test_policy_can_refuse_extension_after_a_failed_midterm(world: World, pool: Pool) -> None:
    policy = policy_for(world.institution.pk)
    policy.failed_assessment = Policy.FailedAssessment.REFUSE_EXTENSION
    reference_save(instance=policy, by=world.admin)
    _failed_midterm(world, world.appointment)
    from appointments.services import appointment_extend

    world.appointment.refresh_from_db()
    with pytest.raises(DomainError, match="refuses an extension"):
        appointment_extend(
            appointment=world.appointment,
            until=world.appointment.planned_exit_date + dt.timedelta(days=180),
            reason="实验未完成",
            by=world.admin,
        )


def test_secretaries_run_their_stations_assessments_only(world: World, pool: Pool) -> None:
    review = services.review_create(kind=Kind.MIDTERM, subject=world.appointment, deadline=TODAY(), by=world.secretary)
    assert may_manage_review(world.secretary, review)
    with pytest.raises(DomainError):
        services.review_create(kind=Kind.MIDTERM, subject=world.other_appointment, deadline=TODAY(), by=world.secretary)
    for user in (world.supervisor_user, world.postdoc_user, world.leadership, world.outsider):
        with pytest.raises(DomainError):
            services.panel_draw(review=review, by=user, seed=1)
    assert review.members.count() == 0


def test_an_ended_appointment_is_not_assessed(world: World, pool: Pool) -> None:
    ended = make_appointment(world.station, world.supervisor, world.admin, entry_date=dt.date(2022, 1, 1))
    from appointments.services import appointment_withdraw

    appointment_withdraw(appointment=ended, on=dt.date(2023, 1, 1), ground="personal", by=world.admin)
    with pytest.raises(DomainError, match="postdocs in station"):
        services.review_create(kind=Kind.MIDTERM, subject=ended, deadline=TODAY(), by=world.admin)
    assert not Review.objects.filter(appointment=ended).exists()


def test_declined_members_do_not_count(world: World, midterm: Review, pool: Pool) -> None:
    services.panel_draw(review=midterm, by=world.admin, seed=2)
    member = midterm.members.first()
    assert member is not None
    services.member_decline(member=member, reason="出差", by=world.admin)
    assert any("4 members" in p for p in services.problems(midterm))
    assert Member.objects.get(pk=member.pk).status == Member.Status.DECLINED


def test_a_staff_record_or_account_links_one_expert(world: World, pool: Pool) -> None:
    with pytest.raises(DomainError, match="already linked to the expert 导师本人"):
        services.expert_save(
            institution=world.institution,
            by=world.admin,
            name="另一位",
            unit=pool.other_unit,
            supervisor=world.supervisor,
        )
    services.expert_save(institution=world.institution, by=world.admin, expert=pool.internal[0], user=world.leadership)
    with pytest.raises(DomainError, match="already linked to another expert"):
        services.expert_save(
            institution=world.institution, by=world.admin, expert=pool.internal[1], user=world.leadership
        )
