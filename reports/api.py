"""The institution's headline figures in the REST API, as `manage.py stats` prints them."""

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Status
from ninja.params import functions as param

from accounts.access import Perm, has_perm
from accounts.http import api_user
from accounts.models import User
from appointments.access import figures_scope
from core.api_schemas import READ_ERRORS, Day, MessageOut
from reports.schemas import StatsOut
from reports.selectors import headline_figures

router = Router()


def _user(request: HttpRequest) -> User:
    return api_user(request)


# The operation id is the one the document published while it lived in api/api.py.
@router.get(
    "/stats",
    response={200: StatsOut, 403: MessageOut, **READ_ERRORS},
    tags=["figures"],
    operation_id="api_api_stats",
)
def stats(request: HttpRequest, as_of: Day | None = None, years: int = param.Query(3, ge=1, le=50)) -> Any:  # noqa: B008
    """The headline figures, exactly as `manage.py stats --format json --as-user <you>` prints them."""
    user = _user(request)
    if user.institution_id is None or not has_perm(user, Perm.VIEW_INSTITUTION):
        return Status(403, {"message": _("You may not see the institution's figures.")})
    scope = figures_scope(user)
    return headline_figures(
        institution_id=user.institution_id, as_of=as_of or timezone.localdate(), years=years, scope=scope
    )
