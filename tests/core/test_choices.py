"""Choice labels from a kept dictionary (core/choices.py) say exactly what Django's own
`get_<field>_display()` says, for every model field with choices, every value and both languages."""

from django.apps import apps
from django.db.models import Model
from django.utils import translation

from appointments.models import Appointment
from core.choices import choice_label

NOT_A_CHOICE = {"CharField": "not-a-choice", "PositiveSmallIntegerField": 999, "IntegerField": 999}


def _fields_with_choices():
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if field.choices is not None:
                yield model, field


def test_every_label_is_djangos_own_in_both_languages():
    compared = 0
    for language in ("zh-hans", "en"):
        with translation.override(language):
            for model, field in _fields_with_choices():
                instance = model()
                values = [value for value, _label in field.flatchoices]
                values.append(NOT_A_CHOICE.get(field.get_internal_type()))
                for value in values:
                    setattr(instance, field.attname, value)
                    fast = getattr(instance, f"get_{field.name}_display")()
                    assert fast == Model._get_FIELD_display(instance, field), (model, field.name, value)
                    compared += 1
    assert compared > 200


def test_djangos_method_is_replaced_on_the_models():
    assert Appointment.__dict__["get_status_display"].func is choice_label
    replaced = [
        (model, field)
        for model, field in _fields_with_choices()
        if getattr(model.__dict__.get(f"get_{field.name}_display"), "func", None) is choice_label
    ]
    assert len(replaced) == len(list(_fields_with_choices()))


def test_the_label_follows_the_active_language():
    appointment = Appointment(status=Appointment.Status.IN_STATION)
    with translation.override("en"):
        english = appointment.get_status_display()
    with translation.override("zh-hans"):
        chinese = appointment.get_status_display()
    assert english == "in station" and chinese == "在站"
