"""Station establishment applications (申请设立博士后科研流动站): a round, an application per
discipline with its eligibility checklist and documents, the internal expert demonstration (a
review, see `reviews`), submission and the national decision that creates the station."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Round(models.Model):
    """A national call for applications (e.g. 2023), with the institution's internal deadlines."""

    institution = models.ForeignKey(
        "catalogue.Institution",
        on_delete=models.PROTECT,
        related_name="establishment_rounds",
        verbose_name=_("institution"),
    )
    year = models.PositiveSmallIntegerField(_("year"))
    notice_no = models.CharField(_("notice number"), max_length=100, blank=True)
    internal_deadline = models.DateField(_("internal deadline"))
    submission_deadline = models.DateField(_("submission deadline"), null=True, blank=True)
    # The eligibility checklist's thresholds (人社部函〔2023〕47号 names the conditions, not the
    # numbers): each round keeps the ones the institution applies that year.
    min_doctoral_supervisors = models.PositiveSmallIntegerField(
        _("doctoral supervisors needed among the applicants"), default=3
    )
    min_projects = models.PositiveSmallIntegerField(_("provincial-or-higher projects needed"), default=1)
    project_years = models.PositiveSmallIntegerField(_("projects counted over the last (years)"), default=5)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("establishment round")
        verbose_name_plural = _("establishment rounds")
        constraints = [
            models.UniqueConstraint(fields=["institution", "year"], name="one_round_per_year"),
            models.CheckConstraint(
                condition=models.Q(submission_deadline__isnull=True)
                | models.Q(submission_deadline__gte=models.F("internal_deadline")),
                name="round_submission_not_before_internal_deadline",
            ),
            models.CheckConstraint(
                condition=models.Q(min_doctoral_supervisors__gte=1, project_years__gte=1),
                name="round_checklist_thresholds_positive",
            ),
        ]

    def __str__(self) -> str:
        return str(_("Round %(year)s") % {"year": self.year})


class Application(models.Model):
    """An application to establish a mobile station in one first-level discipline."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        INTERNAL_REVIEW = "internal_review", _("internal expert review")
        SUBMITTED = "submitted", _("submitted")
        APPROVED = "approved", _("approved")
        REJECTED = "rejected", _("rejected")
        WITHDRAWN = "withdrawn", _("withdrawn")

    institution = models.ForeignKey(
        "catalogue.Institution",
        on_delete=models.PROTECT,
        related_name="establishment_applications",
        verbose_name=_("institution"),
    )
    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="applications", verbose_name=_("round"))
    discipline = models.ForeignKey("catalogue.Discipline", on_delete=models.PROTECT, verbose_name=_("discipline"))
    unit = models.ForeignKey("catalogue.Unit", on_delete=models.PROTECT, verbose_name=_("applying unit"))
    applicants = models.ManyToManyField(
        "people.Supervisor", blank=True, related_name="establishment_applications", verbose_name=_("applicants")
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    enrolled_phd_students = models.PositiveIntegerField(_("PhD students enrolled now"), default=0)
    facilities = models.TextField(_("facilities (attested)"), blank=True)
    facilities_attested = models.BooleanField(_("facilities attested by the unit"), default=False)
    submitted_on = models.DateField(_("submitted on"), null=True, blank=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    approval_no = models.CharField(_("approval number"), max_length=100, blank=True)
    station = models.OneToOneField(
        "stations.Station",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="application",
        verbose_name=_("station created"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    # Set by the decision of the internal expert demonstration (a review, see `reviews`); a
    # submission needs it. Cleared when the application goes to a new internal review.
    internal_review_supported = models.BooleanField(_("supported by the internal expert review"), default=False)

    # What can still change: the documents and the team until submission, the details only in a draft.
    OPEN_STATUSES = (Status.DRAFT, Status.INTERNAL_REVIEW, Status.SUBMITTED)
    DOCUMENT_STATUSES = (Status.DRAFT, Status.INTERNAL_REVIEW)
    BADGES = {
        Status.DRAFT: "muted",
        Status.INTERNAL_REVIEW: "info",
        Status.SUBMITTED: "warn",
        Status.APPROVED: "ok",
        Status.REJECTED: "danger",
        Status.WITHDRAWN: "muted",
    }

    class Meta:
        ordering = ["-round__year", "discipline__code"]
        verbose_name = _("establishment application")
        verbose_name_plural = _("establishment applications")
        constraints = [
            models.UniqueConstraint(fields=["round", "discipline"], name="one_application_per_discipline_and_round"),
            # An approval is the one thing that creates a station; a decision always has its date.
            models.CheckConstraint(
                condition=(models.Q(status="approved") & models.Q(station__isnull=False))
                | (~models.Q(status="approved") & models.Q(station__isnull=True)),
                name="application_station_iff_approved",
            ),
            models.CheckConstraint(
                condition=~models.Q(status__in=["approved", "rejected"]) | models.Q(decided_on__isnull=False),
                name="application_decision_has_date",
            ),
            models.CheckConstraint(
                condition=~models.Q(status__in=["submitted", "approved", "rejected"])
                | models.Q(submitted_on__isnull=False),
                name="application_submission_has_date",
            ),
        ]

    def __str__(self) -> str:
        return str(
            _("Application for %(discipline)s (%(year)s)") % {"discipline": self.discipline, "year": self.round.year}
        )

    @property
    def badge(self) -> str:
        return self.BADGES.get(self.Status(self.status), "muted")

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def is_in_internal_review(self) -> bool:
        return self.status == self.Status.INTERNAL_REVIEW


def document_upload_to(document: "Document", filename: str) -> str:
    """establishment/<application>/<random>.pdf: never the uploaded name, which is kept apart."""
    return f"establishment/{document.application_id}/{uuid.uuid4().hex}.pdf"


class Document(models.Model):
    """A PDF of an application: its form, the expert demonstration report, supporting material.

    Kept under MEDIA_ROOT and downloaded only through a view that checks who asks."""

    class Kind(models.TextChoices):
        APPLICATION_FORM = "application_form", _("application form (申请书)")
        DEMONSTRATION_REPORT = "demonstration_report", _("expert demonstration report (论证报告)")
        SUPPORTING = "supporting", _("supporting material")

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="documents", verbose_name=_("application")
    )
    kind = models.CharField(_("kind of document"), max_length=30, choices=Kind.choices)
    file = models.FileField(_("file"), upload_to=document_upload_to, max_length=500)
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ["application", "kind", "uploaded_at", "id"]
        verbose_name = _("application document")
        verbose_name_plural = _("application documents")

    def __str__(self) -> str:
        return self.original_name
