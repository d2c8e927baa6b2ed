import datetime as dt

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Policy(models.Model):
    """An institution's rules for appointments. Defaults are the national ones (design.md)."""

    institution = models.OneToOneField(
        "catalogue.Institution", on_delete=models.CASCADE, related_name="policy", verbose_name=_("institution")
    )
    max_entry_age = models.PositiveSmallIntegerField(_("maximum age at entry"), default=35)
    max_entry_age_with_approval = models.PositiveSmallIntegerField(
        _("maximum age at entry with recorded approvals"), default=40
    )
    max_years_since_phd = models.PositiveSmallIntegerField(_("maximum years since the PhD at entry"), default=3)
    normal_months = models.PositiveSmallIntegerField(_("normal in-station period (months)"), default=24)
    min_months_before_exit = models.PositiveSmallIntegerField(_("earliest exit (months after entry)"), default=21)
    min_months_before_exit_foreign = models.PositiveSmallIntegerField(
        _("earliest exit for foreign postdocs (months)"), default=12
    )
    max_total_months = models.PositiveSmallIntegerField(
        _("maximum total time in stations (months, across stations)"), default=72
    )
    proposal_due_months = models.PositiveSmallIntegerField(_("research proposal due (months after entry)"), default=3)
    midterm_from_months = models.PositiveSmallIntegerField(_("mid-term assessment from (months)"), default=12)
    midterm_due_months = models.PositiveSmallIntegerField(_("mid-term assessment due (months)"), default=15)
    exit_application_lead_months = models.PositiveSmallIntegerField(
        _("exit application due (months before the planned exit)"), default=3
    )
    phd_certificate_due_months = models.PositiveSmallIntegerField(
        _("PhD certificate due (months after entry)"), default=6
    )
    due_soon_days = models.PositiveSmallIntegerField(_("list an item as due soon this many days ahead"), default=30)

    class FailedAssessment(models.TextChoices):
        """What follows a failed mid-term or exit assessment (facts.md §1.4–1.6); a second failure of
        the same assessment always leads to withdrawal (退站)."""

        SECOND_ATTEMPT = "second_attempt", _("a second attempt")
        REFUSE_EXTENSION = "refuse_extension", _("a second attempt, and no extension until it is passed")
        WITHDRAWAL = "withdrawal", _("withdrawal")

    failed_assessment = models.CharField(
        _("after a failed mid-term or exit assessment"),
        max_length=20,
        choices=FailedAssessment.choices,
        default=FailedAssessment.SECOND_ATTEMPT,
    )

    class Meta:
        verbose_name = _("policy")
        verbose_name_plural = _("policies")

    def __str__(self) -> str:
        return str(_("Policy of %(institution)s") % {"institution": self.institution})


class Appointment(models.Model):
    """One stay of a person in a station (进站 → 在站 → 出站)."""

    class Status(models.TextChoices):
        ADMITTED = "admitted", _("admitted")
        IN_STATION = "in_station", _("in station")
        EXTENDED = "extended", _("extended")
        EXITED = "exited", _("exited")
        WITHDRAWN = "withdrawn", _("withdrawn")
        TRANSFERRED = "transferred", _("transferred")

    LIVE_STATUSES = (Status.IN_STATION, Status.EXTENDED)
    ENDED_STATUSES = (Status.EXITED, Status.WITHDRAWN, Status.TRANSFERRED)

    class Route(models.TextChoices):
        INDEPENDENT = "independent", _("recruited by the station")
        JOINT = "joint", _("joint training with a workstation")

    class WithdrawalGround(models.TextChoices):
        """Grounds for withdrawal (退站), after ZJU's list of eleven (facts.md §1.6)."""

        NO_PHD_CERTIFICATE = "no_phd_certificate", _("no PhD certificate six months after entry")
        FALSE_MATERIALS = "false_materials", _("false materials")
        FAILED_ASSESSMENT = "failed_assessment", _("failed mid-term or exit assessment")
        MISCONDUCT = "misconduct", _("serious academic misconduct")
        CRIMINAL_PENALTY = "criminal_penalty", _("criminal penalty")
        DISCIPLINE = "discipline", _("breach of labour discipline")
        ILLNESS = "illness", _("illness")
        OVERSTAY_ABROAD = "overstay_abroad", _("stayed abroad more than 30 days beyond permission")
        NO_EXIT_ON_EXPIRY = "no_exit_on_expiry", _("did not exit when the contract expired")
        OVER_SIX_YEARS = "over_six_years", _("more than six years in station")
        PERSONAL = "personal", _("personal reasons")
        OTHER = "other", _("other")

    # The station's institution, kept on the row so that scoping and the figures read one
    # table through one index (docs/decisions/0006). Set at admission; stations never move.
    institution = models.ForeignKey(
        "catalogue.Institution",
        on_delete=models.PROTECT,
        related_name="appointments",
        verbose_name=_("institution"),
    )
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="appointments", verbose_name=_("postdoc")
    )
    station = models.ForeignKey(
        "stations.Station", on_delete=models.PROTECT, related_name="appointments", verbose_name=_("station")
    )
    postdoc_no = models.CharField(_("postdoc number"), max_length=30)
    route = models.CharField(_("route"), max_length=20, choices=Route.choices, default=Route.INDEPENDENT)
    workstation = models.ForeignKey(
        "stations.Station",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="joint_appointments",
        verbose_name=_("joint-training workstation"),
    )
    primary_supervisor = models.ForeignKey(
        "people.Supervisor", on_delete=models.PROTECT, related_name="primary_appointments", verbose_name=_("supervisor")
    )
    co_supervisor = models.ForeignKey(
        "people.Supervisor",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="co_appointments",
        verbose_name=_("co-supervisor"),
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.ADMITTED)
    entry_date = models.DateField(_("entry date"))
    planned_exit_date = models.DateField(_("planned exit date"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    withdrawal_ground = models.CharField(
        _("withdrawal ground"), max_length=30, choices=WithdrawalGround.choices, blank=True
    )
    transferred_to = models.CharField(_("transferred to"), max_length=200, blank=True)
    end_note = models.TextField(_("note on the end"), blank=True)
    phd_certificate_on = models.DateField(_("PhD certificate received on"), null=True, blank=True)
    # The first passed assessment of each kind that a due date waits for, written by
    # `assessment_record`, so due lists filter on columns rather than per-row subqueries.
    proposal_passed_on = models.DateField(_("research proposal passed on"), null=True, blank=True)
    midterm_passed_on = models.DateField(_("mid-term assessment passed on"), null=True, blank=True)
    exit_assessed_on = models.DateField(_("exit assessment passed on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )

    class Meta:
        ordering = ["-entry_date", "postdoc_no"]
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        constraints = [
            # Numbers are the institution's own (the national system numbers per station), so two
            # institutions of a provincial office may use the same one.
            models.UniqueConstraint(fields=["institution", "postdoc_no"], name="postdoc_no_unique_per_institution"),
            models.CheckConstraint(
                condition=models.Q(planned_exit_date__gt=models.F("entry_date")),
                name="planned_exit_after_entry",
            ),
            models.CheckConstraint(
                condition=models.Q(ended_on__isnull=True) | models.Q(ended_on__gte=models.F("entry_date")),
                name="end_not_before_entry",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(status__in=["exited", "withdrawn", "transferred"]) & models.Q(ended_on__isnull=False)
                )
                | (~models.Q(status__in=["exited", "withdrawn", "transferred"]) & models.Q(ended_on__isnull=True)),
                name="ended_on_iff_ended",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="withdrawn") | ~models.Q(withdrawal_ground=""),
                name="withdrawal_has_ground",
            ),
            models.CheckConstraint(
                condition=~models.Q(route="joint") | models.Q(workstation__isnull=False),
                name="joint_route_has_workstation",
            ),
        ]
        # Covering indexes for the figures ("recruited", "in station on a date") and the lists,
        # by institution (office, leadership) and by station (secretaries).
        indexes = [
            models.Index(fields=["institution", "entry_date", "status", "ended_on"], name="appt_inst_entry"),
            models.Index(fields=["institution", "ended_on"], name="appt_inst_ended"),
            # Live appointments with the columns their due dates need (the due lists and counts).
            models.Index(
                fields=[
                    "institution",
                    "status",
                    "entry_date",
                    "planned_exit_date",
                    "proposal_passed_on",
                    "midterm_passed_on",
                    "phd_certificate_on",
                ],
                name="appt_inst_status",
            ),
            # The postdoc list's order, newest entry first: its pages read keys from here, forwards or,
            # past the middle, backwards (docs/decisions/0067).
            models.Index(fields=["institution", "-entry_date", "postdoc_no"], name="appt_inst_list"),
            models.Index(fields=["institution", "status", "-entry_date", "postdoc_no"], name="appt_inst_status_list"),
            models.Index(fields=["station", "entry_date", "status", "ended_on"], name="appt_station_entry"),
            models.Index(fields=["station", "status"], name="appt_station_status"),
        ]

    def __str__(self) -> str:
        return f"{self.postdoc_no} {self.person.name}"

    @property
    def is_live(self) -> bool:
        return self.status in self.LIVE_STATUSES

    @property
    def is_ended(self) -> bool:
        return self.status in self.ENDED_STATUSES


class Grade(models.TextChoices):
    EXCELLENT = "excellent", _("excellent (优秀)")
    GOOD = "good", _("good (良好)")
    PASS = "pass", _("pass (合格)")
    FAIL = "fail", _("fail (不合格)")


class Assessment(models.Model):
    """A recorded assessment of an appointment: proposal, mid-term, annual or exit."""

    class Kind(models.TextChoices):
        PROPOSAL = "proposal", _("research proposal")
        MIDTERM = "midterm", _("mid-term assessment")
        ANNUAL = "annual", _("annual assessment")
        EXIT = "exit", _("exit assessment")

    appointment = models.ForeignKey(
        Appointment, on_delete=models.PROTECT, related_name="assessments", verbose_name=_("appointment")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    held_on = models.DateField(_("held on"))
    grade = models.CharField(_("grade"), max_length=20, choices=Grade.choices)
    panel = models.TextField(_("panel"), blank=True)
    comments = models.TextField(_("comments"), blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )

    class Meta:
        ordering = ["held_on", "id"]
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        indexes = [models.Index(fields=["appointment", "kind"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.held_on} {self.get_grade_display()}"

    @property
    def passed(self) -> bool:
        return self.grade != Grade.FAIL


class Extension(models.Model):
    """A prolonged in-station period (延期). Repeatable."""

    appointment = models.ForeignKey(
        Appointment, on_delete=models.PROTECT, related_name="extensions", verbose_name=_("appointment")
    )
    previous_exit_date = models.DateField(_("previous planned exit"))
    new_exit_date = models.DateField(_("new planned exit"))
    reason = models.TextField(_("reason"))
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )

    class Meta:
        ordering = ["recorded_at", "id"]
        verbose_name = _("extension")
        verbose_name_plural = _("extensions")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(new_exit_date__gt=models.F("previous_exit_date")),
                name="extension_moves_exit_later",
            )
        ]

    def __str__(self) -> str:
        return f"{self.previous_exit_date} → {self.new_exit_date}"


class PolicyException(models.Model):
    """An office administrator's recorded exception to a policy rule, with the reason."""

    appointment = models.ForeignKey(
        Appointment, on_delete=models.PROTECT, related_name="policy_exceptions", verbose_name=_("appointment")
    )
    rule = models.CharField(_("rule"), max_length=50)
    message = models.TextField(_("what the rule said"))
    reason = models.TextField(_("reason"))
    granted_at = models.DateTimeField(_("granted at"), auto_now_add=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("granted by")
    )

    class Meta:
        ordering = ["granted_at", "id"]
        verbose_name = _("policy exception")
        verbose_name_plural = _("policy exceptions")

    def __str__(self) -> str:
        return f"{self.rule}: {self.reason}"


class AppointmentMonthCount(models.Model):
    """How many entered appointments of an institution entered in one month and ended in another
    (or have not ended: `OPEN`), kept by the services in the transaction of each change
    (appointments.month_counts, docs/decisions/0068). Its size is bounded by months × months,
    not by postdocs, so the institution's figures read it in the same time at every size."""

    OPEN = dt.date(9999, 12, 1)  # the end month of an appointment that has not ended

    institution = models.ForeignKey(
        "catalogue.Institution", on_delete=models.CASCADE, related_name="+", verbose_name=_("institution")
    )
    entry_month = models.DateField(_("entry month"))  # the first day of the month
    end_month = models.DateField(_("end month"))  # the first day of the month, or OPEN
    n = models.IntegerField(_("appointments"), default=0)

    class Meta:
        verbose_name = _("appointments by entry and end month")
        verbose_name_plural = _("appointments by entry and end month")
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "entry_month", "end_month"], name="appointment_month_count_unique"
            )
        ]
        # The figures read the pairs of the window's entry months: one range, no row lookups.
        indexes = [models.Index(fields=["institution", "entry_month", "end_month", "n"], name="appt_month_count_read")]

    def __str__(self) -> str:
        return f"{self.entry_month:%Y-%m} → {self.end_month:%Y-%m}: {self.n}"


class AppointmentMonthFlow(models.Model):
    """How many appointments of an institution entered and how many ended in one month: the
    margins of `AppointmentMonthCount`, kept with it, so "entered by" and "ended by" a date read
    one row per month of history (at most 12 a year) whatever the number of postdocs."""

    institution = models.ForeignKey(
        "catalogue.Institution", on_delete=models.CASCADE, related_name="+", verbose_name=_("institution")
    )
    month = models.DateField(_("month"))  # the first day of the month
    entered = models.IntegerField(_("entered"), default=0)
    ended = models.IntegerField(_("ended"), default=0)

    class Meta:
        verbose_name = _("appointments entered and ended by month")
        verbose_name_plural = _("appointments entered and ended by month")
        constraints = [models.UniqueConstraint(fields=["institution", "month"], name="appointment_month_flow_unique")]
        indexes = [models.Index(fields=["institution", "month", "entered", "ended"], name="appt_month_flow_read")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}: +{self.entered} −{self.ended}"


class AppointmentDueCount(models.Model):
    """How many live appointments of an institution share what decides their due items: the entry
    date, the planned exit and which of the proposal, PhD certificate, mid-term and exit assessment
    are still to come. Kept by the services in the transaction of each change
    (appointments.due_counts, docs/decisions/0073). Live appointments span a few years of entry
    dates, so the table holds a few thousand rows at every size and the dashboard's due counts
    apply their conditions to it rather than to every postdoc in station."""

    institution = models.ForeignKey(
        "catalogue.Institution", on_delete=models.CASCADE, related_name="+", verbose_name=_("institution")
    )
    entry_date = models.DateField(_("entry date"))
    planned_exit_date = models.DateField(_("planned exit date"))
    proposal_pending = models.BooleanField(_("research proposal to come"))
    certificate_pending = models.BooleanField(_("PhD certificate to come"))
    midterm_pending = models.BooleanField(_("mid-term assessment to come"))
    exit_assessment_pending = models.BooleanField(_("exit assessment to come"))
    n = models.IntegerField(_("appointments"), default=0)

    class Meta:
        verbose_name = _("live appointments by due dates")
        verbose_name_plural = _("live appointments by due dates")
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "institution",
                    "entry_date",
                    "planned_exit_date",
                    "proposal_pending",
                    "certificate_pending",
                    "midterm_pending",
                    "exit_assessment_pending",
                ],
                name="appointment_due_count_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.entry_date} → {self.planned_exit_date}: {self.n}"
