from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.idnumbers import mask_id
from core.pinyin import pinyin_key
from core.search import name_grams


def fill_name_sort(record: Any, kwargs: dict[str, Any]) -> None:
    """Every save that writes the name writes its pinyin key too (core/pinyin.py), so that no write
    path leaves a record out of place in the lists. `core.bulk.insert_many` calls the models'
    `derive_on_save`; a `bulk_create` (demo/dataset.py) sets `name_sort` itself."""
    record.name_sort = pinyin_key(record.name)
    update_fields = kwargs.get("update_fields")
    if update_fields is not None and "name" in update_fields and "name_sort" not in update_fields:
        kwargs["update_fields"] = [*update_fields, "name_sort"]


def person_grams(person: "Person") -> str:
    """What a search by name finds a postdoc by: the name, the Latin name and the name's pinyin."""
    return name_grams(person.name, person.name_en, person.name_sort)


class Person(models.Model):
    """A postdoctoral researcher's identity; appointments hang off it."""

    class Gender(models.TextChoices):
        MALE = "male", _("male")
        FEMALE = "female", _("female")

    class IdType(models.TextChoices):
        RESIDENT_ID = "resident_id", _("resident ID card")
        PASSPORT = "passport", _("passport")
        HMT_PERMIT = "hmt_permit", _("Hong Kong, Macao or Taiwan permit")
        OTHER = "other", _("other")

    institution = models.ForeignKey(
        "catalogue.Institution", on_delete=models.PROTECT, related_name="people", verbose_name=_("institution")
    )
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("name in Latin letters"), max_length=100, blank=True)
    name_sort = models.CharField(_("sort key"), max_length=200, blank=True, db_index=True, editable=False)
    # The names' search grams (core/search.py), indexed by the database (docs/decisions/0066).
    name_grams = models.TextField(_("search grams"), blank=True, default="", editable=False)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices)
    birth_date = models.DateField(_("birth date"))
    id_type = models.CharField(_("ID type"), max_length=20, choices=IdType.choices, default=IdType.RESIDENT_ID)
    id_number = models.CharField(_("ID number"), max_length=40)
    nationality = models.CharField(_("nationality"), max_length=50, default="中国")
    is_foreign = models.BooleanField(_("foreign postdoc"), default=False)
    phd_institution = models.CharField(_("PhD institution"), max_length=200, blank=True)
    phd_date = models.DateField(_("PhD awarded on"), null=True, blank=True)
    prior_postdoc_months = models.PositiveIntegerField(
        _("months in stations elsewhere"),
        default=0,
        help_text=_("Time spent in postdoctoral stations outside this system; counts towards the six-year total."),
    )
    email = models.EmailField(_("email"), blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="person",
        verbose_name=_("user account"),
    )

    class Meta:
        ordering = ["name_sort", "name"]
        verbose_name = _("postdoc")
        verbose_name_plural = _("postdocs")
        constraints = [
            models.UniqueConstraint(fields=["institution", "id_type", "id_number"], name="one_person_per_id")
        ]
        indexes = [models.Index(fields=["name"])]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        fill_name_sort(self, kwargs)
        self.name_grams = person_grams(self)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"name", "name_en"} & set(update_fields) and "name_grams" not in update_fields:
            kwargs["update_fields"] = [*update_fields, "name_grams"]
        super().save(*args, **kwargs)

    def derive_on_save(self) -> None:
        self.name_sort = pinyin_key(self.name)
        self.name_grams = person_grams(self)

    @property
    def masked_id(self) -> str:
        return mask_id(self.id_number)


class Supervisor(models.Model):
    """A co-supervisor (合作导师), internal or external."""

    institution = models.ForeignKey(
        "catalogue.Institution", on_delete=models.PROTECT, related_name="supervisors", verbose_name=_("institution")
    )
    staff_no = models.CharField(_("staff number"), max_length=30)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("name in Latin letters"), max_length=100, blank=True)
    name_sort = models.CharField(_("sort key"), max_length=200, blank=True, db_index=True, editable=False)
    unit = models.ForeignKey("catalogue.Unit", on_delete=models.PROTECT, verbose_name=_("unit"))
    station = models.ForeignKey(
        "stations.Station",
        on_delete=models.PROTECT,
        related_name="supervisors",
        null=True,
        blank=True,
        verbose_name=_("station"),
    )
    title = models.CharField(_("title"), max_length=50, blank=True)
    is_external = models.BooleanField(_("external"), default=False)
    is_doctoral_supervisor = models.BooleanField(_("doctoral supervisor (博导)"), default=False)
    # An inactive supervisor (retired, left) keeps their history but is offered for no new appointment.
    is_active = models.BooleanField(_("active"), default=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="supervisor",
        verbose_name=_("user account"),
    )

    class Meta:
        ordering = ["name_sort", "name"]
        verbose_name = _("supervisor")
        verbose_name_plural = _("supervisors")
        constraints = [
            models.UniqueConstraint(fields=["institution", "staff_no"], name="staff_no_unique_per_institution")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.staff_no})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        fill_name_sort(self, kwargs)
        super().save(*args, **kwargs)

    def derive_on_save(self) -> None:
        self.name_sort = pinyin_key(self.name)
