"""Reads about projects that other apps show: an appointment's projects (its page's Projects card,
funding.page_parts) and the extension commitments its due items include
(appointments.selectors.due_items), given to it through `appointments.due` (funding.apps)."""

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Prefetch, prefetch_related_objects

from appointments.models import Appointment
from appointments.selectors import ExtensionCommitment
from funding.models import Project

# A commitment binds while the application is pending or the grant runs; not after a refusal or the end.
COMMITTED_STATUSES = (Project.Status.APPLIED, Project.Status.AWARDED)


def _funder_label(code: str | None, text: str) -> str:
    return code or text


def extension_commitments(projects: Iterable[Project]) -> list[ExtensionCommitment]:
    """The commitments among an appointment's projects (already read: no query; give them with
    `select_related("funder_ref")`)."""
    found = []
    for project in projects:
        until = project.extension_commitment_until
        if until is not None and project.status in COMMITTED_STATUSES:
            code = project.funder_ref.code if project.funder_ref else None
            found.append(ExtensionCommitment(project.project_no, _funder_label(code, project.funder), until))
    return found


def appointment_projects(appointment: Appointment) -> list[Project]:
    """The appointment's projects with their funder and programme, read once for the appointment
    object however many parts of its page ask (the due items' commitments, the Projects card)."""
    projects = Project.objects.select_related("funder_ref", "programme_ref")
    prefetch_related_objects([appointment], Prefetch("projects", queryset=projects))
    return list(appointment.projects.all())


def appointment_extension_commitments(appointment: Appointment) -> list[ExtensionCommitment]:
    """The commitments among one appointment's projects: one query, shared with its Projects card."""
    return extension_commitments(appointment_projects(appointment))


def live_extension_commitments(institution_id: int) -> dict[int, list[ExtensionCommitment]]:
    """Appointment id → the commitments of the institution's live appointments: one query."""
    rows = (
        Project.objects.filter(
            institution_id=institution_id,
            status__in=COMMITTED_STATUSES,
            extension_commitment_until__isnull=False,
            holder__status__in=Appointment.LIVE_STATUSES,
        )
        .order_by()
        .values_list("holder_id", "project_no", "funder_ref__code", "funder", "extension_commitment_until")
    )
    found: dict[int, list[ExtensionCommitment]] = defaultdict(list)
    for holder_id, project_no, code, funder, until in rows:
        assert until is not None  # the filter's
        found[holder_id].append(ExtensionCommitment(project_no, _funder_label(code, funder), until))
    return found
