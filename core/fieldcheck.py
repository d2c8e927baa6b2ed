"""A fast check of a record's own columns, for bulk services that cannot afford `full_clean`.

`full_clean` runs every validator and a query per foreign key; a bulk service already knows its
related records and uniqueness, and needs only what the database would otherwise refuse with an
error nobody can read: text longer than its column and values outside a field's choices.
"""

import functools
from typing import Any

from django.db import models
from django.utils.translation import gettext as _

from core.errors import DomainError


@functools.cache
def _checked_fields(model: type[models.Model]) -> list[tuple[str, str, int | None, frozenset[str] | None, bool]]:
    fields = []
    for field in model._meta.concrete_fields:
        if field.is_relation or not isinstance(field, models.CharField):
            continue
        choices = frozenset(str(value) for value, _label in field.flatchoices) if field.choices else None
        fields.append((field.name, field.attname, field.max_length, choices, field.blank))
    return fields


def check_fields(instance: models.Model) -> None:
    """Raises DomainError naming the first text column that is too long, blank or not a choice."""
    for name, attname, max_length, choices, blank in _checked_fields(type(instance)):
        value: Any = getattr(instance, attname)
        if value is None or value == "":
            if not blank:
                raise DomainError(_("This field needs a value."), field=name)
            continue
        if max_length is not None and len(value) > max_length:
            raise DomainError(
                _("At most %(max)s characters (this has %(n)s).") % {"max": max_length, "n": len(value)}, field=name
            )
        if choices is not None and value not in choices:
            raise DomainError(_("%(value)s is not one of the choices.") % {"value": value}, field=name)
