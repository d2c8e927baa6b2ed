"""Who sees and changes which funding records: projects are seen as their holders are
(`appointments.access.visible_appointments`, a project outside the user's scope is a 404) and written by
who may manage the holder (403); the institution's funders, level mapping and rules are kept by its
office administrators; the mapping is read by whoever sees the whole institution."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from accounts.access import Perm, has_perm, sees_whole_institution
from appointments.access import can_manage_appointment, visible_appointments
from funding.models import Funder, Programme, Project


def visible_projects(user: Any) -> QuerySet[Project]:
    """The projects whose holders the user sees (administrators and leadership: the institution's)."""
    projects = Project.objects.filter(institution_id=user.institution_id)
    if sees_whole_institution(user):
        return projects
    return projects.filter(holder__in=visible_appointments(user).order_by().values("pk"))


def get_project_for_user(user: Any, pk: Any) -> Project:
    try:
        return (
            visible_projects(user)
            .select_related(
                "holder", "holder__person", "holder__station", "funder_ref", "programme_ref", "programme_ref__funder"
            )
            .get(pk=pk)
        )
    except Project.DoesNotExist as exc:
        raise Http404 from exc


def require_project_manager(user: Any, project: Project) -> None:
    if not can_manage_appointment(user, project.holder):
        raise PermissionDenied


def may_keep_reference(user: Any) -> bool:
    """Office administrators keep the institution's funders, level mapping and rules."""
    return has_perm(user, Perm.MANAGE_REFERENCE)


def require_mapping_reader(user: Any) -> int:
    if not sees_whole_institution(user):
        raise PermissionDenied
    institution_id: int = user.institution_id
    return institution_id


def require_office(user: Any) -> int:
    if not may_keep_reference(user) or user.institution_id is None:
        raise PermissionDenied
    institution_id: int = user.institution_id
    return institution_id


def visible_funders(institution_id: int | None) -> QuerySet[Funder]:
    """The shipped catalogue and the institution's own funders."""
    return Funder.objects.filter(Q(institution__isnull=True) | Q(institution_id=institution_id))


def visible_programmes(institution_id: int | None) -> QuerySet[Programme]:
    """The programmes of the funders the institution sees."""
    return Programme.objects.filter(
        Q(funder__institution__isnull=True) | Q(funder__institution_id=institution_id)
    ).select_related("funder")
