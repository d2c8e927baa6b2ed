"""Import jobs: an uploaded exchange workbook, its dry run (the preview) and its import.

A job moves queued → previewing → previewed | preview_failed → importing → imported |
import_failed, only through `exchange.services`, each step leaving one audit event. The preview
and the import run in the background worker (`exchange.tasks`); see docs/decisions/0009.
"""

import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.access import AdministratorsOnlyQuerySet


def upload_to(job: "ImportJob", filename: str) -> str:
    """imports/<random>/<the file's own name>: the importer reads a CSV's sheet from its name."""
    return f"imports/{uuid.uuid4().hex}/{filename}"


class ImportJobQuerySet(AdministratorsOnlyQuerySet["ImportJob"]):
    pass


class ImportJob(models.Model):
    class State(models.TextChoices):
        QUEUED = "queued", _("waiting to be checked")
        PREVIEWING = "previewing", _("checking")
        PREVIEWED = "previewed", _("ready to import")
        PREVIEW_FAILED = "preview_failed", _("has problems")
        IMPORTING = "importing", _("importing")
        IMPORTED = "imported", _("imported")
        IMPORT_FAILED = "import_failed", _("import failed")

    RUNNING = (State.QUEUED, State.PREVIEWING, State.IMPORTING)
    BADGES = {
        State.QUEUED: "muted",
        State.PREVIEWING: "info",
        State.PREVIEWED: "info",
        State.PREVIEW_FAILED: "danger",
        State.IMPORTING: "info",
        State.IMPORTED: "ok",
        State.IMPORT_FAILED: "danger",
    }

    institution = models.ForeignKey(
        "catalogue.Institution", on_delete=models.PROTECT, related_name="import_jobs", verbose_name=_("institution")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    original_name = models.CharField(_("file name"), max_length=255)
    file = models.FileField(_("file"), upload_to=upload_to, max_length=500)
    size = models.PositiveBigIntegerField(_("size in bytes"), default=0)
    sha256 = models.CharField(_("SHA-256 of the upload"), max_length=64)
    previewed_sha256 = models.CharField(
        _("SHA-256 of the previewed file"),
        max_length=64,
        blank=True,
        help_text=_("The file the dry run read; the import is refused if the stored file differs."),
    )
    language = models.CharField(_("language of the report"), max_length=10, blank=True)
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.QUEUED, db_index=True)
    report = models.JSONField(_("report"), null=True, blank=True)
    # The report's figures, kept apart so that lists need not load the reports.
    new_rows = models.PositiveIntegerField(_("new rows"), default=0)
    changed_rows = models.PositiveIntegerField(_("changed rows"), default=0)
    unchanged_rows = models.PositiveIntegerField(_("unchanged rows"), default=0)
    problem_count = models.PositiveIntegerField(_("problems"), default=0)
    warning_count = models.PositiveIntegerField(_("warnings"), default=0)
    rows_done = models.PositiveIntegerField(_("rows processed"), default=0)
    # While a step runs, the worker writes here how far it is (exchange.tasks.ProgressRecorder),
    # through a connection of its own so that the pages of any app server see it at once.
    progress_stage = models.CharField(_("stage"), max_length=40, blank=True)
    progress_at = models.DateTimeField(_("progress written at"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmed by"),
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")
        indexes = [models.Index(fields=["institution", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.pk})"

    @property
    def is_running(self) -> bool:
        return self.state in self.RUNNING

    @property
    def badge(self) -> str:
        return self.BADGES.get(self.State(self.state), "muted")

    @property
    def path(self) -> Path:
        return Path(self.file.path)

    def totals(self) -> dict[str, int]:
        """New, changed and unchanged rows over all sheets of the latest report."""
        return {"new": self.new_rows, "changed": self.changed_rows, "unchanged": self.unchanged_rows}

    def keep_report(self, report: dict[str, Any]) -> None:
        """Sets the report (as `Report.as_dict()` gives it) and the figures drawn from it."""
        self.report = report
        totals = {"new": 0, "changed": 0, "unchanged": 0}
        for counts in (report.get("counts") or {}).values():
            for outcome in totals:
                totals[outcome] += int(counts.get(outcome, 0))
        self.new_rows, self.changed_rows, self.unchanged_rows = totals["new"], totals["changed"], totals["unchanged"]
        self.problem_count = len(report.get("problems") or [])
        self.warning_count = len(report.get("warnings") or [])

    @property
    def is_previewed(self) -> bool:
        return self.state == self.State.PREVIEWED

    @property
    def is_preview_failed(self) -> bool:
        return self.state == self.State.PREVIEW_FAILED

    @property
    def is_importing(self) -> bool:
        return self.state == self.State.IMPORTING

    @property
    def is_imported(self) -> bool:
        return self.state == self.State.IMPORTED


class ImportUndo(models.Model):
    """One statement that reverses a row an import wrote on SQLite (exchange.isolation)."""

    owner = models.CharField(max_length=100, db_index=True)  # "job:<id>" or "pid:<host>:<pid>"
    statement = models.TextField()

    class Meta:
        verbose_name = _("import undo statement")
        verbose_name_plural = _("import undo statements")

    def __str__(self) -> str:
        return f"{self.owner} #{self.pk}"
