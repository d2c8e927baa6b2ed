"""The Projects sheet of the exchange workbook (its columns and its rows), and the sheet funding adds
to the postdoc list's export (registered in funding.apps)."""

from collections.abc import Iterator

from django.db.models import QuerySet

from appointments.models import Appointment
from core.sheets.writers import CHUNK_SIZE, Row, Sheet
from funding.models import Project
from funding.sheet_columns import PROJECTS_SHEET


def project_rows(projects: QuerySet[Project]) -> Iterator[Row]:
    """Every project, from application to end, with its status and the dates of its life cycle.
    `level` is the level each counts at, which is its own level when it has one: an import takes a
    level the mapping also gives as following the mapping and any other as the project's own, so
    export → import keeps every counted level and every project's own level (one equal to the
    mapping's is not needed, and comes back as following it). Applications and refused ones are
    never counted (reports.selectors counts awarded projects by award date), so carrying them
    changes no figure."""
    for j in projects.select_related("holder").iterator(chunk_size=CHUNK_SIZE):
        yield {
            "project_no": j.project_no,
            "title": j.title,
            "funder": j.funder,
            "programme": j.programme,
            "level": j.level,
            "amount": j.amount,
            "awarded_on": j.awarded_on,
            "postdoc_no": j.holder.postdoc_no,
            "status": j.status,
            "applied_on": j.applied_on,
            "rejected_on": j.rejected_on,
            "ended_on": j.ended_on,
            "role": j.role,
            "grade": j.grade,
            "batch": j.batch,
            "period_start": j.period_start,
            "period_end": j.period_end,
            "extension_commitment_until": j.extension_commitment_until,
        }


def projects_of(appointments: QuerySet[Appointment]) -> QuerySet[Project]:
    """The projects held by these appointments (one subquery, whatever the filters), by number."""
    return Project.objects.filter(holder__in=appointments.order_by().values("pk")).order_by("project_no")


def postdoc_list_projects(appointments: QuerySet[Appointment]) -> Sheet:
    """The Projects sheet of the postdoc list's export: the projects of the postdocs listed."""
    return Sheet(PROJECTS_SHEET.name, project_rows(projects_of(appointments)), PROJECTS_SHEET)
