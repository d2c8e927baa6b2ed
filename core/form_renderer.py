"""The project's form renderer: Django's own, except that a `<select>` and an `<input>` are written in Python.

Django renders a select through one template include per option (`select_option.html`, and
`attrs.html` in each): 130 stations cost 20–30 ms on the postdoc list's filter form, about ten times the
list's own SQL (issue 15). This renderer writes the same markup, byte for byte, with the same escaping
and localisation as the templates (tests/core/test_form_renderer.py renders both and compares), and
hands anything else, or a select whose options use another template, to Django's templates.

An `<input>` (a text, search, date, hidden field …) costs two template renders (its own and
`attrs.html`) for one line of markup: written here too, every page with a form is about 0.3 ms a
field lighter (the list pages' filters, issue 15's second pass).
"""

import html
from typing import Any

from django.forms.renderers import DjangoTemplates
from django.http import HttpRequest
from django.utils.formats import localize
from django.utils.functional import Promise
from django.utils.safestring import SafeData, SafeString, mark_safe
from django.utils.timezone import template_localtime  # type: ignore[attr-defined]  # missing from the stubs

SELECT = "django/forms/widgets/select.html"
OPTION = "django/forms/widgets/select_option.html"
INPUT = "django/forms/widgets/input.html"
# Django's templates of these widgets are `{% include "django/forms/widgets/input.html" %}` and nothing
# else (tests/core/test_form_renderer.py reads them to be sure): written as input.html writes.
_ONE_LINE_INPUTS = [
    "checkbox",
    "color",
    "date",
    "datetime",
    "email",
    "file",
    "hidden",
    "number",
    "password",
    "search",
    "tel",
    "text",
    "time",
    "url",
]
INPUTS = frozenset({INPUT, *(f"django/forms/widgets/{kind}.html" for kind in _ONE_LINE_INPUTS)})


def _escaped(value: Any) -> str:
    """Django's `conditional_escape`, without the lazy-string wrapper around it and around `escape`
    (two calls a value, a few microseconds each, for every option of a long select): the same
    characters escaped (`escape` is `html.escape`), a safe string left as it is."""
    if isinstance(value, Promise):
        value = str(value)
    if hasattr(value, "__html__"):
        return str(value.__html__())
    return html.escape(str(value))


def _text(value: Any) -> str:
    """`{{ value }}` in a template: local time, localised, escaped unless already safe."""
    if type(value) is str:  # most labels: nothing to localise
        return html.escape(value)
    return _escaped(localize(template_localtime(value)))


def _string(value: Any) -> str:
    """`{{ value|stringformat:'s' }}`: str() without localisation, escaped unless already safe."""
    text = "%s" % (value,)  # noqa: UP031 - the filter's own formatting, for identical output
    return text if isinstance(value, SafeData) else html.escape(text)


def _attrs(attrs: dict[str, Any]) -> str:
    """`attrs.html`: True as a bare attribute, False left out."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        parts.append(f" {_text(name)}" if value is True else f' {_text(name)}="{_string(value)}"')
    return "".join(parts)


def render_select(widget: dict[str, Any]) -> SafeString:
    """`select.html` and its options, as the templates write them."""
    parts = [f'<select name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{_text(group_name)}">')
        for option in group_choices:
            parts.append(
                f'\n  <option value="{_string(option["value"])}"{_attrs(option["attrs"])}>{_text(option["label"])}</option>\n'
            )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return mark_safe("".join(parts))  # noqa: S308 - every value above went through _escaped


def render_input(widget: dict[str, Any]) -> SafeString:
    """`input.html` with its `attrs.html`, as the templates write them."""
    value = widget["value"]
    shown = "" if value is None else f' value="{_string(value)}"'
    return mark_safe(  # noqa: S308 - every value went through _escaped
        f'<input type="{_text(widget["type"])}" name="{_text(widget["name"])}"{shown}{_attrs(widget["attrs"])}>'
    )


class FormRenderer(DjangoTemplates):
    """Django's template renderer, with selects and inputs written in Python (see the module's docstring)."""

    def render(self, template_name: str, context: dict[str, Any], request: HttpRequest | None = None) -> str:
        widget = context.get("widget")
        if template_name == SELECT and isinstance(widget, dict) and _plain_options(widget):
            return render_select(widget)
        if template_name in INPUTS and isinstance(widget, dict):
            return render_input(widget)
        return super().render(template_name, context, request=request)


def _plain_options(widget: dict[str, Any]) -> bool:
    return all(
        option.get("template_name") == OPTION for _name, choices, _index in widget["optgroups"] for option in choices
    )
