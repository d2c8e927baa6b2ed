"""The level mapping (an institution's rule per funder or programme) and the projects a change moves."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from accounts.actors import Actor
from audit.events import Event
from audit.services import record_event, snapshot
from catalogue.models import Institution
from core.errors import DomainError
from funding.models import Funder, Level, LevelRule, Programme, Project
from funding.month_counts import project_counts_rebuild
from funding.services.common import AWARDED, _id, _inst, _require_office
from funding.shipped import default_levels

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
    if pairs:
        # The UPDATEs move projects between levels in bulk: recount the institution's month counts.
        project_counts_rebuild(institution_id)
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
    *, institution: Institution, funder: Funder, programme: Programme | None = None, level: str, by: Actor
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
        event=Event.LEVEL_RULE_SAVED,
        target=rule,
        before=before,
        after={**snapshot(rule), "projects_moved": moved},
        parent=funder,
        institution=institution,
        note=_moves_note(moved),
    )
    return rule


@transaction.atomic
def level_rule_remove(*, rule: LevelRule, by: Actor) -> None:
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
        event=Event.LEVEL_RULE_REMOVED,
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
def level_rules_default(*, institution: Institution, by: Actor) -> list[LevelRule]:
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
            event=Event.LEVEL_RULES_DEFAULTED,
            target=institution,
            after={"rules": [{"funder": rule.funder.code, "level": rule.level} for rule in created]},
            institution=institution,
        )
    return created


def default_level_rules(institution_id: int) -> list[LevelRule]:
    """The default mapping as unsaved rules, for bulk loaders that write no per-record audit
    (`demo.dataset`); everything else calls `level_rules_default`."""
    defaults = default_levels()
    return [
        LevelRule(institution_id=institution_id, funder=funder, programme=None, level=defaults[funder.code])
        for funder in Funder.objects.filter(institution__isnull=True, code__in=list(defaults)).order_by("code")
    ]
