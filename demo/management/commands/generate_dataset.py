import datetime as dt
import resource
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from demo.dataset import DatasetError, generate_dataset


class Command(BaseCommand):
    help = (
        "Generates a separate synthetic institution for scale work: stations for the catalogue's "
        "disciplines, supervisors, N appointments over 40 years with assessments, extensions and projects. "
        "Bulk writes in one transaction, with ONE audit event (dataset.generated)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--postdocs", type=int, required=True, help="how many appointments (postdocs) to create")
        parser.add_argument("--seed", type=int, default=1, help="random seed (default 1); same seed, same data")
        parser.add_argument("--institution-code", help="code of the new institution (default GEN<seed>)")
        parser.add_argument("--today", help="reference date YYYY-MM-DD (default: today)")
        parser.add_argument("--batch", type=int, default=5000, help="rows per batch (default 5000)")

    def handle(self, *args: Any, **options: Any) -> None:
        today = None
        if options["today"]:
            try:
                today = dt.date.fromisoformat(options["today"])
            except ValueError:
                raise CommandError(f"--today must be a date as YYYY-MM-DD, not {options['today']!r}.") from None
        try:
            result = generate_dataset(
                postdocs=options["postdocs"],
                seed=options["seed"],
                code=options["institution_code"],
                today=today,
                batch=max(100, options["batch"]),
                progress=lambda line: self.stdout.write(f"  … {line}"),
            )
        except DatasetError as error:
            raise CommandError(error.message) from None
        counts = ", ".join(f"{value} {key.replace('_', ' ')}" for key, value in result.counts.items())
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        self.stdout.write(
            self.style.SUCCESS(
                f"Generated {result.institution.code} in {result.seconds:.1f} s (peak memory {peak_mb:.0f} MB): {counts}."
            )
        )
        self.stdout.write(f"Figures: manage.py stats --institution {result.institution.code}")
