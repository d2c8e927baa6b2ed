import datetime as dt
import json
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from catalogue.models import Institution
from demo.load import DemoError, load_demo, sign_in_lines
from demo.story.reference import DEFAULT_TODAY, DEMO_CODE, STORY_AS_OF, STORY_YEARS
from reports.selectors import headline_figures


class Command(BaseCommand):
    help = (
        "Loads the demo institution (渝州医科大学, invented) through the services: stations, supervisors, "
        "postdocs since 2015 with every life-cycle path, assessments, projects, applications and research outputs, "
        "and one account per role."
    )
    # The demo is loaded by `make setup` before the site runs; it does not depend on the URLs or views.

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing if any institution exists (for set-up scripts)"
        )
        parser.add_argument(
            "--today",
            default=DEFAULT_TODAY.isoformat(),
            help=f"the demo's reference date, YYYY-MM-DD (default {DEFAULT_TODAY.isoformat()})",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # The demo's accounts have published passwords (admin/admin): never on a production site.
        if not settings.DEMO_ALLOWED:
            refusal = (
                "DEBUG is false: the demo, with its published passwords (admin/admin), is loaded only for a first "
                "look in development (DEBUG=true, the default of a fresh checkout). Nothing was changed."
            )
            if options["if_empty"]:
                self.stdout.write(refusal)
                return
            raise CommandError(refusal)
        # A database that holds a real institution never gets the demo's invented people mixed in.
        own = Institution.objects.exclude(code=DEMO_CODE).values_list("code", flat=True).first()
        if options["if_empty"] and Institution.objects.exists():
            if own is not None:
                self.stdout.write(f"The database holds the institution {own}; the demo is not loaded into it.")
            else:
                self.stdout.write(
                    "The demo is loaded already: sign in as admin / admin, or secretary, supervisor, postdoc, "
                    "leadership with the password demo."
                )
            return
        if own is not None:
            raise CommandError(
                f"The database holds the institution {own}, not the demo; the demo is loaded only into an "
                "empty database (set DATABASE_URL to another one to see it). Nothing was changed."
            )
        try:
            today = dt.date.fromisoformat(options["today"])
        except ValueError:
            raise CommandError(f"--today must be a date as YYYY-MM-DD, not {options['today']!r}.") from None
        started = time.monotonic()
        try:
            result = load_demo(today=today, progress=lambda line: self.stdout.write(f"  … {line}"))
        except DemoError as error:
            raise CommandError(error.message) from None
        seconds = time.monotonic() - started
        institution = result.institution
        story = headline_figures(institution_id=institution.pk, as_of=STORY_AS_OF, years=STORY_YEARS)
        now = headline_figures(institution_id=institution.pk, as_of=today, years=STORY_YEARS)
        counts = result.counts
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded {institution.name_zh} ({institution.code}) in {seconds:.1f} s: "
                f"{counts['supervisors']} supervisors, {counts['postdocs']} postdocs, "
                f"{counts['appointments']} appointments, {counts['projects']} projects, "
                f"{counts['applications']} applications not (yet) funded, {counts['outputs']} research outputs "
                f"(demo today {today})."
            )
        )
        for figures in (story, now):
            cover = figures["coverage"]
            self.stdout.write(
                f"As of {figures['as_of']}, {STORY_YEARS} years: recruited {figures['recruited']}, "
                f"still in station {figures['recruited_still_in_station']}, in station {figures['in_station']}, "
                f"projects {figures['projects']}, coverage {cover['with_station']}/{cover['doctoral_disciplines']}"
                + (f" (missing {json.dumps(cover['missing'])})" if cover["missing"] else "")
            )
        self.stdout.write("\n".join(sign_in_lines()))
