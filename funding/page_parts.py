"""The parts of other apps' pages that funding contributes (registered in funding.apps): the
Projects card of a postdoc's page."""

from typing import Any

from django.http import HttpRequest

from appointments.access import can_manage_appointment
from appointments.models import Appointment
from core.page_parts import PagePart
from funding.selectors import appointment_projects
from funding.steps import project_steps


def postdoc_projects(request: HttpRequest, appointment: Appointment) -> dict[str, Any]:
    """The Projects card of a postdoc's page: the projects, each with its steps, and the actions."""
    projects = appointment_projects(appointment)
    may_manage = can_manage_appointment(request.user, appointment)
    return {
        "projects": projects,
        "project_rows": [{"project": p, "steps": project_steps(p, may_manage)} for p in projects],
        "can_record_projects": may_manage,
    }


POSTDOC_PROJECTS = PagePart("projects", "funding/card.html", postdoc_projects, order=10)
