"""The institution's own funders, programmes and grade amounts (the shipped catalogue is read-only)."""

from typing import Any

from django.db import models, transaction
from django.utils.translation import gettext as _

from accounts.actors import Actor
from audit.events import saved_event
from audit.services import record_event, snapshot
from catalogue.models import Institution
from core.errors import DomainError
from funding.models import Funder, GradeAmount, Programme
from funding.services.common import _inst, _require_office, _validate

# ---- the catalogue: an institution's own funders, programmes and amounts ----------------------


def _save_record(
    *, instance: models.Model, fields: dict[str, Any], allowed: set[str], by: Actor, institution_id: int | None
) -> Any:
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"Unknown fields: {', '.join(sorted(unknown))}")
    before = None
    if instance.pk is not None:
        locked = type(instance)._default_manager.select_for_update().get(pk=instance.pk)
        before = snapshot(locked)
    for name, value in fields.items():
        setattr(instance, name, value.strip() if isinstance(value, str) else value)
    _validate(instance)
    instance.save()
    record_event(
        actor=by,
        event=saved_event(instance, created=not before),
        target=instance,
        before=before,
        after=snapshot(instance),
        institution=_inst(institution_id),
    )
    return instance


def _require_own(funder: Funder, institution_id: int | None) -> None:
    if funder.institution_id is None:
        raise DomainError(
            _(
                "%(funder)s is part of the shipped catalogue, which cannot be changed here; add a funder of the institution's own for what it lacks."
            )
            % {"funder": funder.name_zh}
        )
    if funder.institution_id != institution_id:
        raise DomainError(_("That funder belongs to another institution."), field="funder")


FUNDER_FIELDS = {"code", "name_zh", "name_en", "aliases", "kind", "region"}
PROGRAMME_FIELDS = {
    "code",
    "name_zh",
    "name_en",
    "aliases",
    "once_per_station",
    "apply_within_months",
    "needs_extension_commitment",
    "source",
    "note",
    "note_zh",
}
GRADE_AMOUNT_FIELDS = {"grade", "field", "amount", "year_from", "year_to", "certainty", "source", "note", "note_zh"}


@transaction.atomic
def funder_save(*, institution: Institution, by: Actor, funder: Funder | None = None, **fields: Any) -> Funder:
    """Creates or changes a funder of the institution's own (its university fund, a commission the
    shipped catalogue lacks). The shipped funders are read-only."""
    _require_office(by, institution.pk)
    if funder is not None:
        _require_own(funder, institution.pk)
    code = str(fields.get("code", funder.code if funder else "")).strip()
    if code and Funder.objects.filter(institution__isnull=True, code=code).exists():
        raise DomainError(
            _("%(code)s is the code of a funder of the shipped catalogue; choose another.") % {"code": code},
            field="code",
        )
    instance = funder or Funder(institution=institution)
    result: Funder = _save_record(
        instance=instance, fields=fields, allowed=FUNDER_FIELDS, by=by, institution_id=institution.pk
    )
    return result


@transaction.atomic
def programme_save(*, funder: Funder, by: Actor, programme: Programme | None = None, **fields: Any) -> Programme:
    """Creates or changes a programme of one of the institution's own funders."""
    _require_own(funder, getattr(by, "institution_id", None))
    _require_office(by, funder.institution_id)
    if programme is not None and programme.funder_id != funder.pk:
        raise DomainError(_("The programme belongs to another funder."), field="programme")
    instance = programme or Programme(funder=funder)
    result: Programme = _save_record(
        instance=instance, fields=fields, allowed=PROGRAMME_FIELDS, by=by, institution_id=funder.institution_id
    )
    return result


@transaction.atomic
def grade_amount_save(
    *, programme: Programme, by: Actor, grade_amount: GradeAmount | None = None, **fields: Any
) -> GradeAmount:
    """Creates or changes what a grade of one of the institution's own programmes pays."""
    funder = programme.funder
    _require_own(funder, getattr(by, "institution_id", None))
    _require_office(by, funder.institution_id)
    if grade_amount is not None and grade_amount.programme_id != programme.pk:
        raise DomainError(_("The amount belongs to another programme."), field="programme")
    instance = grade_amount or GradeAmount(programme=programme)
    assert funder.institution_id is not None
    result: GradeAmount = _save_record(
        instance=instance, fields=fields, allowed=GRADE_AMOUNT_FIELDS, by=by, institution_id=funder.institution_id
    )
    return result
