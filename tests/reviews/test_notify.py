"""Mail to experts: invitations when a review opens (each with their own signed link, in their
language) and reminders before the deadline to those who have not scored."""

import datetime as dt
import re
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from audit.models import AuditEvent
from core.errors import DomainError
from reviews import services
from reviews.links import link_token, member_for_token
from reviews.models import Member, Review
from reviews.notify import review_reminders_send
from tests.factories import World
from tests.reviews.conftest import Pool

pytestmark = pytest.mark.django_db


@pytest.fixture
def immediate_tasks(settings):  # type: ignore[no-untyped-def]
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


def test_opening_invites_every_member_with_their_own_link(
    world: World,
    midterm: Review,
    pool: Pool,
    immediate_tasks,
    django_capture_on_commit_callbacks,  # type: ignore[no-untyped-def]
) -> None:
    services.expert_save(institution=world.institution, by=world.admin, expert=pool.external[0], language="en")
    services.panel_draw(review=midterm, seed=8, by=world.admin)
    with django_capture_on_commit_callbacks(execute=True):
        services.review_open(review=midterm, by=world.admin)
    members = list(midterm.members.select_related("expert"))
    assert sorted(m.to[0] for m in mail.outbox) == sorted(m.expert.email for m in members)
    for member in members:
        message = next(m for m in mail.outbox if m.to == [member.expert.email])
        token = re.search(r"/reviews/link/([^/\s]+)/", message.body)
        assert token and member_for_token(token.group(1)) == member  # their own seat, signed
        english = member.expert.language == "en"
        assert message.subject.startswith("Invitation to review" if english else "评审邀请")
    assert AuditEvent.objects.filter(event="review.invitations_sent", target_id=str(midterm.pk)).count() == 1


def test_a_link_stops_working_when_the_expert_declines(world: World, midterm: Review, pool: Pool) -> None:
    services.panel_draw(review=midterm, seed=8, by=world.admin)
    services.review_open(review=midterm, by=world.admin)
    member = midterm.members.first()
    assert member is not None
    token = link_token(member)
    assert member_for_token(token) == member
    services.member_decline(member=member, reason="出差", by=world.admin)
    with pytest.raises(DomainError, match="withdrawn"):
        member_for_token(token)
    with pytest.raises(DomainError, match="not valid"):
        member_for_token(token[:-2] + "xx")


def test_reminders_go_to_those_who_have_not_scored(world: World, midterm: Review, pool: Pool) -> None:
    services.panel_draw(review=midterm, seed=8, by=world.admin)
    services.review_open(review=midterm, by=world.admin)
    scored = midterm.members.select_related("expert").first()
    assert scored is not None
    criteria = list(midterm.form.criteria.all())
    services.scores_submit(
        member=scored, values={c.pk: 4 for c in criteria}, overall="pass", comments="", by=services.ExpertActor(scored)
    )
    today = midterm.deadline - dt.timedelta(days=10)
    assert review_reminders_send(institution=world.institution, today=today, by=world.admin) == 0
    sent = review_reminders_send(
        institution=world.institution, today=midterm.deadline - dt.timedelta(days=2), by=world.admin
    )
    waiting = midterm.members.filter(status=Member.Status.INVITED).select_related("expert")
    assert sent == 4 and sorted(m.to[0] for m in mail.outbox) == sorted(m.expert.email for m in waiting)
    assert scored.expert.email not in [m.to[0] for m in mail.outbox]
    with pytest.raises(DomainError, match="Only an office administrator"):
        review_reminders_send(institution=world.institution, today=timezone.localdate(), by=world.secretary)


def test_the_reminder_command(world: World, immediate_tasks) -> None:  # type: ignore[no-untyped-def]
    out = StringIO()
    call_command("send_review_reminders", "--as-user", "admin-U1", stdout=out)
    assert "Queued as task" in out.getvalue()
    assert AuditEvent.objects.filter(event="review.reminders_sent", actor=world.admin).count() == 1
    with pytest.raises(CommandError, match="not an office administrator"):
        call_command("send_review_reminders", "--as-user", "secretary", "--now")
