"""Forms of the funding pages. They only collect input; the services decide (and say why not).

A rule the institution enforces as a warning comes back from the service as a `RuleWarning`: the
form then shows its sentence with the `acknowledged` box, and the same input is sent again with the
box ticked (the audit event records the acknowledgement)."""

from collections.abc import Callable
from typing import Any

from django import forms
from django.db.models import Case, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError
from core.forms import DateInput, NamedChoiceField, ServiceForm, choice_field, model_choice_field
from core.i18n import pick_language
from funding.access import visible_funders, visible_programmes
from funding.models import AmountStyle, Certainty, Funder, GradeAmount, Level, Programme, Project, RuleMode
from funding.rules import RuleWarning
from stations.models import Station

LEVEL_OVERRIDE_CHOICES = [("", _("from the institution's mapping")), *Level.choices]


def funder_label(funder: Funder) -> str:
    return pick_language(funder.name_zh, funder.name_en)


def programme_label(programme: Programme) -> str:
    """The funder and the programme (the programme's funder must be selected with it)."""
    return f"{funder_label(programme.funder)} · {pick_language(programme.name_zh, programme.name_en)}"


def funder_order() -> list[Any]:
    """National bodies first, then provincial, municipal, the university's own and others; by code."""
    kinds = Case(
        *(When(kind=kind, then=Value(position)) for position, kind in enumerate(Funder.Kind.values)),
        default=Value(len(Funder.Kind.values)),
    )
    return [kinds, "code"]


# ---------------------------------------------------------------------------------------------
# The projects list


class ProjectFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Number, title, funder, postdoc name or number")}
        ),
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("all statuses")), *Project.Status.choices]
    )
    level = forms.ChoiceField(label=_("Level counted"), required=False, choices=[("", _("all levels")), *Level.choices])
    funder = forms.ModelChoiceField(label=_("Funder"), queryset=Funder.objects.none(), required=False)
    programme = forms.ModelChoiceField(label=_("Programme"), queryset=Programme.objects.none(), required=False)
    station = NamedChoiceField(label=_("Station"), queryset=Station.objects.none(), required=False)
    year = forms.TypedChoiceField(label=_("Award year"), required=False, coerce=int, empty_value=None)
    role = forms.ChoiceField(label=_("Role"), required=False, choices=[("", _("all roles")), *Project.Role.choices])

    FILTERS = ("q", "status", "level", "funder", "programme", "station", "year", "role")

    def __init__(
        self, *args: Any, institution_id: int | None, stations: QuerySet[Station], years: list[int], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        funder = model_choice_field(self, "funder")
        funder.queryset = visible_funders(institution_id).order_by(*funder_order())
        funder.empty_label = _("all funders")
        # Per-form option labels: the stubs let only a subclass replace this method.
        funder.label_from_instance = funder_label  # type: ignore[method-assign, assignment]
        programme = model_choice_field(self, "programme")
        programme.queryset = visible_programmes(institution_id).order_by("funder__code", "code")
        programme.empty_label = _("all programmes")
        # Per-form option labels: the stubs let only a subclass replace this method.
        programme.label_from_instance = programme_label  # type: ignore[method-assign, assignment]
        model_choice_field(self, "station").queryset = stations
        model_choice_field(self, "station").empty_label = _("all stations")
        # The label as text: an int would be localised as a number for each of the years, to the same digits.
        choice_field(self, "year").choices = [("", _("all years")), *((year, str(year)) for year in years)]


# ---------------------------------------------------------------------------------------------
# A project's forms


class AcknowledgeMixin(forms.Form):
    """The box a rule in warning mode asks for; shown only once the warning was given."""

    acknowledged = forms.BooleanField(label=_("I have read this; record anyway"), required=False)


class ProjectFormBase(AcknowledgeMixin, ServiceForm):
    def __init__(self, *args: Any, institution_id: int | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "funder_ref" in self.fields:
            field = model_choice_field(self, "funder_ref")
            field.queryset = visible_funders(institution_id).order_by(*funder_order())
            # Per-form option labels: the stubs let only a subclass replace this method.
            field.label_from_instance = funder_label  # type: ignore[method-assign, assignment]
        if "programme_ref" in self.fields:
            field = model_choice_field(self, "programme_ref")
            field.queryset = visible_programmes(institution_id).order_by("funder__code", "code")
            # Per-form option labels: the stubs let only a subclass replace this method.
            field.label_from_instance = programme_label  # type: ignore[method-assign, assignment]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        programme = data.get("programme_ref")
        # A programme names its funder: choosing the programme is enough.
        if programme is not None and "funder_ref" in self.fields and not data.get("funder_ref"):
            data["funder_ref"] = programme.funder
        if "funder_ref" in self.fields and not data.get("funder_ref") and not data.get("funder"):
            self.add_error("funder_ref", _("Choose the funder, or write its name if it is not in the list."))
        return data

    def service_data(self) -> dict[str, Any]:
        """The cleaned data as the service's keyword arguments (empty optional values left out)."""
        data = dict(self.cleaned_data)
        if data.get("amount") is None:
            data.pop("amount", None)
        return data


class FunderFields(forms.Form):
    """The funder and programme: chosen from the catalogue, or written as on the notice."""

    funder_ref = forms.ModelChoiceField(
        label=_("Funder"), queryset=Funder.objects.none(), required=False, empty_label="—"
    )
    funder = forms.CharField(
        label=_("Funder, if not in the list"),
        max_length=200,
        required=False,
        help_text=_("As written on the notice; a project whose funder is not in the list needs a level."),
    )
    programme_ref = forms.ModelChoiceField(
        label=_("Programme"), queryset=Programme.objects.none(), required=False, empty_label="—"
    )
    programme = forms.CharField(label=_("Programme, if not in the list"), max_length=200, required=False)


class ApplyForm(FunderFields, ProjectFormBase):
    """An application (申报): recorded before the funder decides, so that success rates are known."""

    project_no = forms.CharField(label=_("Application number"), max_length=50)
    title = forms.CharField(label=_("Title"), max_length=300)
    applied_on = forms.DateField(label=_("Applied on"), widget=DateInput)
    role = forms.ChoiceField(label=_("Role"), choices=Project.Role.choices, initial=Project.Role.PRINCIPAL)
    amount = forms.DecimalField(
        label=_("Amount applied for (yuan)"), required=False, min_value=0, max_digits=14, decimal_places=2
    )
    level_override = forms.ChoiceField(
        label=_("Level given for this project"),
        choices=LEVEL_OVERRIDE_CHOICES,
        required=False,
        help_text=_("Leave it to the mapping unless this project counts at another level."),
    )
    period_start = forms.DateField(label=_("Project period from"), widget=DateInput, required=False)
    period_end = forms.DateField(label=_("Project period until"), widget=DateInput, required=False)
    extension_commitment_until = forms.DateField(
        label=_("The office commits to extend the appointment until"),
        widget=DateInput,
        required=False,
        help_text=_("Needed by programmes that ask for it (an NSFC application of a postdoc in station)."),
    )

    field_order = [
        "project_no",
        "title",
        "funder_ref",
        "funder",
        "programme_ref",
        "programme",
        "applied_on",
        "role",
        "amount",
        "level_override",
        "period_start",
        "period_end",
        "extension_commitment_until",
        "acknowledged",
    ]

    def __init__(self, *args: Any, institution_id: int | None, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"applied_on": timezone.localdate(), "role": Project.Role.PRINCIPAL})
        super().__init__(*args, institution_id=institution_id, **kwargs)


class RecordForm(FunderFields, ProjectFormBase):
    """An award recorded directly (a project that was never recorded as an application)."""

    project_no = forms.CharField(label=_("Project number"), max_length=50)
    title = forms.CharField(label=_("Title"), max_length=300)
    awarded_on = forms.DateField(label=_("Awarded on"), widget=DateInput)
    applied_on = forms.DateField(label=_("Applied on"), widget=DateInput, required=False)
    grade = forms.CharField(label=_("Grade"), max_length=40, required=False, help_text=_("e.g. 一等, 二等"))
    batch = forms.CharField(label=_("Batch"), max_length=50, required=False, help_text=_("e.g. 第75批"))
    role = forms.ChoiceField(label=_("Role"), choices=Project.Role.choices, initial=Project.Role.PRINCIPAL)
    amount = forms.DecimalField(label=_("Amount (yuan)"), required=False, min_value=0, max_digits=14, decimal_places=2)
    level_override = forms.ChoiceField(
        label=_("Level given for this project"),
        choices=LEVEL_OVERRIDE_CHOICES,
        required=False,
        help_text=_("Leave it to the mapping unless this project counts at another level."),
    )
    period_start = forms.DateField(label=_("Project period from"), widget=DateInput, required=False)
    period_end = forms.DateField(label=_("Project period until"), widget=DateInput, required=False)

    field_order = [
        "project_no",
        "title",
        "funder_ref",
        "funder",
        "programme_ref",
        "programme",
        "awarded_on",
        "applied_on",
        "grade",
        "batch",
        "role",
        "amount",
        "level_override",
        "period_start",
        "period_end",
        "acknowledged",
    ]

    def __init__(self, *args: Any, institution_id: int | None, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"awarded_on": timezone.localdate(), "role": Project.Role.PRINCIPAL})
        super().__init__(*args, institution_id=institution_id, **kwargs)


class EditForm(FunderFields, ProjectFormBase):
    """A project's details; its status changes through its steps."""

    EDITABLE = [
        "project_no",
        "title",
        "funder_ref",
        "funder",
        "programme_ref",
        "programme",
        "grade",
        "batch",
        "role",
        "amount",
        "level_override",
        "period_start",
        "period_end",
        "extension_commitment_until",
    ]

    project_no = forms.CharField(label=_("Project or application number"), max_length=50)
    title = forms.CharField(label=_("Title"), max_length=300)
    grade = forms.CharField(label=_("Grade"), max_length=40, required=False)
    batch = forms.CharField(label=_("Batch"), max_length=50, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=Project.Role.choices)
    amount = forms.DecimalField(label=_("Amount (yuan)"), min_value=0, max_digits=14, decimal_places=2)
    level_override = forms.ChoiceField(
        label=_("Level given for this project"), choices=LEVEL_OVERRIDE_CHOICES, required=False
    )
    period_start = forms.DateField(label=_("Project period from"), widget=DateInput, required=False)
    period_end = forms.DateField(label=_("Project period until"), widget=DateInput, required=False)
    extension_commitment_until = forms.DateField(
        label=_("The office commits to extend the appointment until"), widget=DateInput, required=False
    )

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {name: getattr(project, name) for name in self.EDITABLE})
        super().__init__(*args, institution_id=project.institution_id, **kwargs)
        self.order_fields([*self.EDITABLE, "acknowledged"])
        self.project = project

    def changes(self) -> dict[str, Any]:
        """Only what differs from the project: the service audits what changed."""
        data = self.service_data()
        data.pop("acknowledged", None)
        return {name: value for name, value in data.items() if getattr(self.project, name) != value}


class AwardForm(ProjectFormBase):
    awarded_on = forms.DateField(label=_("Awarded on"), widget=DateInput)
    project_no = forms.CharField(
        label=_("Project number"),
        max_length=50,
        required=False,
        help_text=_("The funder's number for the project, if it differs from the application's."),
    )
    amount = forms.DecimalField(label=_("Amount (yuan)"), required=False, min_value=0, max_digits=14, decimal_places=2)
    grade = forms.CharField(label=_("Grade"), max_length=40, required=False, help_text=_("e.g. 一等, 二等"))
    batch = forms.CharField(label=_("Batch"), max_length=50, required=False, help_text=_("e.g. 第75批"))
    period_start = forms.DateField(label=_("Project period from"), widget=DateInput, required=False)
    period_end = forms.DateField(label=_("Project period until"), widget=DateInput, required=False)

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "awarded_on": timezone.localdate(),
                "amount": project.amount or None,
                "period_start": project.period_start,
                "period_end": project.period_end,
            },
        )
        super().__init__(*args, institution_id=project.institution_id, **kwargs)

    def service_data(self) -> dict[str, Any]:
        data = super().service_data()
        if not data.get("project_no"):
            data.pop("project_no", None)
        return data


class DateStepForm(AcknowledgeMixin, ServiceForm):
    on = forms.DateField(label=_("On"), widget=DateInput)

    def __init__(self, *args: Any, project: Project, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.project = project

    def service_data(self) -> dict[str, Any]:
        return {"on": self.cleaned_data["on"]}


class RejectForm(DateStepForm):
    field_aliases = {"rejected_on": "on"}


class CompleteForm(DateStepForm):
    field_aliases = {"ended_on": "on"}


class TerminateForm(DateStepForm):
    field_aliases = {"ended_on": "on"}

    reason = forms.CharField(max_length=2000, label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))
    confirm = forms.BooleanField(
        label=_("I confirm the termination. The project keeps counting as awarded; this cannot be undone here."),
        required=True,
        error_messages={"required": _("Tick the box to confirm the termination.")},
    )

    field_order = ["on", "reason", "confirm"]

    def service_data(self) -> dict[str, Any]:
        return {"on": self.cleaned_data["on"], "reason": self.cleaned_data["reason"]}


# ---------------------------------------------------------------------------------------------
# Funders, programmes and amounts of the institution's own


class FunderForm(ServiceForm):
    FIELDS = ["code", "name_zh", "name_en", "aliases", "kind", "region"]

    code = forms.CharField(label=_("Code"), max_length=40)
    name_zh = forms.CharField(label=_("Name (Chinese)"), max_length=200)
    name_en = forms.CharField(label=_("Name (English)"), max_length=200, required=False)
    aliases = forms.CharField(
        max_length=2000,
        label=_("Other names, one per line"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Names under which old records and imported sheets mention the funder."),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=Funder.Kind.choices)
    region = forms.CharField(label=_("Province or city"), max_length=50, required=False)

    def __init__(self, *args: Any, funder: Funder | None = None, **kwargs: Any) -> None:
        if funder is not None:
            kwargs.setdefault("initial", {name: getattr(funder, name) for name in self.FIELDS})
        super().__init__(*args, **kwargs)


class ProgrammeForm(ServiceForm):
    FIELDS = [
        "code",
        "name_zh",
        "name_en",
        "aliases",
        "once_per_station",
        "apply_within_months",
        "needs_extension_commitment",
        "source",
        "note_zh",
        "note",
    ]

    code = forms.CharField(label=_("Code"), max_length=60)
    name_zh = forms.CharField(label=_("Name (Chinese)"), max_length=200)
    name_en = forms.CharField(label=_("Name (English)"), max_length=200, required=False)
    aliases = forms.CharField(
        max_length=2000, label=_("Other names, one per line"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    once_per_station = forms.BooleanField(label=_("Awarded at most once per station"), required=False)
    apply_within_months = forms.IntegerField(
        label=_("Applications within this many months of entry"), min_value=1, max_value=120, required=False
    )
    needs_extension_commitment = forms.BooleanField(
        label=_("An application needs the office's commitment to extend the appointment"), required=False
    )
    source = forms.URLField(label=_("Source"), max_length=500, required=False, assume_scheme="https")
    note_zh = forms.CharField(
        label=_("Note (Chinese)"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    note = forms.CharField(
        label=_("Note (English)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Chinese pages show the Chinese note, English pages the English one; a note in one language shows on both."
        ),
    )

    def __init__(self, *args: Any, programme: Programme | None = None, **kwargs: Any) -> None:
        if programme is not None:
            kwargs.setdefault("initial", {name: getattr(programme, name) for name in self.FIELDS})
        super().__init__(*args, **kwargs)


class GradeAmountForm(ServiceForm):
    FIELDS = ["grade", "field", "amount", "year_from", "year_to", "certainty", "source", "note_zh", "note"]

    grade = forms.CharField(label=_("Grade"), max_length=40, required=False)
    field = forms.ChoiceField(label=_("Field"), choices=GradeAmount.Field.choices, required=False)
    amount = forms.DecimalField(label=_("Amount (yuan)"), min_value=0, max_digits=14, decimal_places=2)
    year_from = forms.IntegerField(label=_("From the year"), min_value=1980, max_value=2100)
    year_to = forms.IntegerField(label=_("Until the year"), min_value=1980, max_value=2100, required=False)
    certainty = forms.ChoiceField(
        label=_("Certainty"),
        choices=Certainty.choices,
        help_text=_(
            "How sure the figure is: confirmed by an official notice, from a secondary source, our inference, or sources that disagree."
        ),
    )
    source = forms.URLField(label=_("Source"), max_length=500, required=False, assume_scheme="https")
    note_zh = forms.CharField(label=_("Note (Chinese)"), max_length=300, required=False)
    note = forms.CharField(
        label=_("Note (English)"),
        max_length=300,
        required=False,
        help_text=_(
            "Chinese pages show the Chinese note, English pages the English one; a note in one language shows on both."
        ),
    )

    def __init__(self, *args: Any, grade_amount: GradeAmount | None = None, **kwargs: Any) -> None:
        if grade_amount is not None:
            kwargs.setdefault("initial", {name: getattr(grade_amount, name) for name in self.FIELDS})
        else:
            kwargs.setdefault("initial", {"year_from": timezone.localdate().year, "certainty": "C"})
        super().__init__(*args, **kwargs)


# ---------------------------------------------------------------------------------------------
# The level mapping and the rules


class LevelChangeForm(ServiceForm):
    """A change of the mapping for a funder or one of its programmes; confirmed after the preview."""

    funder = forms.ModelChoiceField(queryset=Funder.objects.none(), widget=forms.HiddenInput)
    programme = forms.ModelChoiceField(queryset=Programme.objects.none(), required=False, widget=forms.HiddenInput)
    level = forms.ChoiceField(label=_("Level"), choices=[("", "—"), *Level.choices], required=False)
    confirm = forms.BooleanField(
        label=_("Save the new level and recount the projects as shown."),
        required=False,
    )

    def __init__(self, *args: Any, institution_id: int | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "funder").queryset = visible_funders(institution_id)
        model_choice_field(self, "programme").queryset = visible_programmes(institution_id)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        funder, programme = data.get("funder"), data.get("programme")
        if funder is not None and programme is not None and programme.funder_id != funder.pk:
            self.add_error(None, _("The programme is not one of the funder's."))
        return data


class FundingRulesForm(ServiceForm):
    RULES = ["once_per_station", "apply_window", "extension_commitment"]

    once_per_station = forms.ChoiceField(
        label=_("A programme awarded at most once per station"),
        choices=RuleMode.choices,
        widget=forms.RadioSelect,
        help_text=_("The CPSF general grant funds a postdoc once per station."),
    )
    apply_window = forms.ChoiceField(
        label=_("Applications within the eligible period after entry"),
        choices=RuleMode.choices,
        widget=forms.RadioSelect,
        help_text=_("e.g. the CPSF general grant within 18 months of entry."),
    )
    extension_commitment = forms.ChoiceField(
        label=_("Applications that need the office's extension commitment"),
        choices=RuleMode.choices,
        widget=forms.RadioSelect,
        help_text=_("An NSFC application of a postdoc in station needs the office's commitment to extend the stay."),
    )


class AmountStyleForm(ServiceForm):
    amount_style = forms.ChoiceField(
        label=_("Amounts written as"),
        choices=AmountStyle.choices,
        widget=forms.RadioSelect,
        help_text=_(
            "On every page, in Chinese and in English; 1万 (wan) is 10,000 yuan, and no digit is rounded away "
            "(1,234,567 yuan is 123.4567万). Exports keep plain numbers."
        ),
    )


# Service calls from the pages: a refusal is a field error, a warning asks for an acknowledgement


def submit(form: ServiceForm, call: Callable[[], object]) -> tuple[bool, str]:
    """Calls the service; returns (done, warning). A refusal is added to the form."""
    try:
        call()
    except RuleWarning as warning:
        return False, warning.message
    except DomainError as error:
        form.add_domain_error(error)
        return False, ""
    return True, ""


def form_context(form: ServiceForm, warning: str) -> dict[str, Any]:
    acknowledged = form["acknowledged"].value() if "acknowledged" in form.fields else False
    return {"form": form, "warning": warning, "show_acknowledge": bool(warning) or bool(acknowledged)}
