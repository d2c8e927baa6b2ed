"""Builders for the worker tests: task results in the states a killed worker leaves behind."""

import datetime as dt
import os
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from urllib.parse import quote

from django.db import connection, connections
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from tests.ops.tasks import add


def running_task(worker_id: str | None, *, started: dt.datetime | None = None) -> DBTaskResult:
    """A task result left RUNNING, claimed by `worker_id` (None: claimed by nobody recorded)."""
    result = add.enqueue(1, 2)
    DBTaskResult.objects.filter(pk=result.id).update(
        status=TaskResultStatus.RUNNING,
        started_at=started or timezone.now() - dt.timedelta(minutes=5),
        worker_ids=[] if worker_id is None else ["an-earlier-worker", worker_id],
    )
    return DBTaskResult.objects.get(pk=result.id)


# `manage.py worker` in a process of its own, as serve.py and the service unit start it, against the
# test database, with SQLite's busy timeout shortened so that a test can outlast it (production waits 20 s),
# and TEST_WORKER_SETUP's code run once Django is set up (to slow an import down, say).
WORKER_DRIVER = """
import os, sys
import config.settings as configured
if configured.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    configured.DATABASES["default"]["OPTIONS"]["timeout"] = float(os.environ["TEST_SQLITE_TIMEOUT"])
import django
django.setup()
exec(os.environ.get("TEST_WORKER_SETUP", ""))
from django.core.management import execute_from_command_line
execute_from_command_line(["manage.py", "worker", *sys.argv[1:]])
"""

ROOT = Path(__file__).resolve().parents[2]


class WorkerDatabase:
    """The test database as a worker process sees it. SQLite's test database lives in this process's
    memory: it is copied to a file (`VACUUM INTO`) that the worker and this test then share. PostgreSQL's
    is shared as it is (the test must commit: `django_db(transaction=True)`)."""

    def __init__(self, directory: Path) -> None:
        self.vendor = connection.vendor
        if self.vendor == "sqlite":
            name = str(connection.settings_dict["NAME"])
            if "memory" in name:
                self.path = directory / "worker.sqlite3"
                with connection.cursor() as cursor:
                    cursor.execute("VACUUM INTO %s", [str(self.path)])
            else:  # the `file_db` fixture's file, which this test's own queries read too
                self.path = Path(name)
            self.url = f"sqlite:///{self.path}"
        else:
            params = connection.settings_dict
            password = f":{quote(params['PASSWORD'])}" if params["PASSWORD"] else ""
            self.url = (
                f"postgres://{quote(params['USER'])}{password}@{params['HOST']}:{params['PORT']}/{params['NAME']}"
            )

    def start_worker(self, *arguments: str, sqlite_timeout: float = 1, **settings: str) -> "WorkerProcess":
        """`settings`: more environment variables, such as MEDIA_ROOT."""
        environment = {
            **os.environ,
            **settings,
            "DATABASE_URL": self.url,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "TEST_SQLITE_TIMEOUT": str(sqlite_timeout),
            "WORKER_HEARTBEAT_SECONDS": "1",
            # Long enough that a killed worker is found dead by its process, however slowly the next one starts.
            "WORKER_STALE_SECONDS": "60",
        }
        return WorkerProcess(
            subprocess.Popen(
                [sys.executable, "-c", WORKER_DRIVER, "--no-reload", "--no-startup-delay", *arguments],
                cwd=ROOT,
                env=environment,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
        )

    def lock_waiters(self) -> int:
        """PostgreSQL: how many connections wait for a lock (the worker, behind `write_lock`)."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
            return cursor.fetchone()[0]

    def task(self, task_id: str) -> tuple[str, str]:
        """The task's status and traceback, as committed."""
        if self.vendor == "sqlite":
            with closing(sqlite3.connect(self.path)) as db:
                row = db.execute(
                    f"SELECT status, traceback FROM {DBTaskResult._meta.db_table} WHERE id = ?",  # noqa: S608
                    [task_id.replace("-", "")],
                ).fetchone()
            return row
        stored = DBTaskResult.objects.get(pk=task_id)
        return stored.status, stored.traceback

    @contextmanager
    def write_lock(self) -> Iterator[None]:
        """Another connection holding the database's write lock, as a long import does: on SQLite
        `BEGIN IMMEDIATE` on the whole file; on PostgreSQL the task table locked against all others."""
        if self.vendor == "sqlite":
            with closing(sqlite3.connect(self.path, isolation_level=None)) as db:
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("BEGIN IMMEDIATE")
                yield
                db.execute("ROLLBACK")
        else:
            with closing(connections.create_connection("default")) as other, other.cursor() as cursor:
                cursor.execute("BEGIN")
                cursor.execute(f"LOCK TABLE {DBTaskResult._meta.db_table} IN ACCESS EXCLUSIVE MODE")
                yield
                cursor.execute("ROLLBACK")


class WorkerProcess:
    """A running `manage.py worker`, its output (log) read as it comes."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process
        self.pid = process.pid
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def running(self) -> bool:
        return self.process.poll() is None

    def wait_for(self, condition: Callable[[], bool], *, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            assert self.running(), f"the worker ended ({self.process.returncode}):\n{self.output}"
            assert time.monotonic() < deadline, f"waited in vain; the worker said:\n{self.output}"
            time.sleep(0.05)

    def finish(self, timeout: float = 60) -> int:
        """Waits for the worker to end by itself (`--batch`); its exit code."""
        try:
            self.process.wait(timeout)
        finally:
            self.kill()
        return self.process.returncode

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self._reader.join(5)
