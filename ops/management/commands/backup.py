"""`manage.py backup FILE`: the database and the uploads in one file that a restore can prove."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from ops.backup import create_backup
from ops.backup_crypto import BackupError, read_passphrase


class Command(BaseCommand):
    help = (
        "Writes a backup of the database (SQLite's online backup, or pg_dump in custom format) and the uploads "
        "into FILE (mode 0600), with a manifest of row counts and headline figures that `restore` checks itself "
        "against. --encrypt encrypts it with a passphrase from BACKUP_PASSPHRASE or asked on the terminal."
    )
    # A backup must be possible whatever state the site's code or settings are in (a failing check
    # of the URLs or of the deployment is no reason to go without one).
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "file", help="the backup file to write (it must not exist yet), e.g. postdoc-2026-01-31.backup"
        )
        parser.add_argument(
            "--encrypt",
            action="store_true",
            help="encrypt with a passphrase read from the environment variable BACKUP_PASSPHRASE or asked twice",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            passphrase = read_passphrase(confirm=True) if options["encrypt"] else None
            summary = create_backup(path=Path(options["file"]), passphrase=passphrase)
        except BackupError as error:
            raise CommandError(error.message) from None
        manifest = summary.manifest
        message = _(
            "Backed up the %(vendor)s database (%(tables)s tables, %(rows)s rows) and %(files)s uploaded files "
            "(%(media_mb).1f MB) to %(path)s (%(mb).1f MB) in %(seconds).1f s."
        )
        if summary.encrypted:
            message = _(
                "Backed up the %(vendor)s database (%(tables)s tables, %(rows)s rows) and %(files)s uploaded files "
                "(%(media_mb).1f MB) to %(path)s (%(mb).1f MB, encrypted) in %(seconds).1f s."
            )
        values = {
            "vendor": manifest["database"]["vendor"],
            "tables": summary.tables,
            "rows": summary.rows,
            "files": summary.media_files,
            "media_mb": summary.media_bytes / 1e6,
            "path": summary.path,
            "mb": summary.bytes / 1e6,
            "seconds": summary.seconds,
        }
        self.stdout.write(self.style.SUCCESS(message % values))
        if not manifest["media"]["included"]:
            self.stdout.write(self.style.WARNING(manifest["media"]["note"]))
        figures = manifest["figures"]
        for code, by_date in figures["institutions"].items():
            self.stdout.write(
                _("Headline figures of %(code)s recorded as of %(dates)s (%(years)s-year window): %(figures)s.")
                % {
                    "code": code,
                    "dates": ", ".join(by_date),
                    "years": figures["years"],
                    "figures": "; ".join(
                        _("%(recruited)s recruited, %(in_station)s in station")
                        % {"recruited": f["recruited"], "in_station": f["in_station"]}
                        for f in by_date.values()
                    ),
                }
            )
        if summary.encrypted:
            self.stdout.write(_("Keep the passphrase apart from the file: without it the backup cannot be restored."))
        else:
            self.stdout.write(
                self.style.WARNING(
                    _(
                        "The file is not encrypted and holds full ID numbers: keep it private (it is mode 0600), "
                        "or back up with --encrypt."
                    )
                )
            )
