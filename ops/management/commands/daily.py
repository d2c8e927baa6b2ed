"""`manage.py daily`: the day's housekeeping, run once a day by deploy/postdoc-office-daily.timer.

Queues the due-date digests (`send_reminders`) and the experts' review reminders
(`send_review_reminders`) for each institution of the office administrators named, then removes the
stored uploads of import jobs past their keeping time (`remove_old_uploads`). Each step runs even if
an earlier one failed; the command then exits non-zero, naming the steps that failed, so that the
timer's service shows as failed in `systemctl --failed` and the journal.
"""

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = (
        "The daily housekeeping: due-date reminders and review reminders for each office administrator named "
        "(their institution's, sent as them), then the removal of import uploads past their keeping time."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--as-user",
            action="append",
            required=True,
            metavar="USERNAME",
            help="an office administrator; the reminders of their institution are sent as them "
            "(once per institution: --as-user office-a --as-user office-b)",
        )

    def steps(self, administrators: list[str]) -> list[tuple[str, list[str]]]:
        steps: list[tuple[str, list[str]]] = []
        for username in administrators:
            steps.append(("send_reminders", ["--as-user", username]))
            steps.append(("send_review_reminders", ["--as-user", username]))
        # Every institution's uploads at once, recorded as the system's (the retention is the site's rule).
        steps.append(("remove_old_uploads", []))
        return steps

    def handle(self, *args: Any, **options: Any) -> None:
        failed: list[str] = []
        for name, arguments in self.steps(options["as_user"]):
            label = " ".join([name, *arguments])
            try:
                call_command(name, *arguments, stdout=self.stdout, stderr=self.stderr)
            except Exception as error:  # noqa: BLE001 - one step's failure must not keep the others from running
                failed.append(label)
                self.stderr.write(f"{label} failed: {error}")
            else:
                self.stdout.write(f"{label}: done.")
        if failed:
            raise CommandError(f"{len(failed)} of the daily steps failed: {'; '.join(failed)}.")
