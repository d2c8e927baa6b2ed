from django import forms
from django.utils.translation import gettext_lazy as _

from stations.models import Station


class StationFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Name or code")}),
    )
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("all kinds")), *Station.Kind.choices])
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("all statuses")), *Station.Status.choices]
    )
