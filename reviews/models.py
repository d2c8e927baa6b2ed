"""The review engine: an institution's pool of experts and the relations that make them conflicted,
forms with weighted criteria, panel rules per kind of review, and reviews with their panels, scores
and decisions. One engine serves station applications, postdoc assessments and station evaluations.
"""

import secrets
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.i18n import BilingualName
from core.pinyin import pinyin_key
from people.models import fill_name_sort


class Rank(models.IntegerChoices):
    """Professional seniority (职称级别), compared by the panel rule "minimum seniority"."""

    INTERMEDIATE = 1, _("intermediate (中级)")
    ASSOCIATE = 2, _("associate senior (副高)")
    FULL = 3, _("full senior (正高)")


class Expert(models.Model):
    """A reviewer in the institution's pool: internal (linked to a staff record) or external."""

    institution = models.ForeignKey(
        "catalogue.Institution", on_delete=models.PROTECT, related_name="experts", verbose_name=_("institution")
    )
    code = models.CharField(
        _("expert number"),
        max_length=30,
        blank=True,
        help_text=_("The office's own number for the expert; the exchange workbook matches experts by it."),
    )
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("name in Latin letters"), max_length=100, blank=True)
    name_sort = models.CharField(_("sort key"), max_length=200, blank=True, db_index=True, editable=False)
    is_external = models.BooleanField(_("external"), default=False)
    affiliation = models.CharField(_("affiliation"), max_length=200, blank=True)
    unit = models.ForeignKey(
        "catalogue.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("unit")
    )
    supervisor = models.OneToOneField(
        "people.Supervisor",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="expert",
        verbose_name=_("staff record"),
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="expert",
        verbose_name=_("user account"),
    )
    title = models.CharField(_("title"), max_length=50, blank=True)
    rank = models.PositiveSmallIntegerField(_("seniority"), choices=Rank.choices, default=Rank.FULL)
    is_doctoral_supervisor = models.BooleanField(_("doctoral supervisor"), default=False)
    disciplines = models.ManyToManyField(
        "catalogue.Discipline", related_name="experts", verbose_name=_("disciplines of expertise")
    )
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    is_active = models.BooleanField(_("in the pool"), default=True)

    class Meta:
        ordering = ["name_sort", "name", "id"]
        verbose_name = _("expert")
        verbose_name_plural = _("experts")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(is_external=True, unit__isnull=True, supervisor__isnull=True)
                | models.Q(is_external=False),
                name="external_expert_has_no_unit_or_staff_record",
            ),
            models.UniqueConstraint(
                fields=["institution", "code"], condition=~models.Q(code=""), name="expert_code_unique_per_institution"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        fill_name_sort(self, kwargs)
        super().save(*args, **kwargs)

    def derive_on_save(self) -> None:
        self.name_sort = pinyin_key(self.name)


class Relation(models.Model):
    """A recorded relation between an expert and a party that conflicts them out of a review:
    a declared conflict (by either side), a co-application, or a collaboration on a date (which
    conflicts within the institution's window)."""

    class Kind(models.TextChoices):
        DECLARED = "declared", _("declared conflict")
        CO_APPLICANT = "co_applicant", _("co-applicant")
        COLLABORATION = "collaboration", _("collaboration")

    class DeclaredBy(models.TextChoices):
        EXPERT = "expert", _("the expert")
        SUBJECT = "subject", _("the other party")
        OFFICE = "office", _("the office")

    expert = models.ForeignKey(Expert, on_delete=models.CASCADE, related_name="relations", verbose_name=_("expert"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("postdoc")
    )
    supervisor = models.ForeignKey(
        "people.Supervisor",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("supervisor"),
    )
    unit = models.ForeignKey(
        "catalogue.Unit", on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("unit")
    )
    declared_by = models.CharField(
        _("declared by"), max_length=20, choices=DeclaredBy.choices, default=DeclaredBy.OFFICE
    )
    on = models.DateField(_("date"))
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["-on", "id"]
        verbose_name = _("conflict relation")
        verbose_name_plural = _("conflict relations")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(person__isnull=False, supervisor__isnull=True, unit__isnull=True)
                | models.Q(person__isnull=True, supervisor__isnull=False, unit__isnull=True)
                | models.Q(person__isnull=True, supervisor__isnull=True, unit__isnull=False),
                name="relation_names_one_party",
            )
        ]

    def __str__(self) -> str:
        return f"{self.expert} · {self.get_kind_display()} · {self.person or self.supervisor or self.unit}"


class Form(models.Model):
    """A scoring form: weighted criteria on a scale, and an overall grade or recommendation."""

    class Outcome(models.TextChoices):
        GRADE = "grade", _("a grade (优秀 / 良好 / 合格 / 不合格)")
        RECOMMENDATION = "recommendation", _("a recommendation (support / do not support)")

    institution = models.ForeignKey(
        "catalogue.Institution", on_delete=models.PROTECT, related_name="review_forms", verbose_name=_("institution")
    )
    name = models.CharField(_("name"), max_length=200)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, default=Outcome.GRADE)
    hides_subject = models.BooleanField(_("hide the subject's identity from reviewers in blind reviews"), default=False)
    excellent_from = models.PositiveSmallIntegerField(_("excellent from (points of 100)"), default=90)
    good_from = models.PositiveSmallIntegerField(_("good from (points of 100)"), default=75)
    pass_from = models.PositiveSmallIntegerField(_("pass from (points of 100)"), default=60)
    disagreement_points = models.PositiveSmallIntegerField(
        _("flag disagreement when scores differ by more than (points of 100)"), default=20
    )

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("review form")
        verbose_name_plural = _("review forms")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(excellent_from__gt=models.F("good_from"), good_from__gt=models.F("pass_from"))
                & models.Q(excellent_from__lte=100),
                name="form_grade_thresholds_descend",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def gives_recommendation(self) -> bool:
        return self.outcome == self.Outcome.RECOMMENDATION


class Criterion(BilingualName, models.Model):
    form = models.ForeignKey(Form, on_delete=models.CASCADE, related_name="criteria", verbose_name=_("form"))
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    name_zh = models.CharField(_("Chinese name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    weight = models.PositiveSmallIntegerField(_("weight"), default=1)
    scale_max = models.PositiveSmallIntegerField(_("highest score"), default=10)

    class Meta:
        ordering = ["form", "position", "id"]
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        constraints = [
            models.CheckConstraint(condition=models.Q(weight__gt=0, scale_max__gt=0), name="criterion_weight_scale"),
        ]

    def __str__(self) -> str:
        return self.name


class Kind(models.TextChoices):
    STATION_APPLICATION = "station_application", _("station establishment application")
    PROPOSAL = "proposal", _("research proposal")
    MIDTERM = "midterm", _("mid-term assessment")
    ANNUAL = "annual", _("annual assessment")
    EXTENSION = "extension", _("extension assessment")
    EXIT = "exit", _("exit assessment")
    STATION_EVALUATION = "station_evaluation", _("station evaluation")


POSTDOC_KINDS = (Kind.PROPOSAL, Kind.MIDTERM, Kind.ANNUAL, Kind.EXTENSION, Kind.EXIT)


class PanelRules(models.Model):
    """Fields shared by an institution's rules for a kind of review and by each review, which copies
    them when it is created (a later change of the rules leaves running reviews alone)."""

    min_size = models.PositiveSmallIntegerField(_("panel size"), default=5)
    min_external_percent = models.PositiveSmallIntegerField(_("minimum share of external members (%)"), default=0)
    min_rank = models.PositiveSmallIntegerField(_("minimum seniority"), choices=Rank.choices, default=Rank.ASSOCIATE)
    doctoral_supervisors_only = models.BooleanField(_("doctoral supervisors only"), default=False)
    blind = models.BooleanField(_("blind review"), default=False)

    class Meta:
        abstract = True


class KindRules(PanelRules):
    """The institution's panel rules and form for one kind of review."""

    institution = models.ForeignKey(
        "catalogue.Institution", on_delete=models.CASCADE, related_name="review_rules", verbose_name=_("institution")
    )
    kind = models.CharField(_("kind of review"), max_length=30, choices=Kind.choices)
    form = models.ForeignKey(Form, on_delete=models.PROTECT, related_name="+", verbose_name=_("form"))
    collaboration_window_years = models.PositiveSmallIntegerField(_("a collaboration conflicts for (years)"), default=3)

    class Meta:
        ordering = ["institution", "kind"]
        verbose_name = _("panel rules")
        verbose_name_plural = _("panel rules")
        constraints = [
            models.UniqueConstraint(fields=["institution", "kind"], name="one_rule_set_per_kind"),
            models.CheckConstraint(condition=models.Q(min_external_percent__lte=100), name="kind_rules_percent"),
        ]

    def __str__(self) -> str:
        return f"{self.institution} · {self.get_kind_display()}"


class Review(PanelRules):
    class Status(models.TextChoices):
        DRAFT = "draft", _("building the panel")
        OPEN = "open", _("open for scoring")
        CLOSED = "closed", _("closed")
        DECIDED = "decided", _("decided")

    class Decision(models.TextChoices):
        EXCELLENT = "excellent", _("excellent (优秀)")
        GOOD = "good", _("good (良好)")
        PASS = "pass", _("pass (合格)")
        FAIL = "fail", _("fail (不合格)")
        SUPPORT = "support", _("support")
        REJECT = "reject", _("do not support")

    institution = models.ForeignKey(
        "catalogue.Institution", on_delete=models.PROTECT, related_name="reviews", verbose_name=_("institution")
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    appointment = models.ForeignKey(
        "appointments.Appointment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reviews",
        verbose_name=_("postdoc"),
    )
    application = models.ForeignKey(
        "establishment.Application",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reviews",
        verbose_name=_("establishment application"),
    )
    evaluation = models.ForeignKey(
        "stations.Evaluation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reviews",
        verbose_name=_("station evaluation"),
    )
    title = models.CharField(_("title"), max_length=200)
    form = models.ForeignKey(Form, on_delete=models.PROTECT, related_name="reviews", verbose_name=_("form"))
    collaboration_window_years = models.PositiveSmallIntegerField(_("a collaboration conflicts for (years)"), default=3)
    deadline = models.DateField(_("deadline"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    attempt = models.PositiveSmallIntegerField(_("attempt"), default=1)
    seed = models.BigIntegerField(_("draw seed"), null=True, blank=True)
    opened_on = models.DateField(_("opened on"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    decision = models.CharField(_("decision"), max_length=20, choices=Decision.choices, blank=True)
    decision_reason = models.TextField(_("reason for the decision"), blank=True)
    minutes = models.TextField(_("minutes"), blank=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )

    class Meta:
        ordering = ["-deadline", "-id"]
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        indexes = [models.Index(fields=["institution", "status", "deadline"])]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(kind__in=[k.value for k in POSTDOC_KINDS])
                    & models.Q(appointment__isnull=False, application__isnull=True, evaluation__isnull=True)
                )
                | models.Q(
                    kind=Kind.STATION_APPLICATION,
                    appointment__isnull=True,
                    application__isnull=False,
                    evaluation__isnull=True,
                )
                | models.Q(
                    kind=Kind.STATION_EVALUATION,
                    appointment__isnull=True,
                    application__isnull=True,
                    evaluation__isnull=False,
                ),
                name="review_has_the_subject_of_its_kind",
            ),
            models.CheckConstraint(condition=models.Q(min_external_percent__lte=100), name="review_rules_percent"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def subject(self) -> models.Model:
        subject = self.appointment or self.application or self.evaluation
        assert subject is not None  # a constraint: a review has exactly one subject
        return subject

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    @property
    def is_extension(self) -> bool:
        return self.kind == Kind.EXTENSION

    @property
    def badge(self) -> str:
        """The CSS modifier of the status badge: open blue, decided green, closed amber, a draft grey."""
        return {self.Status.OPEN: "info", self.Status.DECIDED: "ok", self.Status.CLOSED: "warn"}.get(
            self.Status(self.status), "muted"
        )


def new_link_key() -> str:
    return secrets.token_urlsafe(16)


class Member(models.Model):
    """An expert on a review's panel, with their scores once submitted."""

    class Source(models.TextChoices):
        HAND = "hand", _("chosen by hand")
        DRAW = "draw", _("drawn")
        REPLACEMENT = "replacement", _("drawn as a replacement")

    class Status(models.TextChoices):
        INVITED = "invited", _("invited")
        DECLINED = "declined", _("declined")
        SUBMITTED = "submitted", _("submitted")

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="members", verbose_name=_("review"))
    expert = models.ForeignKey(Expert, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("expert"))
    source = models.CharField(_("how chosen"), max_length=20, choices=Source.choices)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.INVITED)
    declined_reason = models.TextField(_("reason for declining"), blank=True)
    replaces = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replacement",
        verbose_name=_("replaces"),
    )
    # Part of the signed link an external expert reviews through; a new key revokes the old link.
    link_key = models.CharField(max_length=40, default=new_link_key, editable=False)
    overall = models.CharField(_("overall"), max_length=20, choices=Review.Decision.choices, blank=True)
    comments = models.TextField(_("comments"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)

    class Meta:
        ordering = ["review", "id"]
        verbose_name = _("panel member")
        verbose_name_plural = _("panel members")
        constraints = [models.UniqueConstraint(fields=["review", "expert"], name="expert_once_per_review")]

    def __str__(self) -> str:
        return f"{self.review} · {self.expert}"

    @property
    def counts(self) -> bool:
        """Whether this member is part of the panel (a declined expert is not)."""
        return self.status != self.Status.DECLINED

    @property
    def is_invited(self) -> bool:
        return self.status == self.Status.INVITED

    @property
    def is_declined(self) -> bool:
        return self.status == self.Status.DECLINED

    @property
    def is_submitted(self) -> bool:
        return self.status == self.Status.SUBMITTED


class Score(models.Model):
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="scores", verbose_name=_("member"))
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+", verbose_name=_("criterion"))
    value = models.DecimalField(_("score"), max_digits=6, decimal_places=2)

    class Meta:
        ordering = ["member", "criterion__position"]
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        constraints = [models.UniqueConstraint(fields=["member", "criterion"], name="one_score_per_criterion")]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.value}"
