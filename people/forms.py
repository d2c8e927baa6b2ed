"""Forms of the people pages. They collect input; the services in people/services.py decide."""

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import User
from catalogue.models import Unit
from core.forms import DateInput, NamedChoiceField, ServiceForm, model_choice_field
from people.models import Person, Supervisor
from stations.models import Station

ACTIVE_CHOICES = [("", _("active and inactive")), ("yes", _("active")), ("no", _("inactive"))]
YES_NO = [("", _("either")), ("yes", _("yes")), ("no", _("no"))]


def _max_length(model: Any, name: str) -> int:
    return int(model._meta.get_field(name).max_length)


class SupervisorFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Name, Latin name or staff number")}),
    )
    station = NamedChoiceField(label=_("Station"), queryset=Station.objects.none(), required=False)
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.none(), required=False)
    doctoral = forms.ChoiceField(label=_("Doctoral supervisor"), choices=YES_NO, required=False)
    active = forms.ChoiceField(label=_("Active"), choices=ACTIVE_CHOICES, required=False, initial="yes")

    def __init__(self, *args: Any, stations: QuerySet[Station], units: QuerySet[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "station").queryset = stations
        model_choice_field(self, "station").empty_label = _("all stations")
        model_choice_field(self, "unit").queryset = units
        model_choice_field(self, "unit").empty_label = _("all units")


class SupervisorDetailsForm(ServiceForm):
    """A supervisor's own details: what `supervisor_update` changes."""

    staff_no = forms.CharField(label=_("Staff number"), max_length=_max_length(Supervisor, "staff_no"))
    name = forms.CharField(
        label=_("Name"),
        max_length=_max_length(Supervisor, "name"),
        help_text=_("In Chinese characters, as on staff records."),
    )
    name_en = forms.CharField(
        label=_("Name in Latin letters"), max_length=_max_length(Supervisor, "name_en"), required=False
    )
    title = forms.CharField(
        label=pgettext_lazy("academic rank", "Title"),
        max_length=_max_length(Supervisor, "title"),
        required=False,
        help_text=_("For example 教授 (professor) or 研究员 (research fellow)."),
    )
    is_doctoral_supervisor = forms.BooleanField(label=_("Doctoral supervisor (博导)"), required=False)
    is_external = forms.BooleanField(
        label=_("External"), required=False, help_text=_("Works outside the institution (a workstation's enterprise).")
    )

    DETAILS = ("staff_no", "name", "name_en", "title", "is_doctoral_supervisor", "is_external")


class SupervisorNewForm(SupervisorDetailsForm):
    """A new supervisor: their details and where they belong."""

    station = NamedChoiceField(label=_("Station"), queryset=Station.objects.none(), required=False)
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.none())

    def __init__(
        self, *args: Any, stations: QuerySet[Station], units: QuerySet[Unit], station_required: bool, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "station").queryset = stations
        self.fields["station"].required = station_required
        model_choice_field(self, "station").empty_label = "—" if station_required else _("no station")
        model_choice_field(self, "unit").queryset = units
        model_choice_field(self, "unit").empty_label = "—"


class SupervisorMoveForm(ServiceForm):
    station = NamedChoiceField(label=_("Station"), queryset=Station.objects.none(), required=False)
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.none())
    note = forms.CharField(
        label=_("Why the supervisor moves"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Kept in the history. Their postdocs' appointments stay in their stations."),
    )

    def __init__(
        self, *args: Any, stations: QuerySet[Station], units: QuerySet[Unit], station_required: bool, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "station").queryset = stations
        self.fields["station"].required = station_required
        model_choice_field(self, "station").empty_label = "—" if station_required else _("no station")
        model_choice_field(self, "unit").queryset = units
        model_choice_field(self, "unit").empty_label = "—"


class SupervisorActiveForm(ServiceForm):
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For example: retired on 2026-07-01."),
    )
    confirm = forms.BooleanField(
        label=_("I confirm this change."),
        error_messages={"required": _("Tick the box to confirm.")},
    )


class SupervisorDeleteForm(ServiceForm):
    confirm = forms.BooleanField(
        label=_("Delete this supervisor. The history keeps what was recorded about them."),
        error_messages={"required": _("Tick the box to confirm the deletion.")},
    )


class LinkLoginForm(ServiceForm):
    """Link to an existing account, or name a new one."""

    user = forms.ModelChoiceField(
        label=_("An existing account"), queryset=User.objects.none(), required=False, empty_label="—"
    )
    username = forms.CharField(
        label=_("or a new account's user name"), max_length=_max_length(User, "username"), required=False
    )
    email = forms.EmailField(
        label=_("Email of the new account"),
        required=False,
        help_text=_("The person sets their own password through a link sent here."),
    )

    def __init__(self, *args: Any, users: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "user").queryset = users

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("user")) == bool(data.get("username")):
            raise forms.ValidationError(_("Choose an existing account or give a user name for a new one, not both."))
        return data


# ---- a postdoc's identity ------------------------------------------------------------------------


class PersonDetailsForm(ServiceForm):
    """What `person_update` changes: everything but the ID, which has its own form."""

    name = forms.CharField(label=_("Name"), max_length=_max_length(Person, "name"))
    name_en = forms.CharField(
        label=_("Name in Latin letters"), max_length=_max_length(Person, "name_en"), required=False
    )
    gender = forms.ChoiceField(label=_("Gender"), choices=[("", "—"), *Person.Gender.choices])
    birth_date = forms.DateField(label=_("Birth date"), widget=DateInput)
    nationality = forms.CharField(label=_("Nationality"), max_length=_max_length(Person, "nationality"))
    is_foreign = forms.BooleanField(label=_("Foreign postdoc"), required=False)
    phd_institution = forms.CharField(
        label=_("PhD institution"), max_length=_max_length(Person, "phd_institution"), required=False
    )
    phd_date = forms.DateField(label=_("PhD awarded on"), widget=DateInput, required=False)
    email = forms.EmailField(label=_("Email"), max_length=_max_length(Person, "email"), required=False)
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Why the details change (kept in the history)."),
    )

    DETAILS = (
        "name",
        "name_en",
        "gender",
        "birth_date",
        "nationality",
        "is_foreign",
        "phd_institution",
        "phd_date",
        "email",
    )

    def changes(self, person: Person) -> dict[str, Any]:
        """Only what differs from the record, so the history shows what was corrected."""
        data = self.cleaned_data
        return {name: data[name] for name in self.DETAILS if data[name] != getattr(person, name)}


class PersonIdForm(ServiceForm):
    id_type = forms.ChoiceField(label=_("ID type"), choices=Person.IdType.choices)
    id_number = forms.CharField(label=_("Correct ID number"), max_length=_max_length(Person, "id_number"))
    note = forms.CharField(
        label=_("Why the ID number is corrected"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Kept in the history, with both numbers masked."),
    )
