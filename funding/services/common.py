"""What every funding service shares: who may write, the ids an audit event names, today."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import Perm, has_perm
from accounts.actors import Actor
from appointments.access import can_manage_appointment
from appointments.models import Appointment
from catalogue.models import Institution
from catalogue.services import validation_message
from core.errors import DomainError
from funding.models import Project

AWARDED = [str(status) for status in Project.AWARDED_STATUSES]


def _inst(institution_id: int | None) -> Institution | None:
    """The institution an audit event names, by id, without reading it."""
    return Institution(pk=institution_id) if institution_id is not None else None


def _id(record: models.Model | int | None) -> int | None:
    if isinstance(record, models.Model):
        pk: int | None = record.pk
        return pk
    return record


def _institution_id(institution: Institution | int) -> int:
    return institution.pk if isinstance(institution, Institution) else institution


def _today() -> dt.date:
    return timezone.localdate()


# ---- who may ----------------------------------------------------------------------------------


def _require_office(by: Actor, institution_id: int | None) -> None:
    """The institution's office administrators keep its funders, mapping and rules."""
    if getattr(by, "is_superuser", False) and getattr(by, "is_active", False):
        return
    if not (has_perm(by, Perm.MANAGE_REFERENCE) and institution_id is not None and by.institution_id == institution_id):
        raise DomainError(
            _("Only an office administrator of the institution can change its funders, levels and funding rules.")
        )


def _require_manage(by: Actor, holder: Appointment) -> None:
    if not can_manage_appointment(by, holder):
        raise DomainError(_("You may not record projects for this postdoc."))


# ---- a record as Django validates it ----------------------------------------------------------


def _validate(instance: models.Model, exclude: list[str] | None = None) -> None:
    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as error:
        message, field = validation_message(error)
        raise DomainError(message, field=field) from error
