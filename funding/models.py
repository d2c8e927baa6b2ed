from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    NATIONAL = "national", _("national (国家级)")
    PROVINCIAL = "provincial", _("provincial or ministerial (省部级)")
    MUNICIPAL = "municipal", _("municipal or departmental (市厅级)")
    UNIVERSITY = "university", _("university (校级)")


class Project(models.Model):
    """A funded project held by a postdoc. Minimal for now; the funding capability extends it."""

    class Status(models.TextChoices):
        AWARDED = "awarded", _("awarded, in progress")
        COMPLETED = "completed", _("completed")
        TERMINATED = "terminated", _("terminated")

    institution = models.ForeignKey(
        "catalogue.Institution", on_delete=models.PROTECT, related_name="projects", verbose_name=_("institution")
    )
    project_no = models.CharField(_("project number"), max_length=50)
    title = models.CharField(_("title"), max_length=300)
    funder = models.CharField(_("funder"), max_length=200)
    programme = models.CharField(_("programme"), max_length=200, blank=True)
    level = models.CharField(_("level"), max_length=20, choices=Level.choices)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=14, decimal_places=2, default=0)
    awarded_on = models.DateField(_("awarded on"))
    holder = models.ForeignKey(
        "appointments.Appointment", on_delete=models.PROTECT, related_name="projects", verbose_name=_("holder")
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.AWARDED)

    class Meta:
        ordering = ["-awarded_on", "project_no"]
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        constraints = [
            models.UniqueConstraint(fields=["institution", "project_no"], name="project_no_unique_per_institution"),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="project_amount_not_negative"),
        ]
        indexes = [models.Index(fields=["institution", "awarded_on"])]

    def __str__(self) -> str:
        return f"{self.project_no} {self.title}"
