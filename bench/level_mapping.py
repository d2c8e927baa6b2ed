"""Level-mapping benchmark: changing the level of a funder at scale, beside a bare-SQL baseline.

    .venv/bin/python bench/level_mapping.py [--postdocs 100000] [--runs 5] [--db /tmp/postdoc-bench-levels.sqlite3]

Builds (once, then reuses) a SQLite database with `generate_dataset` (about 1.5 projects per
postdoc, on the shipped catalogue's funders and the default mapping), then, for the funder with the
most projects that follow the mapping:

- the confirmation page's preview (`level_change_preview`: what would move, one grouped query);
- the change itself (`level_rule_save`: the rule, the recount of every project that follows it and
  the audit event, in one transaction), to another level and back, `--runs` times each way;
- the headline figures with `projects_by_level` before and after (`headline_figures`, 3 years);
- the baseline: the same recount as one bare `UPDATE` through the DB cursor, and the bare grouped
  count of projects by level.

The run restores the mapping it found. Each figure is the median of the runs.
"""

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def median_ms(call: Callable[[], object], runs: int) -> float:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postdocs", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--db", default="/tmp/postdoc-bench-levels.sqlite3")
    args = parser.parse_args()

    os.environ["DATABASE_URL"] = f"sqlite:///{args.db}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("SECRET_KEY", "bench-only-secret")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count
    from django.utils import timezone

    from accounts.models import Role, User
    from accounts.services import role_assign, user_create
    from appointments.models import Appointment
    from catalogue.models import Institution
    from funding.models import Funder, Level, LevelRule, Project
    from funding.services import level_change_preview, level_rule_save
    from reports.selectors import headline_figures

    code = f"GEN{args.seed}"
    call_command("migrate", verbosity=0)
    institution = Institution.objects.filter(code=code).first()
    if institution is None:
        started = time.perf_counter()
        call_command("generate_dataset", postdocs=args.postdocs, seed=args.seed, institution_code=code)
        print(f"generated {args.postdocs:,} appointments in {time.perf_counter() - started:.1f} s")
        institution = Institution.objects.get(code=code)
    elif Appointment.objects.filter(station__institution=institution).count() != args.postdocs:
        sys.exit(f"{args.db} holds another dataset; delete it or pass --db.")
    admin = User.objects.filter(username="bench-levels-admin").first()
    if admin is None:
        admin = user_create(username="bench-levels-admin", password=None, institution=institution, by=None)
        role_assign(user=admin, role=Role.ADMIN, by=None)

    following = Project.objects.filter(institution=institution, level_override="", funder_ref__isnull=False)
    funder_id = (
        following.order_by()
        .values_list("funder_ref")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .values_list("funder_ref", flat=True)
    ).first()
    if funder_id is None:
        sys.exit("The dataset has no project that follows the mapping.")
    funder = Funder.objects.get(pk=funder_id)
    rule = LevelRule.objects.get(institution=institution, funder=funder, programme__isnull=True)
    original = rule.level
    other = next(level for level in Level.values if level != original)
    moving = following.filter(funder_ref=funder).count()
    projects = Project.objects.filter(institution=institution).count()
    as_of = timezone.localdate()

    def figures() -> dict[str, int]:
        return headline_figures(institution_id=institution.pk, as_of=as_of, years=3)["projects_by_level"]

    before = figures()
    print(
        f"\nSQLite, {projects:,} projects of {args.postdocs:,} postdocs; {funder.code} ({funder.name_en}) "
        f"moves {moving:,} projects {original} ↔ {other}; median of {args.runs} runs\n"
    )
    preview = median_ms(lambda: level_change_preview(institution=institution, funder=funder, level=other), args.runs)

    def change_there_and_back() -> tuple[float, float]:
        started = time.perf_counter()
        level_rule_save(institution=institution, funder=funder, level=other, by=admin)
        there = (time.perf_counter() - started) * 1000
        started = time.perf_counter()
        level_rule_save(institution=institution, funder=funder, level=original, by=admin)
        return there, (time.perf_counter() - started) * 1000

    changes = [ms for _ in range(args.runs) for ms in change_there_and_back()]
    assert figures() == before, "the mapping was restored, so the figures must be too"
    level_rule_save(institution=institution, funder=funder, level=other, by=admin)
    after = figures()
    level_rule_save(institution=institution, funder=funder, level=original, by=admin)
    figure_ms = median_ms(figures, args.runs)

    table = Project._meta.db_table

    def bare_update() -> None:
        with connection.cursor() as cursor:
            for old, new in ((original, other), (other, original)):
                cursor.execute(
                    f"UPDATE {table} SET level = %s WHERE institution_id = %s AND funder_ref_id = %s "  # noqa: S608 (the model's own table)
                    "AND level_override = '' AND level = %s",
                    [new, institution.pk, funder.pk, old],
                )

    def bare_count() -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT level, COUNT(*) FROM {table} WHERE institution_id = %s AND awarded_on IS NOT NULL "  # noqa: S608
                "GROUP BY level",
                [institution.pk],
            )
            cursor.fetchall()

    bare_update_ms = median_ms(bare_update, args.runs) / 2  # one direction, as a change is
    bare_count_ms = median_ms(bare_count, args.runs)
    print(f"{'step':62} {'median':>10}")
    print(f"{'preview of the change (level_change_preview)':62} {preview:8.1f}ms")
    print(f"{'change, recount and audit (level_rule_save)':62} {statistics.median(changes):8.1f}ms")
    print(f"{'  baseline: the same recount as one bare UPDATE':62} {bare_update_ms:8.1f}ms")
    print(f"{'headline figures with projects_by_level (3 years)':62} {figure_ms:8.1f}ms")
    print(f"{'  baseline: bare grouped count of projects by level':62} {bare_count_ms:8.1f}ms")
    print(f"\nprojects_by_level at {as_of}, 3 years: {before}")
    print(f"with {funder.code} at {other}: {after}")


if __name__ == "__main__":
    main()
