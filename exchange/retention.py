"""Removing the uploads of finished import jobs: the files hold ID numbers, the job's record stays.

A job that finished (imported, failed, or previewed and never confirmed) more than
`IMPORT_UPLOAD_KEEP_DAYS` days ago loses its stored files: the upload and the workbooks with an
error column built beside it (`exchange.tasks.error_workbook`). The job's row, its report and its
audit trail stay; its page then says when the file was removed. Files go through the storage API
(the job's `file.storage`), so that they are removed wherever uploads are kept.

One transaction and one audit event per job: the event belongs to the job's institution and to
the job's history (its page reads the date there), which one event per run over all institutions
could not. Establishment documents are records of an application and are never removed here.
"""

import datetime as dt
import logging
import posixpath

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import Perm, has_perm
from accounts.actors import Actor
from audit.events import Event
from audit.models import AuditEvent
from audit.services import record_event
from core.actors import NamedActor
from core.errors import DomainError
from exchange.models import ImportJob

logger = logging.getLogger(__name__)

State = ImportJob.State
EVENT = Event.IMPORT_JOB_UPLOAD_REMOVED
# States a job stays in once its work is done; a previewed job may still be confirmed, but not
# after the keeping time (its page then asks for the file again).
FINISHED = (State.IMPORTED, State.IMPORT_FAILED, State.PREVIEW_FAILED, State.PREVIEWED)


class SystemActor(NamedActor):
    """The product acting on its schedule (the daily command), as the audit trail names it."""


SYSTEM = SystemActor("system (remove_old_uploads)")


def keep_days() -> int:
    return int(getattr(settings, "IMPORT_UPLOAD_KEEP_DAYS", 30))  # stated in config/settings.py


def _due(now: dt.datetime, institution_id: int | None) -> "list[int]":
    cutoff = now - dt.timedelta(days=keep_days())
    jobs = (
        ImportJob.objects.filter(state__in=FINISHED)
        .exclude(file="")
        .filter(Q(finished_at__lt=cutoff) | Q(finished_at__isnull=True, created_at__lt=cutoff))
    )
    if institution_id is not None:
        jobs = jobs.filter(institution_id=institution_id)
    return list(jobs.order_by("pk").values_list("pk", flat=True))


def _delete_folder_of(job: ImportJob) -> list[str]:
    """Deletes the upload and everything beside it in its folder (imports/<random>/); the names deleted."""
    storage, name = job.file.storage, job.file.name or ""
    folder = posixpath.dirname(name)
    deleted: list[str] = []
    if folder and folder.startswith("imports/"):
        if storage.exists(folder):
            _dirs, files = storage.listdir(folder)
            for file_name in files:
                storage.delete(posixpath.join(folder, file_name))
                deleted.append(file_name)
            storage.delete(folder)  # a folder on disk; nothing where folders are only name prefixes
    elif storage.exists(name):
        storage.delete(name)
        deleted.append(posixpath.basename(name))
    return deleted


@transaction.atomic
def _remove_one(pk: int, *, by: Actor, cutoff: dt.datetime) -> bool:
    job = ImportJob.objects.select_for_update().select_related("institution").get(pk=pk)
    finished = job.finished_at or job.created_at
    if job.state not in FINISHED or not job.file or finished >= cutoff:
        return False  # confirmed, re-run or already removed since it was listed
    name = job.file.name
    deleted = _delete_folder_of(job)
    job.file = ""
    job.save(update_fields=["file"])
    record_event(
        actor=by,
        event=Event.IMPORT_JOB_UPLOAD_REMOVED,
        target=job,
        before={"file": name},
        after={"state": job.state, "files_removed": deleted, "keep_days": keep_days()},
        institution=job.institution,
    )
    return True


def remove_old_uploads(*, by: Actor, now: dt.datetime | None = None) -> int:
    """Removes the stored files of import jobs finished more than IMPORT_UPLOAD_KEEP_DAYS days ago;
    the number of jobs whose files were removed.

    `by` is the system actor (`SYSTEM`, all institutions) or an office administrator (their
    institution's jobs)."""
    if isinstance(by, SystemActor):
        institution_id = None
    elif has_perm(by, Perm.MANAGE_REFERENCE) and getattr(by, "institution_id", None):
        institution_id = by.institution_id
    else:
        raise DomainError(_("Only an office administrator or the system removes old uploads."))
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=keep_days())
    removed = 0
    for pk in _due(now, institution_id):
        try:
            removed += _remove_one(pk, by=by, cutoff=cutoff)
        except OSError:  # one stuck file must not keep the others: the next run tries again
            logger.exception("Could not remove the upload of import job %s", pk)
    return removed


def removed_on(job: ImportJob) -> dt.datetime | None:
    """When a job's upload was removed, or None while it is kept."""
    if job.file:
        return None
    event = (
        AuditEvent.objects.filter(target_type=job._meta.label_lower, target_id=str(job.pk), event=EVENT)
        .order_by("-occurred_at")
        .first()
    )
    return event.occurred_at if event is not None else None
