import datetime as dt

from django.tasks import task

from accounts.models import User
from catalogue.models import Institution
from reviews.models import Review
from reviews.notify import invitations_send, review_reminders_send


@task()
def send_invitations(review_id: int, member_ids: list[int]) -> int:
    """Runs in the background worker once a review opens or a replacement is drawn."""
    return invitations_send(review=Review.objects.get(pk=review_id), member_ids=member_ids)


@task()
def send_review_reminders(institution_id: int, today: str, by_user_id: int) -> int:
    return review_reminders_send(
        institution=Institution.objects.get(pk=institution_id),
        today=dt.date.fromisoformat(today),
        by=User.objects.get(pk=by_user_id),
    )
