"""Form helpers the staff pages share: ISO date inputs and the services' refusals shown per field."""

from collections.abc import Iterator
from typing import Any

from django import forms
from django.forms.models import ModelChoiceIterator

from core.errors import DomainError, RuleViolation
from core.i18n import pick_language


class DateInput(forms.DateInput):
    """A browser date picker; the value travels as ISO (YYYY-MM-DD) whatever the page's language."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class _NamedRowsIterator(ModelChoiceIterator[Any]):
    """The options of a `NamedChoiceField`: (key, Chinese name, English name) rows, labelled as
    `BilingualName.name` is, with no model instance per option."""

    def __iter__(self) -> Iterator[tuple[Any, Any]]:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for key, name_zh, name_en in self.queryset.values_list("pk", "name_zh", "name_en"):
            yield (key, pick_language(name_zh, name_en))


class NamedChoiceField(forms.ModelChoiceField[Any]):
    """A choice of a record with a bilingual name (`core.i18n.BilingualName`, whose `__str__` is its
    name): a list's filter offers every station, and building a model instance per option cost about
    a third of the postdoc list's page (issue 15). The chosen value is still the instance."""

    iterator = _NamedRowsIterator


class ServiceForm(forms.Form):
    """A form whose data goes to a service; the service's refusal is shown next to the field it names.

    `field_aliases` maps a field name the service uses to this form's field (None: the whole form).
    """

    field_aliases: dict[str, str | None] = {}

    def field_for(self, name: str | None) -> str | None:
        if name is None:
            return None
        name = self.field_aliases.get(name, name)
        return name if name in self.fields else None

    def add_domain_error(self, error: DomainError) -> None:
        if isinstance(error, RuleViolation):
            for violation in error.violations:
                self.add_error(self.field_for(violation.field), violation.message)
        else:
            self.add_error(self.field_for(error.field), error.message)


def model_choice_field(form: forms.BaseForm, name: str) -> forms.ModelChoiceField[Any]:
    """A form's model choice field, as one: to the type checker `form.fields` holds plain fields,
    whose choices (`queryset`, `empty_label`) a form sets once it knows the institution."""
    field = form.fields[name]
    assert isinstance(field, forms.ModelChoiceField), f"{name} is not a model choice field"
    return field


def choice_field(form: forms.BaseForm, name: str) -> forms.ChoiceField:
    """A form's choice field, as one (see `model_choice_field`), for setting its `choices`."""
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField), f"{name} is not a choice field"
    return field
