"""Who sees a review and who sees its panel: conflicted users, administrators included, never do."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from core.errors import DomainError
from establishment.evaluation_services import evaluation_create
from people.accounts import account_link
from reviews import services
from reviews.access import conflicted_review_ids, sees_panel, user_conflicts, visible_reviews
from reviews.models import Kind, Review
from reviews.services import expert_save
from stations.models import Station
from tests.factories import World, make_appointment
from tests.reviews.conftest import Pool

pytestmark = pytest.mark.django_db


def test_visibility_follows_the_subject(world: World, midterm: Review) -> None:
    seen = {name: visible_reviews(user).filter(pk=midterm.pk).exists() for name, user in world.personas().items()}
    assert seen == {
        "admin": True,
        "secretary": True,
        "supervisor": True,
        "postdoc": True,
        "leadership": True,
        "outsider": False,
    }


def test_only_overseers_without_a_conflict_see_the_panel(world: World, midterm: Review) -> None:
    seen = {name: sees_panel(user, midterm) for name, user in world.personas().items()}
    assert seen == {
        "admin": True,
        "secretary": True,
        "supervisor": False,  # supervises the postdoc under review
        "postdoc": False,  # is the postdoc under review
        "leadership": True,
        "outsider": False,
    }
    assert user_conflicts(world.supervisor_user, midterm) == ["supervises the postdoc"]
    assert user_conflicts(world.postdoc_user, midterm) == ["is the postdoc under review"]


def test_a_conflicted_administrator_does_not_see_the_panel(world: World, midterm: Review, pool: Pool) -> None:
    # The administrator is also an expert who works in the postdoc's college.
    expert_save(
        institution=world.institution,
        by=world.admin,
        expert=pool.same_unit,
        user=world.admin,
    )
    assert user_conflicts(world.admin, midterm) == ["works in the subject's unit"]
    assert not sees_panel(world.admin, midterm)
    assert visible_reviews(world.admin).filter(pk=midterm.pk).exists()  # the review itself, yes


def test_a_supervisor_in_the_station_linked_as_admin_is_conflicted(world: World, midterm: Review) -> None:
    account_link(user=world.admin, supervisor=world.supervisor, by=world.admin)
    assert not sees_panel(world.admin, midterm)


def test_the_audit_log_in_the_admin_hides_a_conflicted_reviews_panel(
    client, world: World, midterm: Review, pool: Pool
) -> None:  # type: ignore[no-untyped-def]
    User.objects.filter(pk=world.admin.pk).update(is_staff=True)
    seated = services.member_add(review=midterm, expert=pool.external[1], by=world.admin)
    client.force_login(world.admin)
    url = reverse("admin:audit_auditevent_changelist")

    def panel_events() -> list[str]:
        return [
            e.event
            for e in client.get(url).context["cl"].result_list
            if (e.target_type, e.target_id) == ("reviews.member", str(seated.pk))
        ]

    assert panel_events() == ["review.member_added"]  # the log names the panel...
    expert_save(institution=world.institution, by=world.admin, expert=pool.same_unit, user=world.admin)
    assert panel_events() == []  # ...but not to an administrator with a conflict


def test_a_conflicted_administrator_does_not_run_the_review(world: World, midterm: Review, pool: Pool) -> None:
    expert_save(institution=world.institution, by=world.admin, expert=pool.same_unit, user=world.admin)
    with pytest.raises(DomainError, match="another administrator runs it"):
        services.panel_draw(review=midterm, seed=1, by=world.admin)
    assert midterm.members.count() == 0


def test_finding_a_users_conflicts_takes_the_same_queries_for_more_reviews(world: World, pool: Pool) -> None:
    deadline = timezone.localdate() + dt.timedelta(days=10)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            conflicted_review_ids(world.supervisor_user)
        return len(captured)

    def evaluation_review(station: Station) -> None:
        evaluation = evaluation_create(
            station=station, cycle=2025, kind="comprehensive", period_start=dt.date(2020, 1, 1),
            period_end=dt.date(2024, 12, 31), by=world.admin,
        )  # fmt: skip
        services.review_create(
            kind=Kind.STATION_EVALUATION, subject=evaluation, deadline=deadline, form=pool.form, by=world.admin
        )

    services.review_create(kind=Kind.MIDTERM, subject=world.appointment, deadline=deadline, by=world.admin)
    evaluation_review(world.station)
    one = queries()
    evaluation_review(world.other_station)
    for _ in range(3):
        other = make_appointment(world.other_station, world.other_supervisor, world.admin)
        services.review_create(kind=Kind.MIDTERM, subject=other, deadline=deadline, by=world.admin)
    assert queries() == one
