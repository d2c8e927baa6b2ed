"""Import jobs change only here: each step in one transaction, with an explicit actor and one audit event.

The pages call `import_job_create` and `import_job_confirm`; the background tasks call the rest.
Both user steps queue their task with `transaction.on_commit`, so the worker never sees a job
whose row is not yet committed.
"""

import hashlib
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import Perm, has_perm
from audit.services import record_event
from catalogue.models import Institution
from core.errors import DomainError
from exchange.importer import Report
from exchange.models import ImportJob
from exchange.workbook import Problem

State = ImportJob.State
REPORT_FIELDS = ["report", "new_rows", "changed_rows", "unchanged_rows", "problem_count", "warning_count"]
EXTENSIONS = (".xlsx", ".csv", ".zip")


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def max_upload_bytes() -> int:
    return int(settings.IMPORT_MAX_MB) * 1024 * 1024


def upload_refusal(name: str, size: int) -> str | None:
    """Why an upload cannot be an exchange workbook (its kind or its size), or None."""
    if Path(name).suffix.lower() not in EXTENSIONS:
        return _(
            "“%(name)s” is not a file the importer reads: upload an .xlsx workbook, a .csv file or a .zip of CSV files."
        ) % {"name": name}
    if size > max_upload_bytes():
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


def _check_administrator(by: Any, institution_id: int) -> None:
    if not (has_perm(by, Perm.MANAGE_REFERENCE) and by.institution_id == institution_id):
        raise DomainError(_("Only an office administrator of this institution can import a workbook."))


def _locked(job: ImportJob) -> ImportJob:
    return ImportJob.objects.select_for_update().get(pk=job.pk)


def _record(job: ImportJob, by: Any, event: str, before: dict[str, Any] | None) -> None:
    record_event(actor=by, event=event, target=job, before=before, after=_public(job), institution=job.institution)


@transaction.atomic
def import_job_create(*, institution: Institution, upload: UploadedFile, by: Any, language: str = "") -> ImportJob:
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
    _record(job, by, "import_job.created", None)
    from exchange.tasks import preview_import_job

    transaction.on_commit(lambda: preview_import_job.enqueue(job.pk))
    return job


@transaction.atomic
def import_job_start(*, job: ImportJob, by: Any) -> ImportJob:
    """The worker begins: a queued job's preview, or a confirmed job's import."""
    job = _locked(job)
    before = _public(job)
    if job.state == State.QUEUED:
        job.state, event = State.PREVIEWING, "import_job.preview_started"
    elif job.state == State.IMPORTING and job.started_at is None:
        event = "import_job.import_started"
    else:
        raise DomainError(
            _("This import job is not waiting to run (it is %(state)s).") % {"state": job.get_state_display()}
        )
    job.started_at = timezone.now()
    job.rows_done = 0
    job.save(update_fields=["state", "started_at", "rows_done"])
    _record(job, by, event, before)
    return job


@transaction.atomic
def import_job_finish(*, job: ImportJob, report: Report, rows_done: int, sha256: str = "", by: Any) -> ImportJob:
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
    _record(job, by, f"import_job.{job.state}", before)
    return job


def import_job_fail(*, job: ImportJob, message: str, rows_done: int = 0, by: Any) -> ImportJob:
    """A run that stopped on an error of its own: the step fails with the sentence as its one problem."""
    report = Report(problems=[Problem("", None, "", "", message)])
    job = ImportJob.objects.get(pk=job.pk)
    report.dry_run = job.state != State.IMPORTING
    return import_job_finish(job=job, report=report, rows_done=rows_done, by=by)


@transaction.atomic
def import_job_confirm(*, job: ImportJob, by: Any, language: str = "") -> ImportJob:
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
    if not job.previewed_sha256 or file_sha256(job.path) != job.previewed_sha256:
        raise DomainError(
            _("The stored file is not the one that was checked; upload the workbook again to check it anew.")
        )
    before = _public(job)
    job.state = State.IMPORTING
    job.confirmed_by, job.confirmed_at = by, timezone.now()
    job.started_at, job.finished_at = None, None
    job.language = language or job.language
    job.save(update_fields=["state", "confirmed_by", "confirmed_at", "started_at", "finished_at", "language"])
    _record(job, by, "import_job.confirmed", before)
    from exchange.tasks import run_import_job

    transaction.on_commit(lambda: run_import_job.enqueue(job.pk))
    return job
