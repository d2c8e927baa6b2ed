"""`manage.py restore FILE`: a backup into an empty database, then the proof that it is whole."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ops.backup import restore_backup
from ops.backup_crypto import BackupError, read_passphrase


class Command(BaseCommand):
    help = (
        "Restores a backup made by `backup` into an EMPTY database (no tables, or a freshly migrated schema) and an "
        "empty uploads folder, then checks row counts per table and the headline figures against those recorded at "
        "backup time. An encrypted backup needs its passphrase (BACKUP_PASSPHRASE, or asked on the terminal)."
    )
    # A restore is what one runs when things are broken: no system check may stand in its way
    # (it checks what it needs itself: an empty database, a known schema, the file's integrity).
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the backup file")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            result = restore_backup(path=path, passphrase=lambda: read_passphrase(confirm=False))
        except BackupError as error:
            raise CommandError(error.message) from None
        manifest = result.manifest
        if result.differences:
            for line in result.differences:
                self.stderr.write(line)
            raise CommandError(
                ngettext(
                    "The restored data differ from the backup in %(n)s point (above): do not use this database; "
                    "keep the backup file and look into the difference.",
                    "The restored data differ from the backup in %(n)s points (above): do not use this database; "
                    "keep the backup file and look into the differences.",
                    len(result.differences),
                )
                % {"n": len(result.differences)}
            )
        figures = manifest["figures"]
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Restored the backup of %(created)s (%(tables)s tables, %(rows)s rows, %(files)s uploaded files) "
                    "in %(seconds).1f s."
                )
                % {
                    "created": manifest["created_at"],
                    "tables": result.tables,
                    "rows": result.rows,
                    "files": result.media_files,
                    "seconds": result.seconds,
                }
            )
        )
        self.stdout.write(
            _(
                "Checked: the row count of every table and the headline figures of %(n)s institution(s) as of "
                "%(dates)s equal those recorded at backup time."
            )
            % {"n": len(figures["institutions"]), "dates": ", ".join(figures["dates"])}
        )
        if not manifest["media"]["included"]:
            self.stdout.write(self.style.WARNING(manifest["media"]["note"]))
        if result.audit_events:
            self.stdout.write(_("The restore is recorded in the audit trail (backup.restored)."))
        if result.pending_migrations:
            self.stdout.write(
                _(
                    "The backup is from an earlier version (%(n)s migrations to apply): run `manage.py migrate` "
                    "before starting the site."
                )
                % {"n": len(result.pending_migrations)}
            )
