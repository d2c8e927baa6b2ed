"""Funders' award lists (批次资助名单): an uploaded list, its rows matched to the institution's
postdocs, reviewed and confirmed into awards through the funding services (docs/decisions/0015).

A list moves checked → confirmed (or discarded), only through `awardlists.services`, each step in
one transaction with one audit event. Rows of other institutions are counted, not kept.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.access import AdministratorsOnlyQuerySet
from awardlists.matching import note_text


def upload_to(award_list: "AwardList", filename: str) -> str:
    """awardlists/<random>/<the file's own name>: kept like the exchange uploads, never served."""
    return f"awardlists/{uuid.uuid4().hex}/{filename}"


class HostName(models.Model):
    """Another name the institution goes by in funders' lists (an older name, an abbreviation, a
    hospital's), besides its own and its units' names. The Institution model keeps one Chinese and
    one English name; funders write others."""

    institution = models.ForeignKey(
        "catalogue.Institution", on_delete=models.CASCADE, related_name="host_names", verbose_name=_("institution")
    )
    name = models.CharField(_("name"), max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("added by")
    )
    created_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("name in funders' lists")
        verbose_name_plural = _("names in funders' lists")
        constraints = [models.UniqueConstraint(fields=["institution", "name"], name="host_name_unique")]

    def __str__(self) -> str:
        return self.name


class AwardListQuerySet(AdministratorsOnlyQuerySet["AwardList"]):
    pass


class AwardList(models.Model):
    class Status(models.TextChoices):
        CHECKED = "checked", _("checked, to be confirmed")
        CONFIRMED = "confirmed", _("confirmed")
        DISCARDED = "discarded", _("discarded")

    BADGES = {Status.CHECKED: "info", Status.CONFIRMED: "ok", Status.DISCARDED: "muted"}

    institution = models.ForeignKey(
        "catalogue.Institution", on_delete=models.PROTECT, related_name="award_lists", verbose_name=_("institution")
    )
    programme = models.ForeignKey(
        "funding.Programme", on_delete=models.PROTECT, related_name="award_lists", verbose_name=_("programme")
    )
    batch = models.CharField(_("batch"), max_length=50, help_text=_("As the funder names it, e.g. 第69批."))
    awarded_on = models.DateField(_("awarded on"))
    original_name = models.CharField(_("file name"), max_length=255)
    file = models.FileField(_("file"), upload_to=upload_to, max_length=500)
    size = models.PositiveBigIntegerField(_("size in bytes"), default=0)
    sha256 = models.CharField(_("SHA-256 of the upload"), max_length=64)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.CHECKED, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmed by"),
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    discarded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("discarded by"),
    )
    discarded_at = models.DateTimeField(_("discarded at"), null=True, blank=True)
    # The figures, kept on the list so that the list of lists reads no rows.
    row_count = models.PositiveIntegerField(_("rows of the institution"), default=0)
    exact_count = models.PositiveIntegerField(_("exact matches"), default=0)
    uncertain_count = models.PositiveIntegerField(_("uncertain matches"), default=0)
    unmatched_count = models.PositiveIntegerField(_("unmatched rows"), default=0)
    other_count = models.PositiveIntegerField(_("rows of other institutions"), default=0)
    awarded_count = models.PositiveIntegerField(_("awards created"), default=0)
    already_count = models.PositiveIntegerField(_("rows already awarded"), default=0)
    other_institutions = models.JSONField(_("other institutions and their rows"), default=dict, blank=True)
    warnings = models.JSONField(_("warnings of the reading"), default=list, blank=True)

    objects = AwardListQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("award list")
        verbose_name_plural = _("award lists")
        indexes = [models.Index(fields=["institution", "-created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(confirmed_by__isnull=True, confirmed_at__isnull=True)
                | Q(confirmed_by__isnull=False, confirmed_at__isnull=False),
                name="award_list_confirmed_pair",
            ),
            models.CheckConstraint(
                condition=Q(discarded_by__isnull=True, discarded_at__isnull=True)
                | Q(discarded_by__isnull=False, discarded_at__isnull=False),
                name="award_list_discarded_pair",
            ),
            models.CheckConstraint(
                condition=~Q(status="confirmed") | Q(confirmed_at__isnull=False),
                name="award_list_confirmed_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.programme.name_zh} {self.batch}"

    @property
    def badge(self) -> str:
        return self.BADGES.get(self.Status(self.status), "muted")

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.CHECKED

    @property
    def is_confirmed(self) -> bool:
        return self.status == self.Status.CONFIRMED


class AwardListRow(models.Model):
    """A row of the institution's in a list, as read, with its match and the office's decision."""

    class Outcome(models.TextChoices):
        EXACT = "exact", _("exact")
        UNCERTAIN = "uncertain", _("uncertain")
        UNMATCHED = "unmatched", _("unmatched")

    class Doubt(models.TextChoices):
        """Why a candidate whose name is not the row's is offered (`awardlists.matching.Doubt`):
        a person must choose it; it is never matched by itself."""

        SAME_SOUND = "same_sound", _("uncertain — same sound")
        ONE_CHARACTER = "one_character", _("uncertain — one character differs")

    class Decision(models.TextChoices):
        UNDECIDED = "", _("not decided")
        ACCEPT = "accept", _("award this row")
        SKIP = "skip", _("skip this row")

    award_list = models.ForeignKey(
        AwardList, on_delete=models.CASCADE, related_name="rows", verbose_name=_("award list")
    )
    sheet = models.CharField(_("sheet"), max_length=100, blank=True)
    number = models.PositiveIntegerField(_("row"))
    # The seven columns as read.
    seq = models.CharField("序号", max_length=20, blank=True)
    province = models.CharField("省份", max_length=50, blank=True)
    institution_name = models.CharField("设站单位名称", max_length=200, blank=True)
    name = models.CharField("姓名", max_length=100)
    postdoc_no = models.CharField("博士后编号", max_length=30, blank=True)
    discipline = models.CharField("一级学科", max_length=100, blank=True)
    grade = models.CharField("资助等级", max_length=40, blank=True)
    # What was made of them.
    discipline_code = models.CharField(_("discipline code"), max_length=4, blank=True)
    programme_grade = models.CharField(_("the programme's grade"), max_length=40, blank=True)
    outcome = models.CharField(_("match outcome"), max_length=20, choices=Outcome.choices)
    candidates = models.JSONField(_("candidates (appointment ids)"), default=list, blank=True)
    notes = models.JSONField(_("notes on the match"), default=list, blank=True)
    doubts = models.JSONField(
        _("candidates with a near name"),
        default=dict,
        blank=True,
        help_text=_("The candidates whose names only sound the same or differ by one character, and which."),
    )
    host_likely = models.BooleanField(
        _("the institution's name reads differently"),
        default=False,
        help_text=_("The row's 设站单位名称 is only a likely form of the institution's name (渝州医大)."),
    )
    appointment = models.ForeignKey(
        "appointments.Appointment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("postdoc"),
    )
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices, blank=True)
    project = models.ForeignKey(
        "funding.Project",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("the award (project)"),
    )
    already_awarded = models.BooleanField(_("awarded before this list was confirmed"), default=False)

    class Meta:
        ordering = ["award_list", "sheet", "number"]
        verbose_name = _("row of an award list")
        verbose_name_plural = _("rows of award lists")
        constraints = [
            models.UniqueConstraint(fields=["award_list", "sheet", "number"], name="award_list_row_unique"),
            models.CheckConstraint(
                condition=~Q(decision="accept") | Q(appointment__isnull=False),
                name="award_list_row_accepted_has_postdoc",
            ),
            # A row under a likely form of the institution's name (渝州医大) is never matched by itself.
            models.CheckConstraint(
                condition=~Q(outcome="exact") | Q(host_likely=False), name="award_list_row_exact_names_the_institution"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"

    @property
    def note_texts(self) -> list[str]:
        return [text for found in self.notes if (text := note_text(found))]

    def doubt_of(self, appointment_id: int) -> str:
        """The doubt about a candidate ("" when its name is the row's)."""
        return str(self.doubts.get(str(appointment_id), ""))

    @property
    def to_award(self) -> bool:
        return self.decision == self.Decision.ACCEPT and self.appointment_id is not None

    @property
    def is_accepted(self) -> bool:
        return self.decision == self.Decision.ACCEPT

    @property
    def is_skipped(self) -> bool:
        return self.decision == self.Decision.SKIP
