"""The import jobs' background work: the preview (a dry run) and the import, in the task worker.

Progress is written to the job's row (stage, rows, when), through a database connection of the
recorder's own: the import's connection may be in a long transaction (on PostgreSQL) or working on
a snapshot (a dry run on SQLite), and the pages of every app server must see the progress at once
(docs/decisions/0009-import-jobs.md, 0026-imports-on-sqlite.md).
"""

import datetime as dt
import logging
import posixpath
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files import File
from django.db import DatabaseError, connections
from django.tasks import task
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.errors import DomainError
from core.sheets.cells import Problem
from exchange import isolation
from exchange.annotated import write_error_workbook
from exchange.import_rows import Report
from exchange.importer import import_workbook
from exchange.models import ImportJob
from exchange.services import (
    ImportWaits,
    file_sha256,
    import_job_fail,
    import_job_finish,
    import_job_start,
    local_upload,
)

logger = logging.getLogger(__name__)

THROTTLE_SECONDS = 0.5  # write progress at most this often (a change of stage is written at once)
# A real import waits this long before it looks again whether the import before it has finished.
QUEUE_RETRY_SECONDS = 15


def read_progress(job_id: int) -> dict[str, Any] | None:
    """{"stage": ..., "rows": ..., "at": ISO time} as the worker last wrote it, or None."""
    row = ImportJob.objects.filter(pk=job_id).values("progress_stage", "rows_done", "progress_at").first()
    if row is None or row["progress_at"] is None:
        return None
    return {"stage": row["progress_stage"], "rows": row["rows_done"], "at": row["progress_at"].isoformat()}


class ProgressRecorder:
    """The `progress(stage, rows_done)` callable given to the importer, throttled.

    It writes the job's row through a connection of its own, outside whatever transaction the import
    is in, unless the job runs inside a transaction begun by its caller (a test, or a command that
    imports within its own transaction): then through that one, so the caller sees it."""

    def __init__(self, job_id: int, *, interval: float = THROTTLE_SECONDS, clock: Callable[[], float] = time.monotonic):
        self.job_id, self.interval, self.clock = job_id, interval, clock
        self.stage, self.rows = "", 0
        self.last_written: float | None = None
        self.inside_callers_transaction = connections["default"].in_atomic_block
        self._connection: Any = None

    def __call__(self, stage: str, rows_done: int) -> None:
        now = self.clock()
        changed = stage != self.stage
        self.stage, self.rows = stage, max(rows_done, 0)
        if changed or self.last_written is None or now - self.last_written >= self.interval:
            self.write(now)

    def write(self, now: float | None = None) -> None:
        self.last_written = self.clock() if now is None else now
        values = {"progress_stage": self.stage[:40], "rows_done": self.rows, "progress_at": timezone.now()}
        try:
            if self.inside_callers_transaction:
                ImportJob.objects.filter(pk=self.job_id).update(**values)
            else:
                self._write_apart(values)
        except DatabaseError:  # the import goes on without its progress bar
            logger.warning("Could not record the progress of import job %s", self.job_id, exc_info=True)

    def _write_apart(self, values: dict[str, Any]) -> None:
        if self._connection is None:
            self._connection = connections.create_connection("default")
        ops = self._connection.ops
        table = ops.quote_name(ImportJob._meta.db_table)
        with self._connection.cursor() as cursor:  # autocommit: one short write
            cursor.execute(
                f"UPDATE {table} SET progress_stage = %s, rows_done = %s, progress_at = %s WHERE id = %s",  # noqa: S608 - the model's table
                [
                    values["progress_stage"],
                    values["rows_done"],
                    ops.adapt_datetimefield_value(values["progress_at"]),
                    self.job_id,
                ],
            )

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def run_job(job_id: int, *, dry_run: bool) -> str:
    """Runs a job's preview or import and keeps its report; returns the job's new state."""
    job = ImportJob.objects.select_related("institution", "created_by", "confirmed_by").get(pk=job_id)
    actor = job.created_by if dry_run else job.confirmed_by
    with translation.override(job.language or settings.LANGUAGE_CODE):
        try:
            job = import_job_start(job=job, by=actor)
        except ImportWaits:
            # Queued behind the import that runs: the same task again a little later (the job's page
            # says so meanwhile). A new task rather than waiting here keeps the worker free.
            run_import_job.using(run_after=timezone.now() + dt.timedelta(seconds=QUEUE_RETRY_SECONDS)).enqueue(job_id)
            return job.state
        except DomainError as refusal:  # e.g. the same task delivered twice
            logger.warning("Import job %s not run: %s", job_id, refusal.message)
            return job.state
        progress = ProgressRecorder(job.pk)
        try:
            return _run_started(job, actor, dry_run, progress)
        finally:
            progress.close()


def _run_started(job: ImportJob, actor: Any, dry_run: bool, progress: ProgressRecorder) -> str:
    progress("starting", 0)
    digest = ""
    try:
        with local_upload(job) as path:
            digest = file_sha256(path)
            expected = job.sha256 if dry_run else job.previewed_sha256
            if digest != expected:
                report = Report(
                    dry_run=dry_run,
                    problems=[
                        Problem(
                            "",
                            None,
                            "",
                            "",
                            _(
                                "The stored file is not the one that was uploaded and checked; nothing was written. Upload the workbook again."
                            ),
                        )
                    ],
                )
            else:
                report = import_workbook(
                    path=path,
                    institution=job.institution,
                    by=actor,
                    dry_run=dry_run,
                    progress=progress,
                    owner=isolation.owner_of_job(job.pk),
                )
    except Exception:
        logger.exception("Import job %s stopped on an error", job.pk)
        import_job_fail(
            job=job,
            message=_(
                "The work stopped on an unexpected error and nothing was written. Try again later; if it happens again, the technical staff will find the details in the worker's log."
            ),
            rows_done=progress.rows,
            by=actor,
        )
        raise
    rows = max(progress.rows, sum(sum(counts.values()) for counts in report.counts.values()))
    progress("done", rows)
    job = import_job_finish(job=job, report=report, rows_done=rows, sha256=digest, by=actor)
    if report.problems:
        try:  # ready before anyone asks: for a large file it takes a while
            error_workbook(job)
        except Exception:  # the download builds it again when asked
            logger.exception("Could not build the error workbook of import job %s", job.pk)
    return job.state


def error_workbook_name(job: ImportJob) -> str:
    """Where a job's error workbook is kept: beside its upload, in the same storage."""
    return posixpath.join(posixpath.dirname(job.file.name or ""), f"errors-{job.state}.xlsx")


def error_workbook(job: ImportJob) -> str:
    """The uploaded workbook with an error column for the job's latest report, built once per state;
    returns its name in the uploads' storage.

    Built in a temporary folder and then saved whole, so a download never sees half a file (two
    builders at once simply save the same file twice)."""
    storage, name = job.file.storage, error_workbook_name(job)
    if storage.exists(name):
        return name
    with tempfile.TemporaryDirectory(prefix="postdoc-errors-") as folder, local_upload(job) as source:
        built = Path(folder) / "errors.xlsx"
        with translation.override(job.language or settings.LANGUAGE_CODE):
            problems = Report.from_dict(job.report or {"counts": {}, "warnings": [], "problems": [], "dry_run": True})
            write_error_workbook(source=source, problems=problems.problems, target=built)
        if storage.exists(name):  # another builder was quicker
            return name
        with open(built, "rb") as handle:
            saved = storage.save(name, File(handle))
    if saved != name:  # saved under another name by a builder at the same time: one is enough
        storage.delete(saved)
    return name


@task()
def preview_import_job(job_id: int) -> str:
    """The dry run of an uploaded workbook: what it would change, its warnings and its problems."""
    return run_job(job_id, dry_run=True)


@task()
def run_import_job(job_id: int) -> str:
    """The import of a previewed workbook, all or nothing."""
    return run_job(job_id, dry_run=False)
