from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from funding.models import Level


class Output(models.Model):
    """A research output of a postdoc (paper, patent, award, book, standard), recorded on one of
    their stays. Written only by `outputs.services`.

    `authors` holds the author list as text, one name per line, as printed (Chinese names as
    written, Latin names in the order the source gives). The postdoc's own place in it is
    `author_position` (1 = first author); `author_count` is kept beside it so the database can
    check that the position lies within the list. `phase` says whether the output was produced in
    station, before entry or after the stay ended, computed by the service from `dated_on`
    (docs/decisions/0045).
    """

    class Kind(models.TextChoices):
        PAPER = "paper", _("paper")
        PATENT = "patent", _("patent")
        AWARD = "award", _("award")
        BOOK = "book", _("book")
        STANDARD = "standard", _("standard")

    class Phase(models.TextChoices):
        BEFORE_ENTRY = "before_entry", _("before entry")
        IN_STATION = "in_station", _("in station")
        AFTER_EXIT = "after_exit", _("after the stay")

    class PatentKind(models.TextChoices):
        INVENTION = "invention", _("invention (发明)")
        UTILITY_MODEL = "utility_model", _("utility model (实用新型)")
        DESIGN = "design", _("design (外观设计)")

    class AwardGrade(models.TextChoices):
        SPECIAL = "special", _("special prize (特等奖)")
        FIRST = "first", _("first prize (一等奖)")
        SECOND = "second", _("second prize (二等奖)")
        THIRD = "third", _("third prize (三等奖)")
        OTHER = "other", _("other")

    class Source(models.TextChoices):
        MANUAL = "manual", _("typed in")
        BIBTEX = "bibtex", _("BibTeX file")
        RIS = "ris", _("RIS file")
        CSL_JSON = "csl_json", _("CSL-JSON file")
        REFER = "refer", _("EndNote/Refer file")
        REFWORKS = "refworks", _("RefWorks file")
        NOTEEXPRESS = "noteexpress", _("NoteExpress file")
        PUBMED = "pubmed", _("PubMed file")
        WOS = "wos", _("Web of Science file")

    # Kept on the row (like Appointment.institution, docs/decisions/0006): the institution scopes
    # the list, and the person makes "the same DOI or title for the same person" a constraint.
    institution = models.ForeignKey(
        "catalogue.Institution", on_delete=models.PROTECT, related_name="+", verbose_name=_("institution")
    )
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="outputs", verbose_name=_("postdoc")
    )
    appointment = models.ForeignKey(
        "appointments.Appointment", on_delete=models.PROTECT, related_name="outputs", verbose_name=_("appointment")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=500)
    normalised_title = models.CharField(_("normalised title"), max_length=500, editable=False)
    year = models.PositiveSmallIntegerField(_("year"))
    published_on = models.DateField(_("date"), null=True, blank=True)
    dated_on = models.DateField(_("counted on"), editable=False)
    phase = models.CharField(_("phase"), max_length=20, choices=Phase.choices)
    authors = models.TextField(_("authors"), help_text=_("One name per line, in the order printed."))
    author_count = models.PositiveIntegerField(_("number of authors"), editable=False)
    author_position = models.PositiveIntegerField(_("the postdoc's position among the authors"))
    corresponding = models.BooleanField(_("corresponding author"), default=False)
    doi = models.CharField(_("DOI"), max_length=200, blank=True)
    journal = models.CharField(_("journal or proceedings"), max_length=300, blank=True)
    issn = models.CharField(_("ISSN"), max_length=9, blank=True)
    volume = models.CharField(_("volume"), max_length=30, blank=True)
    issue = models.CharField(_("issue"), max_length=30, blank=True)
    pages = models.CharField(_("pages"), max_length=40, blank=True)
    publisher = models.CharField(_("publisher"), max_length=200, blank=True)
    isbn = models.CharField(_("ISBN"), max_length=13, blank=True)
    number = models.CharField(_("patent or standard number"), max_length=100, blank=True)
    patent_kind = models.CharField(_("kind of patent"), max_length=20, choices=PatentKind.choices, blank=True)
    granted_on = models.DateField(_("granted on"), null=True, blank=True)
    award_level = models.CharField(_("level of the award"), max_length=20, choices=Level.choices, blank=True)
    award_grade = models.CharField(_("grade of the award"), max_length=20, choices=AwardGrade.choices, blank=True)
    source = models.CharField(_("recorded from"), max_length=20, choices=Source.choices, default=Source.MANUAL)
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )

    class Meta:
        ordering = ["-dated_on", "-id"]
        verbose_name = _("research output")
        verbose_name_plural = _("research outputs")
        constraints = [
            # The services refuse duplicates with a sentence; these make sure nothing slips past them.
            models.UniqueConstraint(
                fields=["person", "doi"], condition=~models.Q(doi=""), name="output_doi_once_per_person"
            ),
            models.UniqueConstraint(
                fields=["person", "kind", "normalised_title"], name="output_title_once_per_person_and_kind"
            ),
            models.CheckConstraint(condition=models.Q(doi=Lower("doi")), name="output_doi_lower_case"),
            models.CheckConstraint(condition=~models.Q(normalised_title=""), name="output_title_has_letters"),
            models.CheckConstraint(
                condition=models.Q(kind__in=["paper", "patent", "award", "book", "standard"]), name="output_kind_known"
            ),
            models.CheckConstraint(
                condition=models.Q(phase__in=["before_entry", "in_station", "after_exit"]), name="output_phase_known"
            ),
            models.CheckConstraint(
                condition=models.Q(year__gte=1900) & models.Q(year__lte=2100), name="output_year_plausible"
            ),
            models.CheckConstraint(
                condition=models.Q(author_position__gte=1) & models.Q(author_position__lte=models.F("author_count")),
                name="output_position_within_authors",
            ),
            models.CheckConstraint(
                condition=models.Q(kind="patent") | (models.Q(patent_kind="") & models.Q(granted_on__isnull=True)),
                name="output_patent_fields_on_patents",
            ),
            models.CheckConstraint(
                condition=(models.Q(kind="award") & ~models.Q(award_level=""))
                | (~models.Q(kind="award") & models.Q(award_level="") & models.Q(award_grade="")),
                name="output_award_fields_on_awards",
            ),
        ]
        indexes = [
            models.Index(fields=["institution", "dated_on"], name="output_inst_dated"),
            # The station indicator: an appointment's in-station outputs dated in a period.
            models.Index(fields=["appointment", "phase", "dated_on"], name="output_appt_phase"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.year} {self.title[:80]}"

    @property
    def author_list(self) -> list[str]:
        return [name for name in self.authors.splitlines() if name.strip()]

    @property
    def is_in_station(self) -> bool:
        return self.phase == self.Phase.IN_STATION
