"""Parts of a record's page that apps above the record's own contribute: the projects and outputs
cards on a postdoc's page, the station page's tabs other than its overview and history
("Supervisors", "Postdocs", "Projects and outputs", "Evaluations") and the counts its overview shows
at a glance ("station-overview").

The page belongs to the lower app (stations, appointments) and may not import the apps above it
(docs/decisions/0028). Those apps register their parts here in `AppConfig.ready()`; the page asks
for the parts registered for it, in order, and renders each with its own template. This module
imports no app.

    page_parts.register("postdoc", PagePart("projects", "funding/card.html", project_card, order=10))
    ...
    context.update(page_parts.context_for("postdoc", request, appointment))
    {% for part in page_parts %}{% include part.template %}{% endfor %}
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest
from django.utils.functional import Promise

# (request, record) → the part's context, or None when it has nothing to show there.
PartContext = Callable[[HttpRequest, Any], dict[str, Any] | None]
# (user, record) → whether the user may see the part at all (a tab they may not open is refused).
PartShown = Callable[[Any, Any], bool]


def _always(_user: Any, _record: Any) -> bool:
    return True


@dataclass(frozen=True)
class PagePart:
    name: str
    template: str
    context: PartContext
    order: int = 0
    label: str | Promise = ""  # a tab's label; empty for a card
    shown: PartShown = field(default=_always)
    # A partial of the template that an htmx request targeting the element of that id gets alone
    # (a list's next page); empty for none.
    partial: str = ""


_REGISTRY: dict[str, dict[str, PagePart]] = {}


def register(page: str, part: PagePart) -> None:
    """Adds a part to a page; registering the same part again is harmless, another one of the same
    name is a mistake (two apps claiming one place on the page)."""
    parts = _REGISTRY.setdefault(page, {})
    known = parts.get(part.name)
    if known is not None and known != part:
        raise ValueError(f"The page {page!r} has a part {part.name!r} already: {known}.")
    parts[part.name] = part


def parts_of(page: str, user: Any = None, record: Any = None) -> list[PagePart]:
    """The page's parts in order; with a user and a record, those the user may see."""
    parts = sorted(_REGISTRY.get(page, {}).values(), key=lambda part: (part.order, part.name))
    if user is None:
        return parts
    return [part for part in parts if part.shown(user, record)]


def part_of(page: str, name: str) -> PagePart | None:
    return _REGISTRY.get(page, {}).get(name)


def context_for(page: str, request: HttpRequest, record: Any) -> dict[str, Any]:
    """Every visible part's context, merged (the part templates read their own names), and the
    parts themselves as `page_parts`, for the page to include in order."""
    context: dict[str, Any] = {}
    shown = []
    for part in parts_of(page, request.user, record):
        found = part.context(request, record)
        if found is None:
            continue
        context.update(found)
        shown.append(part)
    context["page_parts"] = shown
    return context
