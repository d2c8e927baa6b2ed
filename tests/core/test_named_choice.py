"""A station filter's options come from (key, name) rows; the markup and the cleaned value are a
model choice's."""

import pytest
from django import forms
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from core.forms import NamedChoiceField
from stations.models import Station


def _forms(queryset, data=None):
    class Plain(forms.Form):
        station = forms.ModelChoiceField(queryset=queryset, required=False, empty_label="all stations")

    class Named(forms.Form):
        station = NamedChoiceField(queryset=queryset, required=False, empty_label="all stations")

    return Plain(data), Named(data)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("chosen", [None, "first", "unknown"])
def test_the_options_and_the_chosen_station_render_as_a_model_choices(world, chosen, language):
    stations = Station.objects.filter(institution=world.institution).order_by("code")
    assert stations.count() >= 2
    # A station with an English name, so that the label follows the page's language.
    stations.filter(pk=stations[0].pk).update(name_en="Postdoctoral station of clinical medicine")
    data = None
    if chosen == "first":
        data = {"station": str(stations[0].pk)}
    elif chosen == "unknown":
        data = {"station": "999999"}
    plain, named = _forms(stations, data)
    with translation.override(language):
        assert str(named["station"]) == str(plain["station"])
        html = str(named["station"])
        english = "Postdoctoral station of clinical medicine"
        assert (english in html) == (language == "en")
        assert (stations[0].name_zh in html) == (language == "zh-hans")
    if chosen == "first":
        assert "selected>" in str(named["station"])


def test_the_cleaned_value_is_the_station_and_one_query_lists_the_options(world):
    stations = Station.objects.filter(institution=world.institution).order_by("code")
    first = stations[0]
    _plain, named = _forms(stations, {"station": str(first.pk)})
    assert named.is_valid()
    assert named.cleaned_data["station"] == first
    with CaptureQueriesContext(connection) as captured:
        html = str(named["station"])
    assert len(captured) == 1
    assert first.name in html


def test_a_station_outside_the_queryset_is_refused(world):
    stations = Station.objects.filter(institution=world.institution).order_by("code")
    _plain, named = _forms(stations.exclude(pk=stations[0].pk), {"station": str(stations[0].pk)})
    assert not named.is_valid()
    assert "station" in named.errors
