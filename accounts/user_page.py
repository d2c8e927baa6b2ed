"""What the user page (an office administrator's page of one account) shares with the parts other
apps add to it (people.account_pages): its context, its URL, the page again with a refused form, and
the confirmation step of a destructive action. The views are in `accounts.views`."""

from typing import Any

from django.contrib import messages
from django.contrib.sessions.models import Session
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from accounts.forms import RoleForm, UserChangeForm
from accounts.http import SignedInRequest
from accounts.models import SignInSession, User
from accounts.throttle import account_locked_until
from audit.timeline import timeline
from core import page_parts
from core.errors import DomainError
from core.views import redirect_after_post


def open_sessions(user: User) -> QuerySet[SignInSession]:
    """Sessions not ended and not yet expired (Django's session row still there)."""
    alive = Session.objects.filter(expire_date__gt=timezone.now()).values("session_key")
    return SignInSession.objects.filter(user=user, ended_at__isnull=True, session_key__in=alive)


def detail_context(request: SignedInRequest, account: User, **forms: Any) -> dict[str, Any]:
    """The account's page; `forms` are refused forms shown again with their sentences (its own, or a
    part's: the link form of people.account_pages)."""
    institution_id = request.user.institution_id
    context = {
        "account": account,
        "assignments": account.roles.select_related("station").order_by("role", "station__code"),
        "locked_until": account_locked_until(account.username),
        "sessions": open_sessions(account)[:10],
        "change_form": UserChangeForm(
            initial={"first_name": account.first_name, "last_name": account.last_name, "email": account.email}
        ),
        "role_form": RoleForm(institution_id=institution_id),
        "is_self": account.pk == request.user.pk,
        "timeline": timeline(account)[:50],
    }
    # The parts other apps add (the record the account is linked to: people), then the refused forms
    # in place of their empty ones.
    context.update(page_parts.context_for("user", request, account))
    context.update(forms)
    return context


def detail_url(account: User, anchor: str = "") -> str:
    return reverse("user-detail", kwargs={"pk": account.pk}) + (f"#{anchor}" if anchor else "")


def detail_with_error(request: SignedInRequest, account: User, **forms: Any) -> HttpResponse:
    """The user's page again, the refused form showing its sentence and keeping what was typed."""
    return render(request, "accounts/user_detail.html", detail_context(request, account, **forms))


def confirm(
    request: SignedInRequest, account: User, *, title: str, text: str, button: str, action: Any, done: str
) -> HttpResponse:
    """A destructive step: its page asks first (GET), the POST does it through the service."""
    error = None
    if request.method == "POST":
        try:
            action()
        except DomainError as refused:
            error = refused.message
        else:
            messages.success(request, done)
            return redirect_after_post(request, detail_url(account))
    context = {"account": account, "title": title, "text": text, "button": button, "error": error}
    return render(request, "accounts/confirm.html", context, status=400 if error else 200)
