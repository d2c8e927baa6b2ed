"""App-server benchmark: gunicorn beside granian, one server beside two, on one PostgreSQL.

    .venv/bin/python bench/app_servers.py [--database-url postgres://postgres@127.0.0.1:55432/postdoc_app_servers]
                                          [--postdocs 2000] [--workers N] [--concurrency 8] [--seconds 10]

Drops and creates the named database (the benchmark's own), fills it with `generate_dataset`, and
signs in as an office administrator of the generated institution. Then, for gunicorn (as
scripts/serve.py --production runs it) and granian (WSGI), each with --workers processes per server
(default that of the production start, 2 x cores + 1), on one server and on two servers behind no
proxy, with one task worker beside them, it sends --concurrency keep-alive clients for --seconds (at
most --requests requests) at:

- the postdoc list, first page (signed in: session, scope, 25 rows, pagination, the template);
- a trivial view: /healthz (no session, two one-row queries, a small JSON answer).

It runs every configuration once per round (--rounds), so that a busier minute of the machine falls
on all of them alike, and prints for each the median round's requests per second (with the range
over the rounds) and the p50 and p99 latency of all its requests; every row is measured in this run
(gunicorn on one server is the baseline of the others). It exits non-zero if any request failed. The clients run on the same 2 cores as the servers, so a figure is the machine's,
not a server's alone; the load average is printed beside them. Loopback only; it stops every process
it started.
"""

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import loopback  # noqa: E402 - after the path is set
from loopback import Browser  # noqa: E402

CODE = "APP01"
ADMIN = "app-servers-admin"
PASSWORD = "App-Servers-Bench-7"  # noqa: S105 - the benchmark's own throwaway database


def prepare(env: dict[str, str], postdocs: int) -> None:
    loopback.manage(env, "migrate", "--no-input", "-v", "0")
    loopback.manage(env, "collectstatic", "--no-input", "-v", "0")
    loopback.manage(env, "generate_dataset", "--postdocs", str(postdocs), "--institution-code", CODE)
    loopback.manage(
        env,
        "shell",
        "-c",
        "from accounts.models import Role\n"
        "from accounts.services import role_assign, user_create\n"
        "from catalogue.models import Institution\n"
        f"user = user_create(username={ADMIN!r}, password={PASSWORD!r}, "
        f"institution=Institution.objects.get(code={CODE!r}), by=None)\n"
        "role_assign(user=user, role=Role.ADMIN, by=None)\n",
    )


def measure(
    kind: str, count: int, env: dict[str, str], workdir: Path, args: argparse.Namespace
) -> dict[str, loopback.Result]:
    """One configuration: `count` servers of `kind`, each page loaded for --seconds after a warm-up."""
    results: dict[str, loopback.Result] = {}
    processes: list[Any] = []
    with loopback.running(processes):
        servers = []
        for n in range(count):
            server = loopback.start_server(kind, env, workdir, workers=args.workers, name=f"{kind}-{n + 1}")
            processes.append(server.process)
            servers.append(server)
        browser = Browser()
        browser.sign_in(servers[0], ADMIN, PASSWORD)  # the session is in the database: every server knows it
        pages = {
            "postdoc list": loopback.get_call("/postdocs/", browser),
            "trivial view (/healthz)": loopback.get_call("/healthz"),
        }
        for page, call in pages.items():
            # Warm up: every worker process imports, connects and fills its template cache first.
            warm_up = args.workers * count * 4
            loopback.load(servers, call, concurrency=args.concurrency, max_requests=warm_up, max_seconds=30)
            results[page] = loopback.load(
                servers, call, concurrency=args.concurrency, max_requests=args.requests, max_seconds=args.seconds
            )
            for sample in results[page].error_samples:
                print(f"    {sample}")
    return results


def summarise(kind: str, count: int, page: str, rounds: list[loopback.Result], load: list[float]) -> dict[str, Any]:
    return {"server": kind, "servers": count, "page": page, **loopback.rounds_summary(rounds, load)}


def table(rows: list[dict[str, Any]]) -> str:
    lines = [
        f"{'server':10}{'servers':>8}  {'page':26}{'requests':>9}{'errors':>7}{'req/s':>8}{'(range)':>14}"
        f"{'p50 ms':>9}{'p99 ms':>9}{'load':>6}"
    ]
    for row in rows:
        spread = f"{row['rps_range'][0]:.1f}-{row['rps_range'][1]:.1f}"
        lines.append(
            f"{row['server']:10}{row['servers']:>8}  {row['page']:26}{row['requests']:>9}{row['errors']:>7}"
            f"{row['rps']:>8.1f}{spread:>14}{row['p50_ms']:>9.1f}{row['p99_ms']:>9.1f}{row['load_average']:>6.1f}"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:55432/postdoc_app_servers")
    parser.add_argument("--postdocs", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=loopback.serve.web_workers({}), help="processes per server")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=5, help="per page, configuration and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=20_000, help="at most, per page, configuration and round")
    parser.add_argument("--servers", nargs="+", default=["gunicorn", "granian"], choices=sorted(loopback.COMMANDS))
    parser.add_argument("--json", help="also write the rows to this file")
    args = parser.parse_args()
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        parser.error("--database-url must name a PostgreSQL database (the production database; two servers share it).")

    workdir = Path(tempfile.mkdtemp(prefix="postdoc-app-servers-"))
    try:
        loopback.recreate_postgres_database(args.database_url)
        env = loopback.site_environment(args.database_url, workdir)
        started = time.perf_counter()
        prepare(env, args.postdocs)
        print(f"prepared PostgreSQL with {args.postdocs:,} generated postdocs in {time.perf_counter() - started:.1f} s")
        print(
            f"{os.cpu_count()} cores; {args.workers} worker processes per server; {args.concurrency} clients; "
            f"{args.seconds:g} s per page, configuration and round; {args.rounds} rounds\n",
            flush=True,
        )
        configurations = [(kind, count) for kind in args.servers for count in (1, 2)]
        collected: dict[tuple[str, int, str], list[loopback.Result]] = {}
        load: dict[tuple[str, int, str], list[float]] = {}
        processes = [loopback.start_worker(env, workdir)]  # /healthz answers 200 only with a live worker
        with loopback.running(processes):
            for round_number in range(1, args.rounds + 1):
                for kind, count in configurations:
                    for page, result in measure(kind, count, env, workdir, args).items():
                        collected.setdefault((kind, count, page), []).append(result)
                        load.setdefault((kind, count, page), []).append(os.getloadavg()[0])
                        print(
                            f"round {round_number}: {kind} x{count}, {page}: {result.rps:.1f} req/s, "
                            f"{result.errors} errors",
                            flush=True,
                        )
        rows = [summarise(*key, results, load[key]) for key, results in collected.items()]
        rows.sort(key=lambda row: (row["page"], row["server"], row["servers"]))
        print(f"\nmedian of {args.rounds} rounds (range), latencies of all rounds together:\n")
        print(table(rows))
        if args.json:
            Path(args.json).write_text(json.dumps(rows, indent=2), encoding="utf-8")
        return 1 if any(row["errors"] for row in rows) else 0
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
