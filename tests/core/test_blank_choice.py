from django import forms
from django.utils import translation

from stations.models import Station


def test_a_selects_blank_choice_reads_in_chinese():
    field = forms.ModelChoiceField(queryset=Station.objects.none(), required=False)
    with translation.override("zh-hans"):
        assert str(list(field.choices)[0][1]) == "- 请选择 -"
