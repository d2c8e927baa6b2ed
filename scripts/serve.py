"""Serves the app and runs the background task worker beside it; Ctrl-C stops both.

    scripts/serve.py [--host 127.0.0.1] [--port 8000]     development: runserver, DEBUG as set (on by default)
    scripts/serve.py --production [--no-worker]            production: gunicorn, DEBUG off

When the task worker stops (a crash, a database error it could not ride out), it is started again
after a pause that grows with each stop in a row (1 s, 2 s, 4 s … up to a minute); the web server
never stops because the worker did. When the web server stops, everything stops.

The production start reads every setting from the environment (deploy/postdoc-office.env.example)
and refuses to start, saying why, without SECRET_KEY or ALLOWED_HOSTS, with DEBUG on, with
migrations not applied, or with anything `manage.py check --deploy` reports (the demo's accounts
with their published passwords among them). It then gathers the static files (`collectstatic`)
and runs gunicorn with WEB_WORKERS processes (default 2 × cores + 1) on BIND (default
127.0.0.1:8000). `--no-worker` leaves the task worker to its own service
(deploy/postdoc-office-worker.service).
"""

import argparse
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MANAGE = [sys.executable, str(ROOT / "manage.py")]
FALSE = {"0", "false", "no", "off"}

log = logging.getLogger("serve")


def worker_command() -> list[str]:
    """`manage.py worker` (ops: retries a busy database, marks tasks left running as failed), else
    django-tasks-db's own worker on a checkout that does not have it yet."""
    if (ROOT / "ops" / "management" / "commands" / "worker.py").exists():
        return [*MANAGE, "worker"]
    return [*MANAGE, "db_worker", "--no-reload"]


class Supervisor:
    """Runs the web server and the task worker; restarts the worker, stops with the web server."""

    def __init__(
        self,
        web: Sequence[str],
        worker: Sequence[str] | None,
        *,
        env: dict[str, str] | None = None,
        web_stop_signal: int = signal.SIGINT,
        first_pause: float = 1.0,
        longest_pause: float = 60.0,
        steady_after: float = 60.0,
        stop_timeout: float = 10.0,
    ) -> None:
        self.web_command = list(web)
        self.worker_command = list(worker) if worker else None
        self.env = env
        self.web_stop_signal = web_stop_signal
        self.first_pause = first_pause
        self.longest_pause = longest_pause
        self.steady_after = steady_after  # a worker that ran this long before stopping starts the pauses afresh
        self.stop_timeout = stop_timeout
        self.worker_starts = 0
        self.stopping = threading.Event()
        self.web: subprocess.Popen[bytes] | None = None
        self.worker: subprocess.Popen[bytes] | None = None

    def _start(self, command: list[str]) -> subprocess.Popen[bytes]:
        return subprocess.Popen(command, cwd=ROOT, env=self.env)

    def _start_worker(self) -> None:
        assert self.worker_command is not None
        self.worker = self._start(self.worker_command)
        self.worker_starts += 1

    def stop(self, *_: object) -> None:
        self.stopping.set()

    def run(self) -> int:
        """Until the web server stops or `stop()` is called; returns the web server's exit status."""
        self.web = self._start(self.web_command)
        if self.worker_command:
            self._start_worker()
        worker_started = time.monotonic()
        pause = self.first_pause
        restart_at: float | None = None
        status = 0
        try:
            while not self.stopping.wait(0.2):
                if self.web.poll() is not None:
                    status = self.web.returncode
                    log.error("The web server stopped (exit status %s); stopping the task worker too.", status)
                    break
                now = time.monotonic()
                if self.worker is not None and restart_at is None and self.worker.poll() is not None:
                    if now - worker_started >= self.steady_after:
                        pause = self.first_pause
                    log.warning(
                        "The task worker stopped (exit status %s); starting it again in %g s. "
                        "The web server goes on serving.",
                        self.worker.returncode,
                        pause,
                    )
                    restart_at = now + pause
                    pause = min(pause * 2, self.longest_pause)
                elif restart_at is not None and now >= restart_at:
                    restart_at = None
                    self._start_worker()
                    worker_started = now
                    log.warning("The task worker is started again (start %d).", self.worker_starts)
        except KeyboardInterrupt:
            pass
        finally:
            self._stop_children()
        return status

    def _stop_children(self) -> None:
        children = [(self.web, self.web_stop_signal), (self.worker, signal.SIGINT)]
        for child, stop_signal in children:
            if child is not None and child.poll() is None:
                child.send_signal(stop_signal)
        deadline = time.monotonic() + self.stop_timeout
        for child, _ in children:
            if child is None:
                continue
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()


# ---------------------------------------------------------------------------------------------
# Production


def refusals(environ: dict[str, str]) -> list[str]:
    """What in the environment keeps the production start from running, each as a sentence."""
    problems = []
    if environ.get("DEBUG", "false").strip().lower() not in FALSE:
        problems.append(f"DEBUG is {environ['DEBUG']!r}: the production start runs with DEBUG=false (or unset).")
    if not environ.get("SECRET_KEY", "").strip():
        problems.append(
            "SECRET_KEY is not set: set it to a long random string, the same on every app server "
            "(python3 -c 'import secrets; print(secrets.token_urlsafe(64))')."
        )
    if not any(host.strip() for host in environ.get("ALLOWED_HOSTS", "").split(",")):
        problems.append(
            "ALLOWED_HOSTS is not set: set it to the host names the site answers to, e.g. postdoc.example.edu."
        )
    workers = environ.get("WEB_WORKERS", "").strip()
    if workers and (not workers.isdigit() or int(workers) < 1):
        problems.append(f"WEB_WORKERS must be a whole number of processes, 1 or more, not {workers!r}.")
    return problems


def web_workers(environ: dict[str, str]) -> int:
    workers = environ.get("WEB_WORKERS", "").strip()
    return int(workers) if workers else 2 * (os.cpu_count() or 1) + 1


def gunicorn_command(environ: dict[str, str]) -> list[str]:
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi:application",
        # The app is loaded and warmed up once, in the master; each worker is a fork of it (decision 72).
        "--config",
        "python:config.gunicorn_hooks",
        "--bind",
        environ.get("BIND", "").strip() or "127.0.0.1:8000",
        "--workers",
        str(web_workers(environ)),
        # An export of a whole institution's workbook is written in the request: give it time.
        "--timeout",
        "120",
        "--graceful-timeout",
        "30",
        # A worker process is replaced after this many requests, so no slow leak grows for weeks.
        "--max-requests",
        "2000",
        "--max-requests-jitter",
        "200",
        # Errors to the journal; no access log: nginx keeps one, and URLs can carry signed links.
        "--error-logfile",
        "-",
    ]


def prepare(environ: dict[str, str]) -> bool:
    """The checks and `collectstatic` before the production start; False (having said why) to refuse."""
    problems = refusals(environ)
    if problems:
        for problem in problems:
            log.error("%s", problem)
        log.error("The site is not started (deploy/postdoc-office.env.example lists every setting).")
        return False
    steps = [
        (
            ["migrate", "--check"],
            "The database is not reachable or not up to date (see above): run manage.py migrate, then start again.",
        ),
        (
            ["check", "--deploy", "--database", "default", "--fail-level", "WARNING"],
            "manage.py check --deploy found the problems above; the site is not started until they are put right.",
        ),
        (
            ["collectstatic", "--no-input", "-v", "0"],
            "collectstatic failed (see above): STATIC_ROOT must be writable by the service's user.",
        ),
    ]
    for arguments, sentence in steps:
        if subprocess.run([*MANAGE, *arguments], cwd=ROOT, env=environ, check=False).returncode != 0:
            log.error("%s", sentence)
            return False
    return True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1", help="development: the address runserver listens on")
    parser.add_argument("--port", default="8000", help="development: the port runserver listens on")
    parser.add_argument(
        "--production", action="store_true", help="gunicorn with DEBUG off, settings from the environment"
    )
    parser.add_argument("--no-worker", action="store_true", help="leave the task worker to its own service")
    args = parser.parse_args()
    logging.basicConfig(format="%(asctime)s serve.py: %(message)s", level=logging.INFO, stream=sys.stderr)

    environ = dict(os.environ)
    if args.production:
        environ.setdefault("DEBUG", "false")
        if not prepare(environ):
            return 2
        web = gunicorn_command(environ)
        supervisor = Supervisor(
            web,
            None if args.no_worker else worker_command(),
            env=environ,
            web_stop_signal=signal.SIGTERM,  # gunicorn's graceful stop: requests under way are finished
            stop_timeout=35,
        )
        address = web[web.index("--bind") + 1]
        log.info("Postdoc Office (production): gunicorn on %s with %s workers", address, web_workers(environ))
    else:
        web = [*MANAGE, "runserver", "--noreload", f"{args.host}:{args.port}"]
        supervisor = Supervisor(web, None if args.no_worker else worker_command(), env=environ)
        print(f"Postdoc Office: http://{args.host}:{args.port}/  (Ctrl-C stops the server and the worker)", flush=True)
    signal.signal(signal.SIGTERM, supervisor.stop)
    return supervisor.run()


if __name__ == "__main__":
    sys.exit(main())
