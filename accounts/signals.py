"""Sign-ins, refused sign-ins and sign-outs become audit events (and the person's session list),
through the services, whoever signs in: the sign-in page, Django's admin, or a test client."""

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils import timezone

from accounts import services
from accounts.middleware import IDLE_SIGN_OUT, mark_seen


def client_address(request: HttpRequest | None) -> str | None:
    """The address the request came from, as axes counts it (REMOTE_ADDR: docs/decisions/0017)."""
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def client_browser(request: HttpRequest | None) -> str:
    return (request.META.get("HTTP_USER_AGENT", "") if request is not None else "")[:300]


@receiver(user_logged_in, dispatch_uid="accounts.signed_in")
def signed_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    session = getattr(request, "session", None)
    if session is not None:
        mark_seen(session)  # just signed in: seen now, no write on the next page
        # SESSION_COOKIE_AGE counts from the sign-in: later writes of the session (its activity) do not
        # push the end further, as Django's relative expiry would.
        session.set_expiry(timezone.now() + dt.timedelta(seconds=settings.SESSION_COOKIE_AGE))
    services.sign_in_record(
        user=user,
        session_key=(session.session_key or "") if session is not None else "",
        address=client_address(request),
        browser=client_browser(request),
    )


@receiver(user_login_failed, dispatch_uid="accounts.sign_in_failed")
def sign_in_failed(sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any) -> None:
    services.sign_in_failure_record(
        username=str(credentials.get("username") or ""),
        address=client_address(request),
        browser=client_browser(request),
        locked=bool(getattr(request, "axes_locked_out", False)),
    )


@receiver(user_logged_out, dispatch_uid="accounts.signed_out")
def signed_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if user is None or not getattr(user, "pk", None):
        return  # signing out without being signed in changes nothing
    session = getattr(request, "session", None)
    services.sign_out_record(
        user=user,
        session_key=session.session_key if session is not None else None,
        idle_minutes=getattr(request, IDLE_SIGN_OUT, None),  # set by accounts.middleware on an idle session
    )
