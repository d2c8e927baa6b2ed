import datetime as dt

from django.tasks import task

from accounts.models import User
from appointments.reminders import due_reminders_send
from catalogue.models import Institution


@task()
def send_due_reminders(institution_id: int, today: str, by_user_id: int) -> dict[str, int]:
    """Runs in the background worker; the arguments are plain values, as tasks require."""
    return due_reminders_send(
        institution=Institution.objects.get(pk=institution_id),
        today=dt.date.fromisoformat(today),
        by=User.objects.get(pk=by_user_id),
    )
