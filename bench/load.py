"""Load benchmark: the postdoc list beside a page without work, through the production server.

    .venv/bin/python bench/load.py [--database-url URL] [--postdocs 10000] [--seconds 15] [--rounds 3]
                                   [--workers 2] [--json out.json]

Builds (once, then reuses) a dataset of --postdocs appointments with `generate_dataset` in the
database of --database-url (a SQLite file, default /tmp/postdoc-bench-load-<N>.sqlite3, or a
postgres://… database, created if missing and never dropped), gathers the static files, and starts
gunicorn as `scripts/serve.py --production` runs it (decision 23) with --workers processes on a free
127.0.0.1 port, beside one task worker (/healthz answers 200 only with a live worker). It signs in
as an office administrator and loads, with 8 and 32 keep-alive clients:

- the postdoc list, first page with a filter (/postdocs/?status=in_station);
- /healthz, the trivial page (no session, two one-row queries, a small JSON answer).

Each configuration (page x clients) gets --seconds in all, in --rounds slices: every round runs
every configuration, so that a busier minute of the machine falls on all of them alike. It prints
for each the median round's requests per second (with the range), p50 and p99 of all its requests,
and errors; then the ratio list/trivial against issue 15's goal: the list >= 0.25 x the trivial
page's requests per second, and the list's p99 < 150 ms at 8 clients. The clients run on the same
cores as the server: the figures are the machine's, with its load average printed beside them.

Loopback only. Every process it starts is stopped on the way out, and a watchdog ends the run
(and so the server) if it overstays its time.
"""

import argparse
import json
import os
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent))

import loopback  # noqa: E402 - after the path is set
from loopback import Browser  # noqa: E402

CODE = "GEN1"  # the dataset `generate_dataset --seed 1` makes, as bench/pages.py uses it
ADMIN = "load-bench-admin"
PASSWORD = "Load-Bench-Admin-7"  # noqa: S105 - the benchmark's own throwaway account
PAGES = {
    "postdoc list": "/postdocs/?status=in_station",
    "trivial (/healthz)": "/healthz",
}
CLIENTS = (8, 32)
GOAL_RATIO = 0.25
GOAL_P99_MS = 150.0


def prepare(env: dict[str, str], postdocs: int) -> None:
    """Schema, static files, the dataset (unless it is there) and the administrator."""
    loopback.manage(env, "migrate", "--no-input", "-v", "0")
    loopback.manage(env, "collectstatic", "--no-input", "-v", "0")
    found = loopback.manage(
        env,
        "shell",
        "-c",
        "from appointments.models import Appointment\n"
        f"print(Appointment.objects.filter(institution__code={CODE!r}).count())\n",
    ).strip()
    found = found.splitlines()[-1] if found else "0"  # after the shell's note of what it imported
    if found == "0":
        started = time.perf_counter()
        loopback.manage(env, "generate_dataset", "--postdocs", str(postdocs), "--institution-code", CODE, timeout=3600)
        print(f"generated {postdocs:,} appointments in {time.perf_counter() - started:.1f} s", flush=True)
    elif int(found) != postdocs:
        raise SystemExit(f"The database holds {CODE} with {found} appointments; pass another --database-url.")
    loopback.manage(
        env,
        "shell",
        "-c",
        "from accounts.models import Role, User\n"
        "from accounts.services import role_assign, user_create\n"
        "from catalogue.models import Institution\n"
        f"if not User.objects.filter(username={ADMIN!r}).exists():\n"
        f"    user = user_create(username={ADMIN!r}, password={PASSWORD!r}, "
        f"institution=Institution.objects.get(code={CODE!r}), by=None)\n"
        "    role_assign(user=user, role=Role.ADMIN, by=None)\n",
    )


def summarise(page: str, clients: int, rounds: list[loopback.Result], load: list[float]) -> dict[str, Any]:
    return {"page": page, "clients": clients, **loopback.rounds_summary(rounds, load)}


def verdicts(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """For each number of clients: the list's requests per second over the trivial page's."""
    by_key = {(row["page"], row["clients"]): row for row in rows}
    out = []
    list_page, trivial = PAGES
    for clients in CLIENTS:
        listed, plain = by_key[(list_page, clients)], by_key[(trivial, clients)]
        ratio = listed["rps"] / plain["rps"] if plain["rps"] else 0.0
        goal_p99 = clients != 8 or listed["p99_ms"] < GOAL_P99_MS
        out.append(
            {
                "clients": clients,
                "ratio": round(ratio, 3),
                "list_p99_ms": listed["p99_ms"],
                "verdict": "ok" if ratio >= GOAL_RATIO and goal_p99 and not listed["errors"] else "SLOW",
            }
        )
    return out


def table(rows: list[dict[str, Any]], judged: list[dict[str, Any]]) -> str:
    lines = [
        f"{'page':20}{'clients':>8}{'requests':>10}{'errors':>7}{'req/s':>9}{'(range)':>16}{'p50 ms':>9}{'p99 ms':>9}"
    ]
    for row in rows:
        spread = f"{row['rps_range'][0]:.1f}-{row['rps_range'][1]:.1f}"
        lines.append(
            f"{row['page']:20}{row['clients']:>8}{row['requests']:>10}{row['errors']:>7}{row['rps']:>9.1f}"
            f"{spread:>16}{row['p50_ms']:>9.1f}{row['p99_ms']:>9.1f}"
        )
    lines.append(f"\ngoal: list req/s >= {GOAL_RATIO} x trivial req/s; list p99 < {GOAL_P99_MS:g} ms at 8 clients")
    for v in judged:
        lines.append(
            f"  {v['clients']:>2} clients: ratio {v['ratio']:.3f}, list p99 {v['list_p99_ms']:.1f} ms  {v['verdict']}"
        )
    return "\n".join(lines)


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f} (1, 5, 15 min; {os.cpu_count()} cores)"


def watchdog(seconds: int) -> None:
    """SIGALRM (and SIGTERM) end the run through the `finally` blocks that stop the processes."""

    def stop_now(signum: int, _frame: FrameType | None) -> None:
        raise SystemExit(f"bench/load.py: stopped by signal {signum} (watchdog or kill); stopping the servers.")

    signal.signal(signal.SIGALRM, stop_now)
    signal.signal(signal.SIGTERM, stop_now)
    signal.alarm(seconds)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="a SQLite path or sqlite:///… or postgres://… URL")
    parser.add_argument("--postdocs", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=15, help="per page and number of clients, all rounds together")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes (default 2)")
    parser.add_argument("--json", help="also write the rows to this file")
    args = parser.parse_args()

    url = loopback.dataset_database_url(args.database_url, benchmark="load", postdocs=args.postdocs)
    if url.startswith(("postgres://", "postgresql://")):
        loopback.ensure_postgres_database(url)
    slice_seconds = args.seconds / args.rounds
    configurations = [(page, clients) for clients in CLIENTS for page in PAGES]
    # Preparing (a first dataset, collectstatic) and the rounds, with room to spare.
    watchdog(int(3600 + len(configurations) * args.rounds * (slice_seconds + 60)))
    workdir = Path(tempfile.mkdtemp(prefix="postdoc-bench-load-"))
    try:
        env = loopback.site_environment(url, workdir)
        started = time.perf_counter()
        prepare(env, args.postdocs)
        print(
            f"prepared {urlparse(url).scheme} with {args.postdocs:,} postdocs in {time.perf_counter() - started:.1f} s"
        )
        start_load = load_average()
        print(
            f"load average at start: {start_load}\ngunicorn, {args.workers} workers, 1 task worker; "
            f"{args.rounds} rounds of {slice_seconds:g} s per page and number of clients\n",
            flush=True,
        )
        collected: dict[tuple[str, int], list[loopback.Result]] = {}
        load: dict[tuple[str, int], list[float]] = {}
        processes: list[Any] = []
        with loopback.running(processes):
            processes.append(loopback.start_worker(env, workdir))
            server = loopback.start_server("gunicorn", env, workdir, workers=args.workers, name="gunicorn")
            processes.append(server.process)
            browser = Browser()
            browser.sign_in(server, ADMIN, PASSWORD)
            calls = {
                "postdoc list": loopback.get_call(PAGES["postdoc list"], browser),
                "trivial (/healthz)": loopback.get_call(PAGES["trivial (/healthz)"]),
            }
            deadline = time.monotonic() + 60
            while loopback.request(server.port, "GET", "/healthz")[0] != 200:  # the worker's first heartbeat
                if time.monotonic() > deadline:
                    raise SystemExit("/healthz did not answer 200 within 60 s: is the task worker running?")
                time.sleep(0.5)
            for call in calls.values():  # warm up: every process imports, connects, fills its caches
                loopback.load([server], call, concurrency=8, max_requests=args.workers * 20, max_seconds=30)
            for round_number in range(1, args.rounds + 1):
                for page, clients in configurations:
                    result = loopback.load(
                        [server], calls[page], concurrency=clients, max_requests=1_000_000, max_seconds=slice_seconds
                    )
                    collected.setdefault((page, clients), []).append(result)
                    load.setdefault((page, clients), []).append(os.getloadavg()[0])
                    print(
                        f"round {round_number}: {page}, {clients} clients: {result.rps:.1f} req/s, "
                        f"{result.errors} errors",
                        flush=True,
                    )
                    for sample in result.error_samples:
                        print(f"    {sample}")
        rows = [
            summarise(page, clients, results, load[(page, clients)]) for (page, clients), results in collected.items()
        ]
        judged = verdicts(rows)
        end_load = load_average()
        print(f"\nmedian of {args.rounds} rounds (range), latencies of all rounds together:\n")
        print(table(rows, judged))
        print(f"\nload average at end: {end_load}")
        if args.json:
            document = {
                "database": urlparse(url).scheme,
                "postdocs": args.postdocs,
                "workers": args.workers,
                "seconds": args.seconds,
                "rounds": args.rounds,
                "load_average_start": start_load,
                "load_average_end": end_load,
                "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "rows": rows,
                "verdicts": judged,
            }
            Path(args.json).write_text(json.dumps(document, indent=2), encoding="utf-8")
        return 1 if any(row["errors"] for row in rows) else 0
    finally:
        signal.alarm(0)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
