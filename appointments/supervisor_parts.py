"""The parts of a supervisor's page (people, below this app) that appointments contributes
(registered in appointments.apps): the postdocs they supervise."""

from typing import Any

from django.db.models import Q
from django.http import HttpRequest

from appointments.access import visible_appointments
from core.page_parts import PagePart
from core.views import paginate
from people.models import Supervisor


def supervisor_postdocs(request: HttpRequest, supervisor: Supervisor) -> dict[str, Any]:
    """Their postdocs (as supervisor or co-supervisor) that the user sees, newest entry first, a page at a time."""
    appointments = (
        visible_appointments(request.user)
        .filter(Q(primary_supervisor=supervisor) | Q(co_supervisor=supervisor))
        .select_related("person", "station")
        .order_by("-entry_date", "postdoc_no")
    )
    return paginate(request, appointments)


SUPERVISOR_POSTDOCS = PagePart("postdocs", "appointments/_supervisor_postdocs.html", supervisor_postdocs, order=10)
