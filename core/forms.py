"""Form helpers the staff pages share: ISO date inputs and the services' refusals shown per field."""

from typing import Any

from django import forms

from core.errors import DomainError, RuleViolation


class DateInput(forms.DateInput):
    """A browser date picker; the value travels as ISO (YYYY-MM-DD) whatever the page's language."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


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
