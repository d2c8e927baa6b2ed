"""The background task worker that outlasts a busy database (docs/decisions/0027).

django_tasks_db's `Worker`, wrapped rather than copied:

- A transient database error (SQLite's "database is locked", PostgreSQL's lost connection) while
  polling for, claiming or recording a task is waited out with a short backoff and a warning. The
  package's own loop lets it end the process; a lock held longer than SQLite's timeout did so.
- A thread of its own writes the worker's heartbeat (`ops.WorkerHeartbeat`) every
  WORKER_HEARTBEAT_SECONDS, also while a long task runs; a failed beat is logged and tried again.
- On start, and then once per WORKER_STALE_SECONDS, tasks left RUNNING by a worker that is gone are
  marked failed with a sentence; on start, import jobs left behind are recovered too.
"""

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from traceback import format_exception
from typing import Any, TypeVar

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connections, transaction
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import is_locked_database_exception

from exchange import services as exchange_services
from ops.models import WorkerHeartbeat

logger = logging.getLogger("ops.worker")

T = TypeVar("T")

# Heartbeat rows of workers silent for this long are removed when a worker starts: they only mark
# workers long gone, and a task whose worker has no row counts as abandoned all the same.
HEARTBEAT_KEPT = timedelta(days=1)


def is_transient(error: BaseException, *, vendor: str) -> bool:
    """Whether a database error is worth waiting out rather than ending the worker for.

    SQLite: only a lock ("database is locked", "database table is locked") or a busy database;
    other errors there ("no such table") stay true however long one waits. PostgreSQL (and any
    server): every OperationalError (connection lost, server restarting, deadlock, serialization)
    and InterfaceError (connection already closed)."""
    if not isinstance(error, (OperationalError, InterfaceError)):
        return False
    if isinstance(error, OperationalError) and error.args and is_locked_database_exception(error):
        return True
    if vendor == "sqlite":
        return isinstance(error, OperationalError) and "is busy" in str(error).lower()
    return True


class Backoff:
    """Waits of `first`, twice that, … up to `ceiling` seconds; starts over once errors stop coming."""

    def __init__(self, *, first: float = 0.5, ceiling: float = 10.0) -> None:
        self.first = first
        self.ceiling = ceiling
        self.failures = 0
        self._last = 0.0

    def next_delay(self) -> float:
        now = time.monotonic()
        if now - self._last > 3 * self.ceiling:
            self.failures = 0
        self._last = now
        delay = min(self.ceiling, self.first * 2.0**self.failures)
        self.failures += 1
        return delay

    def reset(self) -> None:
        self.failures = 0


class WorkerLost(Exception):
    """What a task's result says when the worker running it stopped before it finished."""


def _why_lost(
    worker_id: str | None,
    heartbeat: WorkerHeartbeat | None,
    *,
    own_worker_id: str,
    starting: bool,
    stale_before: datetime,
    hostname: str,
) -> str | None:
    """Why the worker that claimed a task is gone, or None while it may still be running it."""
    if worker_id is None:
        return "no worker is named on it"
    if worker_id == own_worker_id:
        # A worker that is only starting runs nothing yet: a task under its id is an earlier
        # process's (a worker id set by a service unit stays the same across restarts).
        return "a new worker started under its id" if starting else None
    if heartbeat is None:
        return "it left no heartbeat"
    if heartbeat.seen_at < stale_before:
        return f"its last heartbeat was at {heartbeat.seen_at.isoformat(timespec='seconds')}"
    if heartbeat.hostname == hostname and not _process_exists(heartbeat.pid):
        return f"its process ({heartbeat.pid} on {heartbeat.hostname}) no longer runs"
    return None


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: it exists
    return True


def recover_lost_tasks(*, own_worker_id: str, starting: bool) -> int:
    """Marks failed the tasks left RUNNING by workers that are gone; returns how many.

    A worker is gone when its heartbeat is missing or older than WORKER_STALE_SECONDS, or when it
    beat from this host with a process id that no longer runs (a worker killed and restarted at
    once). Other workers' tasks are left alone, so several workers can share the database. The
    worker's own bookkeeping on django_tasks_db's table, not a user's action: logged, not audited."""
    now = timezone.now()
    stale_before = now - timedelta(seconds=settings.WORKER_STALE_SECONDS)
    hostname = socket.gethostname()
    running = list(DBTaskResult.objects.running().only("id", "task_path", "worker_ids", "started_at"))
    if not running:
        return 0
    claimants = {result.worker_ids[-1] for result in running if result.worker_ids}
    heartbeats = {beat.worker_id: beat for beat in WorkerHeartbeat.objects.filter(worker_id__in=claimants)}
    lost = 0
    for result in running:
        worker_id = result.worker_ids[-1] if result.worker_ids else None
        reason = _why_lost(
            worker_id,
            heartbeats.get(worker_id or ""),
            own_worker_id=own_worker_id,
            starting=starting,
            stale_before=stale_before,
            hostname=hostname,
        )
        if reason is None:
            continue
        error = WorkerLost(
            f"The worker running this task ({worker_id or 'unknown'}) stopped before the task finished: "
            f"{reason}. The task was marked failed; start it again if it is still needed."
        )
        with transaction.atomic():
            # Only if still RUNNING from the same claim: another starting worker may have been first.
            marked = DBTaskResult.objects.filter(
                pk=result.pk, status=TaskResultStatus.RUNNING, started_at=result.started_at
            ).update(
                status=TaskResultStatus.FAILED,
                finished_at=now,
                return_value=None,
                exception_class_path=f"{WorkerLost.__module__}.{WorkerLost.__qualname__}",
                traceback="".join(format_exception(error)),
            )
        if marked:
            lost += 1
            logger.warning("Task %s (%s) marked failed: %s", result.pk, result.task_path, error)
    return lost


class Heartbeat:
    """Writes the worker's heartbeat row from a thread of its own (with its own database
    connection, closed when the thread ends), so that a long task does not silence it."""

    def __init__(self, worker_id: str, *, every: float, recover_every: float | None = None) -> None:
        self.worker_id = worker_id
        self.every = every
        self.recover_every = recover_every
        self.hostname = socket.gethostname()[:255]
        self.pid = os.getpid()
        self.started_at = timezone.now()
        self.beats = 0  # beats written, for the log and the tests
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def beat(self) -> None:
        """One short transaction: the row's `seen_at` now (the row created on the first beat)."""
        now = timezone.now()
        with transaction.atomic():
            updated = WorkerHeartbeat.objects.filter(worker_id=self.worker_id).update(
                seen_at=now, hostname=self.hostname, pid=self.pid
            )
            if not updated:
                WorkerHeartbeat.objects.create(
                    worker_id=self.worker_id,
                    hostname=self.hostname,
                    pid=self.pid,
                    started_at=self.started_at,
                    seen_at=now,
                )
        self.beats += 1

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=f"heartbeat-{self.worker_id[:8]}", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        last_recovery = time.monotonic()
        try:
            while not self._stop.wait(self.every):
                try:
                    self.beat()
                except DatabaseError as error:
                    logger.warning(
                        "The worker's heartbeat could not be written (%s); trying again at the next beat.", error
                    )
                    _drop_broken_connection()
                    continue
                except Exception:
                    logger.exception("The worker's heartbeat failed; trying again at the next beat.")
                    continue
                if self.recover_every is not None and time.monotonic() - last_recovery >= self.recover_every:
                    last_recovery = time.monotonic()
                    try:
                        recover_lost_tasks(own_worker_id=self.worker_id, starting=False)
                    except DatabaseError as error:
                        logger.warning("Looking for tasks of stopped workers failed (%s); trying again later.", error)
                        _drop_broken_connection()
        finally:
            connections.close_all()


def _drop_broken_connection() -> None:
    """Closes this thread's connection if an error left it unusable (a lost PostgreSQL connection),
    so that the next query opens a new one. Never inside a transaction block (a test's)."""
    connection = connections[DBTaskResult.objects.db]
    if not connection.in_atomic_block:
        connection.close_if_unusable_or_obsolete()


class ResilientWorker(Worker):
    """django_tasks_db's worker, which waits out a busy database and beats (see the module's doc)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.backoff = Backoff()
        self.heartbeat = Heartbeat(
            self.worker_id,
            every=settings.WORKER_HEARTBEAT_SECONDS,
            recover_every=settings.WORKER_STALE_SECONDS,
        )

    def serve(self) -> None:
        """Recover what dead workers left, beat, and run tasks until told to stop."""
        self.persistently(self.recover, "recovering tasks of stopped workers")()
        self.persistently(self.heartbeat.beat, "writing the first heartbeat")()
        logger.info(
            "Worker %s on %s:%s beats every %s s.",
            self.worker_id,
            self.heartbeat.hostname,
            self.heartbeat.pid,
            self.heartbeat.every,
        )
        try:
            self.heartbeat.start()
            self.run()
        finally:
            self.heartbeat.stop()

    def recover(self) -> None:
        tasks = recover_lost_tasks(own_worker_id=self.worker_id, starting=True)
        jobs = exchange_services.import_jobs_recover()
        if tasks or jobs:
            logger.warning("On start: %d task(s) and %d import job(s) of stopped workers marked failed.", tasks, jobs)
        WorkerHeartbeat.objects.filter(seen_at__lt=timezone.now() - HEARTBEAT_KEPT).delete()

    def run(self) -> None:
        # The package's loop ends on any database error but a lock met inside its claim (a lock met
        # at BEGIN, or a lost connection, escapes): start it again after a wait. Nothing is in hand
        # then: a failed claim's transaction was rolled back, and a task's result is recorded
        # persistently (run_task).
        while True:
            try:
                super().run()
                return
            except (OperationalError, InterfaceError) as error:
                if not is_transient(error, vendor=self._vendor()):
                    raise
                self._wait_after(error, "looking for tasks")
            # The random start-up delay only spreads workers starting together: once is enough.
            self.startup_delay = False

    def run_task(self, db_task_result: DBTaskResult[Any, Any]) -> None:
        self.backoff.reset()  # a task was claimed: the database answers
        # The package retries recording a result three times within a third of a second, then lets
        # the error end the worker with the task left RUNNING: keep trying instead.
        db_task_result.set_successful = self.persistently(db_task_result.set_successful, "recording a task's result")
        db_task_result.set_failed = self.persistently(db_task_result.set_failed, "recording a task's failure")
        super().run_task(db_task_result)

    def persistently(self, function: Callable[..., T], doing: str) -> Callable[..., T]:
        """`function`, called again after each transient database error until it succeeds. After a
        stop was asked for, it gives up after a few tries (a restarted worker recovers the task)."""

        def call(*args: Any, **kwargs: Any) -> T:
            tries = 0
            while True:
                try:
                    return function(*args, **kwargs)
                except (OperationalError, InterfaceError) as error:
                    tries += 1
                    if not is_transient(error, vendor=self._vendor()) or (not self.running and tries >= 3):
                        raise
                    self._wait_after(error, doing)

        return call

    def _wait_after(self, error: Exception, doing: str) -> None:
        delay = self.backoff.next_delay()
        logger.warning(
            "The database is busy or unreachable while %s (%s); trying again in %.1f s.", doing, error, delay
        )
        _drop_broken_connection()
        time.sleep(delay)

    def _vendor(self) -> str:
        return connections[DBTaskResult.objects.db].vendor
