import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.access import can_manage_appointment
from appointments.models import Appointment
from audit.services import EventBatch, record_event, snapshot
from core.bulk import insert_many
from core.errors import DomainError
from core.fieldcheck import check_fields
from funding.models import Level, Project


def _check_project(
    *,
    may_manage: bool,
    holder: Appointment,
    project_no: str,
    level: str,
    amount: Decimal | int,
    awarded_on: dt.date,
    taken: bool,
) -> None:
    if not may_manage:
        raise DomainError(_("You may not record projects for this postdoc."))
    if level not in Level.values:
        raise DomainError(_("Choose a level: national, provincial, municipal or university."), field="level")
    if Decimal(amount) < 0:
        raise DomainError(_("The amount cannot be negative."), field="amount")
    if taken:
        raise DomainError(_("Project number %(no)s is already recorded.") % {"no": project_no}, field="project_no")
    if awarded_on < holder.entry_date:
        raise DomainError(
            _("The award date is before the holder entered the station (%(entry)s).")
            % {"entry": holder.entry_date.isoformat()},
            field="awarded_on",
        )


@transaction.atomic
def project_record(
    *,
    holder: Appointment,
    project_no: str,
    title: str,
    funder: str,
    level: str,
    awarded_on: dt.date,
    amount: Decimal | int = 0,
    programme: str = "",
    status: str = Project.Status.AWARDED,
    by: Any,
) -> Project:
    """Records a project awarded to a postdoc (counted once, by its number, per institution)."""
    institution = holder.station.institution
    _check_project(
        may_manage=can_manage_appointment(by, holder),
        holder=holder,
        project_no=project_no,
        level=level,
        amount=amount,
        awarded_on=awarded_on,
        taken=Project.objects.filter(institution=institution, project_no=project_no).exists(),
    )
    project = Project.objects.create(
        institution=institution,
        project_no=project_no,
        title=title,
        funder=funder,
        programme=programme,
        level=level,
        amount=Decimal(amount),
        awarded_on=awarded_on,
        holder=holder,
        status=status,
    )
    record_event(
        actor=by,
        event="project.recorded",
        target=project,
        parent=holder,
        after=snapshot(project),
        institution=institution,
    )
    return project


@transaction.atomic
def projects_record(*, projects: list[Project], by: Any, note: str = "") -> list[DomainError | None]:
    """Records many projects at once (a workbook import), each checked as `project_record` checks
    one. `projects` are unsaved, with their holder set. Nothing is written unless all pass; one
    audit event per project."""
    may_manage: dict[int, bool] = {}
    numbers = [p.project_no for p in projects]
    institutions = {p.holder.institution_id for p in projects}
    taken = set(
        Project.objects.filter(institution_id__in=institutions, project_no__in=numbers)
        .order_by()
        .values_list("institution_id", "project_no")
    )
    errors: list[DomainError | None] = []
    seen: set[tuple[int, str]] = set()
    for project in projects:
        holder = project.holder
        key = (holder.institution_id, project.project_no)
        try:
            if holder.pk not in may_manage:
                may_manage[holder.pk] = can_manage_appointment(by, holder)
            _check_project(
                may_manage=may_manage[holder.pk],
                holder=holder,
                project_no=project.project_no,
                level=project.level,
                amount=project.amount,
                awarded_on=project.awarded_on,
                taken=key in taken or key in seen,
            )
            project.institution_id = holder.institution_id
            check_fields(project)
            errors.append(None)
        except DomainError as error:
            errors.append(error)
        seen.add(key)
    if any(errors):
        return errors
    insert_many(projects)
    for institution_id in institutions:
        events = EventBatch(actor=by, institution_id=institution_id, note=note)
        for project in projects:
            if project.institution_id == institution_id:
                events.add(event="project.recorded", target=project, parent=project.holder, after=snapshot(project))
        events.save()
    return errors
