"""`manage.py worker`: the background task worker (docs/decisions/0027).

django_tasks_db's `db_worker` with the same options (`--queue-name`, `--interval`, `--batch`,
`--[no-]reload`, `--max-tasks`, `--worker-id`, …), running ops.worker.ResilientWorker: it waits out
a busy database instead of exiting, writes a heartbeat for /healthz, and on start marks failed the
tasks and import jobs that a killed worker left behind. SIGTERM or Ctrl-C lets the current task
finish (a second one abandons it), as db_worker does.
"""

import logging
import os
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands import db_worker

from ops.worker import ResilientWorker


def lower_priority() -> None:
    """The worker (and the processes it starts, such as an import's read-ahead) runs at a lower CPU
    priority than the web server, by WORKER_NICE: an import of 20,000 postdocs keeps both cores
    busy, and a sign-in, which spends about half a second of one core on the password hash, should
    not queue behind it (bench/import_lockout.py). Background work only takes longer while people
    use the site."""
    niceness = int(getattr(settings, "WORKER_NICE", 0))
    if niceness > 0 and hasattr(os, "nice"):
        try:
            os.nice(niceness)
        except OSError:  # not permitted here: run at the priority given
            logging.getLogger("ops.worker").warning("Could not lower the worker's priority by %s.", niceness)


class Command(db_worker.Command):
    help = (
        "Run the background task worker: db_worker that waits out a busy database, writes a heartbeat "
        "and recovers the work of stopped workers."
    )
    # Not at its start: Django's checks probe the database (SQLite's JSON support) and, while another
    # connection holds the write lock past the busy timeout, report that probe's failure as errors
    # ("SQLite does not support JSONFields") that would end a worker started during a long import.
    # `check --deploy` runs before a production start (scripts/serve.py), and the web server's checks
    # in development.
    requires_system_checks: list[str] = []

    def configure_logging(self, verbosity: int) -> None:
        super().configure_logging(verbosity)
        levels = {0: logging.CRITICAL, 1: logging.INFO}
        logging.getLogger("ops.worker").setLevel(levels.get(verbosity, logging.DEBUG))

    def handle(
        self,
        *,
        verbosity: int,
        queue_name: str,
        interval: float,
        batch: bool,
        backend_name: str,
        startup_delay: bool,
        reload: bool,
        max_tasks: int | None,
        worker_id: str,
        exclude_queues: str,
        **options: Any,
    ) -> None:
        self.configure_logging(verbosity)
        lower_priority()
        if reload and batch:
            logging.getLogger("ops.worker").warning("--reload and --batch cannot be given together: not reloading.")
            reload = False
        queue_names = queue_name.split(",")
        excluded_queue_names = exclude_queues.split(",") if exclude_queues else []
        if excluded_queue_names and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")

        worker = ResilientWorker(
            queue_names=queue_names,
            interval=interval,
            batch=batch,
            backend_name=backend_name,
            startup_delay=startup_delay,
            max_tasks=max_tasks,
            worker_id=worker_id,
            excluded_queue_names=excluded_queue_names,
        )
        if reload:
            # The reloader's parent only watches files; the child it starts configures its signals,
            # recovers, beats and runs tasks.
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()
            run_with_reloader(worker.serve)
        else:
            worker.configure_signals()
            worker.serve()
