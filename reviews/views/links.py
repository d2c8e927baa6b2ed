"""The signed link an external expert scores through: no account, no office navigation."""

from django.contrib.auth.models import AnonymousUser
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from core.errors import DomainError
from reviews import links, services
from reviews.models import Member
from reviews.views.assignments import decline_page, scoring_page
from reviews.views.common import Status, refused


def _link_headers(response: HttpResponse) -> HttpResponse:
    # The token is the expert's key: never sent to another site as a referrer, never indexed.
    # ("no-referrer" would make the browser send `Origin: null`, which CSRF checks refuse.)
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


# The link's pages are the expert's, whoever else is signed in on this browser: rendered as for a
# visitor, base.html shows no office navigation, account or sign-out, only the language switch.
LINK_CONTEXT = {"user": AnonymousUser(), "link_page": True}


def _refusal_status(token: str) -> int:
    """410 Gone for a link that worked once (withdrawn, expired, closed); 403 for anything else."""
    try:
        data = signing.loads(token, salt=links.SALT)
        review_status = Member.objects.filter(pk=int(data["m"])).values_list("review__status", flat=True).get()
    except (signing.BadSignature, KeyError, TypeError, ValueError, Member.DoesNotExist):
        return 403
    return 403 if review_status == Status.DRAFT else 410


def _member_for_link(request: HttpRequest, token: str) -> Member | HttpResponse:
    try:
        return links.member_for_token(token)
    except DomainError as error:
        return _link_headers(refused(request, error.message, status=_refusal_status(token), **LINK_CONTEXT))


@never_cache
@require_http_methods(["GET", "POST"])
def link_page(request: HttpRequest, token: str) -> HttpResponse:
    member = _member_for_link(request, token)
    if isinstance(member, HttpResponse):
        return member
    url = reverse("reviews:link", args=[token])
    response = scoring_page(
        request,
        member,
        by=services.ExpertActor(member),
        action_url=url,
        decline_url=reverse("reviews:link-decline", args=[token]),
        extra=LINK_CONTEXT,
    )
    return _link_headers(response)


@never_cache
@require_http_methods(["GET", "POST"])
def link_decline(request: HttpRequest, token: str) -> HttpResponse:
    member = _member_for_link(request, token)
    if isinstance(member, HttpResponse):
        return member

    def done() -> HttpResponse:
        # The link stops working now: the confirmation is this page, not a redirect to it.
        return render(request, "reviews/declined.html", {**LINK_CONTEXT, "member": member})

    response = decline_page(
        request,
        member,
        by=services.ExpertActor(member),
        done=done,
        action_url=reverse("reviews:link-decline", args=[token]),
        extra={**LINK_CONTEXT, "back_url": reverse("reviews:link", args=[token])},
    )
    return _link_headers(response)
