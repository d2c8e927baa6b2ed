"""Forms of the postdoc pages. They only collect input; the services decide (and say why not)."""

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from appointments.models import Appointment, Assessment, Grade
from appointments.selectors import DUE_FILTERS
from core.forms import DateInput, NamedChoiceField, ServiceForm, choice_field, model_choice_field
from people.choices import GroupedSupervisorField, chosen_station, regroup_on_change
from people.models import Person, Supervisor
from stations.models import Station

SORTS = [("-entry", _("newest entry first")), ("entry", _("oldest entry first"))]


class PostdocFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Name, Latin name or postdoc number")}),
    )
    station = NamedChoiceField(label=_("Station"), queryset=Station.objects.none(), required=False)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("all statuses")), *Appointment.Status.choices]
    )
    year = forms.TypedChoiceField(label=_("Entry year"), required=False, coerce=int, empty_value=None)
    due = forms.ChoiceField(label=_("Due"), required=False, choices=[("", _("no due filter")), *DUE_FILTERS.items()])
    sort = forms.ChoiceField(required=False, choices=SORTS, widget=forms.HiddenInput)

    def __init__(self, *args: Any, stations: QuerySet[Station], years: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "station").queryset = stations
        model_choice_field(self, "station").empty_label = _("all stations")
        # The label as text: an int would be localised as a number for each of the years, to the same digits.
        choice_field(self, "year").choices = [("", _("all years")), *((year, str(year)) for year in years)]


class ExceptionReasonMixin(forms.Form):
    """For steps whose rules an office administrator may set aside, with a recorded reason."""

    exception_reason = forms.CharField(
        max_length=2000,
        label=_("Exception reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Recorded as a policy exception with your name. Leave empty to keep the rule."),
    )


class ConfirmMixin(forms.Form):
    confirm = forms.BooleanField(
        label=_("I confirm this step. It ends the stay in the station and cannot be undone here."),
        required=True,
        error_messages={"required": _("Tick the box to confirm this step.")},
    )


def _today() -> Any:
    return timezone.localdate()


class EnterForm(ExceptionReasonMixin, ServiceForm):
    field_aliases = {"entry_date": "on", "planned_exit_date": None}

    on = forms.DateField(
        label=_("Entry date"),
        widget=DateInput,
        help_text=_("The day the postdoc actually entered. A different day moves the planned exit with it."),
    )

    def __init__(self, *args: Any, appointment: Appointment, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"on": appointment.entry_date})
        super().__init__(*args, **kwargs)


class AssessmentForm(ServiceForm):
    kind = forms.ChoiceField(label=_("Kind of assessment"), choices=[("", "—"), *Assessment.Kind.choices])
    held_on = forms.DateField(label=_("Held on"), widget=DateInput)
    grade = forms.ChoiceField(label=_("Grade"), choices=[("", "—"), *Grade.choices])
    panel = forms.CharField(
        max_length=1000,
        label=_("Panel"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Members, one a line."),
    )
    comments = forms.CharField(
        max_length=5000, label=_("Comments"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, appointment: Appointment, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"held_on": _today()})
        super().__init__(*args, **kwargs)


class PhdCertificateForm(ServiceForm):
    received_on = forms.DateField(label=_("Certificate received on"), widget=DateInput)

    def __init__(self, *args: Any, appointment: Appointment, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"received_on": _today()})
        super().__init__(*args, **kwargs)


class ExtendForm(ExceptionReasonMixin, ServiceForm):
    field_aliases = {"planned_exit_date": "until", "entry_date": "until"}

    until = forms.DateField(label=_("New planned exit date"), widget=DateInput)
    reason = forms.CharField(
        max_length=2000, label=_("Reason for the extension"), widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, appointment: Appointment, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["until"].help_text = _("Currently %(date)s.") % {"date": appointment.planned_exit_date.isoformat()}


class ExitForm(ExceptionReasonMixin, ConfirmMixin, ServiceForm):
    on = forms.DateField(label=_("Exit date"), widget=DateInput)

    field_order = ["on", "confirm", "exception_reason"]

    def __init__(self, *args: Any, appointment: Appointment, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"on": _today()})
        super().__init__(*args, **kwargs)


class WithdrawForm(ConfirmMixin, ServiceForm):
    on = forms.DateField(label=_("Withdrawal date"), widget=DateInput)
    ground = forms.ChoiceField(label=_("Ground"), choices=[("", "—"), *Appointment.WithdrawalGround.choices])
    note = forms.CharField(max_length=2000, label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    field_order = ["on", "ground", "note", "confirm"]

    def __init__(self, *args: Any, appointment: Appointment, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"on": _today()})
        super().__init__(*args, **kwargs)


class TransferForm(ConfirmMixin, ServiceForm):
    on = forms.DateField(label=_("Transfer date"), widget=DateInput)
    to = forms.CharField(label=_("Station transferred to"), max_length=200)
    note = forms.CharField(max_length=2000, label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    field_order = ["on", "to", "note", "confirm"]

    def __init__(self, *args: Any, appointment: Appointment, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"on": _today()})
        super().__init__(*args, **kwargs)


class StayForm(ExceptionReasonMixin, ServiceForm):
    """The fields of a stay (station, number, dates, supervisors, route): a new postdoc's admission
    and a registered person's admission to another station. The chosen station's supervisors are
    offered first ("This station", then "Other stations"), regrouped when the station changes."""

    APPOINTMENT_FIELDS = [
        "station",
        "postdoc_no",
        "entry_date",
        "planned_exit_date",
        "primary_supervisor",
        "co_supervisor",
        "route",
        "workstation",
    ]

    station = NamedChoiceField(label=_("Station"), queryset=Station.objects.none(), empty_label="—")
    postdoc_no = forms.CharField(label=_("Postdoc number"), max_length=30)
    entry_date = forms.DateField(label=_("Entry date"), widget=DateInput)
    planned_exit_date = forms.DateField(
        label=_("Planned exit date"),
        widget=DateInput,
        required=False,
        help_text=_("Leave empty for the normal in-station period of the policy."),
    )
    primary_supervisor = GroupedSupervisorField(
        label=_("Supervisor"), queryset=Supervisor.objects.none(), empty_label="—"
    )
    co_supervisor = GroupedSupervisorField(
        label=_("Co-supervisor"), queryset=Supervisor.objects.none(), required=False, empty_label="—"
    )
    route = forms.ChoiceField(
        label=_("Route"), choices=Appointment.Route.choices, initial=Appointment.Route.INDEPENDENT
    )
    workstation = forms.ModelChoiceField(
        label=_("Joint-training workstation"), queryset=Station.objects.none(), required=False, empty_label="—"
    )

    def __init__(
        self,
        *args: Any,
        stations: QuerySet[Station],
        supervisors: QuerySet[Supervisor],
        workstations: QuerySet[Station],
        preselect: str | None = None,
        regroup_url: str = "",
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "station").queryset = stations
        model_choice_field(self, "primary_supervisor").queryset = supervisors
        model_choice_field(self, "co_supervisor").queryset = supervisors
        model_choice_field(self, "workstation").queryset = workstations
        # The chosen station's supervisors first ("This station", then "Other stations").
        station = chosen_station(self, stations, preselect)
        if station is not None:
            self.initial.setdefault("station", station.pk)
        for name in ("primary_supervisor", "co_supervisor"):
            field = self.fields[name]
            assert isinstance(field, GroupedSupervisorField)
            field.group_by(station)
        if regroup_url:
            regroup_on_change(self, regroup_url)

    def appointment_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.APPOINTMENT_FIELDS]


class NewPostdocForm(StayForm):
    """Registers the person and admits them to a station in one step."""

    field_aliases = {"person": None}

    PERSON_FIELDS = [
        "name",
        "name_en",
        "gender",
        "birth_date",
        "id_type",
        "id_number",
        "nationality",
        "is_foreign",
        "phd_institution",
        "phd_date",
        "prior_postdoc_months",
        "email",
    ]

    name = forms.CharField(label=_("Name"), max_length=100)
    name_en = forms.CharField(label=_("Name in Latin letters"), max_length=100, required=False)
    gender = forms.ChoiceField(label=_("Gender"), choices=[("", "—"), *Person.Gender.choices])
    birth_date = forms.DateField(label=_("Birth date"), widget=DateInput)
    id_type = forms.ChoiceField(label=_("ID type"), choices=Person.IdType.choices, initial=Person.IdType.RESIDENT_ID)
    id_number = forms.CharField(label=_("ID number"), max_length=40)
    nationality = forms.CharField(label=_("Nationality"), max_length=50, initial="中国")
    is_foreign = forms.BooleanField(label=_("Foreign postdoc"), required=False)
    phd_institution = forms.CharField(label=_("PhD institution"), max_length=200, required=False)
    phd_date = forms.DateField(label=_("PhD awarded on"), widget=DateInput, required=False)
    prior_postdoc_months = forms.IntegerField(
        label=_("Months in stations elsewhere"),
        min_value=0,
        initial=0,
        help_text=_("Time spent in postdoctoral stations outside this system; counts towards the six-year total."),
    )
    email = forms.EmailField(label=_("Email"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, regroup_url=reverse("postdoc-new"), **kwargs)

    def person_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.PERSON_FIELDS]


class SecondAdmissionForm(StayForm):
    """Admits a person already registered (in another station, or earlier) to a station."""
