from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkerHeartbeat(models.Model):
    """A task worker's sign of life (docs/decisions/0059): `manage.py worker` writes its row every
    WORKER_HEARTBEAT_SECONDS. /healthz reads the newest one; a starting worker counts a worker whose
    row is older than WORKER_STALE_SECONDS (or whose process is gone) as dead, and fails its tasks.
    Plumbing, not a record of anyone's action: no audit event."""

    # The id the worker claims tasks with (django_tasks_db's DBTaskResult.worker_ids).
    worker_id = models.CharField(_("worker id"), max_length=64, unique=True)
    hostname = models.CharField(_("host name"), max_length=255)
    pid = models.PositiveIntegerField(_("process id"))
    started_at = models.DateTimeField(_("started at"))
    seen_at = models.DateTimeField(_("last seen"), db_index=True)

    class Meta:
        ordering = ["-seen_at"]
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeats")

    def __str__(self) -> str:
        return f"{self.worker_id} · {self.hostname}:{self.pid} · {self.seen_at:%Y-%m-%d %H:%M:%S}"
