"""The institution's funding rules (off, a warning or a refusal each) and how its pages write amounts."""

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.actors import Actor
from audit.events import Event
from audit.services import record_event, snapshot
from catalogue.models import Institution
from core.errors import DomainError
from funding.models import AmountStyle, FundingRules
from funding.rules import (
    RULES,
)
from funding.services.common import _institution_id, _require_office, _validate

# ---- funding rules ----------------------------------------------------------------------------


def funding_rules_for(institution: Institution | int) -> FundingRules:
    """The institution's funding rules, or the defaults (unsaved) if it has kept none."""
    institution_id = _institution_id(institution)
    return FundingRules.objects.filter(institution_id=institution_id).first() or FundingRules(
        institution_id=institution_id
    )


@transaction.atomic
def funding_rules_save(*, institution: Institution, by: Actor, **modes: str) -> FundingRules:
    """Sets how the institution enforces each rule: off, a warning or a refusal."""
    _require_office(by, institution.pk)
    unknown = set(modes) - set(RULES)
    if unknown:
        raise TypeError(f"Unknown funding rules: {', '.join(sorted(unknown))}")
    rules = FundingRules.objects.select_for_update().filter(institution=institution).first()
    before = snapshot(rules) if rules is not None else None
    rules = rules or FundingRules(institution=institution)
    for rule, mode in modes.items():
        setattr(rules, rule, mode)
    _validate(rules)
    rules.save()
    record_event(
        actor=by,
        event=Event.FUNDING_RULES_SAVED,
        target=rules,
        before=before,
        after=snapshot(rules),
        institution=institution,
    )
    return rules


@transaction.atomic
def amount_style_save(*, institution: Institution, style: str, by: Actor) -> FundingRules:
    """Sets how the institution's pages write amounts (80,000 yuan or 8万元), for both languages."""
    _require_office(by, institution.pk)
    if style not in AmountStyle.values:
        raise DomainError(_("Choose how amounts are written: grouped digits or 万."), field="amount_style")
    rules = FundingRules.objects.select_for_update().filter(institution=institution).first()
    before = {"amount_style": rules.amount_style} if rules is not None else None
    rules = rules or FundingRules(institution=institution)
    rules.amount_style = style
    rules.save()
    record_event(
        actor=by,
        event=Event.AMOUNT_STYLE_SAVED,
        target=rules,
        before=before,
        after={"amount_style": rules.amount_style},
        institution=institution,
    )
    return rules
