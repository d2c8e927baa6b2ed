"""Who sees research outputs: the outputs of the stays one sees (the pages' and the API's rule); 404 outside it."""

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from accounts.access import sees_whole_institution
from appointments.access import visible_appointments
from outputs.models import Output


def visible_outputs(user: Any) -> QuerySet[Output]:
    """The outputs of the stays the user may see."""
    if getattr(user, "institution_id", None) is None:
        return Output.objects.none()
    if sees_whole_institution(user):
        return Output.objects.filter(institution_id=user.institution_id)
    return Output.objects.filter(appointment__in=visible_appointments(user).order_by().values("pk"))


def get_output_for_user(user: Any, pk: Any) -> Output:
    try:
        return visible_outputs(user).select_related("appointment__person", "appointment__station").get(pk=pk)
    except Output.DoesNotExist as exc:
        raise Http404 from exc
