from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.i18n import BilingualName

# 学科门类 of the 2022 catalogue (two-digit codes).
CATEGORY_NAMES = {
    "01": (_("Philosophy"), "哲学"),
    "02": (_("Economics"), "经济学"),
    "03": (_("Law"), "法学"),
    "04": (_("Education"), "教育学"),
    "05": (_("Literature"), "文学"),
    "06": (_("History"), "历史学"),
    "07": (_("Science"), "理学"),
    "08": (_("Engineering"), "工学"),
    "09": (_("Agriculture"), "农学"),
    "10": (_("Medicine"), "医学"),
    "11": (_("Military Science"), "军事学"),
    "12": (_("Management"), "管理学"),
    "13": (_("Arts"), "艺术学"),
    "14": (_("Interdisciplinary"), "交叉学科"),
}


class SourceMarker(models.TextChoices):
    """How sure a reference fact is (markers of shared/domain/facts.md)."""

    CONFIRMED = "C", _("stated in the cited source")
    SECONDARY = "S", _("secondary source")
    GUESS = "G", _("inference, unconfirmed")
    LOCAL = "L", _("entered by the office")


class Discipline(BilingualName, models.Model):
    """A first-level discipline (一级学科) of the graduate education catalogue."""

    code = models.CharField(_("code"), max_length=4, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    edition = models.CharField(_("catalogue edition"), max_length=20, default="2022")
    source = models.CharField(_("source"), max_length=500, blank=True)
    source_marker = models.CharField(
        _("certainty"), max_length=1, choices=SourceMarker.choices, default=SourceMarker.LOCAL
    )
    is_active = models.BooleanField(_("in the current catalogue"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("discipline")
        verbose_name_plural = _("disciplines")
        constraints = [
            models.CheckConstraint(condition=models.Q(code__regex=r"^[0-9]{4}$"), name="discipline_code_four_digits")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def category(self) -> str:
        return self.code[:2]

    @property
    @admin.display(description=_("category"))
    def category_name(self) -> str:
        names = CATEGORY_NAMES.get(self.category)
        return str(names[0]) if names else self.category

    @property
    def is_professional(self) -> bool:
        """A third digit of 5 marks a professional-degree category (2022 catalogue)."""
        return self.code[2] == "5"


class Institution(BilingualName, models.Model):
    """A host institution (设站单位)."""

    class Kind(models.TextChoices):
        UNIVERSITY = "university", _("university")
        INSTITUTE = "institute", _("research institute")
        ENTERPRISE = "enterprise", _("enterprise")
        HOSPITAL = "hospital", _("hospital")

    code = models.CharField(_("code"), max_length=20, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.UNIVERSITY)
    province = models.CharField(_("province"), max_length=50, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")

    def __str__(self) -> str:
        return self.name


class Unit(BilingualName, models.Model):
    """A college, affiliated hospital, institute or enterprise of an institution."""

    class Kind(models.TextChoices):
        COLLEGE = "college", _("college")
        HOSPITAL = "hospital", _("affiliated hospital")
        INSTITUTE = "institute", _("institute")
        ENTERPRISE = "enterprise", _("enterprise")

    institution = models.ForeignKey(
        Institution, on_delete=models.PROTECT, related_name="units", verbose_name=_("institution")
    )
    code = models.CharField(_("code"), max_length=20)
    name_zh = models.CharField(_("Chinese name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)

    class Meta:
        ordering = ["institution", "code"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        constraints = [models.UniqueConstraint(fields=["institution", "code"], name="unit_code_unique_per_institution")]

    def __str__(self) -> str:
        return self.name


class DoctoralRight(models.Model):
    """The right to award doctorates in a first-level discipline (博士学位授权点)."""

    institution = models.ForeignKey(
        Institution, on_delete=models.PROTECT, related_name="doctoral_rights", verbose_name=_("institution")
    )
    discipline = models.ForeignKey(Discipline, on_delete=models.PROTECT, verbose_name=_("discipline"))
    since = models.DateField(_("granted on"))
    until = models.DateField(_("withdrawn on"), null=True, blank=True)

    class Meta:
        ordering = ["institution", "discipline__code"]
        verbose_name = _("doctoral degree-granting right")
        verbose_name_plural = _("doctoral degree-granting rights")
        constraints = [
            models.UniqueConstraint(fields=["institution", "discipline"], name="one_doctoral_right_per_discipline"),
            models.CheckConstraint(
                condition=models.Q(until__isnull=True) | models.Q(until__gt=models.F("since")),
                name="doctoral_right_until_after_since",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.institution} · {self.discipline}"
