"""Middleware of the whole site.

A request larger than the server accepts gets a page in the user's language, never a debug page;
so does a request that finds the database busy for longer than it waits (DatabaseBusyMiddleware).

Django reads a request's body only when something asks for it (here CsrfViewMiddleware, before any
view), raises RequestDataTooBig (DATA_UPLOAD_MAX_MEMORY_SIZE) or TooManyFieldsSent, and answers a
400 that DEBUG turns into its technical page. This middleware reads the body first, inside a try,
and answers 413 itself: the API in its JSON shape, an htmx form with the sentence put into the
page's messages (the form and what was typed in it stay; base.html lets htmx swap a 413), any other
page with templates/413.html.
"""

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.db import OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _


def too_big_message() -> str:
    limit_mb = settings.DATA_UPLOAD_MAX_MEMORY_SIZE / (1024 * 1024)
    return _(
        "What you sent is larger than the server accepts (at most %(mb).1f MB of text, or %(fields)s fields); "
        "nothing was saved. Shorten the longest texts, or send a file through its upload page."
    ) % {"mb": limit_mb, "fields": settings.DATA_UPLOAD_MAX_NUMBER_FIELDS}


class RequestTooBigMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method in ("POST", "PUT", "PATCH", "DELETE"):
            try:
                if request.content_type == "multipart/form-data":
                    request.POST  # noqa: B018  (files stream to disk; the fields are counted and measured)
                else:
                    request.body  # noqa: B018  (at most DATA_UPLOAD_MAX_MEMORY_SIZE is read)
                    if request.content_type == "application/x-www-form-urlencoded":
                        request.POST  # noqa: B018  (the fields are counted)
            except (RequestDataTooBig, TooManyFieldsSent):
                return self.too_big(request)
        return self.get_response(request)

    def too_big(self, request: HttpRequest) -> HttpResponse:
        message = too_big_message()
        if request.path.startswith("/api/"):
            return JsonResponse({"message": message}, status=413)
        if request.headers.get("HX-Request"):
            # Into the page's messages, leaving the form and its input as they are.
            html = render_to_string("components/request_problem.html", {"message": message}, request=request)
            response = HttpResponse(html, status=413)
            response["HX-Retarget"] = "#messages"
            response["HX-Reswap"] = "innerHTML"
            return response
        html = render_to_string("413.html", {"message": message}, request=request)
        return HttpResponse(html, status=413)


class PrivateResponsesMiddleware:
    """A signed-in person's pages and every API answer are never stored by a browser or a proxy
    (`Cache-Control: no-store`): they hold personal data, and a shared computer's back button or a
    proxy's cache would show them to the next person. A response that says its own caching (an
    export, a static file) keeps it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.has_header("Cache-Control"):
            return response
        user = getattr(request, "user", None)
        if request.path.startswith("/api/") or (user is not None and user.is_authenticated):
            add_never_cache_headers(response)
        return response


# How long a client is told to wait before it tries again after a busy database.
BUSY_RETRY_SECONDS = 5


def database_busy(error: BaseException) -> bool:
    """Whether an error is SQLite's "database is locked" (or "busy"): another writer held the lock
    for longer than this request waited. Nothing was written; the same request later succeeds."""
    if not isinstance(error, OperationalError):
        return False
    text = str(error).lower()
    return "database is locked" in text or "database table is locked" in text or "database is busy" in text


def busy_message() -> str:
    return _(
        "The database is busy with other work (such as a large import) and nothing was saved. "
        "Please try again in a few seconds."
    )


class DatabaseBusyMiddleware:
    """A view that meets a busy database answers 503 with a sentence and `Retry-After`, in the API's
    JSON shape or as a page, instead of a server error: nothing was written (the transaction was rolled
    back), and trying again shortly succeeds. Imports hold the write lock only in short slices
    (exchange.isolation), so this is rare."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not database_busy(exception):
            return None
        message = busy_message()
        if request.path.startswith("/api/"):
            response: HttpResponse = JsonResponse({"message": message}, status=503)
        elif request.headers.get("HX-Request"):
            html = render_to_string("components/request_problem.html", {"message": message}, request=request)
            response = HttpResponse(html, status=503)
            response["HX-Retarget"] = "#messages"
            response["HX-Reswap"] = "innerHTML"
        else:
            html = render_to_string("503.html", {"message": message}, request=request)
            response = HttpResponse(html, status=503)
        response["Retry-After"] = str(BUSY_RETRY_SECONDS)
        add_never_cache_headers(response)
        return response


class ClientAddressMiddleware:
    """Behind the reverse proxy (BEHIND_HTTPS_PROXY), every request comes from the proxy's address:
    the sign-in throttle would count everybody's failures against that one address and lock all
    out, and the sign-in log would show it for everyone. A request the proxy sent (its address is
    one of TRUSTED_PROXIES) gets as REMOTE_ADDR the last address of X-Forwarded-For, the one the
    proxy appended (deploy/nginx.conf); addresses before it were written by the client and are
    ignored. Without the setting, or from any other peer, REMOTE_ADDR stays as it is."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.active = bool(getattr(settings, "BEHIND_HTTPS_PROXY", False))
        self.proxies = set(getattr(settings, "TRUSTED_PROXIES", ()))

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self.active and request.META.get("REMOTE_ADDR") in self.proxies:
            forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
            if forwarded and forwarded[-1]:
                request.META["REMOTE_ADDR"] = forwarded[-1]
        return self.get_response(request)
