"""Many projects or applications at once (a workbook import), each checked as its one-record service does."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.actors import Actor
from accounts.models import User
from appointments.access import can_manage_appointment
from appointments.models import Appointment
from audit.events import Event
from audit.services import EventBatch, snapshot
from core.bulk import insert_many
from core.errors import DomainError
from funding.lookup import FunderIndex
from funding.models import FundingRules, Project
from funding.month_counts import project_counts_add
from funding.rules import (
    acknowledged_note,
    enforce,
)
from funding.services.common import AWARDED, _today
from funding.services.funding_rules import funding_rules_for
from funding.services.levels import LevelMap
from funding.services.project_checks import _breaches, _check_project, _fill_refs, _set_level

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
    return indexes, level_maps, rules, taken, _held_awards(projects, once) if once else set()


def _held_awards(projects: list[Project], once: set[int]) -> set[tuple[int, int, int | None]]:
    """(person, station, programme) of the awards of once-per-station programmes that the
    projects' holders' people already hold: their appointments, then those appointments' awards
    (two lookups by index), the programme picked here. Given the programmes, SQLite's planner went
    through every project of them in the database, whatever its institution: 70 ms a batch of 250
    with 150,000 projects recorded (issue 15)."""
    stays = {
        pk: (person_id, station_id)
        for pk, person_id, station_id in Appointment.objects.filter(
            person_id__in={p.holder.person_id for p in projects}
        )
        .order_by()
        .values_list("pk", "person_id", "station_id")
    }
    return {
        (*stays[holder_id], programme_id)
        for holder_id, programme_id in Project.objects.filter(holder_id__in=stays, status__in=AWARDED)
        .order_by()
        .values_list("holder_id", "programme_ref_id")
        if programme_id in once
    }


@transaction.atomic
def projects_record(
    *,
    projects: list[Project],
    by: Actor,
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
        project.created_by_id = by.pk if isinstance(by, User) else None
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
            if project.awarded_on is None:  # each sentence made only when needed: 100,000s of rows
                raise DomainError(_("Give the date of the award."), field="awarded_on")
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
    project_counts_add(projects)
    for institution_id in institutions:
        batches: dict[str, EventBatch] = {}
        for project, extra in zip(projects, notes, strict=True):
            if project.institution_id != institution_id:
                continue
            text = " ".join(t for t in (note, extra) if t)
            if text not in batches:
                batches[text] = EventBatch(actor=by, institution_id=institution_id, note=text)
            batches[text].add(
                event=Event.PROJECT_RECORDED, target=project, parent=project.holder, after=snapshot(project)
            )
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
    by: Actor,
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
        project.created_by_id = by.pk if isinstance(by, User) else None
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
    project_counts_add(projects)
    for institution_id in institutions:
        batches: dict[str, EventBatch] = {}
        for project, extra in zip(projects, notes, strict=True):
            if project.institution_id != institution_id:
                continue
            text = " ".join(t for t in (note, extra) if t)
            if text not in batches:
                batches[text] = EventBatch(actor=by, institution_id=institution_id, note=text)
            after = snapshot(project)
            batches[text].add(event=Event.PROJECT_APPLIED, target=project, parent=project.holder, after=after)
            if project.status == Project.Status.REJECTED:
                batches[text].add(event=Event.PROJECT_REJECTED, target=project, parent=project.holder, after=after)
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
    if project.applied_on is None:
        raise DomainError(_("Give the date of the application."), field="applied_on")
    if project.awarded_on is not None:
        raise DomainError(_("Only an awarded project has an award date."), field="awarded_on")
    if project.ended_on is not None:
        raise DomainError(_("Only a completed or terminated project has an end date."), field="ended_on")
    if project.status == Project.Status.REJECTED:
        if project.rejected_on is None:
            raise DomainError(_("Give the date of the decision."), field="rejected_on")
        assert project.applied_on is not None and project.rejected_on is not None
        if project.rejected_on < project.applied_on:
            raise DomainError(_("The decision is dated before the application."), field="rejected_on")
    elif project.rejected_on is not None:
        raise DomainError(_("Only an application that was not funded has a decision date."), field="rejected_on")
