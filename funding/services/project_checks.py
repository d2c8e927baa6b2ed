"""What every project write checks, one or many: amount, dates, funder, level, the funding rules."""

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from accounts.models import User
from appointments.models import Appointment
from appointments.rules import not_in_future
from core.errors import DomainError
from core.fieldcheck import check_fields
from funding.lookup import FunderIndex, match_funder, match_programme
from funding.models import Funder, Programme, Project
from funding.rules import (
    Breach,
    apply_window_breach,
    enforce,
    extension_commitment_breach,
    once_per_station_breach,
)
from funding.services.common import AWARDED, _today
from funding.services.funding_rules import funding_rules_for
from funding.services.levels import LevelMap, _require_level

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
    if Decimal(project.amount) < 0:  # the sentence made only when needed: the bulk paths check 100,000s
        raise DomainError(_("The amount cannot be negative."), field="amount")
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
    (under this or another appointment). Read from the person's stays at the station to their
    awards, the programme compared here: given the programme, SQLite's planner went through every
    project of it in the database (as `bulk._held_awards`)."""
    stays = list(
        Appointment.objects.filter(person_id=holder.person_id, station_id=holder.station_id)
        .order_by()
        .values_list("pk", flat=True)
    )
    awarded = Project.objects.filter(holder_id__in=stays, status__in=AWARDED).exclude(pk=project.pk).order_by()
    return project.programme_ref_id in set(awarded.values_list("programme_ref_id", flat=True))


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


def _new_project(holder: Appointment, by: User, **values: Any) -> Project:
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
