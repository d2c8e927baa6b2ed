from typing import Any

from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _

from catalogue.models import Unit
from core.forms import DateInput, ServiceForm, choice_field, model_choice_field
from stations.models import Station


class StationFilterForm(forms.Form):
    q = forms.CharField(
        max_length=200,
        label=_("Search"),
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Name or code")}),
    )
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("all kinds")), *Station.Kind.choices])
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("all statuses")), *Station.Status.choices]
    )


# ---- the office's steps on a station (create, edit, status) ---------------------------------------

_STATION = Station._meta


def _max(field: str) -> int:
    model_field = _STATION.get_field(field)
    assert isinstance(model_field, models.Field)
    return int(model_field.max_length or 0)


class StationFieldsForm(ServiceForm):
    """The station's names, managing unit and approval number: what the office may correct."""

    name_zh = forms.CharField(label=_("Chinese name"), max_length=_max("name_zh"))
    name_en = forms.CharField(label=_("English name"), max_length=_max("name_en"), required=False)
    unit = forms.ModelChoiceField(label=_("Managing unit"), queryset=Unit.objects.none())
    approval_no = forms.CharField(
        label=_("Approval number"),
        max_length=_max("approval_no"),
        required=False,
        help_text=_("The document that approved the station (批准文号), at most 100 characters."),
    )

    def __init__(self, *args: Any, institution_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = Unit.objects.filter(institution_id=institution_id).order_by("code")
        model_choice_field(self, "unit").queryset = units
        for name in ("name_zh", "name_en"):
            self.fields[name].help_text = _("At most %(n)s characters.") % {"n": _max(name)}


class StationCreateForm(StationFieldsForm):
    """A workstation or an innovation base. A mobile station is set up only through its establishment
    application (or an import): it needs the state's approval and doctoral rights the application checks."""

    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[(k, label) for k, label in Station.Kind.choices if k != Station.Kind.MOBILE],
        initial=Station.Kind.WORKSTATION,
    )
    code = forms.CharField(
        label=_("Station code"),
        max_length=_max("code"),
        help_text=_("Unique in the institution, at most 30 characters, as in the exchange workbook."),
    )
    established_on = forms.DateField(label=_("Established on"), widget=DateInput)

    field_order = ["kind", "code", "name_zh", "name_en", "unit", "established_on", "approval_no"]


class StationEditForm(StationFieldsForm):
    note = forms.CharField(
        label=_("Reason for the change"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Optional; kept in the station's history. At most 500 characters."),
    )


STATUS_STEPS = {
    Station.Status.WARNED: _("Record a warning (整改)"),
    Station.Status.REVOKED: _("Record a revocation (撤销)"),
    Station.Status.ACTIVE: _("Reinstate: active again"),
}


class StationStatusForm(ServiceForm):
    """A warning, a revocation or a reinstatement, with its reason. The steps offered follow the
    station's status; a revocation needs its date and document number and is confirmed."""

    status = forms.ChoiceField(label=_("Step"), widget=forms.RadioSelect)
    on = forms.DateField(label=_("Revoked on"), required=False, widget=DateInput, help_text=_("For a revocation."))
    revocation_no = forms.CharField(
        label=_("Revocation document number"),
        required=False,
        max_length=_max("revocation_no"),
        help_text=_("For a revocation: the document that revoked the station, at most 100 characters."),
    )
    note = forms.CharField(
        label=_("Reason"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept in the station's history, at most 1,000 characters."),
    )
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, station: Station, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        steps = [(status, label) for status, label in STATUS_STEPS.items() if status != station.status]
        if station.status == Station.Status.REVOKED:
            # A revoked station is reinstated (a revocation recorded in error) or its revocation corrected.
            steps = [
                (Station.Status.ACTIVE, _("Reinstate: the revocation was recorded in error")),
                (Station.Status.REVOKED, _("Correct the revocation's date or document number")),
            ]
        choice_field(self, "status").choices = steps
        if station.status == Station.Status.REVOKED and not self.is_bound:
            self.initial.setdefault("on", station.revoked_on)
            self.initial.setdefault("revocation_no", station.revocation_no)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("status") == Station.Status.REVOKED:
            if not data.get("on"):
                self.add_error("on", _("A revocation needs its date."))
            if not (data.get("revocation_no") or "").strip():
                self.add_error("revocation_no", _("Give the document number of the revocation."))
        return data
