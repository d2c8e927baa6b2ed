from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from accounts.access import Perm, has_perm
from accounts.models import User
from core.errors import DomainError
from reviews.notify import review_reminders_send
from reviews.tasks import send_review_reminders


class Command(BaseCommand):
    help = (
        "Reminds each expert who has not scored a review due within REVIEW_REMINDER_DAYS "
        f"(now {settings.REVIEW_REMINDER_DAYS}) days, by mail with their link."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-user", required=True, help="an office administrator; the reminders are sent as them")
        parser.add_argument("--now", action="store_true", help="send now instead of queueing for the worker")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["as_user"]).select_related("institution").first()
        if user is None or user.institution is None or not has_perm(user, Perm.MANAGE_REFERENCE):
            raise CommandError(f"{options['as_user']!r} is not an office administrator of an institution.")
        today = timezone.localdate()
        if options["now"]:
            try:
                sent = review_reminders_send(institution=user.institution, today=today, by=user)
            except DomainError as error:
                raise CommandError(error.message) from None
            self.stdout.write(f"Sent {sent} reminders.")
            return
        result = send_review_reminders.enqueue(user.institution.pk, today.isoformat(), user.pk)
        self.stdout.write(f"Queued as task {result.id}; the worker started by `make run` sends it.")
