"""Lock-out benchmark: sign-ins and form saves on SQLite while a 20,000-postdoc workbook is checked
and imported, beside the same requests with no import running.

    .venv/bin/python bench/import_lockout.py [--postdocs 20000] [--spacing 1.5] [--keep]

Prepares (once, then reuses under /tmp) a workbook of `--postdocs` postdocs with their projects:
`generate_dataset` into a database of its own, then `export_workbook`. Then, on a fresh SQLite site
database with one institution and its administrator, served by gunicorn (the production start's
options, 127.0.0.1 only):

1. baseline: 50 sign-ins and 20 form saves (a new funder each), one every `--spacing` seconds,
   each in its own thread, nothing else running;
2. before: the same requests while the workbook's dry run and then its import run as one
   transaction each (how every import ran before docs/decisions/0026; reproduced by running
   the importer inside a transaction of the caller's, which it keeps whole);
3. after: the same while the dry run works on a snapshot and the import writes in slices
   (exchange.isolation), as the task worker runs them.

Each phase reports, per kind of request, how many ran while the import ran, their errors, and
their latency (p50, p99, max). Goal (issue 13): 0 errors and p99 under 2 s during the import.
Every process started here is stopped at the end; the work folder is removed unless --keep.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import loopback  # noqa: E402

CODE = "LOCK"
ADMIN, PASSWORD = "bench-admin", "bench-Pa55word-lockout"
SIGN_INS, SAVES = 50, 20


def _django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("SECRET_KEY", "bench-only-secret")
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1")
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    import django

    django.setup()


# ---- steps run in their own process ------------------------------------------------------------


def step_workbook(args: argparse.Namespace) -> dict[str, Any]:
    """The source database and its workbook, generated once."""
    source = Path(args.workbook).with_suffix(".sqlite3")
    source.unlink(missing_ok=True)
    _django(f"sqlite:///{source}")
    from django.core.management import call_command

    from accounts.models import Role
    from accounts.services import role_assign, user_create
    from catalogue.models import Institution
    from exchange.exporter import export_workbook

    call_command("migrate", verbosity=0)
    call_command("generate_dataset", postdocs=args.postdocs, seed=1, institution_code=CODE)
    institution = Institution.objects.get(code=CODE)
    user = user_create(username=ADMIN, password=None, institution=institution, by=None)
    role_assign(user=user, role=Role.ADMIN, by=None)
    counts = export_workbook(path=args.workbook, institution=institution, user=user)
    source.unlink()
    return {"rows": counts}


def step_import(args: argparse.Namespace) -> dict[str, Any]:
    """The dry run, then the import, of the workbook into the site's institution."""
    _django(args.database_url)
    from django.db import transaction

    from accounts.models import User
    from exchange.importer import import_workbook
    from ops.management.commands.worker import lower_priority

    lower_priority()  # as `manage.py worker` runs every import, before and after alike
    admin = User.objects.select_related("institution").get(username=ADMIN)
    timings = {}
    for dry_run in (True, False):
        started = time.perf_counter()
        if args.one_transaction:
            with transaction.atomic():  # the importer keeps a caller's transaction whole
                report = import_workbook(path=args.workbook, institution=admin.institution, by=admin, dry_run=dry_run)
        else:
            report = import_workbook(path=args.workbook, institution=admin.institution, by=admin, dry_run=dry_run)
        if not report.ok:
            raise SystemExit(f"The workbook was refused: {[str(p) for p in report.problems[:5]]}")
        timings["dry run" if dry_run else "import"] = time.perf_counter() - started
    return timings


STEPS = {"workbook": step_workbook, "import": step_import}


def run_step(name: str, args: argparse.Namespace, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    command = [sys.executable, __file__, "--step", name, "--workbook", args.workbook, "--postdocs", str(args.postdocs)]
    if getattr(args, "database_url", None):
        command += ["--database-url", args.database_url]
    if getattr(args, "one_transaction", False):
        command.append("--one-transaction")
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(process: subprocess.Popen[str]) -> dict[str, Any]:
    out, err = process.communicate()
    if process.returncode != 0:
        raise SystemExit(f"A step failed:\n{out[-2000:]}\n{err[-3000:]}")
    return json.loads(out.strip().splitlines()[-1])


# ---- the requests ------------------------------------------------------------------------------


@dataclass
class Outcome:
    kind: str
    started: float
    seconds: float
    error: str = ""


@dataclass
class Phase:
    outcomes: list[Outcome] = field(default_factory=list)
    import_started: float = 0.0
    import_ended: float = float("inf")
    timings: dict[str, float] = field(default_factory=dict)

    def during(self, kind: str) -> list[Outcome]:
        return [o for o in self.outcomes if o.kind == kind and self.import_started <= o.started < self.import_ended]


def sign_in(server: loopback.Server) -> str:
    browser = loopback.Browser()
    status, _, _ = browser.get(server, "/login/")
    if status != 200:
        return f"sign-in page: HTTP {status}"
    status, _, body = browser.post(server, "/login/", {"username": ADMIN, "password": PASSWORD})
    return "" if status == 302 else f"sign-in: HTTP {status} {body[:160]!r}"


def save_form(server: loopback.Server, browser: loopback.Browser, number: int) -> str:
    fields = {"code": f"B{os.getpid()}-{number}", "name_zh": f"基准基金{number}", "kind": "university"}
    status, _, body = browser.post(server, "/funding/funders/new/", fields)
    return "" if status == 302 else f"form save: HTTP {status} {body[:160]!r}"


def requests_spread(server: loopback.Server, saver: loopback.Browser, spacing: float, phase: Phase) -> None:
    """50 sign-ins and 20 form saves, one every `spacing` seconds, each in a thread of its own (a
    request that waits does not delay the next one's start, as with many people)."""
    total = SIGN_INS + SAVES
    # Interleaved evenly: a form save after every two or three sign-ins.
    kinds = ["form save" if (i * SAVES) // total != ((i + 1) * SAVES) // total else "sign-in" for i in range(total)]
    lock = threading.Lock()
    threads = []

    def one(kind: str, number: int) -> None:
        started = time.monotonic()
        try:
            error = sign_in(server) if kind == "sign-in" else save_form(server, saver, number)
        except OSError as problem:
            error = f"{kind}: {type(problem).__name__}: {problem}"
        with lock:
            phase.outcomes.append(Outcome(kind, started, time.monotonic() - started, error))

    for number, kind in enumerate(kinds):
        time.sleep(max(0.0, phase.import_started + number * spacing - time.monotonic()))
        thread = threading.Thread(target=one, args=(kind, number))
        thread.start()
        threads.append(thread)
    for thread in threads:
        thread.join()


def fresh_site(env: dict[str, str], pristine: Path, live: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{live}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(pristine, live)


def run_phase(
    name: str, args: argparse.Namespace, env: dict[str, str], work: Path, *, with_import: str, spacing: float
) -> Phase:
    """One phase on a fresh server: the import (if any) and the requests (unless spacing is 0) together."""
    server = loopback.start_server("gunicorn", env, work, workers=2, name=name)
    phase = Phase()
    try:
        saver = loopback.Browser()  # signed in before the import starts: its form saves are measured
        saver.sign_in(server, ADMIN, PASSWORD)
        importer = None
        if with_import:
            args.one_transaction = with_import == "one transaction"
            importer = run_step("import", args, env)
        phase.import_started = time.monotonic()
        waiter = None
        if importer is not None:

            def wait_for_the_import() -> None:
                phase.timings = finish(importer)
                phase.import_ended = time.monotonic()

            waiter = threading.Thread(target=wait_for_the_import)
            waiter.start()
        if spacing:
            requests_spread(server, saver, spacing, phase)
        if waiter is not None:
            waiter.join()
    finally:
        loopback.stop(server.process)
    return phase


def summary(label: str, outcomes: list[Outcome]) -> str:
    if not outcomes:
        return f"  {label:<11} {'(none ran during the import)':>40}"
    seconds = sorted(o.seconds for o in outcomes)
    p99 = statistics.quantiles(seconds, n=100, method="inclusive")[98] if len(seconds) > 1 else seconds[0]
    errors = sum(1 for o in outcomes if o.error)
    return (
        f"  {label:<11} {len(outcomes):>5} {errors:>7} {statistics.median(seconds) * 1000:>9.0f} "
        f"{p99 * 1000:>9.0f} {seconds[-1] * 1000:>9.0f}"
    )


PLAN = [
    ("baseline", "no import running", ""),
    ("before", "one transaction per step (before)", "one transaction"),
    ("after", "snapshot and slices (after)", "slices"),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postdocs", type=int, default=20_000)
    parser.add_argument(
        "--spacing", type=float, default=0, help="seconds between two requests (default: the import's own run / 70)"
    )
    parser.add_argument("--workbook", default="")
    parser.add_argument("--database-url", default="")
    parser.add_argument("--one-transaction", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (logs, database)")
    parser.add_argument("--phases", default="", help="only these phases, e.g. after (default: all)")
    parser.add_argument("--step", choices=STEPS)
    args = parser.parse_args()
    args.workbook = args.workbook or f"/tmp/postdoc-bench-lockout-{args.postdocs}.xlsx"
    if args.step:
        print(json.dumps(STEPS[args.step](args), default=str))
        return

    if not Path(args.workbook).exists():
        print(f"Preparing a workbook of {args.postdocs:,} postdocs (once) …", flush=True)
        rows = finish(run_step("workbook", args))["rows"]
        print(f"  {sum(rows.values()):,} rows: {rows}")
    work = Path(tempfile.mkdtemp(prefix="postdoc-bench-lockout-"))
    live = work / "site.sqlite3"
    env = loopback.site_environment(f"sqlite:///{live}", work)
    args.database_url = env["DATABASE_URL"]
    phases: dict[str, Phase] = {}
    try:
        loopback.manage(env, "migrate", "--no-input", "-v", "0")
        loopback.manage(env, "collectstatic", "--no-input", "-v", "0")
        loopback.create_administrator(env, code=CODE, username=ADMIN, password=PASSWORD)
        pristine = work / "pristine.sqlite3"
        shutil.copyfile(live, pristine)
        spacing = args.spacing
        if not spacing:
            fresh_site(env, pristine, live)
            print("the import alone, to spread the requests over its run …", flush=True)
            phases["alone"] = run_phase("alone", args, env, work, with_import="slices", spacing=0)
            spacing = sum(phases["alone"].timings.values()) / (SIGN_INS + SAVES)
        for key, label, with_import in PLAN:
            if args.phases and key not in args.phases.split(","):
                continue
            fresh_site(env, pristine, live)
            print(f"{label} …", flush=True)
            phases[key] = run_phase(key, args, env, work, with_import=with_import, spacing=spacing)
    finally:
        if args.keep:
            print(f"work folder kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)

    print(
        f"\nSQLite, a workbook of {args.postdocs:,} postdocs ({Path(args.workbook).stat().st_size / 1e6:.1f} MB); "
        f"gunicorn, 2 workers, on {os.cpu_count()} cores; one request every {spacing:.1f} s\n"
    )
    if "alone" in phases:
        timing = ", ".join(f"{name} {seconds:.0f} s" for name, seconds in phases["alone"].timings.items())
        print(f"the import alone: {timing}\n")
    for key, label, _with_import in PLAN:
        if key not in phases:
            continue
        phase = phases[key]
        timing = ", ".join(f"{name} {seconds:.0f} s" for name, seconds in phase.timings.items())
        print(f"{label}{f' ({timing})' if timing else ''}")
        print(f"  {'request':<11} {'count':>5} {'errors':>7} {'p50 ms':>9} {'p99 ms':>9} {'max ms':>9}")
        for kind in ("sign-in", "form save"):
            print(summary(kind, phase.during(kind)))
        slowest = sorted(phase.outcomes, key=lambda o: -o.seconds)[:3]
        if phase.timings:
            dry_run_end = phase.timings.get("dry run", 0)
            print(
                "    slowest: "
                + ", ".join(
                    f"{o.kind} {o.seconds * 1000:.0f} ms at {o.started - phase.import_started:.0f} s"
                    f" ({'dry run' if o.started - phase.import_started < dry_run_end else 'import'})"
                    for o in slowest
                )
            )
        samples = [o.error for o in phase.outcomes if o.error][:3]
        for sample in samples:
            print(f"    e.g. {sample}")
        print()


if __name__ == "__main__":
    main()
