"""Every text field of every form has a length limit, which the page states (components/field.html):
an over-long value is refused on the same page, with the input kept, never by the database."""

import importlib
import inspect

from django import forms

APPS = [
    "accounts",
    "appointments",
    "awardlists",
    "catalogue",
    "establishment",
    "exchange",
    "funding",
    "outputs",
    "people",
    "reports",
    "reviews",
    "stations",
]
# Passwords are checked by Django's validators, and the sign-in form takes its user name's limit from
# the model when it is made.
UNLIMITED = {"password", "new_password1", "new_password2", "old_password"}


def form_classes():
    for app in APPS:
        try:
            module = importlib.import_module(f"{app}.forms")
        except ModuleNotFoundError:
            continue
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__:
                yield cls


def test_every_text_field_has_a_length_limit():
    unlimited = [
        f"{cls.__module__}.{cls.__name__}.{name}"
        for cls in form_classes()
        for name, field in cls.declared_fields.items()
        if isinstance(field, forms.CharField)
        and field.max_length is None
        and name not in UNLIMITED
        and not (cls.__name__ == "SignInForm" and name == "username")
    ]
    assert unlimited == []


def test_the_scan_finds_the_forms():
    names = {cls.__name__ for cls in form_classes()}
    assert {"NewPostdocForm", "StationStatusForm", "AccountForm", "ScoreForm"} <= names
