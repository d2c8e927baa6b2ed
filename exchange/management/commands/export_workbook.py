from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from core.errors import DomainError
from exchange.exporter import export_workbook


class Command(BaseCommand):
    help = "Exports the records a user may see as an exchange workbook (.xlsx)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the .xlsx file to write")
        parser.add_argument("--as-user", required=True, help="the user whose scope and permissions apply")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["as_user"]).select_related("institution").first()
        if user is None or user.institution is None:
            raise CommandError(f"{options['as_user']!r} is not a user of an institution.")
        try:
            counts = export_workbook(path=options["file"], institution=user.institution, user=user)
        except DomainError as error:
            raise CommandError(error.message) from error
        for sheet, n in counts.items():
            self.stdout.write(f"{sheet}: {n}")
