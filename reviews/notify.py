"""Mail to experts: the invitation when a review opens (or a replacement is drawn) and a reminder
before the deadline to those who have not scored. Each in the expert's language, with their link."""

import datetime as dt

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.access import Perm, has_perm
from accounts.actors import Actor
from audit.events import Event
from audit.services import record_event
from catalogue.models import Institution
from core.errors import DomainError
from reviews.links import expires_on, link_url
from reviews.models import Member, Review


def _message(member: Member, *, reminder: bool) -> tuple[str, str, str, list[str]]:
    review = member.review
    with translation.override(member.expert.language or settings.LANGUAGE_CODE):
        values = {
            "name": member.expert.name,
            "title": review.title,
            "deadline": review.deadline.isoformat(),
            "link": link_url(member),
            "expires": expires_on(review).isoformat(),
        }
        if reminder:
            subject = _("Reminder: your review “%(title)s” is due on %(deadline)s") % values
        else:
            subject = _("Invitation to review: %(title)s") % values
        body = (
            _(
                "Dear %(name)s,\n\nYou are on the panel of “%(title)s”. Please score it by %(deadline)s "
                "through this personal link (it works until %(expires)s; do not pass it on):\n\n%(link)s\n\n"
                "If you cannot review it, or have a conflict of interest, say so through the same link.\n"
            )
            % values
        )
    return subject, body, settings.DEFAULT_FROM_EMAIL, [member.expert.email]


def invitations_send(*, review: Review, member_ids: list[int]) -> int:
    """Mails the invitation to each named member with an address; returns how many were sent."""
    members = [
        m
        for m in Member.objects.filter(review=review, pk__in=member_ids).select_related("expert", "review")
        if m.counts and m.expert.email
    ]
    sent = send_mass_mail([_message(m, reminder=False) for m in members], fail_silently=False)
    record_event(
        actor=None,
        event=Event.REVIEW_INVITATIONS_SENT,
        target=review,
        after={"members": [m.pk for m in members]},
        institution=review.institution,
    )
    return sent


def reminders_due(institution: Institution, today: dt.date) -> list[Member]:
    """Members of open reviews due within the reminder window who have not scored."""
    last_day = today + dt.timedelta(days=settings.REVIEW_REMINDER_DAYS)
    return list(
        Member.objects.filter(
            review__institution=institution,
            review__status=Review.Status.OPEN,
            review__deadline__gte=today,
            review__deadline__lte=last_day,
            status=Member.Status.INVITED,
        )
        .exclude(expert__email="")
        .select_related("expert", "review")
        .order_by("review__deadline", "pk")
    )


def review_reminders_send(*, institution: Institution, today: dt.date, by: Actor) -> int:
    """Reminds every expert whose review is due soon and who has not scored; one audit event.

    The reminders are read and sent outside any transaction, and the audit event is written after
    they were sent (a failed sending records nothing, as before): a mail server's delays must not
    hold SQLite's write lock, which a transaction holds from its start."""
    if not (has_perm(by, Perm.MANAGE_REFERENCE) and by.institution_id == institution.pk):
        raise DomainError(_("Only an office administrator of the institution can send reminders."))
    members = reminders_due(institution, today)
    sent = send_mass_mail([_message(m, reminder=True) for m in members], fail_silently=False)
    with transaction.atomic():
        record_event(
            actor=by,
            event=Event.REVIEW_REMINDERS_SENT,
            target=institution,
            after={"date": today.isoformat(), "members": [m.pk for m in members]},
            institution=institution,
        )
    return sent
