"""Keeps a signed-in person's session list ("My account") current: when each browser was last seen; and
signs out a session idle for SESSION_IDLE_MINUTES (docs/decisions/0054).

Both are bookkeeping in the session, throttled: the last activity is written at most once a minute, the
session list once in SEEN_EVERY seconds. A write on every request (SESSION_SAVE_EVERY_REQUEST) would
queue every page view behind SQLite's one writer lock."""

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import ngettext

from accounts.models import SignInSession

# Once in this many seconds per session: a write per page view would cost more than it tells.
SEEN_EVERY = 300
_SEEN = "_accounts_seen_at"
# The last activity, to the minute: written when the one recorded is a minute old or more.
ACTIVE_EVERY = 60
_ACTIVE = "_accounts_active_at"
# A request a page makes by itself (htmx polling a review's panel or an import's progress) carries this
# header: it keeps the page current but is no activity of the person's.
BACKGROUND_HEADER = "X-Office-Background"
# Set on the request while an idle session is signed out; accounts.signals records the reason.
IDLE_SIGN_OUT = "accounts_idle_minutes"


def mark_seen(session: Any) -> None:
    """Just signed in: seen and active now, so that the next pages write nothing."""
    now = timezone.now().timestamp()
    session[_SEEN] = now
    session[_ACTIVE] = now


def idle_too_long(session: Any, now: float) -> bool:
    limit = max(int(settings.SESSION_IDLE_MINUTES), 0) * 60
    active_at = session.get(_ACTIVE)
    # The activity recorded may be up to a minute older than the last request: that minute is allowed.
    return bool(limit) and active_at is not None and now - float(active_at) > limit + ACTIVE_EVERY


def note_activity(session: Any, now: float) -> None:
    """Records a request of the person's, if the one recorded is a minute old: only then is the session written.
    A session from before the idle limit existed starts its count here."""
    active_at = session.get(_ACTIVE)
    if active_at is None or now - float(active_at) >= ACTIVE_EVERY:
        session[_ACTIVE] = now


class SessionSeenMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and request.session.session_key:
            now = timezone.now()
            if idle_too_long(request.session, now.timestamp()):
                self._sign_out_idle(request)
                if request.headers.get("HX-Request") == "true":
                    # A poll or a filter would put the sign-in page inside the page: the page goes there.
                    return self._to_sign_in(request)
                # Otherwise the request goes on signed out: a page asks for sign-in, the API answers 401.
                return self.get_response(request)
            if request.headers.get(BACKGROUND_HEADER) != "1" or _ACTIVE not in request.session:
                note_activity(request.session, now.timestamp())
            if now.timestamp() - float(request.session.get(_SEEN, 0)) > SEEN_EVERY:
                # Bookkeeping of the session list, not a change of any record: no audit event.
                SignInSession.objects.filter(session_key=request.session.session_key, ended_at__isnull=True).update(
                    last_seen_at=now
                )
                request.session[_SEEN] = now.timestamp()
        return self.get_response(request)

    def _sign_out_idle(self, request: HttpRequest) -> None:
        minutes = int(settings.SESSION_IDLE_MINUTES)
        setattr(request, IDLE_SIGN_OUT, minutes)
        logout(request)  # accounts.signals records the sign-out, saying why
        messages.info(
            request,
            ngettext(
                "You were signed out after %(minutes)d minute without activity. Please sign in again.",
                "You were signed out after %(minutes)d minutes without activity. Please sign in again.",
                minutes,
            )
            % {"minutes": minutes},
        )

    def _to_sign_in(self, request: HttpRequest) -> HttpResponse:
        current = urlsplit(request.headers.get("HX-Current-URL", ""))
        back = (current.path + (f"?{current.query}" if current.query else "")) if current.path else ""
        target = redirect_to_login(back or request.get_full_path())["Location"]
        return HttpResponse(status=204, headers={"HX-Redirect": target})
