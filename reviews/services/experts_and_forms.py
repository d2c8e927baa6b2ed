"""The expert pool (experts and their relations) and the institution's scoring forms and panel rules."""

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.actors import Actor
from audit.events import Event
from audit.services import record_event, snapshot
from catalogue.models import Discipline, Institution
from catalogue.services import validation_message
from core.errors import DomainError
from core.errors import require as _require
from reviews.models import Criterion, Expert, Form, Kind, KindRules, Relation
from reviews.services.common import _require_admin, _today

RULE_FIELDS = ("min_size", "min_external_percent", "min_rank", "doctoral_supervisors_only", "blind")
EXPERT_FIELDS = (
    "code",
    "name",
    "name_en",
    "is_external",
    "affiliation",
    "unit",
    "supervisor",
    "user",
    "title",
    "rank",
    "is_doctoral_supervisor",
    "email",
    "phone",
    "language",
    "is_active",
)


# ---- the pool -----------------------------------------------------------------------------------


@transaction.atomic
def expert_save(
    *,
    institution: Institution,
    by: Actor,
    expert: Expert | None = None,
    disciplines: Iterable[Discipline] | None = None,
    note: str = "",
    **fields: Any,
) -> Expert:
    """Adds an expert to the pool or changes one, with their disciplines of expertise."""
    _require_admin(by, institution.pk)
    unknown = sorted(set(fields) - set(EXPERT_FIELDS))
    _require(not unknown, _("Unknown expert details: %(fields)s.") % {"fields": ", ".join(unknown)})
    creating = expert is None
    if expert is None:
        expert = Expert(institution=institution)
    else:
        expert = Expert.objects.select_for_update().get(pk=expert.pk, institution=institution)
    before = (
        None
        if creating
        else {**snapshot(expert), "disciplines": sorted(expert.disciplines.values_list("code", flat=True))}
    )
    for name, value in fields.items():
        setattr(expert, name, value)
    if isinstance(fields.get("name"), str):
        expert.name = fields["name"].strip()
    _require(bool(expert.name), _("An expert needs a name."), "name")
    expert.code = expert.code.strip()
    _require(
        not expert.code
        or not Expert.objects.filter(institution=institution, code=expert.code).exclude(pk=expert.pk).exists(),
        _("Expert number %(code)s is already taken.") % {"code": expert.code},
        "code",
    )
    if expert.is_external:
        _require(
            expert.unit_id is None and expert.supervisor_id is None,
            _("An external expert has no unit or staff record of this institution."),
            "is_external",
        )
        _require(bool(expert.affiliation.strip()), _("Name the external expert's institution."), "affiliation")
    else:
        unit = expert.unit
        _require(unit is not None, _("An internal expert needs their unit."), "unit")
        assert unit is not None  # refused above
        _require(unit.institution_id == institution.pk, _("The unit belongs to another institution."), "unit")
        supervisor = expert.supervisor if expert.supervisor_id is not None else None
        if supervisor is not None:
            _require(
                supervisor.institution_id == institution.pk,
                _("The staff record belongs to another institution."),
                "supervisor",
            )
            holder = Expert.objects.filter(supervisor_id=supervisor.pk).exclude(pk=expert.pk).first()
            _require(
                holder is None,
                _("This staff record is already linked to the expert %(expert)s.") % {"expert": holder},
                "supervisor",
            )
    if expert.user_id is not None:
        _require(
            not Expert.objects.filter(user_id=expert.user_id).exclude(pk=expert.pk).exists(),
            _("This account is already linked to another expert."),
            "user",
        )
    try:
        expert.full_clean(exclude=["unit", "supervisor", "user", "institution"], validate_unique=False)
    except ValidationError as error:
        message, field = validation_message(error)
        raise DomainError(message, field=field) from None
    expert.save()
    if disciplines is not None:
        expert.disciplines.set(disciplines)
    after = {**snapshot(expert), "disciplines": sorted(expert.disciplines.values_list("code", flat=True))}
    record_event(
        actor=by,
        event=Event.EXPERT_CREATED if creating else Event.EXPERT_CHANGED,
        target=expert,
        before=before,
        after=after,
        institution=institution,
        note=note,
    )
    return expert


@transaction.atomic
def relation_record(
    *,
    expert: Expert,
    kind: str,
    on: dt.date,
    by: Actor,
    person: Any = None,
    supervisor: Any = None,
    unit: Any = None,
    declared_by: str = Relation.DeclaredBy.OFFICE,
    note: str = "",
) -> Relation:
    """Records a relation that conflicts an expert out of reviews of a party."""
    _require_admin(by, expert.institution_id)
    _require(kind in Relation.Kind.values, _("Choose the kind of relation."), "kind")
    _require(declared_by in Relation.DeclaredBy.values, _("Say who declared it."), "declared_by")
    parties = [p for p in (person, supervisor, unit) if p is not None]
    _require(len(parties) == 1, _("Name exactly one postdoc, supervisor or unit."), "party")
    _require(
        parties[0].institution_id == expert.institution_id,
        _("The other party belongs to another institution."),
        "party",
    )
    _require(on <= _today(), _("The date cannot be in the future."), "on")
    relation = Relation.objects.create(
        expert=expert,
        kind=kind,
        person=person,
        supervisor=supervisor,
        unit=unit,
        declared_by=declared_by,
        on=on,
        note=note.strip(),
    )
    record_event(
        actor=by,
        event=Event.EXPERT_RELATION_RECORDED,
        target=relation,
        parent=expert,
        after=snapshot(relation),
        institution=expert.institution,
        note=note,
    )
    return relation


# ---- forms and rules ----------------------------------------------------------------------------


@transaction.atomic
def form_create(
    *,
    institution: Institution,
    name: str,
    criteria: Sequence[tuple[str, str, int, int]],
    by: Actor,
    outcome: str = Form.Outcome.GRADE,
    hides_subject: bool = False,
    thresholds: tuple[int, int, int] = (90, 75, 60),
    disagreement_points: int = 20,
) -> Form:
    """A scoring form with its criteria: (Chinese name, English name, weight, highest score)."""
    _require_admin(by, institution.pk)
    _require(bool(name.strip()), _("A form needs a name."), "name")
    _require(outcome in Form.Outcome.values, _("Choose what the form concludes with."), "outcome")
    _require(bool(criteria), _("A form needs at least one criterion."), "criteria")
    for name_zh, _name_en, weight, scale in criteria:
        _require(bool(name_zh.strip()), _("Every criterion needs a name."), "criteria")
        _require(weight > 0 and scale > 0, _("Weights and highest scores must be above zero."), "criteria")
    excellent, good, passing = thresholds
    _require(
        100 >= excellent > good > passing >= 0,
        _("The grade thresholds must descend: excellent above good above pass, all within 100."),
        "thresholds",
    )
    form = Form.objects.create(
        institution=institution,
        name=name.strip(),
        outcome=outcome,
        hides_subject=hides_subject,
        excellent_from=excellent,
        good_from=good,
        pass_from=passing,
        disagreement_points=disagreement_points,
    )
    Criterion.objects.bulk_create(
        Criterion(form=form, position=i, name_zh=zh.strip(), name_en=en.strip(), weight=w, scale_max=s)
        for i, (zh, en, w, s) in enumerate(criteria)
    )
    after = {**snapshot(form), "criteria": [list(c) for c in criteria]}
    record_event(actor=by, event=Event.REVIEW_FORM_CREATED, target=form, after=after, institution=institution)
    return form


@transaction.atomic
def kind_rules_save(
    *, institution: Institution, kind: str, form: Form, by: Actor, collaboration_window_years: int = 3, **rules: Any
) -> KindRules:
    """Sets the institution's panel rules and form for a kind of review (e.g. mid-term: at least
    five doctoral supervisors, at least 40% from outside)."""
    _require_admin(by, institution.pk)
    _require(kind in Kind.values, _("Choose the kind of review."), "kind")
    _require(form.institution_id == institution.pk, _("The form belongs to another institution."), "form")
    unknown = sorted(set(rules) - set(RULE_FIELDS))
    _require(not unknown, _("Unknown panel rules: %(fields)s.") % {"fields": ", ".join(unknown)})
    _check_rules(rules)
    existing = KindRules.objects.select_for_update().filter(institution=institution, kind=kind).first()
    before = snapshot(existing) if existing else None
    kind_rules = existing or KindRules(institution=institution, kind=kind)
    kind_rules.form = form
    kind_rules.collaboration_window_years = collaboration_window_years
    for name, value in rules.items():
        setattr(kind_rules, name, value)
    kind_rules.save()
    record_event(
        actor=by,
        event=Event.REVIEW_RULES_SAVED,
        target=kind_rules,
        before=before,
        after=snapshot(kind_rules),
        institution=institution,
    )
    return kind_rules


def _check_rules(rules: dict[str, Any]) -> None:
    if "min_size" in rules:
        _require(1 <= rules["min_size"] <= 50, _("A panel has between 1 and 50 members."), "min_size")
    if "min_external_percent" in rules:
        _require(
            0 <= rules["min_external_percent"] <= 100,
            _("The external share is a percentage from 0 to 100."),
            "min_external_percent",
        )
