"""Forms of the research output pages. They only collect input; the services decide (and say why not)."""

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from core.forms import DateInput, NamedChoiceField, ServiceForm, choice_field, model_choice_field
from funding.models import Level
from outputs.importing import upload_refusal
from outputs.models import Output
from stations.models import Station


class OutputFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Title, DOI, journal, postdoc's name or number")}
        ),
    )
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("all kinds")), *Output.Kind.choices])
    year = forms.TypedChoiceField(label=_("Year"), required=False, coerce=int, empty_value=None)
    phase = forms.ChoiceField(label=_("Phase"), required=False, choices=[("", _("all phases")), *Output.Phase.choices])
    station = NamedChoiceField(label=_("Station"), queryset=Station.objects.none(), required=False)

    def __init__(self, *args: Any, stations: QuerySet[Station], years: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "station").queryset = stations
        model_choice_field(self, "station").empty_label = _("all stations")
        # The label as text: an int would be localised as a number for each of the years, to the same digits.
        choice_field(self, "year").choices = [("", _("all years")), *((year, str(year)) for year in years)]


def _blank(choices: Any) -> list[tuple[str, Any]]:
    return [("", "—"), *choices]


class OutputForm(ServiceForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=_blank(Output.Kind.choices))
    title = forms.CharField(label=_("Title"), max_length=500, widget=forms.TextInput(attrs={"size": 80}))
    year = forms.IntegerField(label=_("Year"), required=False)
    published_on = forms.DateField(
        label=_("Date"),
        required=False,
        widget=DateInput,
        help_text=_(
            "Publication date (a patent's application or grant date, an award's date). Without it the output "
            "is counted on 1 July of its year."
        ),
    )
    authors = forms.CharField(
        max_length=10000,
        label=_("Authors"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One name per line, in the order printed (an award's completers, a patent's inventors)."),
    )
    author_position = forms.IntegerField(
        label=_("The postdoc's position"), min_value=1, help_text=_("1 for the first author.")
    )
    corresponding = forms.BooleanField(label=_("The postdoc is a corresponding author"), required=False)
    doi = forms.CharField(label=_("DOI"), max_length=250, required=False, help_text=_("e.g. 10.1038/s41586-020-2649-2"))
    journal = forms.CharField(label=_("Journal or proceedings"), max_length=300, required=False)
    issn = forms.CharField(label=_("ISSN"), max_length=20, required=False)
    volume = forms.CharField(label=_("Volume"), max_length=30, required=False)
    issue = forms.CharField(label=_("Issue"), max_length=30, required=False)
    pages = forms.CharField(label=_("Pages"), max_length=40, required=False)
    publisher = forms.CharField(label=_("Publisher"), max_length=200, required=False)
    isbn = forms.CharField(label=_("ISBN"), max_length=20, required=False, help_text=_("Books."))
    number = forms.CharField(
        label=_("Patent or standard number"),
        max_length=100,
        required=False,
        help_text=_("Needed for patents and standards, e.g. ZL202310123456.7 or GB/T 1234-2024."),
    )
    patent_kind = forms.ChoiceField(
        label=_("Kind of patent"), choices=_blank(Output.PatentKind.choices), required=False
    )
    granted_on = forms.DateField(label=_("Granted on"), widget=DateInput, required=False)
    award_level = forms.ChoiceField(label=_("Level of the award"), choices=_blank(Level.choices), required=False)
    award_grade = forms.ChoiceField(
        label=_("Grade of the award"), choices=_blank(Output.AwardGrade.choices), required=False
    )

    def __init__(self, *args: Any, output: Output | None = None, **kwargs: Any) -> None:
        if output is not None:
            kwargs.setdefault("initial", {name: getattr(output, name) for name in self.base_fields})
        super().__init__(*args, **kwargs)


class RemoveForm(ServiceForm):
    confirm = forms.BooleanField(
        label=_("Remove this output. The audit log keeps the record of it."),
        required=True,
        error_messages={"required": _("Tick the box to confirm the removal.")},
    )


class UploadForm(ServiceForm):
    file = forms.FileField(
        label=_("File of references"),
        widget=forms.ClearableFileInput(attrs={"accept": ".bib,.ris,.json,.enw,.nbib,.txt"}),
        help_text=_(
            "BibTeX (.bib), RIS (.ris), CSL-JSON (.json), EndNote (.enw), PubMed (.nbib) or a text export "
            "(.txt: Web of Science plain text, PubMed format, and CNKI's and Wanfang's EndNote/Refer, RefWorks or "
            "NoteExpress), UTF-8, at most 1 MB: as Web of Science, Scopus, PubMed, Zotero, EndNote, CNKI or "
            "Wanfang export them."
        ),
        error_messages={"required": _("Choose the file to import."), "empty": _("The file is empty (0 bytes).")},
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        refusal = upload_refusal(upload.name or "", upload.size or 0)
        if refusal:
            raise forms.ValidationError(refusal)
        return upload
