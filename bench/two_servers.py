"""Two app servers on one PostgreSQL, with one task worker: what a site behind a load balancer does.

    .venv/bin/python bench/two_servers.py [--database-url postgres://postgres@127.0.0.1:55432/postdoc_two_servers]
                                          [--postdocs 300] [--workers 2] [--load-requests 600] [--load-seconds 60]

1. Drops and creates the named database (the benchmark's own), migrates it, gathers the static files,
   and sets up an institution with its office administrator.
2. Builds an exchange workbook of --postdocs generated postdocs in a scratch SQLite database
   (`generate_dataset`, `export_workbook`), for the same institution code.
3. Starts server A and server B (gunicorn as the production start runs it, --workers each) on two
   loopback ports, and one task worker (`manage.py worker`). They share nothing but PostgreSQL
   and the uploads folder, as servers on two machines with a shared folder would.
4. Through A: signs in and uploads the workbook on the import page. Through B: follows the check's
   progress on the job's page until it is ready, confirms the import, and follows it to the end.
   The records are then counted in the database.
5. A short bounded load on both servers at once: the postdoc list and a form save (a postdoc's
   personal details), --load-requests requests or --load-seconds, whichever ends first; every
   response must be the expected one (200 for the list, the redirect after a save).

Prints what it saw and the load's figures, and exits non-zero on any error. Loopback only; every
process it starts is stopped before it ends. tests/ops/test_two_servers.py runs a smaller one.
"""

import argparse
import itertools
import json
import os
import re
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import loopback  # noqa: E402 - after the path is set
from loopback import Browser, Server  # noqa: E402

CODE = "TWO01"
ADMIN = "two-servers-admin"
PASSWORD = "Two-Servers-Bench-7"  # noqa: S105 - the benchmark's own throwaway database


def build_workbook(workdir: Path, postdocs: int) -> Path:
    """An exchange workbook of `postdocs` generated postdocs, exported from a scratch SQLite database."""
    scratch = loopback.site_environment(f"sqlite:///{workdir / 'scratch.sqlite3'}", workdir / "scratch")
    loopback.manage(scratch, "migrate", "--no-input", "-v", "0")
    loopback.manage(scratch, "generate_dataset", "--postdocs", str(postdocs), "--institution-code", CODE)
    loopback.manage(
        scratch,
        "shell",
        "-c",
        "from accounts.models import Role\n"
        "from accounts.services import role_assign, user_create\n"
        "from catalogue.models import Institution\n"
        f"user = user_create(username={ADMIN!r}, password=None, institution=Institution.objects.get(code={CODE!r}), "
        "by=None)\n"
        "role_assign(user=user, role=Role.ADMIN, by=None)\n",
    )
    path = workdir / f"exchange-{CODE}.xlsx"
    loopback.manage(scratch, "export_workbook", str(path), "--as-user", ADMIN)
    return path


JOB_URL = re.compile(r"/exchange/imports/(\d+)/$")


def job_state(page: bytes) -> dict[str, Any]:
    text = page.decode("utf-8", errors="replace")
    badge = re.search(r'class="badge badge--(\w+)">([^<]*)<', text)
    stage = re.search(r"Stage</dt><dd>([^<]*)</dd>", text)
    rows = re.search(r"Rows processed</dt><dd>([^<]*)</dd>", text)
    return {
        "running": 'aria-busy="true"' in text,
        "badge": badge.group(2).strip() if badge else "",
        "stage": stage.group(1).strip() if stage else "",
        "rows": rows.group(1).strip() if rows else "",
        "confirmable": "/confirm/" in text and "<form" in text,
    }


def follow(browser: Browser, server: Server, pk: int, *, timeout: float) -> tuple[dict[str, Any], list[str]]:
    """Polls the job's status partial (as the page's htmx does, once a second) until the job stops running."""
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status, _, page = browser.get(server, f"/exchange/imports/{pk}/status/")
        if status != 200:
            raise SystemExit(f"{server.name} answered {status} for the job's status.")
        state = job_state(page)
        line = f"{state['badge']}: {state['stage'] or '-'}, rows {state['rows'] or '-'}"
        if not seen or seen[-1] != line:
            seen.append(line)
        if not state["running"]:
            _, _, page = browser.get(server, f"/exchange/imports/{pk}/")
            return job_state(page), seen
        time.sleep(0.5)
    raise SystemExit(f"The job did not finish within {timeout:.0f} s; last seen: {seen[-1:]}")


def import_through_two_servers(browser: Browser, a: Server, b: Server, workbook: Path, timeout: float) -> int:
    browser.sign_in(a, ADMIN, PASSWORD)
    browser.get(a, "/exchange/imports/new/")
    status, headers, body = browser.post(
        a, "/exchange/imports/new/", {}, files={"file": (workbook.name, workbook.read_bytes())}
    )
    match = JOB_URL.search(headers.get("location", ""))
    if status != 302 or not match:
        raise SystemExit(f"The upload through {a.name} was not accepted ({status}): {body[:800]!r}")
    pk = int(match.group(1))
    print(f"uploaded {workbook.name} ({workbook.stat().st_size:,} bytes) through {a.name}: import job {pk}")

    state, seen = follow(browser, b, pk, timeout=timeout)
    print(f"check followed through {b.name}: " + " → ".join(seen))
    if not state["confirmable"]:
        raise SystemExit(f"The checked workbook cannot be confirmed: {state}")
    status, headers, body = browser.post(b, f"/exchange/imports/{pk}/confirm/", {})
    if status != 302:
        raise SystemExit(f"Confirming through {b.name} failed ({status}): {body[:800]!r}")
    print(f"confirmed through {b.name}")
    state, seen = follow(browser, b, pk, timeout=timeout)
    print(f"import followed through {b.name}: " + " → ".join(seen))
    _, _, page = browser.get(a, f"/exchange/imports/{pk}/")
    on_a = job_state(page)
    print(f"the job's page on {a.name}: {on_a['badge']}, rows {on_a['rows']}")
    return pk


def records(env: dict[str, str], pk: int) -> dict[str, Any]:
    out = loopback.manage(
        env,
        "shell",
        "-c",
        "import json\n"
        "from appointments.models import Appointment\n"
        "from exchange.models import ImportJob\n"
        "from people.models import Person\n"
        f"job = ImportJob.objects.get(pk={pk})\n"
        f"people = list(Person.objects.filter(institution__code={CODE!r}).order_by('pk').values_list('pk', flat=True))\n"
        "print(json.dumps({'state': job.state, 'rows_done': job.rows_done, 'new_rows': job.new_rows, "
        f"'appointments': Appointment.objects.filter(institution__code={CODE!r}).count(), 'people': people}}))\n",
    )
    return dict(json.loads(out.strip().splitlines()[-1]))


def mixed_load(
    browser: Browser, servers: list[Server], people: list[int], *, requests: int, seconds: float, concurrency: int
) -> tuple[loopback.Result, loopback.Result]:
    """The postdoc list and personal-details saves (one in five) on every server, spread evenly."""
    forms: dict[int, dict[str, str]] = {}
    for pk in people:
        _, _, page = browser.get(servers[0], f"/people/{pk}/edit/")
        forms[pk] = loopback.form_fields(page, f"/people/{pk}/edit/")
    counter = itertools.count()
    lock = threading.Lock()
    lists, saves = loopback.Result(), loopback.Result()

    def call(server: Server, connection: Any) -> tuple[int, bytes]:
        with lock:
            n = next(counter)
        started = time.perf_counter()
        if n % 5 == 4:
            pk = people[(n // 5) % len(people)]
            fields = forms[pk] | {"name_en": f"Load Test {n}", "note": "two-servers benchmark"}
            body = loopback.urlencode(fields).encode()
            headers = browser.headers({"Content-Type": "application/x-www-form-urlencoded"})
            status, _, data = loopback.request(
                server.port, "POST", f"/people/{pk}/edit/", body=body, headers=headers, connection=connection
            )
            good, kind = status == 302, saves
        else:
            status, _, data = loopback.request(
                server.port, "GET", "/postdocs/", headers=browser.headers(), connection=connection
            )
            good, kind = status == 200, lists
        elapsed = time.perf_counter() - started
        with lock:
            kind.requests += 1
            kind.latencies.append(elapsed)
            if not good:
                kind.errors += 1
        return (200 if good else status), data

    total = loopback.load(servers, call, concurrency=concurrency, max_requests=requests, max_seconds=seconds)
    lists.seconds = saves.seconds = total.seconds
    if total.error_samples:
        print("errors:", *total.error_samples, sep="\n  ")
    return lists, saves


def run(args: argparse.Namespace) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix="postdoc-two-servers-"))
    try:
        return _run(args, workdir)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"logs and files kept in {workdir}")


def _run(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    started = time.perf_counter()
    loopback.recreate_postgres_database(args.database_url)
    env = loopback.site_environment(args.database_url, workdir)
    loopback.manage(env, "migrate", "--no-input", "-v", "0")
    loopback.manage(env, "collectstatic", "--no-input", "-v", "0")
    loopback.create_administrator(env, code=CODE, username=ADMIN, password=PASSWORD)
    workbook = build_workbook(workdir, args.postdocs)
    print(f"prepared the database and a workbook of {args.postdocs} postdocs in {time.perf_counter() - started:.1f} s")

    processes = []
    with loopback.running(processes):
        a = loopback.start_server("gunicorn", env, workdir, workers=args.workers, name="server A")
        processes.append(a.process)
        b = loopback.start_server("gunicorn", env, workdir, workers=args.workers, name="server B")
        processes.append(b.process)
        processes.append(loopback.start_worker(env, workdir))
        print(f"server A on {a.url}, server B on {b.url} ({args.workers} gunicorn workers each), one task worker")

        browser = Browser()
        pk = import_through_two_servers(browser, a, b, workbook, timeout=args.job_timeout)
        found = records(env, pk)
        print(
            f"in the database: job {found['state']}, {found['new_rows']} new rows, "
            f"{found['appointments']} appointments (the workbook's {args.postdocs})"
        )
        imported = found["state"] == "imported" and found["appointments"] == args.postdocs

        people = found["people"][:20]
        lists, saves = mixed_load(
            browser,
            [a, b],
            people,
            requests=args.load_requests,
            seconds=args.load_seconds,
            concurrency=args.concurrency,
        )
    load_average = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(
        f"\nbounded load on both servers ({args.concurrency} clients, {lists.seconds:.1f} s; load average {load_average}):"
    )
    print(f"{'':24}{'requests':>9}{'errors':>8}{'per s':>8}{'p50 ms':>9}{'p99 ms':>9}")
    for label, result in (("postdoc list (GET)", lists), ("personal details (POST)", saves)):
        print(
            f"{label:24}{result.requests:>9}{result.errors:>8}{result.rps:>8.1f}"
            f"{result.percentile(50):>9.1f}{result.percentile(99):>9.1f}"
        )
    errors = lists.errors + saves.errors
    summary = {
        "imported": imported,
        "appointments": found["appointments"],
        "list_requests": lists.requests,
        "save_requests": saves.requests,
        "errors": errors,
    }
    print(("OK" if imported and not errors else "FAILED") + ": " + json.dumps(summary))
    return summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:55432/postdoc_two_servers")
    parser.add_argument("--postdocs", type=int, default=300)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per server")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--load-requests", type=int, default=600)
    parser.add_argument("--load-seconds", type=float, default=60)
    parser.add_argument("--job-timeout", type=float, default=300)
    parser.add_argument("--keep", action="store_true", help="keep the logs and the workbook")
    args = parser.parse_args()
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        parser.error("--database-url must name a PostgreSQL database: two servers on one SQLite file prove nothing.")
    summary = run(args)
    return 0 if summary["imported"] and not summary["errors"] else 1


if __name__ == "__main__":
    sys.exit(main())
