"""Sortable column headers (see core.sorting): `{% sort_header sort "name" _("Name") %}` in a list's
table head, and `{% sort_field sort "station-filters" %}` inside the swapped rows so that the
filter form sends the chosen order with its next search."""

from typing import Any

from django import template
from django.utils.html import format_html

from core.sorting import SORT_PARAM, Sort

register = template.Library()


def _query(request: Any, value: str) -> str:
    """The page's query with the new order and without its page number (a new order starts at 1)."""
    query = request.GET.copy() if request is not None else None
    if query is None:
        return f"?{SORT_PARAM}={value}"
    query.pop("page", None)
    query[SORT_PARAM] = value
    return f"?{query.urlencode()}"


@register.inclusion_tag("components/sort_header.html", takes_context=True)
def sort_header(
    context: dict[str, Any], sort: Sort, key: str, label: Any, target: str = "#rows", css: str = ""
) -> dict[str, Any]:
    """A `<th>` whose link sorts the list by `key` (the other way round when it already does)."""
    return {
        "href": _query(context.get("request"), sort.param_for(key)),
        "label": label,
        "direction": sort.direction(key),
        "target": target,
        "css": css,
    }


@register.simple_tag
def sort_field(sort: Sort, form_id: str) -> str:
    """A hidden field of the filter form (by its id) carrying the chosen order: the form sits outside
    the rows htmx swaps, so the field lives with the rows and joins the form by its `form` attribute."""
    if not sort.param:
        return ""
    return format_html('<input type="hidden" name="{}" value="{}" form="{}">', SORT_PARAM, sort.param, form_id)
