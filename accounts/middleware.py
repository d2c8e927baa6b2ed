"""Keeps a signed-in person's session list ("My account") current: when each browser was last seen."""

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from accounts.models import SignInSession

# Once in this many seconds per session: a write per page view would cost more than it tells.
SEEN_EVERY = 300
_SEEN = "_accounts_seen_at"


def mark_seen(session: Any) -> None:
    session[_SEEN] = timezone.now().timestamp()


class SessionSeenMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and request.session.session_key:
            now = timezone.now()
            if now.timestamp() - float(request.session.get(_SEEN, 0)) > SEEN_EVERY:
                # Bookkeeping of the session list, not a change of any record: no audit event.
                SignInSession.objects.filter(session_key=request.session.session_key, ended_at__isnull=True).update(
                    last_seen_at=now
                )
                request.session[_SEEN] = now.timestamp()
        return self.get_response(request)
