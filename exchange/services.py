"""Import jobs change only here: each step in one transaction, with an explicit actor and one audit event.

The pages call `import_job_create` and `import_job_confirm`; the background tasks call the rest.
Both user steps queue their task with `transaction.on_commit`, so the worker never sees a job
whose row is not yet committed.
"""

import contextlib
import datetime as dt
import hashlib
import logging
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.access import Perm, has_perm
from accounts.actors import Actor
from accounts.models import User
from audit.events import Event
from audit.services import record_event
from catalogue.models import Institution
from core.errors import DomainError
from core.sheets.cells import Problem
from exchange import isolation
from exchange.import_rows import Report
from exchange.models import ImportJob

logger = logging.getLogger(__name__)

State = ImportJob.State
REPORT_FIELDS = ["report", "new_rows", "changed_rows", "unchanged_rows", "problem_count", "warning_count"]
EXTENSIONS = (".xlsx", ".csv", ".zip")


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _stored_sha256(job: ImportJob) -> str:
    """The digest of a job's upload as the storage holds it (a shared folder, or an object store)."""
    digest = hashlib.sha256()
    with job.file.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@contextlib.contextmanager
def local_upload(job: ImportJob) -> Iterator[Path]:
    """A path on this machine to a job's upload, which the readers need (zip and xlsx files are read
    by seeking): the stored file itself when the storage is a folder, else a temporary copy."""
    try:
        path = Path(job.file.path)
    except NotImplementedError:  # an object store: no local path
        path = None
    if path is not None:
        yield path
        return
    folder = Path(tempfile.mkdtemp(prefix="postdoc-upload-"))
    copy = folder / Path(job.file.name or "upload").name
    try:
        with job.file.open("rb") as source, open(copy, "wb") as target:
            shutil.copyfileobj(source, target, 1 << 20)
        yield copy
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _max_upload_bytes() -> int:
    return int(settings.IMPORT_MAX_MB) * 1024 * 1024


def upload_refusal(name: str, size: int) -> str | None:
    """Why an upload cannot be an exchange workbook (its kind or its size), or None."""
    if Path(name).suffix.lower() not in EXTENSIONS:
        return _(
            "“%(name)s” is not a file the importer reads: upload an .xlsx workbook, a .csv file or a .zip of CSV files."
        ) % {"name": name}
    if size > _max_upload_bytes():
        return _(
            "The file is %(size)s; uploads may be at most %(limit)s MB. Split the workbook into smaller files."
        ) % {"size": filesizeformat(size), "limit": settings.IMPORT_MAX_MB}
    return None


def _public(job: ImportJob) -> dict[str, Any]:
    """What the audit trail keeps of a job: its state and figures, not the report's cell values."""
    return {
        "state": job.state,
        "original_name": job.original_name,
        "size": job.size,
        "sha256": job.sha256,
        "rows_done": job.rows_done,
        **job.totals(),
        "problems": job.problem_count,
        "warnings": job.warning_count,
    }


def _check_administrator(by: Actor, institution_id: int) -> None:
    if not (has_perm(by, Perm.MANAGE_REFERENCE) and by.institution_id == institution_id):
        raise DomainError(_("Only an office administrator of this institution can import a workbook."))


def _locked(job: ImportJob) -> ImportJob:
    return ImportJob.objects.select_for_update().get(pk=job.pk)


def _record(job: ImportJob, by: Actor, event: Event, before: dict[str, Any] | None) -> None:
    record_event(actor=by, event=event, target=job, before=before, after=_public(job), institution=job.institution)


@transaction.atomic
def import_job_create(
    *, institution: Institution, upload: UploadedFile[bytes], by: User, language: str = ""
) -> ImportJob:
    """Keeps an uploaded workbook and queues its dry run (the preview)."""
    _check_administrator(by, institution.pk)
    name = Path(upload.name or "").name
    refusal = upload_refusal(name, upload.size or 0)
    if refusal:
        raise DomainError(refusal, field="file")
    if len(name) > 150:  # keep the extension, which tells the importer how to read the file
        name = Path(name).stem[: 150 - len(Path(name).suffix)] + Path(name).suffix
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    job = ImportJob(
        institution=institution,
        created_by=by,
        original_name=name,
        size=upload.size or 0,
        sha256=digest.hexdigest(),
        language=language,
    )
    job.file.save(name, upload, save=False)
    job.save()
    _record(job, by, Event.IMPORT_JOB_CREATED, None)
    from exchange.tasks import preview_import_job  # tasks call these services back: decision 63

    transaction.on_commit(lambda: preview_import_job.enqueue(job.pk))
    return job


class ImportWaits(DomainError):
    """A real import cannot start yet: another import of the same institution is running."""


# A running import writes its progress every few seconds; one silent this long is not running any
# more (its worker was killed), and does not keep the next import waiting.
RUNNING_SILENCE_MINUTES = 30


def another_import_running(job: ImportJob) -> bool:
    """Whether another real import of the job's institution is under way. Imports of one institution
    run one after the other: two at once would refuse each other's new keys, and on SQLite would
    share the write lock between them for no gain."""
    recent = timezone.now() - dt.timedelta(minutes=RUNNING_SILENCE_MINUTES)
    return (
        ImportJob.objects.filter(institution_id=job.institution_id, state=State.IMPORTING, started_at__isnull=False)
        .exclude(pk=job.pk)
        .filter(models.Q(progress_at__gte=recent) | models.Q(progress_at__isnull=True, started_at__gte=recent))
        .exists()
    )


@transaction.atomic
def import_job_start(*, job: ImportJob, by: Actor) -> ImportJob:
    """The worker begins: a queued job's preview, or a confirmed job's import."""
    # The institution's row is locked first, so that two workers cannot both find no import running.
    list(Institution.objects.select_for_update().filter(pk=job.institution_id).values_list("pk", flat=True))
    job = _locked(job)
    before = _public(job)
    if job.state == State.QUEUED:
        job.state, event = State.PREVIEWING, Event.IMPORT_JOB_PREVIEW_STARTED
    elif job.state == State.IMPORTING and job.started_at is None:
        if another_import_running(job):
            raise ImportWaits(_("Another import of this institution is running; this one starts after it."))
        event = Event.IMPORT_JOB_IMPORT_STARTED
    else:
        raise DomainError(
            _("This import job is not waiting to run (it is %(state)s).") % {"state": job.get_state_display()}
        )
    job.started_at = timezone.now()
    job.rows_done = 0
    job.save(update_fields=["state", "started_at", "rows_done"])
    _record(job, by, event, before)
    return job


# The event of each state a run finishes in.
_FINISHED_EVENTS = {
    State.PREVIEWED: Event.IMPORT_JOB_PREVIEWED,
    State.PREVIEW_FAILED: Event.IMPORT_JOB_PREVIEW_FAILED,
    State.IMPORTED: Event.IMPORT_JOB_IMPORTED,
    State.IMPORT_FAILED: Event.IMPORT_JOB_IMPORT_FAILED,
}


@transaction.atomic
def import_job_finish(*, job: ImportJob, report: Report, rows_done: int, sha256: str = "", by: Actor) -> ImportJob:
    """Keeps a run's report: a preview without problems is ready to import; any problem fails the step."""
    job = _locked(job)
    before = _public(job)
    if job.state == State.PREVIEWING:
        job.state = State.PREVIEWED if report.ok else State.PREVIEW_FAILED
        job.previewed_sha256 = sha256
    elif job.state == State.IMPORTING:
        job.state = State.IMPORTED if report.ok else State.IMPORT_FAILED
    else:
        raise DomainError(_("This import job is not running (it is %(state)s).") % {"state": job.get_state_display()})
    job.keep_report(report.as_dict())
    job.rows_done = rows_done
    job.finished_at = timezone.now()
    job.save(update_fields=["state", "previewed_sha256", "rows_done", "finished_at", *REPORT_FIELDS])
    _record(job, by, _FINISHED_EVENTS[job.state], before)
    return job


def import_job_fail(*, job: ImportJob, message: str, rows_done: int = 0, by: Actor) -> ImportJob:
    """A run that stopped on an error of its own: the step fails with the sentence as its one problem."""
    report = Report(problems=[Problem("", None, "", "", message)])
    job = ImportJob.objects.get(pk=job.pk)
    report.dry_run = job.state != State.IMPORTING
    return import_job_finish(job=job, report=report, rows_done=rows_done, by=by)


@transaction.atomic
def import_job_confirm(*, job: ImportJob, by: User, language: str = "") -> ImportJob:
    """Queues the real import of a previewed job, if the preview found nothing wrong and the file is the same."""
    job = _locked(job)
    _check_administrator(by, job.institution_id)
    if job.state != State.PREVIEWED:
        raise DomainError(
            _("Only a checked workbook without problems can be imported; this one is %(state)s.")
            % {"state": job.get_state_display()}
        )
    if job.problem_count:
        raise DomainError(_("The preview found problems; correct the file and upload it again."))
    if not job.previewed_sha256 or _stored_sha256(job) != job.previewed_sha256:
        raise DomainError(
            _("The stored file is not the one that was checked; upload the workbook again to check it anew.")
        )
    before = _public(job)
    job.state = State.IMPORTING
    job.confirmed_by, job.confirmed_at = by, timezone.now()
    job.started_at, job.finished_at = None, None
    job.language = language or job.language
    job.save(update_fields=["state", "confirmed_by", "confirmed_at", "started_at", "finished_at", "language"])
    _record(job, by, Event.IMPORT_JOB_CONFIRMED, before)
    from exchange.tasks import run_import_job  # tasks call these services back: decision 63

    transaction.on_commit(lambda: run_import_job.enqueue(job.pk))
    return job


def import_jobs_recover() -> int:
    """Called by the task worker as it starts, after it has marked failed the tasks whose worker is
    gone: an import job still checking or importing without a running task of its own was stopped
    with its process (killed, or the machine restarted). What it wrote on SQLite is undone from its
    undo log (exchange.isolation), and the step fails with a sentence, so the office can try again.
    Undo logs of imports run by a command whose process is gone are replayed too.

    Returns how many jobs were recovered."""
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    running_tasks = DBTaskResult.objects.filter(
        status=TaskResultStatus.RUNNING, task_path__startswith="exchange.tasks."
    ).values_list("args_kwargs", flat=True)
    jobs_with_a_task = {
        args[0]
        for args_kwargs in running_tasks
        if isinstance(args_kwargs, dict) and (args := args_kwargs.get("args")) and isinstance(args[0], int)
    }
    recovered = 0
    for job in ImportJob.objects.filter(state__in=[State.PREVIEWING, State.IMPORTING], started_at__isnull=False):
        if job.pk in jobs_with_a_task:
            continue
        if isolation.on_sqlite():
            undone = isolation.undo(isolation.owner_of_job(job.pk))
            if undone:
                logger.warning("Import job %s: %s row changes of a stopped import undone", job.pk, undone)
        actor = job.confirmed_by if job.state == State.IMPORTING else job.created_by
        with translation.override(job.language or settings.LANGUAGE_CODE):  # the job's language, as its runs
            message = _(
                "The work was stopped before it finished (the background worker was stopped or the server "
                "restarted) and nothing was written. Upload the workbook again to try once more."
            )
        import_job_fail(job=job, message=message, rows_done=job.rows_done, by=actor)
        recovered += 1
    if isolation.on_sqlite():
        for owner in isolation.abandoned_owners():
            undone = isolation.undo(owner)
            logger.warning("An import by %s stopped with its process: %s row changes undone", owner, undone)
    return recovered
