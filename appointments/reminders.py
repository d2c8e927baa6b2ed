"""Reminders of due dates: one digest per recipient (station secretaries and supervisors).

Due dates come from the dates themselves (`selectors.due_items`); nothing is stored per reminder.
The office runs it daily (`manage.py send_reminders`, from cron or a scheduler); the background
worker sends it.
"""

import datetime as dt
from collections import defaultdict

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.access import Perm, has_perm
from accounts.actors import Actor
from accounts.models import Role, RoleAssignment
from appointments.due import live_commitments
from appointments.models import Appointment
from appointments.rules import policy_for
from appointments.selectors import DueItem, due_items
from audit.events import Event
from audit.services import record_event
from catalogue.models import Institution
from core.errors import DomainError

NOTIFY_STATES = ("overdue", "due_soon")


def _line(appointment: Appointment, item: DueItem) -> str:
    return _("%(no)s %(name)s (%(station)s): %(item)s %(state)s, due %(due)s") % {
        "no": appointment.postdoc_no,
        "name": appointment.person.name,
        "station": appointment.station.name_zh,
        "item": item.label,
        "state": item.state_label,
        "due": item.due_on.isoformat(),
    }


def due_digests(institution: Institution, today: dt.date) -> dict[str, list[str]]:
    """Email address → lines about the postdocs that recipient looks after."""
    policy = policy_for(institution.pk)
    secretaries: dict[int, set[str]] = defaultdict(set)
    for station_id, email in RoleAssignment.objects.filter(
        role=Role.SECRETARY, station__institution=institution, user__is_active=True
    ).values_list("station_id", "user__email"):
        if email:
            secretaries[station_id].add(email)
    digests: dict[str, list[str]] = defaultdict(list)
    live = (
        Appointment.objects.filter(institution=institution, status__in=Appointment.LIVE_STATUSES)
        .select_related("person", "station", "primary_supervisor__user")
        .order_by("station__code", "postdoc_no")
    )
    commitments = live_commitments(institution.pk)  # one query for every appointment
    for appointment in live.iterator(chunk_size=2000):
        lines = [
            _line(appointment, item)
            for item in due_items(appointment, policy, today, commitments.get(appointment.pk, ()))
            if item.state in NOTIFY_STATES
        ]
        if not lines:
            continue
        recipients = set(secretaries.get(appointment.station_id, ()))
        supervisor_user = appointment.primary_supervisor.user
        if supervisor_user is not None and supervisor_user.is_active and supervisor_user.email:
            recipients.add(supervisor_user.email)
        for email in recipients:
            digests[email].extend(lines)
    return digests


def due_reminders_send(*, institution: Institution, today: dt.date, by: Actor) -> dict[str, int]:
    """Sends each recipient one digest of overdue and soon-due items; one audit event.

    The digests are read outside any transaction and only the audit event is written in one, the
    mail going out once it is committed: on SQLite a transaction holds the write lock from its
    start, and reading every appointment of a large institution inside one would make every other
    writer wait for it."""
    if not (has_perm(by, Perm.MANAGE_REFERENCE) and by.institution_id == institution.pk):
        raise DomainError(_("Only an office administrator of the institution can send reminders."))
    with translation.override(settings.LANGUAGE_CODE):
        digests = due_digests(institution, today)
        subject = _("Postdoc Office: due dates as of %(date)s") % {"date": today.isoformat()}
        messages = [
            (subject, "\n".join(lines) + "\n", settings.DEFAULT_FROM_EMAIL, [email])
            for email, lines in sorted(digests.items())
        ]
    counts = {"recipients": len(messages), "lines": sum(len(lines) for lines in digests.values())}
    with transaction.atomic():
        record_event(
            actor=by,
            event=Event.REMINDERS_SENT,
            target=institution,
            after={"as_of": today.isoformat(), **counts},
            institution=institution,
        )
        transaction.on_commit(lambda: send_mass_mail(messages, fail_silently=False))
    return counts
