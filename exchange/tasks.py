"""The import jobs' background work: the preview (a dry run) and the import, in the task worker.

Progress goes to the cache, not to the job's row: the import runs in one transaction, and on
SQLite nobody else may write while it does, so a row updated from inside it would stay invisible
(and a second connection would wait for the lock). The cache is shared on disk by the web server
and the worker (docs/decisions/0009-import-jobs.md).
"""

import logging
import os
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.tasks import task
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.errors import DomainError
from exchange.annotated import write_error_workbook
from exchange.importer import Report, import_workbook
from exchange.models import ImportJob
from exchange.services import file_sha256, import_job_fail, import_job_finish, import_job_start
from exchange.workbook import Problem

logger = logging.getLogger(__name__)

PROGRESS_SECONDS = 24 * 3600  # how long a progress entry is kept
THROTTLE_SECONDS = 0.5  # write progress at most this often (a change of stage is written at once)


def progress_key(job_id: int) -> str:
    return f"exchange:import-job:{job_id}:progress"


def read_progress(job_id: int) -> dict[str, Any] | None:
    """{"stage": ..., "rows": ..., "at": ISO time} as the worker last wrote it, or None."""
    try:
        return cache.get(progress_key(job_id))
    except Exception:  # progress is a courtesy; a broken cache must not break the page
        logger.warning("Could not read the progress of import job %s", job_id, exc_info=True)
        return None


class ProgressRecorder:
    """The `progress(stage, rows_done)` callable given to the importer, throttled."""

    def __init__(self, job_id: int, *, interval: float = THROTTLE_SECONDS, clock: Callable[[], float] = time.monotonic):
        self.job_id, self.interval, self.clock = job_id, interval, clock
        self.stage, self.rows = "", 0
        self.last_written: float | None = None

    def __call__(self, stage: str, rows_done: int) -> None:
        now = self.clock()
        changed = stage != self.stage
        self.stage, self.rows = stage, max(rows_done, 0)
        if changed or self.last_written is None or now - self.last_written >= self.interval:
            self.write(now)

    def write(self, now: float | None = None) -> None:
        self.last_written = self.clock() if now is None else now
        value = {"stage": self.stage, "rows": self.rows, "at": timezone.now().isoformat()}
        try:
            cache.set(progress_key(self.job_id), value, PROGRESS_SECONDS)
        except Exception:  # the import goes on without its progress bar
            logger.warning("Could not record the progress of import job %s", self.job_id, exc_info=True)


def run_job(job_id: int, *, dry_run: bool) -> str:
    """Runs a job's preview or import and keeps its report; returns the job's new state."""
    job = ImportJob.objects.select_related("institution", "created_by", "confirmed_by").get(pk=job_id)
    actor = job.created_by if dry_run else job.confirmed_by
    with translation.override(job.language or settings.LANGUAGE_CODE):
        try:
            job = import_job_start(job=job, by=actor)
        except DomainError as refusal:  # e.g. the same task delivered twice
            logger.warning("Import job %s not run: %s", job_id, refusal.message)
            return job.state
        progress = ProgressRecorder(job.pk)
        progress("starting", 0)
        digest = ""
        try:
            digest = file_sha256(job.path)
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
                    path=job.path, institution=job.institution, by=actor, dry_run=dry_run, progress=progress
                )
        except Exception:
            logger.exception("Import job %s stopped on an error", job_id)
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
                logger.exception("Could not build the error workbook of import job %s", job_id)
    return job.state


def error_workbook(job: ImportJob) -> Path:
    """The uploaded workbook with an error column for the job's latest report, built once per state.

    Kept beside the upload; written under a temporary name and then renamed, so a download never
    sees half a file (two builders at once simply write the same file twice)."""
    path = job.path.parent / f"errors-{job.state}.xlsx"
    if not path.exists():
        partial = path.with_name(f".{uuid.uuid4().hex}.part")
        try:
            with translation.override(job.language or settings.LANGUAGE_CODE):
                problems = Report.from_dict(
                    job.report or {"counts": {}, "warnings": [], "problems": [], "dry_run": True}
                )
                write_error_workbook(source=job.path, problems=problems.problems, target=partial)
            os.replace(partial, path)
        finally:
            partial.unlink(missing_ok=True)
    return path


@task()
def preview_import_job(job_id: int) -> str:
    """The dry run of an uploaded workbook: what it would change, its warnings and its problems."""
    return run_job(job_id, dry_run=True)


@task()
def run_import_job(job_id: int) -> str:
    """The import of a previewed workbook, all or nothing."""
    return run_job(job_id, dry_run=False)
