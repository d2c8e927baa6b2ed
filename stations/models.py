from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.i18n import BilingualName


class Station(BilingualName, models.Model):
    """A postdoctoral station: mobile station, workstation or provincial innovation base."""

    class Kind(models.TextChoices):
        MOBILE = "mobile", _("mobile station")
        WORKSTATION = "workstation", _("workstation")
        INNOVATION_BASE = "innovation_base", _("innovation base")

    class Status(models.TextChoices):
        ACTIVE = "active", _("active")
        WARNED = "warned", _("warned (to be rectified)")
        REVOKED = "revoked", _("revoked")

    institution = models.ForeignKey(
        "catalogue.Institution", on_delete=models.PROTECT, related_name="stations", verbose_name=_("institution")
    )
    code = models.CharField(_("station code"), max_length=30)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    discipline = models.ForeignKey(
        "catalogue.Discipline",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="stations",
        verbose_name=_("discipline"),
    )
    unit = models.ForeignKey(
        "catalogue.Unit", on_delete=models.PROTECT, related_name="stations", verbose_name=_("managing unit")
    )
    name_zh = models.CharField(_("Chinese name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    established_on = models.DateField(_("established on"))
    approval_no = models.CharField(_("approval number"), max_length=100, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE)
    revoked_on = models.DateField(_("revoked on"), null=True, blank=True)
    # The document that revoked the station (撤销文号), as the approval number names the one that set it up.
    revocation_no = models.CharField(_("revocation document number"), max_length=100, blank=True)

    class Meta:
        ordering = ["institution", "code"]
        verbose_name = _("station")
        verbose_name_plural = _("stations")
        constraints = [
            models.UniqueConstraint(fields=["institution", "code"], name="station_code_unique_per_institution"),
            models.CheckConstraint(
                condition=~models.Q(kind="mobile") | models.Q(discipline__isnull=False),
                name="mobile_station_has_discipline",
            ),
            models.CheckConstraint(
                condition=(models.Q(status="revoked") & models.Q(revoked_on__isnull=False))
                | (~models.Q(status="revoked") & models.Q(revoked_on__isnull=True)),
                name="station_revoked_on_iff_revoked",
            ),
            models.CheckConstraint(
                condition=models.Q(status="revoked") | models.Q(revocation_no=""),
                name="station_revocation_no_only_when_revoked",
            ),
            # A first-level discipline has at most one mobile station per institution.
            models.UniqueConstraint(
                fields=["institution", "discipline"],
                condition=models.Q(kind="mobile") & ~models.Q(status="revoked"),
                name="one_live_mobile_station_per_discipline",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_mobile(self) -> bool:
        return self.kind == self.Kind.MOBILE

    @property
    def is_revoked(self) -> bool:
        return self.status == self.Status.REVOKED


class Evaluation(models.Model):
    """A station's five-yearly evaluation (综合评估) or new-station evaluation (新设站评估): indicators
    computed from the records, the panel's grade and the actions it leads to.

    The model stays in this app (moving a model needs migrations, out of scope of issue 14); the
    meaning of its stored indicators is stations.indicators', while the evaluation's process (computing
    the indicators, its steps, pages and API) is the establishment app's (establishment/evaluation*.py),
    which reads appointments, projects and outputs above this app."""

    class Kind(models.TextChoices):
        COMPREHENSIVE = "comprehensive", _("comprehensive evaluation (综合评估)")
        NEW_STATION = "new_station", _("new-station evaluation (新设站评估)")

    class Grade(models.TextChoices):
        EXCELLENT = "excellent", _("excellent (优秀)")
        GOOD = "good", _("good (良好)")
        PASS = "pass", _("pass (合格)")
        FAIL = "fail", _("fail (不合格)")

    class Action(models.TextChoices):
        NONE = "", _("none")
        WARNING = "warning", _("warning, to be rectified by a deadline")
        REVOCATION = "revocation", _("revocation")

    station = models.ForeignKey(
        Station, on_delete=models.PROTECT, related_name="evaluations", verbose_name=_("station")
    )
    cycle = models.PositiveSmallIntegerField(_("cycle (year)"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.COMPREHENSIVE)
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    indicators = models.JSONField(_("indicators"), default=dict, blank=True)
    grade = models.CharField(_("grade"), max_length=20, choices=Grade.choices, blank=True)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices, blank=True)
    rectify_by = models.DateField(_("rectify by"), null=True, blank=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)

    class Meta:
        ordering = ["-cycle", "station"]
        verbose_name = _("station evaluation")
        verbose_name_plural = _("station evaluations")
        constraints = [
            models.UniqueConstraint(fields=["station", "cycle", "kind"], name="one_evaluation_per_station_and_cycle"),
            models.CheckConstraint(
                condition=models.Q(period_end__gt=models.F("period_start")), name="evaluation_period_forward"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.station} · {self.cycle} · {self.get_kind_display()}"

    @property
    def is_warning(self) -> bool:
        return self.action == self.Action.WARNING

    @property
    def is_revocation(self) -> bool:
        return self.action == self.Action.REVOCATION

    @property
    def rectification_overdue(self) -> bool:
        """The station was warned to rectify (整改) by a deadline, the deadline has passed and the station
        is still warned: reinstating a warned station lifts the warning, so its passed deadline no longer
        counts. The evaluations' "overdue" filter (establishment.evaluation_views, establishment.evaluation_api)
        selects the same ones."""
        return (
            self.is_warning
            and self.rectify_by is not None
            and self.rectify_by < timezone.localdate()
            and self.station.status == Station.Status.WARNED
        )
