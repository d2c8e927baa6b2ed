"""Imports a file of references onto a postdoc's stay, for offices that script: the same preview as
the import page (each entry importable, duplicate or refused) and the same service writes the
importable entries. A position the page would ask for cannot be given here: an entry whose authors
do not include the postdoc is refused, saying where to import it instead.

The exit code is non-zero only when the file cannot be read at all or the user is refused; refused
entries and duplicates are in the report."""

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from appointments.access import visible_appointments
from appointments.models import Appointment
from core.errors import DomainError
from outputs import importing, parsers, services


class Command(BaseCommand):
    help = (
        "Imports a file of references (.bib, .ris, .json, .enw, .nbib, .txt) onto a postdoc's stay: importable "
        "entries are recorded, duplicates skipped, refused entries reported."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "file",
            help="the references: .bib, .ris, .json, .enw, .nbib or .txt (Web of Science, PubMed, CNKI, Wanfang), UTF-8",
        )
        parser.add_argument("--postdoc", required=True, help="the postdoc number of the stay to record them on")
        parser.add_argument(
            "--as-user", required=True, help="who imports: someone who may record the postdoc's outputs"
        )
        parser.add_argument("--dry-run", action="store_true", help="read and report; write nothing")
        parser.add_argument("--format", choices=["text", "json"], default="text", help="the report's format")

    def handle(self, *args: Any, **options: Any) -> None:
        user = self._user(options["as_user"])
        stay = self._stay(user, options["postdoc"])
        path = Path(options["file"])
        preview = self._preview(path, stay, user)
        imported = 0
        if preview.can_confirm and not options["dry_run"]:
            try:
                done = services.outputs_import(
                    appointment=stay,
                    entries=preview.entries,
                    chosen={row.index for row in preview.importable},
                    source=preview.format,
                    by=user,
                    note=_("Imported from %(name)s.") % {"name": path.name},
                )
            except DomainError as error:  # something changed between the preview and the writing
                raise CommandError(error.message) from error
            imported = len(done.created)
        report = report_of(preview, imported=imported, dry_run=options["dry_run"])
        if options["format"] == "json":
            self.stdout.write(json.dumps(report, ensure_ascii=False, indent=2, default=str))
        else:
            self.stdout.write("\n".join(text_lines(report)))
        if preview.problems:
            raise CommandError(_("The file cannot be read: nothing is imported."))

    @staticmethod
    def _user(username: str) -> User:
        user = User.objects.filter(username=username, is_active=True).select_related("institution").first()
        if user is None or user.institution is None:
            raise CommandError(_("“%(user)s” is not an active user of an institution.") % {"user": username})
        return user

    @staticmethod
    def _stay(user: User, postdoc_no: str) -> Appointment:
        """The stay numbered so among those the user sees; one outside their scope is not there for them."""
        stay = (
            visible_appointments(user)
            .filter(postdoc_no=postdoc_no.strip())  # the scope keeps to the user's institution
            .select_related("person", "station", "station__institution")
            .first()
        )
        if stay is None:
            raise CommandError(
                _("There is no postdoc numbered “%(no)s” that %(user)s can see.")
                % {"no": postdoc_no, "user": user.username}
            )
        if not services.may_record(user, stay):
            raise CommandError(
                _("%(user)s may not record research outputs for postdoc %(no)s.")
                % {"user": user.username, "no": stay.postdoc_no}
            )
        return stay

    @staticmethod
    def _preview(path: Path, stay: Appointment, user: User) -> importing.Preview:
        try:
            size = path.stat().st_size
        except OSError as error:
            raise CommandError(
                _("“%(file)s” cannot be opened: %(why)s") % {"file": path, "why": error.strerror}
            ) from error
        refusal = importing.upload_refusal(path.name, size)
        if refusal:
            raise CommandError(refusal)
        try:
            text = parsers.decode(path.read_bytes())
        except DomainError as error:
            raise CommandError(error.message) from error
        return importing.preview(appointment=stay, user=user, name=path.name, text=text, correctable=False)


ENTRY_KEYS = ("record", "kind", "title", "authors", "year", "doi", "journal", "position", "status")


def report_of(preview: importing.Preview, *, imported: int, dry_run: bool) -> dict[str, Any]:
    """The command's report: counts, duplicates and refused entries with their reasons, and every entry
    (with its reason too: a duplicate's, a refusal's; empty for an importable one)."""
    described = [importing.describe(row) for row in preview.rows]
    return {
        "file": preview.name,
        "format": preview.format,
        "problems": preview.problems,
        "read": len(preview.rows),
        "importable": len(preview.importable),
        "duplicates": [
            {"record": d["record"], "reason": " ".join(d["reasons"])}
            for d in described
            if d["status"] == importing.DUPLICATE
        ],
        "refused": [
            {"record": d["record"], "line": d["line"], "reason": " ".join(d["reasons"])}
            for d in described
            if d["status"] == importing.REFUSED
        ],
        "dry_run": dry_run,
        "imported": imported,
        "entries": [{**{key: d[key] for key in ENTRY_KEYS}, "reason": " ".join(d["reasons"])} for d in described],
    }


def text_lines(report: dict[str, Any]) -> list[str]:
    """The report for a person reading a terminal: the counts, then each entry with its status and,
    for a duplicate or a refused entry, why."""
    lines = [
        _(
            "%(file)s (%(format)s): %(read)s read, %(importable)s importable, %(duplicates)s duplicate, "
            "%(refused)s refused."
        )
        % {
            "file": report["file"],
            "format": report["format"],
            "read": report["read"],
            "importable": report["importable"],
            "duplicates": len(report["duplicates"]),
            "refused": len(report["refused"]),
        },
        *report["problems"],
    ]
    statuses = {
        importing.IMPORTABLE: _("importable"),
        importing.DUPLICATE: _("duplicate"),
        importing.REFUSED: _("refused"),
    }
    for entry in report["entries"]:
        line = f"  {statuses[entry['status']]:<10} {entry['record']}  {entry['title']} ({entry['year'] or '—'})"
        if entry["status"] == importing.IMPORTABLE:
            line += "  " + _("the postdoc is author %(n)s") % {"n": entry["position"]}
        else:
            line += "\n      " + entry["reason"]
        lines.append(line)
    if report["dry_run"]:
        lines.append(_("Dry run: nothing is written."))
    elif not report["problems"]:
        n = report["imported"]
        lines.append(ngettext("%(n)s output imported.", "%(n)s outputs imported.", n) % {"n": n})
    return lines
