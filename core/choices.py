"""Choice labels at the cost of a dictionary lookup.

Django's `get_<field>_display()` rebuilds a dictionary of the field's choices on every call, hashing
each lazy label, which translates it: about 50 µs for a status of eight states, once per row of
every list (25 rows: a millisecond of each page). The labels of a field in one language never change
while the process runs, so each (field, language) pair is built once and read after that.
`install()` puts the fast version in place of Django's on every model field Django gave one to,
leaving a model's own `get_<field>_display` alone; a test compares the two for every field, value
and language.
"""

from functools import cache, partialmethod
from typing import Any

from django.apps import apps
from django.db.models import Field, Model
from django.utils.encoding import force_str
from django.utils.translation import get_language


@cache
def _labels(field: Field[Any, Any], language: str | None) -> dict[Any, str]:
    return {value: force_str(label) for value, label in field.flatchoices}


def choice_label(instance: Model, field: Field[Any, Any]) -> Any:
    """The label of the instance's value of `field` in the active language, or the value itself
    when it is not one of the choices (as Django's `get_<field>_display()`)."""
    value = getattr(instance, field.attname)
    try:
        return _labels(field, get_language()).get(value, value)
    except TypeError:  # an unhashable value: Django's own way
        return Model._get_FIELD_display(instance, field)  # type: ignore[attr-defined]


def _is_djangos(method: object) -> bool:
    return isinstance(method, partialmethod) and method.func is Model._get_FIELD_display  # type: ignore[attr-defined]


def install() -> None:
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.concrete_fields:
            name = f"get_{field.name}_display"
            if field.choices is not None and _is_djangos(model.__dict__.get(name)):
                setattr(model, name, partialmethod(choice_label, field=field))
