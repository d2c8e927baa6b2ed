"""Signed, expiring links through which an expert reviews without an account.

The link carries the panel membership and its key, signed with the project's secret. It stops
working after the review's deadline plus a grace period, when the expert declines (a new key), or
when the review closes.
"""

import datetime as dt

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import DomainError
from reviews.models import Member, Review

SALT = "reviews.link"


def link_token(member: Member) -> str:
    return signing.dumps({"m": member.pk, "k": member.link_key}, salt=SALT, compress=True)


def link_url(member: Member) -> str:
    return settings.SITE_URL + reverse("reviews:link", args=[link_token(member)])


def expires_on(review: Review) -> dt.date:
    return review.deadline + dt.timedelta(days=settings.REVIEW_LINK_GRACE_DAYS)


def member_for_token(token: str) -> Member:
    """The panel membership a link stands for, or a DomainError saying why it no longer works."""
    try:
        data = signing.loads(token, salt=SALT)
        member = Member.objects.select_related("review", "review__form", "expert").get(pk=int(data["m"]))
    except (signing.BadSignature, KeyError, TypeError, ValueError, Member.DoesNotExist) as exc:
        raise DomainError(_("This review link is not valid. Ask the postdoc office for a new one.")) from exc
    if data.get("k") != member.link_key:
        raise DomainError(_("This review link has been withdrawn. Ask the postdoc office for a new one."))
    if timezone.localdate() > expires_on(member.review):
        raise DomainError(_("This review link expired on %(date)s.") % {"date": expires_on(member.review).isoformat()})
    if member.review.status == Review.Status.DRAFT:
        raise DomainError(_("This review has not opened yet."))
    if member.review.status != Review.Status.OPEN and member.status != Member.Status.SUBMITTED:
        raise DomainError(_("This review is closed."))
    return member
