"""The parts of the station page that outputs contributes (registered in outputs.apps): the
"Projects and outputs" tab, which reads funding's projects and this app's outputs (outputs stands
above funding)."""

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from core.page_parts import PagePart
from funding.access import visible_projects
from funding.figures import STATUS_COLUMNS
from funding.models import Project
from outputs.access import visible_outputs
from outputs.figures import station_figures
from stations.models import Station


def station_funding(request: HttpRequest, station: Station) -> dict[str, Any]:
    """The station's projects by level and status, success rates per programme and research outputs
    by phase: of its postdocs (those whose station it is, as the lists' station filter selects them)
    that the user sees. Three queries, whatever the number of postdocs."""
    user = request.user
    projects = visible_projects(user).filter(holder__station=station)
    outputs = visible_outputs(user).filter(appointment__station=station)
    return {
        "funding": station_figures(projects, outputs),
        "status_columns": [(str(status), Project.Status(status).label) for status in STATUS_COLUMNS],
    }


STATION_FUNDING = PagePart(
    "funding", "stations/_tab_funding.html", station_funding, order=30, label=_("Projects and outputs")
)
