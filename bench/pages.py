"""Page-speed benchmark: the postdoc list and the dashboard at scale, beside a bare-SQL baseline.

    .venv/bin/python bench/pages.py [--postdocs 100000] [--runs 30] [--db /tmp/bench-pages.sqlite3]

Builds (once, then reuses) a SQLite database with `generate_dataset`, signs in as an office
administrator of the generated institution, and renders each page many times through Django's
test client. For each page it prints the server time (median and 95th percentile), the number of
queries, and the baseline: the same SQL statements the page ran, executed bare through the DB
cursor. Target (issue 2): each page under 100 ms server time on SQLite with 100,000 appointments.
"""

import argparse
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    # WhiteNoise notes that `collectstatic` has not run; pages are measured without static files.
    warnings.filterwarnings("ignore", message="No directory at")
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postdocs", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--db", default="/tmp/postdoc-bench-pages.sqlite3")
    args = parser.parse_args()

    os.environ["DATABASE_URL"] = f"sqlite:///{args.db}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("SECRET_KEY", "bench-only-secret")
    os.environ.setdefault("LANGUAGE_CODE", "zh-hans")
    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["testserver"]
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import Role, RoleAssignment, User
    from appointments.models import Appointment
    from catalogue.models import Institution

    code = f"GEN{args.seed}"
    call_command("migrate", verbosity=0)
    institution = Institution.objects.filter(code=code).first()
    if institution is None or Appointment.objects.filter(station__institution=institution).count() != args.postdocs:
        if institution is not None:
            sys.exit(f"{args.db} holds another dataset; delete it or pass --db.")
        started = time.perf_counter()
        call_command("generate_dataset", postdocs=args.postdocs, seed=args.seed, institution_code=code)
        print(f"generated {args.postdocs:,} appointments in {time.perf_counter() - started:.1f} s")
        institution = Institution.objects.get(code=code)
    user = User.objects.filter(username="bench-admin").first()
    if user is None:
        from accounts.services import role_assign, user_create

        user = user_create(username="bench-admin", password=None, institution=institution, by=None)
        role_assign(user=user, role=Role.ADMIN, by=None)
    assert RoleAssignment.objects.filter(user=user, role=Role.ADMIN).exists()

    client = Client()
    client.force_login(user)
    pages = {
        "postdoc list, first page, filter status=in_station": "/postdocs/?status=in_station",
        "postdoc list, first page, search by name": "/postdocs/?q=%E5%BC%A0",
        "dashboard (figures for today, 3 years)": "/",
    }
    rows = Appointment.objects.filter(station__institution=institution).count()
    print(f"\nSQLite, {rows:,} appointments, {args.runs} runs each, server time through the test client\n")
    print(f"{'page':55} {'median':>8} {'p95':>8} {'queries':>8} {'bare SQL':>9} {'status':>7}")
    for label, url in pages.items():
        client.get(url)  # warm caches
        timings = []
        for _ in range(args.runs):
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        statements = [q["sql"] for q in captured.captured_queries]
        bare = []
        with connection.cursor() as cursor:
            for _ in range(args.runs):
                started = time.perf_counter()
                for sql in statements:
                    cursor.execute(sql)
                    cursor.fetchall()
                bare.append((time.perf_counter() - started) * 1000)
        median = statistics.median(timings)
        p95 = sorted(timings)[int(0.95 * (len(timings) - 1))]
        verdict = "ok" if median < 100 else "SLOW"
        print(
            f"{label:55} {median:7.1f}ms {p95:7.1f}ms {len(statements):8d} {statistics.median(bare):8.1f}ms {verdict:>7}"
        )


if __name__ == "__main__":
    main()
