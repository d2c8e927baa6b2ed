"""Writes to reference data: disciplines, institutions, units, doctoral rights (and, through
`reference_save`, every other record an administrator keeps in the admin)."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from accounts.access import Perm, has_perm
from accounts.actors import Actor
from audit.events import saved_event
from audit.services import record_event, snapshot
from catalogue.models import Discipline, DoctoralRight, Institution, Unit
from core.errors import DomainError


def _institution_of(instance: models.Model) -> Institution | None:
    if isinstance(instance, Institution):
        return instance
    institution_id = getattr(instance, "institution_id", None)
    return Institution.objects.filter(pk=institution_id).first() if institution_id else None


def _check_may_change(by: Actor, instance: models.Model) -> None:
    is_superuser = getattr(by, "is_superuser", False)
    if isinstance(instance, (Discipline, Institution)):
        # Shared across institutions: the national catalogue and the list of institutions.
        if not (is_superuser or has_perm(by, Perm.MANAGE_REFERENCE)):
            raise DomainError(_("Only an office administrator can change reference data."))
        return
    institution_id = getattr(instance, "institution_id", None)
    if is_superuser:
        return
    if not has_perm(by, Perm.MANAGE_REFERENCE) or institution_id != by.institution_id:
        raise DomainError(_("You may change reference data of your own institution only."))


def validation_message(error: ValidationError) -> tuple[str, str | None]:
    """The first sentence of a Django ValidationError and the field it names."""
    if hasattr(error, "error_dict"):
        field, errors = next(iter(error.error_dict.items()))
        return " ".join(str(m) for e in errors for m in e.messages), (None if field == "__all__" else field)
    return " ".join(error.messages), None


@transaction.atomic
def reference_save[M: models.Model](*, instance: M, by: Actor, note: str = "") -> M:
    """Creates or updates one reference record after full validation, with its audit event."""
    _check_may_change(by, instance)
    try:
        instance.full_clean()
    except ValidationError as error:
        message, field = validation_message(error)
        raise DomainError(message, field=field) from error
    model = type(instance)
    before = None
    if instance.pk is not None:
        previous = model._default_manager.select_for_update().filter(pk=instance.pk).first()
        before = snapshot(previous) if previous is not None else None
    instance.save()
    record_event(
        actor=by,
        event=saved_event(instance, created=not before),
        target=instance,
        before=before,
        after=snapshot(instance),
        institution=_institution_of(instance),
        note=note,
    )
    return instance


def discipline_save(
    *,
    code: str,
    name_zh: str,
    name_en: str = "",
    edition: str = "2022",
    source: str = "",
    source_marker: str = "L",
    by: Actor,
) -> Discipline:
    discipline = Discipline.objects.filter(code=code).first() or Discipline(code=code)
    discipline.name_zh, discipline.name_en, discipline.edition = name_zh, name_en, edition
    discipline.source, discipline.source_marker = source, source_marker
    return reference_save(instance=discipline, by=by)


def unit_save(*, institution: Institution, code: str, name_zh: str, kind: str, name_en: str = "", by: Actor) -> Unit:
    unit = Unit.objects.filter(institution=institution, code=code).first() or Unit(institution=institution, code=code)
    unit.name_zh, unit.name_en, unit.kind = name_zh, name_en, kind
    return reference_save(instance=unit, by=by)


def doctoral_right_grant(
    *, institution: Institution, discipline: Discipline, since: dt.date, by: Actor
) -> DoctoralRight:
    right = DoctoralRight.objects.filter(institution=institution, discipline=discipline).first()
    right = right or DoctoralRight(institution=institution, discipline=discipline, since=since)
    right.since = since
    return reference_save(instance=right, by=by)
