"""The page where a user creates and revokes their personal API tokens."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.models import User
from api.models import ApiToken
from api.services import token_create, token_revoke
from core.errors import DomainError


@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)  # login_required
    new_key = None
    error = None
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "create":
                token, new_key = token_create(user=user, name=request.POST.get("name", ""), by=user)
                messages.success(request, _("Token “%(name)s” created.") % {"name": token.name})
            elif action == "revoke":
                token = get_object_or_404(ApiToken, pk=request.POST.get("token") or 0, user=user)
                if request.POST.get("confirm") != "yes":
                    raise DomainError(_("Tick the box to confirm the revocation."), field="confirm")
                token_revoke(token=token, by=user)
                messages.success(request, _("Token “%(name)s” revoked.") % {"name": token.name})
                return redirect("api-tokens")
            else:
                error = _("Unknown action.")
        except DomainError as exc:
            error = exc.message
        except ValueError:
            error = _("Unknown token.")
    context = {
        "tokens": ApiToken.objects.filter(user=user).order_by("-created_at", "-id"),
        "new_key": new_key,
        "error": error,
    }
    # The new key is in this response only; never cache it.
    response = render(request, "api/tokens.html", context, status=400 if error else 200)
    response["Cache-Control"] = "no-store"
    return response
