"""Helpers the staff pages' views share."""

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.utils.functional import cached_property
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


class KeysFirstPaginator(Paginator[Any]):
    """Pages of a long list in a total order (docs/decisions/0067): a page reads its rows' keys first
    (through the list's index, no join for the rows it skips), then those rows; a page past the middle
    reads the keys from the end in reverse order, so that the last page costs what the first does.

    `count_cap`: count at most that many rows (a search whose exact count would scan); `capped` says
    whether more match, and the pages stop there."""

    def __init__(self, queryset: QuerySet[Any], per_page: int, *, count_cap: int | None = None) -> None:
        super().__init__(queryset, per_page)
        self.queryset = queryset
        self.count_cap = count_cap
        self.capped = False

    @cached_property
    def count(self) -> int:
        queryset = self.queryset
        if self.count_cap is None:
            return queryset.count()
        counted = queryset.order_by()[: self.count_cap + 1].count()
        self.capped = counted > self.count_cap
        return min(counted, self.count_cap)

    def page(self, number: Any) -> Page[Any]:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = min(bottom + self.per_page, self.count)
        queryset = self.queryset
        if bottom > self.count // 2 and not self.capped:
            tail = queryset.reverse().values_list("pk", flat=True)[self.count - top : self.count - bottom]
            keys = list(tail)[::-1]
        else:
            keys = list(queryset.values_list("pk", flat=True)[bottom:top])
        rows = {row.pk: row for row in self._rows(keys)} if keys else {}
        return Page([rows[key] for key in keys if key in rows], number, self)

    def _rows(self, keys: list[Any]) -> QuerySet[Any]:
        """The rows of these keys (found through the list's filters) by primary key alone: with the
        filters again, a database may prefer their index to the key's."""
        rows: QuerySet[Any] = self.queryset.model._default_manager.filter(pk__in=keys).order_by()
        rows.query.select_related = self.queryset.query.select_related
        lookups: tuple[Any, ...] = getattr(self.queryset, "_prefetch_related_lookups", ())
        rows = rows.prefetch_related(*lookups)
        return rows


def paginate(
    request: HttpRequest, queryset: QuerySet[Any], *, keys_first: bool = False, **options: Any
) -> dict[str, Any]:
    """The page the request asks for (page numbers out of range give the nearest page).

    `keys_first`: a long list whose order is total (a unique key last) pages by `KeysFirstPaginator`,
    which takes `count_cap`."""
    paginator = (
        KeysFirstPaginator(queryset, settings.PAGE_SIZE, **options)
        if keys_first
        else Paginator(queryset, settings.PAGE_SIZE)
    )
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
