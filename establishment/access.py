"""Who reads establishment applications: office administrators and leadership of the institution (403 for the
other roles), each application found within the institution (404 outside it)."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404

from accounts.access import sees_whole_institution
from establishment.models import Application


def require_reader(user: Any) -> int:
    """Office administrators and leadership read their institution's applications; others get 403."""
    if not sees_whole_institution(user):
        raise PermissionDenied
    institution_id: int = user.institution_id
    return institution_id


def get_application_for_user(user: Any, pk: Any) -> Application:
    """The application if the user may read it: 403 without the role, 404 outside the institution."""
    institution_id = require_reader(user)
    try:
        return Application.objects.select_related("round", "discipline", "unit", "institution", "station").get(
            pk=pk, institution_id=institution_id
        )
    except Application.DoesNotExist as exc:
        raise Http404 from exc
