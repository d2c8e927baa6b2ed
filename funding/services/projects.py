"""A project's life cycle, one at a time: applied, awarded, rejected, completed, terminated, corrected."""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.actors import Actor
from accounts.models import User
from appointments.models import Appointment
from audit.events import Event
from audit.services import record_event, snapshot
from core.errors import DomainError, require
from funding.models import Funder, Programme, Project
from funding.month_counts import counted_key, project_counts_move
from funding.rules import (
    acknowledged_note,
)
from funding.services.common import AWARDED, _inst, _require_manage
from funding.services.levels import LevelMap
from funding.services.project_checks import (
    _amount,
    _breaches,
    _check_project,
    _enforce,
    _fill_refs,
    _locked,
    _new_breaches,
    _new_project,
    _number_taken,
    _set_level,
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
    by: User,
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
    project_counts_move(project.institution_id, None, counted_key(project))
    record_event(
        actor=by,
        event=Event.PROJECT_APPLIED,
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
    by: Actor,
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
    counted_before = counted_key(project)
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
    project_counts_move(project.institution_id, counted_before, counted_key(project))
    record_event(
        actor=by,
        event=Event.PROJECT_AWARDED,
        target=project,
        parent=holder,
        before=before_snapshot,
        after=snapshot(project),
        institution=_inst(project.institution_id),
        note=acknowledged_note(warnings),
    )
    return project


def _transition(
    project: Project, *, status: str, field: str, on: dt.date | None, by: Actor, event: Event, note: str = ""
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
    counted_before = counted_key(project)
    project.status = status
    setattr(project, field, on)
    if status == Project.Status.REJECTED and project.applied_on and on and on < project.applied_on:
        raise DomainError(_("The decision is dated before the application."), field="on")
    try:
        _check_project(project, holder=project.holder, taken=False)
    except DomainError as error:
        raise DomainError(error.message, field="on" if error.field == field else error.field) from None
    project.save(update_fields=["status", field])
    project_counts_move(project.institution_id, counted_before, counted_key(project))
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
def project_reject(*, project: Project, on: dt.date, by: Actor) -> Project:
    """The application was not funded (on the day the decision was made known)."""
    require(on is not None, _("Give the date of the decision."), "on")
    return _transition(
        project, status=Project.Status.REJECTED, field="rejected_on", on=on, by=by, event=Event.PROJECT_REJECTED
    )


@transaction.atomic
def project_complete(*, project: Project, on: dt.date | None, by: Actor) -> Project:
    """The project concluded (结题). `on` may be None only for history whose date is not known (an
    imported row): projects recorded before end dates were kept have none."""
    return _transition(
        project, status=Project.Status.COMPLETED, field="ended_on", on=on, by=by, event=Event.PROJECT_COMPLETED
    )


@transaction.atomic
def project_terminate(*, project: Project, on: dt.date | None, reason: str, by: Actor) -> Project:
    """The project was stopped before its end (终止); the reason is kept in the audit event."""
    require(bool((reason or "").strip()), _("Give the reason the project was terminated."), "reason")
    return _transition(
        project,
        status=Project.Status.TERMINATED,
        field="ended_on",
        on=on,
        by=by,
        event=Event.PROJECT_TERMINATED,
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
    by: User,
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
    project_counts_move(project.institution_id, None, counted_key(project))
    record_event(
        actor=by,
        event=Event.PROJECT_RECORDED,
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
def project_update(
    *, project: Project, by: Actor, acknowledged: bool = False, note: str = "", **changes: Any
) -> Project:
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
    counted_before = counted_key(project)
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
    project_counts_move(project.institution_id, counted_before, counted_key(project))
    record_event(
        actor=by,
        event=Event.PROJECT_CHANGED,
        target=project,
        parent=new_holder,
        before={k: v for k, v in before.items() if after[k] != v},
        after={k: v for k, v in after.items() if before[k] != v},
        institution=_inst(project.institution_id),
        note=" ".join(text for text in (note, acknowledged_note(warnings)) if text),
    )
    return project
