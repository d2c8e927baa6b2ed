from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import DateInput


class FiguresForm(forms.Form):
    as_of = forms.DateField(label=_("As of"), widget=DateInput, required=False)
    years = forms.IntegerField(
        label=_("Window (years)"),
        min_value=1,
        max_value=40,
        required=False,
        widget=forms.NumberInput(attrs={"min": 1, "max": 40, "step": 1}),
    )
