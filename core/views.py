"""Helpers the staff pages' views share."""

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults


def is_htmx(request: HttpRequest) -> bool:
    """A request htmx made for a part of a page (history restores want the whole page)."""
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-History-Restore-Request") != "true"


def redirect_after_post(request: HttpRequest, url: str) -> HttpResponse:
    """htmx follows HX-Redirect with a full page load; a plain form gets a 302.

    A URL that differs from the page the browser is on only by its fragment (`…/5/#documents`, posted
    from `…/5/`) would not load at all, only scroll: htmx is told to reload the page instead (the
    browser keeps the scroll position)."""
    if is_htmx(request):
        response = HttpResponse()
        if _same_page(url, request.headers.get("HX-Current-URL", "")):
            response["HX-Refresh"] = "true"
        else:
            response["HX-Redirect"] = url
        return response
    return HttpResponseRedirect(url)


def _same_page(url: str, current_url: str) -> bool:
    target, current = urlsplit(url), urlsplit(current_url)
    return bool(target.fragment) and (target.path, target.query) == (current.path, current.query)


def paginate(request: HttpRequest, queryset: QuerySet[Any]) -> dict[str, Any]:
    """The page the request asks for (page numbers out of range give the nearest page)."""
    paginator = Paginator(queryset, settings.PAGE_SIZE)
    page: Page[Any] = paginator.get_page(request.GET.get("page"))
    return {
        "page_obj": page,
        "page_range": list(paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)),
    }


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """A request Django refuses before any view (an invalid Host header, a body it cannot parse):
    the API answers in its JSON shape, the pages with the 400 page."""
    if request.path.startswith("/api/"):
        message = _("The request could not be read: its Host header or its body is not valid.")
        return JsonResponse({"message": message}, status=400)
    return defaults.bad_request(request, exception)
