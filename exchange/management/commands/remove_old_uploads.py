from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.actors import Actor
from accounts.models import User
from core.errors import DomainError
from exchange.retention import SYSTEM, keep_days, remove_old_uploads


class Command(BaseCommand):
    help = (
        "Removes the stored files (the upload and its error workbooks) of import jobs that finished more than "
        "IMPORT_UPLOAD_KEEP_DAYS days ago; the jobs and their reports stay. Run daily (manage.py daily does)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--as-user",
            help="an office administrator: only their institution's uploads, recorded as theirs "
            "(default: every institution's, recorded as the system)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        by: Actor = SYSTEM
        if options["as_user"]:
            by = User.objects.filter(username=options["as_user"]).select_related("institution").first()
            if by is None:
                raise CommandError(f"No user {options['as_user']!r}.")
        try:
            removed = remove_old_uploads(by=by)
        except DomainError as error:
            raise CommandError(error.message) from None
        days = keep_days()
        self.stdout.write(f"Removed the uploads of {removed} import job(s) finished more than {days} days ago.")
