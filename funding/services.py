import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.access import can_manage_appointment
from appointments.models import Appointment
from audit.services import record_event, snapshot
from core.errors import DomainError
from funding.models import Level, Project


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
    if not can_manage_appointment(by, holder):
        raise DomainError(_("You may not record projects for this postdoc."))
    if level not in Level.values:
        raise DomainError(_("Choose a level: national, provincial, municipal or university."), field="level")
    if Decimal(amount) < 0:
        raise DomainError(_("The amount cannot be negative."), field="amount")
    institution = holder.station.institution
    if Project.objects.filter(institution=institution, project_no=project_no).exists():
        raise DomainError(_("Project number %(no)s is already recorded.") % {"no": project_no}, field="project_no")
    if awarded_on < holder.entry_date:
        raise DomainError(
            _("The award date is before the holder entered the station (%(entry)s).")
            % {"entry": holder.entry_date.isoformat()},
            field="awarded_on",
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
