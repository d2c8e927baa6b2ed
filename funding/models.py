"""Funders, their programmes and the amounts per grade; the institution's own mapping of funders and
programmes to levels; projects from application to completion. See docs/decisions/0013 and 0042–0044.

The level a project counts at is `Project.level`, kept up to date by the services: the project's
explicit `level_override` if it has one, else the institution's `LevelRule` for its programme, else
for its funder. A change of the mapping recomputes the projects it concerns in the same transaction."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    NATIONAL = "national", _("national (国家级)")
    PROVINCIAL = "provincial", _("provincial or ministerial (省部级)")
    MUNICIPAL = "municipal", _("municipal or departmental (市厅级)")
    UNIVERSITY = "university", _("university (校级)")


class Certainty(models.TextChoices):
    """How sure a shipped figure is (the marks of shared/domain/facts.md), in words an office clerk
    reads without the facts file: the label is the marker's visible short text, `CERTAINTY_HELP`
    its explanation (a tooltip and the legend)."""

    CONFIRMED = "C", pgettext_lazy("certainty", "confirmed")
    SECONDARY = "S", pgettext_lazy("certainty", "secondary source")
    GUESS = "G", pgettext_lazy("certainty", "our inference")
    DISPUTED = "!", pgettext_lazy("certainty", "sources disagree")


CERTAINTY_HELP = {
    "C": _("Confirmed: an official notice or another first-hand source states it (linked)."),
    "S": _(
        "From a secondary source, such as a university's page or a news item, not the official notice: "
        "usually right, check it when it matters."
    ),
    "G": _("Our inference from the rules, not yet confirmed by an official notice: check before relying on it."),
    "!": _("The sources disagree: each figure is shown with its own source; check which one applies."),
}


def either_language(zh: str, en: str) -> str:
    """A note in the page's language, else in the other one: Chinese pages read the Chinese text
    when there is one, English pages the English; a note written in one language only shows on both."""
    if (get_language() or "").startswith("zh"):
        return zh or en
    return en or zh


class AmountStyle(models.TextChoices):
    """How the institution's pages write amounts of money, in both languages (exports stay numbers)."""

    GROUPED = "grouped", _("80,000 yuan: digits grouped by thousands")
    WAN = "wan", _("8万 (8 wan yuan): in ten thousands, as Chinese notices write them")


class Funder(models.Model):
    """A funding body. The shipped catalogue has no institution and is shared by all; an institution
    adds its own (its university fund, a municipal commission) with `institution` set."""

    class Kind(models.TextChoices):
        NATIONAL = "national", _("national body")
        PROVINCIAL = "provincial", _("provincial body")
        MUNICIPAL = "municipal", _("municipal body")
        UNIVERSITY = "university", _("the university itself")
        OTHER = "other", _("other")

    institution = models.ForeignKey(
        "catalogue.Institution",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="funders",
        verbose_name=_("institution (blank: shipped catalogue)"),
    )
    code = models.CharField(_("code"), max_length=40)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    aliases = models.TextField(_("other names, one per line"), blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    region = models.CharField(_("province or city"), max_length=50, blank=True)
    # The shipped catalogue's note on the level a funder is usually counted at, in both languages.
    level_note = models.TextField(_("note on its level (English)"), blank=True)
    level_note_zh = models.TextField(_("note on its level (Chinese)"), blank=True)

    class Meta:
        ordering = ["kind", "code"]
        verbose_name = _("funder")
        verbose_name_plural = _("funders")
        constraints = [
            models.UniqueConstraint(
                fields=["code"], condition=Q(institution__isnull=True), name="funder_code_unique_in_catalogue"
            ),
            models.UniqueConstraint(
                fields=["institution", "code"],
                condition=Q(institution__isnull=False),
                name="funder_code_unique_per_institution",
            ),
        ]

    def __str__(self) -> str:
        return self.name_zh

    @property
    def level_note_shown(self) -> str:
        return either_language(self.level_note_zh, self.level_note)


class Programme(models.Model):
    """A funder's programme (CPSF general grant, NSFC young scientists fund, …) with the rules the
    institution may enforce on it (docs/decisions/0044: each a warning or a refusal)."""

    funder = models.ForeignKey(Funder, on_delete=models.PROTECT, related_name="programmes", verbose_name=_("funder"))
    code = models.CharField(_("code"), max_length=60)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    aliases = models.TextField(_("other names, one per line"), blank=True)
    once_per_station = models.BooleanField(_("awarded at most once per station"), default=False)
    apply_within_months = models.PositiveSmallIntegerField(
        _("applications within this many months of entry"), null=True, blank=True
    )
    needs_extension_commitment = models.BooleanField(
        _("an application needs the office's commitment to extend the appointment to the grant's end"),
        default=False,
    )
    source = models.URLField(_("source"), max_length=500, blank=True)
    note = models.TextField(_("note (English)"), blank=True)
    note_zh = models.TextField(_("note (Chinese)"), blank=True)

    class Meta:
        ordering = ["funder__code", "code"]
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        constraints = [models.UniqueConstraint(fields=["funder", "code"], name="programme_code_unique_per_funder")]

    def __str__(self) -> str:
        return f"{self.funder.name_zh} · {self.name_zh}"

    @property
    def note_shown(self) -> str:
        return either_language(self.note_zh, self.note)


class GradeAmount(models.Model):
    """What a grade of a programme paid from a year on (面上一等 120,000 yuan from 2020, …)."""

    class Field(models.TextChoices):
        ANY = "", _("all fields")
        NATURAL = "natural", _("natural sciences")
        SOCIAL = "social", _("social sciences")

    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="amounts", verbose_name=_("programme")
    )
    grade = models.CharField(_("grade"), max_length=40, blank=True)
    field = models.CharField(_("field"), max_length=10, choices=Field.choices, blank=True, default=Field.ANY)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=14, decimal_places=2)
    year_from = models.PositiveSmallIntegerField(_("from the year"))
    year_to = models.PositiveSmallIntegerField(_("until the year"), null=True, blank=True)
    certainty = models.CharField(_("certainty"), max_length=1, choices=Certainty.choices)
    source = models.URLField(_("source"), max_length=500, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    note_zh = models.CharField(_("note (Chinese)"), max_length=300, blank=True)

    class Meta:
        ordering = ["programme", "grade", "field", "-year_from"]
        verbose_name = _("amount per grade")
        verbose_name_plural = _("amounts per grade")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="grade_amount_not_negative"),
            models.CheckConstraint(
                condition=Q(year_to__isnull=True) | Q(year_to__gte=F("year_from")), name="grade_amount_years_in_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.programme} {self.grade} {self.amount}"

    @property
    def note_shown(self) -> str:
        """`note` as the office or the catalogue wrote it (the catalogue's in English), `note_zh`
        the catalogue's Chinese one."""
        return either_language(self.note_zh, self.note)

    @property
    def certainty_help(self) -> str:
        return str(CERTAINTY_HELP.get(self.certainty, ""))


class LevelRule(models.Model):
    """The institution's level for a funder (programme blank) or for one of its programmes; the
    programme's rule wins over the funder's. No national standard exists (facts.md §3)."""

    institution = models.ForeignKey(
        "catalogue.Institution", on_delete=models.CASCADE, related_name="level_rules", verbose_name=_("institution")
    )
    funder = models.ForeignKey(Funder, on_delete=models.CASCADE, related_name="level_rules", verbose_name=_("funder"))
    programme = models.ForeignKey(
        Programme,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="level_rules",
        verbose_name=_("programme (blank: every programme of the funder)"),
    )
    level = models.CharField(_("level"), max_length=20, choices=Level.choices)

    class Meta:
        ordering = ["funder__code", "programme__code"]
        verbose_name = _("level rule")
        verbose_name_plural = _("level rules")
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "funder"], condition=Q(programme__isnull=True), name="one_level_per_funder"
            ),
            models.UniqueConstraint(
                fields=["institution", "programme"],
                condition=Q(programme__isnull=False),
                name="one_level_per_programme",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.programme or self.funder} → {self.get_level_display()}"


class RuleMode(models.TextChoices):
    OFF = "off", _("not checked")
    WARN = "warn", _("a warning")
    REFUSE = "refuse", _("a refusal")


class FundingRules(models.Model):
    """How the institution enforces the programmes' rules: each rule off, a warning or a refusal;
    and how its pages write amounts (`amount_style`, kept here with the other funding settings an
    office administrator keeps)."""

    institution = models.OneToOneField(
        "catalogue.Institution", on_delete=models.CASCADE, related_name="funding_rules", verbose_name=_("institution")
    )
    once_per_station = models.CharField(
        _("a programme awarded at most once per station"),
        max_length=10,
        choices=RuleMode.choices,
        default=RuleMode.REFUSE,
    )
    apply_window = models.CharField(
        _("applications within the eligible period after entry"),
        max_length=10,
        choices=RuleMode.choices,
        default=RuleMode.WARN,
    )
    extension_commitment = models.CharField(
        _("applications that need the office's extension commitment"),
        max_length=10,
        choices=RuleMode.choices,
        default=RuleMode.REFUSE,
    )
    amount_style = models.CharField(
        _("amounts written as"), max_length=10, choices=AmountStyle.choices, default=AmountStyle.GROUPED
    )

    class Meta:
        verbose_name = _("funding rules")
        verbose_name_plural = _("funding rules")

    def __str__(self) -> str:
        return str(_("Funding rules of %(institution)s") % {"institution": self.institution})


class Project(models.Model):
    """A project of a postdoc, from its application to its end. Counted (the headline figure
    "projects obtained") once awarded, by its award date, at `level`."""

    class Status(models.TextChoices):
        APPLIED = "applied", _("applied")
        AWARDED = "awarded", _("awarded, in progress")
        REJECTED = "rejected", _("not funded")
        COMPLETED = "completed", _("completed")
        TERMINATED = "terminated", _("terminated")

    class Role(models.TextChoices):
        PRINCIPAL = "pi", _("principal investigator")
        PARTICIPANT = "participant", _("participant")

    AWARDED_STATUSES = (Status.AWARDED, Status.COMPLETED, Status.TERMINATED)
    ENDED_STATUSES = (Status.COMPLETED, Status.TERMINATED)

    institution = models.ForeignKey(
        "catalogue.Institution", on_delete=models.PROTECT, related_name="projects", verbose_name=_("institution")
    )
    project_no = models.CharField(_("project or application number"), max_length=50)
    title = models.CharField(_("title"), max_length=300)
    # The funder and programme as written (kept from imports and old records), and the catalogue's
    # records they were matched to, which the level mapping and the rules use.
    funder = models.CharField(_("funder"), max_length=200)
    programme = models.CharField(_("programme"), max_length=200, blank=True)
    funder_ref = models.ForeignKey(
        Funder,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="projects",
        verbose_name=_("funder record"),
    )
    programme_ref = models.ForeignKey(
        Programme,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="projects",
        verbose_name=_("programme record"),
    )
    level = models.CharField(_("level counted"), max_length=20, choices=Level.choices)
    level_override = models.CharField(
        _("level given for this project"), max_length=20, choices=Level.choices, blank=True
    )
    grade = models.CharField(_("grade"), max_length=40, blank=True)
    batch = models.CharField(_("batch"), max_length=50, blank=True)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.PRINCIPAL)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=14, decimal_places=2, default=0)
    applied_on = models.DateField(_("applied on"), null=True, blank=True)
    awarded_on = models.DateField(_("awarded on"), null=True, blank=True)
    rejected_on = models.DateField(_("not funded on"), null=True, blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    period_start = models.DateField(_("period from"), null=True, blank=True)
    period_end = models.DateField(_("period until"), null=True, blank=True)
    extension_commitment_until = models.DateField(
        _("the office committed to extend the appointment until"), null=True, blank=True
    )
    holder = models.ForeignKey(
        "appointments.Appointment", on_delete=models.PROTECT, related_name="projects", verbose_name=_("holder")
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.AWARDED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        ordering = ["-awarded_on", "project_no"]
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        constraints = [
            models.UniqueConstraint(fields=["institution", "project_no"], name="project_no_unique_per_institution"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="project_amount_not_negative"),
            # Awarded (and what comes after) iff there is an award date; a refusal has its date.
            models.CheckConstraint(
                condition=Q(status__in=["awarded", "completed", "terminated"], awarded_on__isnull=False)
                | (~Q(status__in=["awarded", "completed", "terminated"]) & Q(awarded_on__isnull=True)),
                name="project_award_date_iff_awarded",
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | Q(rejected_on__isnull=False), name="project_rejection_has_date"
            ),
            # An end date only on an ended project (records kept before end dates were, have none).
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(status__in=["completed", "terminated"]),
                name="project_end_date_only_when_ended",
            ),
            models.CheckConstraint(
                condition=Q(period_start__isnull=True)
                | Q(period_end__isnull=True)
                | Q(period_end__gte=F("period_start")),
                name="project_period_in_order",
            ),
        ]
        indexes = [
            models.Index(fields=["institution", "awarded_on"]),
            models.Index(fields=["institution", "awarded_on", "level"], name="project_counted_by_level"),
        ]

    def __str__(self) -> str:
        return f"{self.project_no} {self.title}"

    @property
    def is_awarded(self) -> bool:
        return self.status in self.AWARDED_STATUSES

    @property
    def is_participant(self) -> bool:
        return self.role == self.Role.PARTICIPANT

    @property
    def badge(self) -> str:
        """The CSS modifier of the status badge: awarded and completed green, applied blue, terminated
        amber, not funded grey."""
        badges = {
            self.Status.AWARDED: "ok",
            self.Status.APPLIED: "info",
            self.Status.COMPLETED: "ok",
            self.Status.TERMINATED: "warn",
        }
        return badges.get(self.Status(self.status), "muted")


class ProjectMonthCount(models.Model):
    """How many awarded projects of an institution were awarded in one month at one level, kept by
    the funding services in the transaction of each change (funding.month_counts,
    docs/decisions/0068), so the institution's "projects obtained" reads months, not projects."""

    institution = models.ForeignKey(
        "catalogue.Institution", on_delete=models.CASCADE, related_name="+", verbose_name=_("institution")
    )
    award_month = models.DateField(_("award month"))  # the first day of the month
    level = models.CharField(_("level counted"), max_length=20, choices=Level.choices)
    n = models.IntegerField(_("projects"), default=0)

    class Meta:
        verbose_name = _("projects by award month and level")
        verbose_name_plural = _("projects by award month and level")
        constraints = [
            models.UniqueConstraint(fields=["institution", "award_month", "level"], name="project_month_count_unique")
        ]
        # The figures read the window's whole months: one range, no row lookups.
        indexes = [models.Index(fields=["institution", "award_month", "level", "n"], name="project_month_count_read")]

    def __str__(self) -> str:
        return f"{self.award_month:%Y-%m} {self.level}: {self.n}"
