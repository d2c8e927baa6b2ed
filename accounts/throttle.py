"""Sign-in throttling per account and per address, with django-axes (docs/decisions/0017).

Axes counts failed sign-ins in its own table (AccessAttempt) and refuses an account or an address
that has failed too often within the cool-off time. Two things are ours:

- an address shared by a whole office (a university's NAT) must not be locked by a few mistyped
  passwords of different people, so an address has its own, larger limit than an account;
- the sign-in form says until when (accounts.forms.SignInForm), instead of axes' bare 429 page.
"""

import datetime as dt
from typing import Any

from axes.backends import AxesBackend
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_cool_off, get_lockout_parameters
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max, Q, Sum
from django.http import HttpRequest
from django.utils import timezone


class ThrottledBackend(AxesBackend):  # type: ignore[misc]  # django-axes ships no type hints: its classes are Any
    """Axes' check before Django's own backend (next in AUTHENTICATION_BACKENDS) signs the person in.

    A call without a request (the test client's `login`, a script) cannot be counted per address
    and is not a sign-in through the page: it goes straight to the next backend. Signing in through
    the page always has a request."""

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> Any:
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def _limit(parameter: Any) -> int:
    if parameter == "ip_address":
        return int(settings.SIGN_IN_FAILURES_PER_ADDRESS)
    return int(settings.SIGN_IN_FAILURES_PER_ACCOUNT)


class SignInThrottle(AxesDatabaseHandler):  # type: ignore[misc]  # django-axes ships no type hints
    """Axes' database handler with a limit per account and a larger one per address.

    Axes compares one number with one limit (AXES_FAILURE_LIMIT, the account's): an address's
    failures are scaled to the account's limit, so that it reaches the limit exactly when the
    address reaches its own."""

    def get_failures(self, request: Any, credentials: dict[str, Any] | None = None) -> int:
        parameters = get_lockout_parameters(request, credentials)
        account_limit = int(settings.SIGN_IN_FAILURES_PER_ACCOUNT)
        counted = [0]
        for parameter, attempts in zip(parameters, self.get_user_attempts(request, credentials), strict=True):
            failures = attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
            counted.append(failures * account_limit // _limit(parameter))
        return max(counted)


def _locked_until(attempts: "Any", limit: int) -> dt.datetime | None:
    cool_off: dt.timedelta | None = get_cool_off()
    if cool_off is None:
        return None
    figures = attempts.filter(attempt_time__gte=timezone.now() - cool_off).aggregate(
        n=Sum("failures_since_start"), last=Max("attempt_time")
    )
    if (figures["n"] or 0) < limit:
        return None
    last: dt.datetime = figures["last"]
    return last + cool_off


def lockout_ends(*, username: str | None, address: str | None) -> dt.datetime | None:
    """When the sign-in of this account or from this address is possible again; None if it is now."""
    ends = []
    if username:
        ends.append(account_locked_until(username))
    if address:
        ends.append(_locked_until(AccessAttempt.objects.filter(ip_address=address), _limit("ip_address")))
    found = [end for end in ends if end is not None]
    return max(found) if found else None


def account_locked_until(username: str) -> dt.datetime | None:
    """Until when an account is locked by its failed sign-ins (from any address); None if it is not."""
    return _locked_until(AccessAttempt.objects.filter(username=username), _limit("username"))


def failed_attempts(username: str) -> "Any":
    return AccessAttempt.objects.filter(Q(username=username))
