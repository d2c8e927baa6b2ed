import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from accounts.access import Perm, has_perm
from accounts.models import User
from appointments.access import figures_scope
from catalogue.models import Institution
from reports.selectors import headline_figures


class Command(BaseCommand):
    help = "Prints the headline figures: recruited, still in station, in station, projects (and by level), coverage."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", help="YYYY-MM-DD (default: today)")
        parser.add_argument("--years", type=int, default=3, help="window length in years (default 3)")
        parser.add_argument("--format", choices=["text", "json"], default="text")
        parser.add_argument("--institution", help="institution code (default: the only one)")
        parser.add_argument("--as-user", help="compute over what this user may see, with their permissions")

    def handle(self, *args: Any, **options: Any) -> None:
        as_of = self._parse_date(options["as_of"]) if options["as_of"] else timezone.localdate()
        years = options["years"]
        if years < 1:
            raise CommandError("--years must be 1 or more.")
        if options["as_user"]:
            user = User.objects.filter(username=options["as_user"]).first()
            if user is None:
                raise CommandError(f"No user named {options['as_user']!r}.")
            if user.institution_id is None or not has_perm(user, Perm.VIEW_INSTITUTION):
                raise CommandError(f"{user.username} may not see the institution's figures.")
            institution = user.institution
            scope = figures_scope(user)
        else:
            institution = self._institution(options["institution"])
            scope = None
        assert institution is not None
        figures = headline_figures(institution_id=institution.pk, as_of=as_of, years=years, scope=scope)
        if options["format"] == "json":
            self.stdout.write(json.dumps(figures, ensure_ascii=False, indent=2))
            return
        cover = figures["coverage"]
        lines = [
            f"{institution.name_zh} ({institution.code})",
            f"as of {figures['as_of']}, window {years} years",
            f"recruited                   {figures['recruited']}",
            f"  of those, still in station {figures['recruited_still_in_station']}",
            f"in station                  {figures['in_station']}",
            f"projects                    {figures['projects']}",
            "  by level                  "
            + ", ".join(f"{level} {n}" for level, n in figures["projects_by_level"].items()),
            f"coverage                    {cover['with_station']} of {cover['doctoral_disciplines']}"
            + (f" (missing: {', '.join(cover['missing'])})" if cover["missing"] else ""),
        ]
        self.stdout.write("\n".join(lines))

    @staticmethod
    def _parse_date(text: str) -> dt.date:
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            raise CommandError(f"--as-of must be a date as YYYY-MM-DD, not {text!r}.") from None

    @staticmethod
    def _institution(code: str | None) -> Institution:
        if code:
            institution = Institution.objects.filter(code=code).first()
            if institution is None:
                raise CommandError(f"No institution with code {code!r}.")
            return institution
        institutions = list(Institution.objects.all()[:2])
        if len(institutions) != 1:
            raise CommandError("Name the institution with --institution CODE.")
        return institutions[0]
