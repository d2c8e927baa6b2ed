from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from accounts.models import User
from exchange.importer import import_workbook


class Command(BaseCommand):
    help = "Imports an exchange workbook (.xlsx, or a folder or .zip of CSV files), all or nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the workbook: .xlsx, a .zip of CSV files or a folder of CSV files")
        parser.add_argument("--as-user", required=True, help="an office administrator; the import is made as them")
        parser.add_argument("--dry-run", action="store_true", help="validate and report; write nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["as_user"]).select_related("institution").first()
        if user is None or user.institution is None:
            raise CommandError(f"{options['as_user']!r} is not a user of an institution.")
        report = import_workbook(
            path=options["file"], institution=user.institution, by=user, dry_run=options["dry_run"]
        )
        for line in report.lines():
            self.stdout.write(line)
        if not report.ok:
            raise CommandError(_("The workbook was not imported: %(n)s problem(s).") % {"n": len(report.problems)})
