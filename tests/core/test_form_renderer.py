"""The project's form renderer writes selects in Python: the markup must be Django's, byte for byte."""

import datetime as dt

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from core.form_renderer import INPUT, INPUTS, FormRenderer


class Sample(forms.Form):
    plain = forms.ChoiceField(
        required=False,
        choices=[
            ("", "all <stations>"),
            ("1", 'O"Brien & <b>sons</b>'),
            ("group", [("2", "two"), ("3", mark_safe("<i>three</i>"))]),
            ("4", gettext_lazy("Entry year <all>")),  # a lazy label, as the forms' own are
        ],
    )
    year = forms.TypedChoiceField(required=False, coerce=int, choices=[("", "all years"), (2024, 2024), (12345, 12345)])
    many = forms.MultipleChoiceField(
        choices=[("x", "X"), ("y", "Y")], widget=forms.SelectMultiple(attrs={"size": 3, "data-note": 'a"b'})
    )
    maybe = forms.NullBooleanField()
    day = forms.ChoiceField(choices=[(dt.date(2024, 1, 2), dt.date(2024, 1, 2))])


@pytest.mark.parametrize(
    "data",
    [None, {"plain": "3", "year": "2024", "many": ["x", "y"], "maybe": "true"}, {"plain": "1", "year": "nope"}],
)
def test_selects_render_exactly_as_djangos_templates(data):
    ours, django = Sample(data, renderer=FormRenderer()), Sample(data, renderer=DjangoTemplates())
    for name in Sample.base_fields:
        assert str(ours[name]) == str(django[name]), name


def test_the_selected_option_and_escaping_are_kept():
    html = str(Sample({"plain": "1"}, renderer=FormRenderer())["plain"])
    assert '<option value="1" selected>O&quot;Brien &amp; &lt;b&gt;sons&lt;/b&gt;</option>' in html
    assert '<option value="3"><i>three</i></option>' in html  # a label marked safe stays as it is
    assert '<optgroup label="group">' in html
    assert html.startswith('<select name="plain" id="id_plain">')


def test_the_project_renders_forms_with_it(settings):
    assert settings.FORM_RENDERER == "core.form_renderer.FormRenderer"
    assert isinstance(Sample().renderer, FormRenderer)


def test_a_select_with_its_own_option_template_goes_to_the_templates():
    class Custom(forms.Select):
        option_template_name = "django/forms/widgets/input_option.html"

    class WithCustom(forms.Form):
        choice = forms.ChoiceField(choices=[("a", "A")], widget=Custom)

    ours, django = WithCustom(renderer=FormRenderer()), WithCustom(renderer=DjangoTemplates())
    assert str(ours["choice"]) == str(django["choice"])


class Inputs(forms.Form):
    text = forms.CharField(
        max_length=20, widget=forms.TextInput(attrs={"placeholder": 'Name, "Latin" & <b>', "autofocus": True})
    )
    search = forms.CharField(required=False, widget=forms.TextInput(attrs={"type": "search", "hidden": False}))
    hidden = forms.CharField(widget=forms.HiddenInput)
    email = forms.EmailField()
    number = forms.IntegerField(min_value=1)
    decimal = forms.DecimalField(decimal_places=2)
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    moment = forms.DateTimeField()
    tick = forms.BooleanField(required=False)
    secret = forms.CharField(widget=forms.PasswordInput(render_value=True))
    upload = forms.FileField(required=False)
    link = forms.URLField(required=False)


@pytest.mark.parametrize(
    "data",
    [
        None,
        {
            "text": 'O"Brien <i>',
            "search": "张",
            "hidden": "x&y",
            "email": "a@b.c",
            "number": "3",
            "decimal": "1.5",
            "day": "2024-01-02",
            "moment": "2024-01-02 03:04",
            "tick": "on",
            "secret": "s3cret",
            "link": "https://example.edu/?a=1&b=2",
        },
        {"number": "many", "day": "yesterday"},
    ],
)
def test_inputs_render_exactly_as_djangos_templates(data):
    initial = {"text": mark_safe("<b>safe</b>"), "number": 12345, "day": dt.date(2024, 3, 4)}
    ours = Inputs(data, initial=initial, renderer=FormRenderer())
    django = Inputs(data, initial=initial, renderer=DjangoTemplates())
    for name in Inputs.base_fields:
        assert str(ours[name]) == str(django[name]), name


def test_the_inputs_written_in_python_are_djangos_one_line_templates():
    # A Django upgrade that gives one of them more markup must send it back to the templates.
    renderer = FormRenderer()
    for name in INPUTS - {INPUT}:
        source = renderer.get_template(name).template.source.strip()
        assert source == '{% include "django/forms/widgets/input.html" %}', name
