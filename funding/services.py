"""Writes to funding: the institution's funders, programmes and amounts, its level mapping and
funding rules, and projects from application to end (docs/decisions/0013).

Every write takes its actor (`by`), runs in one transaction and leaves one audit event. A project's
counted level (`Project.level`) is kept here: its `level_override` if it has one, else the
institution's rule for its programme, else for its funder; a change of the mapping recomputes the
projects it concerns in the same transaction.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import Perm, can_manage_appointment, has_perm
from appointments.models import Appointment
from appointments.rules import not_in_future
from audit.services import EventBatch, record_event, snapshot
from catalogue.models import Institution
from core.bulk import insert_many
from core.errors import DomainError, require
from core.fieldcheck import check_fields
from funding.catalogue import default_levels
from funding.lookup import FunderIndex, match_funder, match_programme
from funding.models import AmountStyle, Funder, FundingRules, GradeAmount, Level, LevelRule, Programme, Project
from funding.rules import (
    RULES,
    Breach,
    acknowledged_note,
    apply_window_breach,
    enforce,
    extension_commitment_breach,
    once_per_station_breach,
)

AWARDED = [str(status) for status in Project.AWARDED_STATUSES]


def _inst(institution_id: int | None) -> Institution | None:
    """The institution an audit event names, by id, without reading it."""
    return Institution(pk=institution_id) if institution_id is not None else None


def _id(record: Any) -> int | None:
    return record.pk if isinstance(record, models.Model) else record


def _institution_id(institution: Institution | int) -> int:
    return institution.pk if isinstance(institution, Institution) else institution


def _today() -> dt.date:
    return timezone.localdate()


# ---- who may ----------------------------------------------------------------------------------


def _require_office(by: Any, institution_id: int | None) -> None:
    """The institution's office administrators keep its funders, mapping and rules."""
    if getattr(by, "is_superuser", False) and getattr(by, "is_active", False):
        return
    if not (has_perm(by, Perm.MANAGE_REFERENCE) and institution_id is not None and by.institution_id == institution_id):
        raise DomainError(
            _("Only an office administrator of the institution can change its funders, levels and funding rules.")
        )


def _require_manage(by: Any, holder: Appointment) -> None:
    if not can_manage_appointment(by, holder):
        raise DomainError(_("You may not record projects for this postdoc."))


# ---- funding rules ----------------------------------------------------------------------------


def funding_rules_for(institution: Institution | int) -> FundingRules:
    """The institution's funding rules, or the defaults (unsaved) if it has kept none."""
    institution_id = _institution_id(institution)
    return FundingRules.objects.filter(institution_id=institution_id).first() or FundingRules(
        institution_id=institution_id
    )


@transaction.atomic
def funding_rules_save(*, institution: Institution, by: Any, **modes: str) -> FundingRules:
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
        event="funding_rules.saved",
        target=rules,
        before=before,
        after=snapshot(rules),
        institution=institution,
    )
    return rules


@transaction.atomic
def amount_style_save(*, institution: Institution, style: str, by: Any) -> FundingRules:
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
        event="amount_style.saved",
        target=rules,
        before=before,
        after={"amount_style": rules.amount_style},
        institution=institution,
    )
    return rules


# ---- the catalogue: an institution's own funders, programmes and amounts ----------------------


def _validate(instance: models.Model, exclude: list[str] | None = None) -> None:
    from catalogue.services import validation_message

    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as error:
        message, field = validation_message(error)
        raise DomainError(message, field=field) from error


def _save_record(
    *, instance: models.Model, fields: dict[str, Any], allowed: set[str], by: Any, institution_id: int | None
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
        event=f"{instance._meta.model_name}.{'changed' if before else 'created'}",
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
def funder_save(*, institution: Institution, by: Any, funder: Funder | None = None, **fields: Any) -> Funder:
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
def programme_save(*, funder: Funder, by: Any, programme: Programme | None = None, **fields: Any) -> Programme:
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
    *, programme: Programme, by: Any, grade_amount: GradeAmount | None = None, **fields: Any
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


# ---- levels -----------------------------------------------------------------------------------


class LevelMap:
    """An institution's level rules, read in one query: (funder id, programme id or None) → level."""

    def __init__(self, rules: dict[tuple[int, int | None], str]) -> None:
        self.rules = rules

    @classmethod
    def load(cls, institution_id: int, funder_ids: Iterable[int] | None = None) -> "LevelMap":
        rules = LevelRule.objects.filter(institution_id=institution_id).order_by()
        if funder_ids is not None:
            rules = rules.filter(funder_id__in=list(funder_ids))
        return cls({(f, p): level for f, p, level in rules.values_list("funder_id", "programme_id", "level")})

    def level(self, funder_id: int | None, programme_id: int | None) -> str | None:
        """The programme's rule if it has one (it wins), else the funder's, else None."""
        if funder_id is None:
            return None
        if programme_id is not None and (funder_id, programme_id) in self.rules:
            return self.rules[(funder_id, programme_id)]
        return self.rules.get((funder_id, None))

    def with_rule(self, funder_id: int, programme_id: int | None, level: str | None) -> "LevelMap":
        """The map as it would be with this rule set to `level` (None: removed)."""
        rules = dict(self.rules)
        if level:
            rules[(funder_id, programme_id)] = level
        else:
            rules.pop((funder_id, programme_id), None)
        return LevelMap(rules)


def resolve_level(
    institution_id: int, funder_ref: Funder | int | None, programme_ref: Programme | int | None, override: str
) -> str | None:
    """The level a project with these counts at: the override, else the programme's rule, else the
    funder's; None when none applies."""
    if override:
        return override
    funder_id = _id(funder_ref)
    if funder_id is None and isinstance(programme_ref, Programme):
        funder_id = programme_ref.funder_id
    if funder_id is None:
        return None
    return LevelMap.load(institution_id, [funder_id]).level(funder_id, _id(programme_ref))


@dataclass(frozen=True)
class _Move:
    programme_id: int | None
    old: str
    new: str | None
    projects: int
    awarded: int


def _level_moves(institution_id: int, funder_id: int, programme_id: int | None, level: str | None) -> list[_Move]:
    """How the projects a rule concerns would move if the rule were `level` (None: removed):
    one grouped query over the projects that follow the mapping (no override)."""
    proposed = LevelMap.load(institution_id, [funder_id]).with_rule(funder_id, programme_id, level)
    concerned = Project.objects.filter(institution_id=institution_id, funder_ref_id=funder_id, level_override="")
    if programme_id is not None:
        concerned = concerned.filter(programme_ref_id=programme_id)
    groups = (
        concerned.order_by()
        .values_list("programme_ref_id", "level")
        .annotate(n=Count("pk"), awarded=Count("pk", filter=Q(status__in=AWARDED)))
    )
    moves = []
    for group_programme, old, n, awarded in groups:
        new = proposed.level(funder_id, group_programme)
        if new != old:
            moves.append(_Move(group_programme, old, new, n, awarded))
    return moves


def _apply_moves(institution_id: int, funder_id: int, moves: list[_Move]) -> list[dict[str, Any]]:
    """Rewrites the counted level of the projects that move: one UPDATE per pair of levels."""
    pairs: dict[tuple[str, str], list[int | None]] = defaultdict(list)
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for move in moves:
        assert move.new is not None
        pairs[(move.old, move.new)].append(move.programme_id)
        counts[(move.old, move.new)] += move.projects
    for (old, new), programme_ids in pairs.items():
        which = Q(programme_ref_id__in=[p for p in programme_ids if p is not None])
        if None in programme_ids:
            which |= Q(programme_ref__isnull=True)
        Project.objects.filter(
            which, institution_id=institution_id, funder_ref_id=funder_id, level_override="", level=old
        ).update(level=new)
    return [{"from": old, "to": new, "projects": n} for (old, new), n in sorted(counts.items())]


def _moves_note(moved: list[dict[str, Any]]) -> str:
    if not moved:
        return _("No project changed its level.")
    labels = dict(Level.choices)
    return " ".join(
        _("%(n)s project(s) moved from %(old)s to %(new)s.")
        % {"n": item["projects"], "old": labels[item["from"]], "new": labels[item["to"]]}
        for item in moved
    )


def _check_rule_target(institution_id: int, funder: Funder, programme: Programme | None) -> None:
    if funder.institution_id not in (None, institution_id):
        raise DomainError(_("That funder belongs to another institution."), field="funder")
    if programme is not None and programme.funder_id != funder.pk:
        raise DomainError(
            _("%(programme)s is not a programme of %(funder)s.")
            % {"programme": programme.name_zh, "funder": funder.name_zh},
            field="programme",
        )


def _require_level(level: str, field: str = "level") -> None:
    if level not in Level.values:
        raise DomainError(_("Choose a level: national, provincial, municipal or university."), field=field)


@transaction.atomic
def level_rule_save(
    *, institution: Institution, funder: Funder, programme: Programme | None = None, level: str, by: Any
) -> LevelRule:
    """Sets the institution's level for a funder (or one of its programmes, which wins) and moves
    the projects that follow the mapping to their new level, in the same transaction; one audit
    event names the rule and how many projects moved from which level to which."""
    _require_office(by, institution.pk)
    _check_rule_target(institution.pk, funder, programme)
    _require_level(level)
    rule = (
        LevelRule.objects.select_for_update(of=("self",))
        .filter(institution=institution, funder=funder, programme=programme)
        .first()
    )
    before = snapshot(rule) if rule is not None else None
    moves = _level_moves(institution.pk, funder.pk, _id(programme), level)
    rule = rule or LevelRule(institution=institution, funder=funder, programme=programme)
    rule.level = level
    rule.save()
    moved = _apply_moves(institution.pk, funder.pk, moves)
    record_event(
        actor=by,
        event="level_rule.saved",
        target=rule,
        before=before,
        after={**snapshot(rule), "projects_moved": moved},
        parent=funder,
        institution=institution,
        note=_moves_note(moved),
    )
    return rule


@transaction.atomic
def level_rule_remove(*, rule: LevelRule, by: Any) -> None:
    """Removes a level rule; refused if projects would be left without a level (every project
    counts at exactly one level). Projects that fall back to the funder's rule move to it."""
    _require_office(by, rule.institution_id)
    rule = LevelRule.objects.select_for_update(of=("self",)).select_related("funder", "programme").get(pk=rule.pk)
    moves = _level_moves(rule.institution_id, rule.funder_id, rule.programme_id, None)
    stranded = sum(move.projects for move in moves if move.new is None)
    if stranded:
        raise DomainError(
            _(
                "%(n)s project(s) would be left without a level: give them a level of their own, or add a rule for %(funder)s first."
            )
            % {"n": stranded, "funder": rule.funder.name_zh}
        )
    before = snapshot(rule)
    moved = _apply_moves(rule.institution_id, rule.funder_id, moves)
    record_event(
        actor=by,
        event="level_rule.removed",
        target=rule,
        before=before,
        after={"projects_moved": moved},
        parent=rule.funder,
        institution=_inst(rule.institution_id),
        note=_moves_note(moved),
    )
    rule.delete()


def level_change_preview(
    *, institution: Institution, funder: Funder, programme: Programme | None = None, level: str
) -> dict[str, int]:
    """For the confirmation page: per level, how the institution's counted (awarded) projects would
    change if this rule were `level` (negative: fewer). With `level` blank, the removal of the rule:
    then `without_level` counts the projects (any status) that would have none, which refuses it."""
    _check_rule_target(institution.pk, funder, programme)
    if level:
        _require_level(level)
    change = dict.fromkeys(Level.values, 0)
    stranded = 0
    for move in _level_moves(institution.pk, funder.pk, _id(programme), level or None):
        change[move.old] -= move.awarded
        if move.new is None:
            stranded += move.projects
        else:
            change[move.new] += move.awarded
    if not level:
        change["without_level"] = stranded
    return change


@transaction.atomic
def level_rules_default(*, institution: Institution, by: Any) -> list[LevelRule]:
    """Gives the institution facts.md's typical mapping of the shipped funders (NSFC and the
    national postdoc office 国家级; CPSF, Chongqing's postdoc and science funds 省部级; municipal
    commissions 市厅级), where it has no rule yet; one audit event. Called when an institution is set
    up; the office edits the mapping afterwards."""
    _require_office(by, institution.pk)
    defaults = default_levels()
    shipped = {f.code: f for f in Funder.objects.filter(institution__isnull=True, code__in=list(defaults))}
    kept = set(
        LevelRule.objects.filter(
            institution=institution, programme__isnull=True, funder_id__in=[f.pk for f in shipped.values()]
        )
        .order_by()
        .values_list("funder_id", flat=True)
    )
    created = []
    has_projects = Project.objects.filter(institution=institution).exists()  # none for a new institution
    for code, level in defaults.items():
        funder = shipped.get(code)
        if funder is None or funder.pk in kept:
            continue
        moves = _level_moves(institution.pk, funder.pk, None, level) if has_projects else []
        rule = LevelRule.objects.create(institution=institution, funder=funder, programme=None, level=level)
        _apply_moves(institution.pk, funder.pk, moves)
        created.append(rule)
    if created:
        record_event(
            actor=by,
            event="level_rules.defaulted",
            target=institution,
            after={"rules": [{"funder": rule.funder.code, "level": rule.level} for rule in created]},
            institution=institution,
        )
    return created


def default_level_rules(institution_id: int) -> list[LevelRule]:
    """The default mapping as unsaved rules, for bulk loaders that write no per-record audit
    (`core.dataset`); everything else calls `level_rules_default`."""
    defaults = default_levels()
    return [
        LevelRule(institution_id=institution_id, funder=funder, programme=None, level=defaults[funder.code])
        for funder in Funder.objects.filter(institution__isnull=True, code__in=list(defaults)).order_by("code")
    ]


# ---- projects: shared checks ------------------------------------------------------------------


def _amount(value: Any, field: str = "amount") -> Decimal:
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise DomainError(_("The amount must be a number of yuan, zero or more."), field=field) from None
    if not amount.is_finite() or amount < 0:
        raise DomainError(_("The amount cannot be negative."), field=field)
    return amount.quantize(Decimal("0.01"))


def _not_in_future(day: dt.date | None, field: str, today: dt.date) -> None:
    if day is not None and day > today:
        for violation in not_in_future(day, today=today, field=field):
            raise DomainError(violation.message, field=field)


def _fill_refs(
    project: Project,
    *,
    funder_ref: Funder | None,
    funder: str,
    programme_ref: Programme | None,
    programme: str,
    index: FunderIndex | None = None,
) -> None:
    """Sets the project's funder and programme, as records and as text. A record not given is
    matched from the text; text not given is the record's name."""
    institution_id = project.institution_id
    funder, programme = (funder or "").strip(), (programme or "").strip()
    if programme_ref is not None and funder_ref is None:
        funder_ref = programme_ref.funder
    if funder_ref is not None and funder_ref.institution_id not in (None, institution_id):
        raise DomainError(_("That funder belongs to another institution."), field="funder_ref")
    if programme_ref is not None and funder_ref is not None and programme_ref.funder_id != funder_ref.pk:
        raise DomainError(
            _("%(programme)s is not a programme of %(funder)s.")
            % {"programme": programme_ref.name_zh, "funder": funder_ref.name_zh},
            field="programme_ref",
        )
    if funder_ref is None and funder:
        funder_ref = index.funder(funder) if index is not None else match_funder(institution_id, funder)
    if funder_ref is not None and programme_ref is None and programme:
        programme_ref = (
            index.programme(funder_ref, programme) if index is not None else match_programme(funder_ref, programme)
        )
    project.funder_ref, project.programme_ref = funder_ref, programme_ref
    project.funder = funder or (funder_ref.name_zh if funder_ref is not None else "")
    project.programme = programme or (programme_ref.name_zh if programme_ref is not None else "")
    if not project.funder:
        raise DomainError(_("Name the funder."), field="funder")


def _set_level(project: Project, *, given: str, override: str, levels: LevelMap) -> None:
    """Sets the counted level and the override. `given` is a level as an office writes it (a
    workbook's column, an older caller's `level`): kept as the project's own level only where the
    mapping gives another one or none; `override` is always the project's own."""
    if given:
        _require_level(given)
    if override:
        _require_level(override, "level_override")
    if given and override and given != override:
        raise DomainError(
            _("The level and the level given for this project differ: give one of them."), field="level_override"
        )
    mapped = levels.level(project.funder_ref_id, project.programme_ref_id)
    override = override or (given if given != mapped else "")
    level = override or mapped
    if not level:
        if project.funder_ref_id is None:
            raise DomainError(
                _(
                    "%(funder)s is not in the catalogue of funders, so the institution's mapping gives it no level: give the level."
                )
                % {"funder": project.funder},
                field="level",
            )
        raise DomainError(
            _("The institution's mapping gives %(funder)s no level: give the level, or add a level rule for it.")
            % {"funder": project.funder_ref.name_zh if project.funder_ref else project.funder},
            field="level",
        )
    project.level, project.level_override = level, override


def _check_project(project: Project, *, holder: Appointment, taken: bool, today: dt.date | None = None) -> None:
    """What every project must be, whatever its status: the facts that cannot be overridden."""
    today = today or _today()
    require(Decimal(project.amount) >= 0, _("The amount cannot be negative."), "amount")
    if taken:
        raise DomainError(
            _("Project number %(no)s is already recorded.") % {"no": project.project_no}, field="project_no"
        )
    if project.period_start and project.period_end and project.period_end < project.period_start:
        raise DomainError(_("The period ends before it starts."), field="period_end")
    if project.awarded_on is not None:
        if project.awarded_on < holder.entry_date:
            raise DomainError(
                _("The award date is before the holder entered the station (%(entry)s).")
                % {"entry": holder.entry_date.isoformat()},
                field="awarded_on",
            )
        if project.applied_on is not None and project.awarded_on < project.applied_on:
            raise DomainError(_("The award date is before the application."), field="awarded_on")
    for field in ("applied_on", "awarded_on", "rejected_on", "ended_on"):
        _not_in_future(getattr(project, field), field, today)
    if project.ended_on is not None and project.ended_on < (project.awarded_on or project.ended_on):
        raise DomainError(_("The project ends before it was awarded."), field="ended_on")
    check_fields(project)


def _holder_label(holder: Appointment) -> tuple[str, str]:
    return holder.person.name, holder.station.name_zh


def _awarded_before(project: Project, holder: Appointment) -> bool:
    """Whether the person already holds an award of the project's programme at the holder's station
    (under this or another appointment)."""
    return (
        Project.objects.filter(
            programme_ref_id=project.programme_ref_id,
            status__in=AWARDED,
            holder__person_id=holder.person_id,
            holder__station_id=holder.station_id,
        )
        .exclude(pk=project.pk)
        .exists()
    )


def _breaches(project: Project, holder: Appointment, *, stage: str, awarded_before: bool | None = None) -> list[Breach]:
    """The rules a project breaks at a stage: "apply" (an application), "award" or "record" (an
    award recorded directly). The extension commitment is a condition of applying; the eligible
    period is checked wherever the application date is known."""
    programme = project.programme_ref
    if programme is None:
        return []
    found: list[Breach | None] = []
    if programme.once_per_station:
        before = _awarded_before(project, holder) if awarded_before is None else awarded_before
        if before:  # the names are read only for the sentence (the bulk path has no person loaded)
            name, station = _holder_label(holder)
            found.append(
                once_per_station_breach(
                    programme=programme, awarded_before=True, holder_name=name, station_name=station
                )
            )
    found.append(apply_window_breach(programme=programme, entry_date=holder.entry_date, applied_on=project.applied_on))
    if stage in ("apply", "award"):
        found.append(
            extension_commitment_breach(
                programme=programme,
                commitment_until=project.extension_commitment_until,
                period_end=project.period_end,
                planned_exit=holder.planned_exit_date,
            )
        )
    return [breach for breach in found if breach is not None]


def _new_breaches(before: list[Breach], after: list[Breach]) -> list[Breach]:
    """The breaches a change brings: a rule already broken (and refused, warned of or vouched for
    then) is not asked about again by an unrelated change."""
    known = {breach.rule for breach in before}
    return [breach for breach in after if breach.rule not in known]


def _enforce(breaches: list[Breach], institution_id: int, acknowledged: bool) -> list[Breach]:
    """`rules.enforce` with the institution's rules, read only when something is broken."""
    return enforce(breaches, funding_rules_for(institution_id), acknowledged=acknowledged) if breaches else []


def _number_taken(institution_id: int, project_no: str, exclude: int | None = None) -> bool:
    numbered = Project.objects.filter(institution_id=institution_id, project_no=project_no)
    return (numbered.exclude(pk=exclude) if exclude is not None else numbered).exists()


def _new_project(holder: Appointment, by: Any, **values: Any) -> Project:
    return Project(
        institution_id=holder.institution_id,
        holder=holder,
        created_by=by if getattr(by, "pk", None) else None,
        **values,
    )


def _locked(project: Project) -> Project:
    return (
        Project.objects.select_for_update(of=("self",))
        .select_related("holder", "funder_ref", "programme_ref")
        .get(pk=project.pk)
    )


# ---- projects: the life cycle -----------------------------------------------------------------


@transaction.atomic
def project_apply(
    *,
    holder: Appointment,
    project_no: str,
    title: str,
    applied_on: dt.date,
    funder_ref: Funder | None = None,
    funder: str = "",
    programme_ref: Programme | None = None,
    programme: str = "",
    amount: Decimal | int = 0,
    role: str = Project.Role.PRINCIPAL,
    level_override: str = "",
    period_start: dt.date | None = None,
    period_end: dt.date | None = None,
    extension_commitment_until: dt.date | None = None,
    acknowledged: bool = False,
    by: Any,
) -> Project:
    """Records a postdoc's application (status applied): counted nowhere until awarded, but known,
    so that success rates are. Its level is that of the mapping (or `level_override`)."""
    _require_manage(by, holder)
    require(applied_on is not None, _("Give the date of the application."), "applied_on")
    project = _new_project(
        holder,
        by,
        project_no=(project_no or "").strip(),
        title=(title or "").strip(),
        status=Project.Status.APPLIED,
        applied_on=applied_on,
        amount=_amount(amount),
        role=role,
        period_start=period_start,
        period_end=period_end,
        extension_commitment_until=extension_commitment_until,
    )
    _fill_refs(project, funder_ref=funder_ref, funder=funder, programme_ref=programme_ref, programme=programme)
    _set_level(project, given="", override=level_override, levels=LevelMap.load(holder.institution_id))
    _check_project(project, holder=holder, taken=_number_taken(holder.institution_id, project.project_no))
    warnings = _enforce(_breaches(project, holder, stage="apply"), holder.institution_id, acknowledged)
    project.save()
    record_event(
        actor=by,
        event="project.applied",
        target=project,
        parent=holder,
        after=snapshot(project),
        institution=_inst(holder.institution_id),
        note=acknowledged_note(warnings),
    )
    return project


@transaction.atomic
def project_award(
    *,
    project: Project,
    awarded_on: dt.date,
    amount: Decimal | int | None = None,
    grade: str = "",
    batch: str = "",
    project_no: str | None = None,
    period_start: dt.date | None = None,
    period_end: dt.date | None = None,
    acknowledged: bool = False,
    by: Any,
) -> Project:
    """An application is funded: from now on it counts, by its award date, at its level. The
    number may change from the application's to the project's; blank arguments keep what is known."""
    project = _locked(project)
    holder = project.holder
    _require_manage(by, holder)
    if project.status != Project.Status.APPLIED:
        raise DomainError(
            _("Only an application can be awarded; this project is %(status)s.")
            % {"status": project.get_status_display()},
            field="status",
        )
    require(awarded_on is not None, _("Give the date of the award."), "awarded_on")
    before_snapshot = snapshot(project)
    before = _breaches(project, holder, stage="apply")
    project.status, project.awarded_on = Project.Status.AWARDED, awarded_on
    if amount is not None:
        project.amount = _amount(amount)
    project.grade = (grade or "").strip() or project.grade
    project.batch = (batch or "").strip() or project.batch
    if project_no is not None and project_no.strip():
        project.project_no = project_no.strip()
    project.period_start = period_start or project.period_start
    project.period_end = period_end or project.period_end
    _check_project(
        project, holder=holder, taken=_number_taken(project.institution_id, project.project_no, exclude=project.pk)
    )
    after = _breaches(project, holder, stage="award")
    # Awarding is where "once per station" bites: it is asked again even if the application was let through.
    asked = [b for b in after if b.rule == "once_per_station"] + [
        b for b in _new_breaches(before, after) if b.rule != "once_per_station"
    ]
    warnings = _enforce(asked, project.institution_id, acknowledged)
    project.save()
    record_event(
        actor=by,
        event="project.awarded",
        target=project,
        parent=holder,
        before=before_snapshot,
        after=snapshot(project),
        institution=_inst(project.institution_id),
        note=acknowledged_note(warnings),
    )
    return project


def _transition(
    project: Project, *, status: str, field: str, on: dt.date | None, by: Any, event: str, note: str = ""
) -> Project:
    project = _locked(project)
    _require_manage(by, project.holder)
    expected = Project.Status.APPLIED if status == Project.Status.REJECTED else Project.Status.AWARDED
    if project.status != expected:
        raise DomainError(
            _("This project is %(status)s; it cannot be marked %(new)s.")
            % {"status": project.get_status_display(), "new": Project.Status(status).label},
            field="status",
        )
    before = snapshot(project)
    project.status = status
    setattr(project, field, on)
    if status == Project.Status.REJECTED and project.applied_on and on and on < project.applied_on:
        raise DomainError(_("The decision is dated before the application."), field="on")
    try:
        _check_project(project, holder=project.holder, taken=False)
    except DomainError as error:
        raise DomainError(error.message, field="on" if error.field == field else error.field) from None
    project.save(update_fields=["status", field])
    record_event(
        actor=by,
        event=event,
        target=project,
        parent=project.holder,
        before=before,
        after=snapshot(project),
        institution=_inst(project.institution_id),
        note=note,
    )
    return project


@transaction.atomic
def project_reject(*, project: Project, on: dt.date, by: Any) -> Project:
    """The application was not funded (on the day the decision was made known)."""
    require(on is not None, _("Give the date of the decision."), "on")
    return _transition(
        project, status=Project.Status.REJECTED, field="rejected_on", on=on, by=by, event="project.rejected"
    )


@transaction.atomic
def project_complete(*, project: Project, on: dt.date | None, by: Any) -> Project:
    """The project concluded (结题). `on` may be None only for history whose date is not known (an
    imported row): projects recorded before end dates were kept have none."""
    return _transition(
        project, status=Project.Status.COMPLETED, field="ended_on", on=on, by=by, event="project.completed"
    )


@transaction.atomic
def project_terminate(*, project: Project, on: dt.date | None, reason: str, by: Any) -> Project:
    """The project was stopped before its end (终止); the reason is kept in the audit event."""
    require(bool((reason or "").strip()), _("Give the reason the project was terminated."), "reason")
    return _transition(
        project,
        status=Project.Status.TERMINATED,
        field="ended_on",
        on=on,
        by=by,
        event="project.terminated",
        note=reason.strip(),
    )


@transaction.atomic
def project_record(
    *,
    holder: Appointment,
    project_no: str,
    title: str,
    awarded_on: dt.date,
    funder: str = "",
    level: str = "",
    amount: Decimal | int = 0,
    programme: str = "",
    status: str = Project.Status.AWARDED,
    funder_ref: Funder | None = None,
    programme_ref: Programme | None = None,
    grade: str = "",
    batch: str = "",
    role: str = Project.Role.PRINCIPAL,
    period_start: dt.date | None = None,
    period_end: dt.date | None = None,
    level_override: str = "",
    applied_on: dt.date | None = None,
    ended_on: dt.date | None = None,
    extension_commitment_until: dt.date | None = None,
    acknowledged: bool = False,
    by: Any,
) -> Project:
    """Records a project already awarded (counted once, by its number, per institution): history,
    an import, a project the office learns of after the award.

    `level` is the level as the caller has it: blank takes the mapping's; one the mapping also
    gives follows the mapping from then on; another is kept as the project's own (`level_override`,
    which may also be given directly)."""
    _require_manage(by, holder)
    if status not in AWARDED:
        raise DomainError(
            _("A project recorded here is awarded, completed or terminated; record an application as one."),
            field="status",
        )
    require(awarded_on is not None, _("Give the date of the award."), "awarded_on")
    project = _new_project(
        holder,
        by,
        project_no=(project_no or "").strip(),
        title=(title or "").strip(),
        status=status,
        applied_on=applied_on,
        awarded_on=awarded_on,
        ended_on=ended_on,
        amount=_amount(amount),
        grade=(grade or "").strip(),
        batch=(batch or "").strip(),
        role=role,
        period_start=period_start,
        period_end=period_end,
        extension_commitment_until=extension_commitment_until,
    )
    _fill_refs(project, funder_ref=funder_ref, funder=funder, programme_ref=programme_ref, programme=programme)
    _set_level(project, given=level, override=level_override, levels=LevelMap.load(holder.institution_id))
    _check_project(project, holder=holder, taken=_number_taken(holder.institution_id, project.project_no))
    warnings = _enforce(_breaches(project, holder, stage="record"), holder.institution_id, acknowledged)
    project.save()
    record_event(
        actor=by,
        event="project.recorded",
        target=project,
        parent=holder,
        after=snapshot(project),
        institution=_inst(holder.institution_id),
        note=acknowledged_note(warnings),
    )
    return project


UPDATABLE = {
    "title",
    "project_no",
    "amount",
    "period_start",
    "period_end",
    "role",
    "funder_ref",
    "funder",
    "programme_ref",
    "programme",
    "level_override",
    "level",
    "batch",
    "grade",
    "applied_on",
    "awarded_on",
    "extension_commitment_until",
    "holder",
}


@transaction.atomic
def project_update(*, project: Project, by: Any, acknowledged: bool = False, note: str = "", **changes: Any) -> Project:
    """Corrects a project's details and recomputes the level it counts at. Changing the funder or
    programme text matches the records again (unless they are given too); `level` is a level as an
    office writes it (see `project_record`), `level_override` the project's own (blank: follow the
    mapping). The rules are asked again only about what the change breaks anew."""
    unknown = set(changes) - UPDATABLE
    if unknown:
        raise TypeError(f"Unknown project fields: {', '.join(sorted(unknown))}")
    project = _locked(project)
    holder = project.holder
    _require_manage(by, holder)
    new_holder = changes.pop("holder", holder)
    if new_holder.pk != holder.pk:
        _require_manage(by, new_holder)
        if new_holder.institution_id != project.institution_id:
            raise DomainError(_("The postdoc belongs to another institution."), field="holder")
    if "awarded_on" in changes and project.status not in AWARDED:
        raise DomainError(_("Only an awarded project has an award date."), field="awarded_on")
    stage = "apply" if project.status == Project.Status.APPLIED else "record"
    before_breaches = _breaches(project, holder, stage=stage)
    before = snapshot(project)
    if "amount" in changes:
        project.amount = _amount(changes.pop("amount"))
    for name in ("title", "project_no", "batch", "grade"):
        if name in changes:
            setattr(project, name, (changes.pop(name) or "").strip())
    for name in ("period_start", "period_end", "applied_on", "awarded_on", "extension_commitment_until", "role"):
        if name in changes:
            setattr(project, name, changes.pop(name))
    project.holder = new_holder
    given = changes.pop("level", "")
    override = changes.pop("level_override", project.level_override if not given else "")
    if {"funder_ref", "funder", "programme_ref", "programme"} & set(changes):
        if changes.get("programme_ref") is not None and not {"funder_ref", "funder"} & set(changes):
            changes["funder_ref"] = changes["programme_ref"].funder  # a programme names its funder
        funder_ref = changes.get("funder_ref", project.funder_ref if "funder" not in changes else None)
        programme_ref = changes.get(
            "programme_ref", project.programme_ref if not {"programme", "funder", "funder_ref"} & set(changes) else None
        )
        _fill_refs(
            project,
            funder_ref=funder_ref,
            funder=changes.get("funder", project.funder if "funder_ref" not in changes else ""),
            programme_ref=programme_ref,
            programme=changes.get("programme", project.programme if "programme_ref" not in changes else ""),
        )
    _set_level(project, given=given, override=override, levels=LevelMap.load(project.institution_id))
    _check_project(
        project, holder=new_holder, taken=_number_taken(project.institution_id, project.project_no, exclude=project.pk)
    )
    asked = _new_breaches(before_breaches, _breaches(project, new_holder, stage=stage))
    warnings = _enforce(asked, project.institution_id, acknowledged)
    after = snapshot(project)
    if after == before:
        return project
    project.save()
    record_event(
        actor=by,
        event="project.changed",
        target=project,
        parent=new_holder,
        before={k: v for k, v in before.items() if after[k] != v},
        after={k: v for k, v in after.items() if before[k] != v},
        institution=_inst(project.institution_id),
        note=" ".join(text for text in (note, acknowledged_note(warnings)) if text),
    )
    return project


# ---- projects in bulk (a workbook import) -----------------------------------------------------


def _bulk_context(
    projects: list[Project], index: FunderIndex | None, levels: LevelMap | None
) -> tuple[
    dict[int, FunderIndex],
    dict[int, LevelMap],
    dict[int, FundingRules],
    set[tuple[int, str]],
    set[tuple[int, int, int | None]],
]:
    """What checking many projects at once reads once: per institution its funders, level map and
    rules; the project numbers already taken; and who already holds an award of a once-per-station
    programme at which station (one query)."""
    institutions = {p.holder.institution_id for p in projects}
    indexes = {i: index if index is not None and index.institution_id == i else FunderIndex(i) for i in institutions}
    level_maps = {
        i: levels if levels is not None and len(institutions) == 1 else LevelMap.load(i) for i in institutions
    }
    rules = {i: funding_rules_for(i) for i in institutions}
    taken = set(
        Project.objects.filter(institution_id__in=institutions, project_no__in=[p.project_no for p in projects])
        .order_by()
        .values_list("institution_id", "project_no")
    )
    once = {pk for i in indexes.values() for pk, prog in i.programmes.items() if prog.once_per_station}
    held: set[tuple[int, int, int | None]] = set(
        Project.objects.filter(
            programme_ref_id__in=once,
            status__in=AWARDED,
            holder__person_id__in={p.holder.person_id for p in projects},
        )
        .order_by()
        .values_list("holder__person_id", "holder__station_id", "programme_ref_id")
        if once
        else ()
    )
    return indexes, level_maps, rules, taken, held


@transaction.atomic
def projects_record(
    *,
    projects: list[Project],
    by: Any,
    note: str = "",
    acknowledged: bool = False,
    index: FunderIndex | None = None,
    levels: LevelMap | None = None,
    warnings: list[tuple[int, str]] | None = None,
) -> list[DomainError | None]:
    """Records many awarded projects at once (a workbook import), each checked as `project_record`
    checks one, without a query per project. `projects` are unsaved, with their holder (its station
    and person ids) set, the funder and programme as text (and optionally as records) and `level`
    as given (blank: the mapping's). `index` and `levels` may be read once by the caller for many
    calls. Nothing is written unless all pass; one audit event per project. Acknowledged warnings
    are appended to `warnings` as (position, sentence) and recorded in the events."""
    if not projects:
        return []
    indexes, level_maps, rules, taken, held = _bulk_context(projects, index, levels)
    institutions = set(indexes)
    once = {pk for i in indexes.values() for pk, prog in i.programmes.items() if prog.once_per_station}
    may_manage: dict[int, bool] = {}
    errors: list[DomainError | None] = []
    notes: list[str] = []
    today = _today()
    seen: set[tuple[int, str]] = set()
    for position, project in enumerate(projects):
        holder = project.holder
        institution_id = holder.institution_id
        key = (institution_id, project.project_no)
        project.institution_id = institution_id
        project.created_by_id = by.pk if getattr(by, "pk", None) else None
        notes.append("")
        try:
            if holder.pk not in may_manage:
                may_manage[holder.pk] = can_manage_appointment(by, holder)
            if not may_manage[holder.pk]:
                raise DomainError(_("You may not record projects for this postdoc."))
            if project.status not in AWARDED:
                raise DomainError(
                    _("A project recorded here is awarded, completed or terminated; record an application as one."),
                    field="status",
                )
            require(project.awarded_on is not None, _("Give the date of the award."), "awarded_on")
            _fill_refs(
                project,
                funder_ref=project.funder_ref,
                funder=project.funder,
                programme_ref=project.programme_ref,
                programme=project.programme,
                index=indexes[institution_id],
            )
            _set_level(project, given=project.level, override=project.level_override, levels=level_maps[institution_id])
            _check_project(project, holder=holder, taken=key in taken or key in seen, today=today)
            award = (holder.person_id, holder.station_id, project.programme_ref_id)
            acknowledged_warnings = enforce(
                _breaches(project, holder, stage="record", awarded_before=award in held),
                rules[institution_id],
                acknowledged=acknowledged,
            )
            if acknowledged_warnings:
                notes[-1] = acknowledged_note(acknowledged_warnings)
                if warnings is not None:
                    warnings.append((position, notes[-1]))
            if project.programme_ref_id in once:
                held.add(award)
            errors.append(None)
        except DomainError as error:
            errors.append(error)
        seen.add(key)
    if any(errors):
        return errors
    insert_many(projects)
    for institution_id in institutions:
        batches: dict[str, EventBatch] = {}
        for project, extra in zip(projects, notes, strict=True):
            if project.institution_id != institution_id:
                continue
            text = " ".join(t for t in (note, extra) if t)
            if text not in batches:
                batches[text] = EventBatch(actor=by, institution_id=institution_id, note=text)
            batches[text].add(event="project.recorded", target=project, parent=project.holder, after=snapshot(project))
        for batch in batches.values():
            batch.save()
    return errors


# ---- many applications at once (the workbook import) -----------------------------------------
# Checked exactly as project_apply / project_reject check one, without a query per record; one
# audit event per record under the one-record services' event names.

APPLICATION_STATUSES = (Project.Status.APPLIED, Project.Status.REJECTED)


@transaction.atomic
def applications_record(
    *,
    projects: list[Project],
    by: Any,
    note: str = "",
    acknowledged: bool = False,
    index: FunderIndex | None = None,
    levels: LevelMap | None = None,
    warnings: list[tuple[int, str]] | None = None,
) -> list[DomainError | None]:
    """Records many applications at once (a workbook import), each checked as `project_apply`
    checks one, and a refused one (status rejected) also as `project_reject` checks its decision.
    `projects` are unsaved, as for `projects_record`. An open application is held to the rules of
    applying (the eligible period, the extension commitment, once per station); a refused one is
    history, held to the eligible period only, as `project_record` holds an award. Nothing is
    written unless all pass; one `project.applied` event per project, and a `project.rejected`
    event for each refused one. Acknowledged warnings go to `warnings` as (position, sentence)."""
    if not projects:
        return []
    indexes, level_maps, rules, taken, held = _bulk_context(projects, index, levels)
    institutions = set(indexes)
    may_manage: dict[int, bool] = {}
    errors: list[DomainError | None] = []
    notes: list[str] = []
    today = timezone.localdate()
    seen: set[tuple[int, str]] = set()
    for position, project in enumerate(projects):
        holder = project.holder
        institution_id = holder.institution_id
        key = (institution_id, project.project_no)
        project.institution_id = institution_id
        project.created_by_id = by.pk if getattr(by, "pk", None) else None
        notes.append("")
        try:
            if holder.pk not in may_manage:
                may_manage[holder.pk] = can_manage_appointment(by, holder)
            if not may_manage[holder.pk]:
                raise DomainError(_("You may not record projects for this postdoc."))
            _check_application(project)
            _fill_refs(
                project,
                funder_ref=project.funder_ref,
                funder=project.funder,
                programme_ref=project.programme_ref,
                programme=project.programme,
                index=indexes[institution_id],
            )
            _set_level(project, given=project.level, override=project.level_override, levels=level_maps[institution_id])
            _check_project(project, holder=holder, taken=key in taken or key in seen, today=today)
            open_application = project.status == Project.Status.APPLIED
            award = (holder.person_id, holder.station_id, project.programme_ref_id)
            breaches = _breaches(
                project,
                holder,
                stage="apply" if open_application else "record",
                awarded_before=open_application and award in held,
            )
            acknowledged_warnings = enforce(breaches, rules[institution_id], acknowledged=acknowledged)
            if acknowledged_warnings:
                notes[-1] = acknowledged_note(acknowledged_warnings)
                if warnings is not None:
                    warnings.append((position, notes[-1]))
            errors.append(None)
        except DomainError as error:
            errors.append(error)
        seen.add(key)
    if any(errors):
        return errors
    insert_many(projects)
    for institution_id in institutions:
        batches: dict[str, EventBatch] = {}
        for project, extra in zip(projects, notes, strict=True):
            if project.institution_id != institution_id:
                continue
            text = " ".join(t for t in (note, extra) if t)
            if text not in batches:
                batches[text] = EventBatch(actor=by, institution_id=institution_id, note=text)
            after = snapshot(project)
            batches[text].add(event="project.applied", target=project, parent=project.holder, after=after)
            if project.status == Project.Status.REJECTED:
                batches[text].add(event="project.rejected", target=project, parent=project.holder, after=after)
        for batch in batches.values():
            batch.save()
    return errors


def _check_application(project: Project) -> None:
    """The dates an application has, by its status: what `project_apply` and `project_reject` ask."""
    if project.status not in APPLICATION_STATUSES:
        raise DomainError(
            _("An application recorded here is applied or rejected; record an awarded project as one."),
            field="status",
        )
    require(project.applied_on is not None, _("Give the date of the application."), "applied_on")
    if project.awarded_on is not None:
        raise DomainError(_("Only an awarded project has an award date."), field="awarded_on")
    if project.ended_on is not None:
        raise DomainError(_("Only a completed or terminated project has an end date."), field="ended_on")
    if project.status == Project.Status.REJECTED:
        require(project.rejected_on is not None, _("Give the date of the decision."), "rejected_on")
        assert project.applied_on is not None and project.rejected_on is not None
        if project.rejected_on < project.applied_on:
            raise DomainError(_("The decision is dated before the application."), field="rejected_on")
    elif project.rejected_on is not None:
        raise DomainError(_("Only an application that was not funded has a decision date."), field="rejected_on")
