import datetime as dt
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from accounts.models import Role
from accounts.services import role_assign, user_create
from appointments.reminders import due_reminders_send
from audit.models import AuditEvent
from core.errors import DomainError
from people.accounts import account_link

pytestmark = pytest.mark.django_db

# The world's postdoc entered on 2024-03-01: by 2024-07-01 the research proposal (due three
# months after entry) is overdue, and nothing else is due yet.
TODAY = dt.date(2024, 7, 1)


@pytest.fixture
def recipients(world):
    secretary = user_create(
        username="sec-mail", password="x", institution=world.institution, email="sec@example.edu", by=world.admin
    )
    role_assign(user=secretary, role=Role.SECRETARY, station=world.station, by=world.admin)
    supervisor = user_create(
        username="sup-mail", password="x", institution=world.institution, email="sup@example.edu", by=world.admin
    )
    account_link(user=supervisor, supervisor=world.supervisor, by=world.admin)
    return world


def test_secretary_and_supervisor_get_one_digest_each(recipients, django_capture_on_commit_callbacks):
    world = recipients
    with django_capture_on_commit_callbacks(execute=True):
        counts = due_reminders_send(institution=world.institution, today=TODAY, by=world.admin)
    assert counts == {"recipients": 2, "lines": 2}
    assert sorted(message.to[0] for message in mail.outbox) == ["sec@example.edu", "sup@example.edu"]
    body = mail.outbox[0].body
    assert world.appointment.postdoc_no in body
    assert "research proposal overdue, due 2024-06-01" in body
    assert world.other_appointment.postdoc_no not in body  # another station, nobody to tell here
    event = AuditEvent.objects.get(event="reminders.sent")
    assert (event.actor, event.after["recipients"], event.after["lines"]) == (world.admin, 2, 2)


def test_nothing_due_sends_nothing(recipients, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        counts = due_reminders_send(institution=recipients.institution, today=dt.date(2024, 4, 1), by=recipients.admin)
    assert counts == {"recipients": 0, "lines": 0}
    assert mail.outbox == []


def test_only_an_office_administrator_sends_reminders(world):
    for user in (world.secretary, world.leadership, world.outsider):
        with pytest.raises(DomainError, match="Only an office administrator"):
            due_reminders_send(institution=world.institution, today=TODAY, by=user)
    assert not AuditEvent.objects.filter(event="reminders.sent").exists()


def test_the_command_queues_the_task_for_the_worker(recipients, settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    out = StringIO()
    call_command("send_reminders", "--as-user", "admin-U1", stdout=out)
    assert "Queued as task" in out.getvalue()
    assert AuditEvent.objects.filter(event="reminders.sent", actor=recipients.admin).count() == 1


def test_the_command_refuses_anyone_but_an_administrator(world):
    with pytest.raises(CommandError, match="not an office administrator"):
        call_command("send_reminders", "--as-user", "secretary", "--now")
