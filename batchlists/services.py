"""Award lists change only here: each step with an explicit actor, in one transaction, with one
audit event. The awards themselves are written by the funding services (`project_award` for the
postdoc's application of the programme, `project_record` otherwise), so the programme's rules and
the institution's level mapping apply to them as to any other project (docs/decisions/0015).
"""

import datetime as dt
import hashlib
import tempfile
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.access import Perm, has_perm
from accounts.actors import Actor
from accounts.models import User
from appointments.models import Appointment
from audit.services import record_event
from batchlists.awards import (
    Amount,
    amount_for,
    field_of,
    grade_for,
    programme_grades,
    project_number,
    project_title,
)
from batchlists.matching import Match, Outcome, Reading, batch_key, load_context, match_row, note
from batchlists.models import BatchList, BatchRow, HostName
from batchlists.reading import ListRow, read_list
from catalogue.models import Institution
from core.errors import DomainError, require
from core.sheets.cells import Problem
from funding import services as funding
from funding.models import GradeAmount, Programme, Project
from funding.rules import RuleWarning

EXTENSIONS = (".xlsx", ".csv")
AWARDED = [str(status) for status in Project.AWARDED_STATUSES]


class ListRefused(DomainError):
    """The list was refused as a whole: nothing is stored. `problems` says where and why."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(
            ngettext(
                "The list was refused: %(count)s problem. Nothing was stored.",
                "The list was refused: %(count)s problems. Nothing was stored.",
                len(problems),
            )
            % {"count": len(problems)},
            field="file",
        )
        self.problems = problems


# ---------------------------------------------------------------------------------------------
# Who may


def may_manage(user: Actor | AnonymousUser, institution_id: int) -> bool:
    return has_perm(user, Perm.MANAGE_REFERENCE) and user.institution_id == institution_id


def _check_administrator(by: Actor, institution_id: int) -> None:
    if not may_manage(by, institution_id):
        raise DomainError(_("Only an office administrator of this institution can import funders' award lists."))


def _require_open(batch_list: BatchList) -> None:
    if batch_list.status != BatchList.Status.CHECKED:
        raise DomainError(
            _("This list is %(status)s; it can no longer be changed.") % {"status": batch_list.get_status_display()}
        )


def _public(batch_list: BatchList) -> dict[str, Any]:
    """What the audit trail keeps of a list: its figures, not its rows' names."""
    return {
        "status": batch_list.status,
        "programme": batch_list.programme_id,
        "batch": batch_list.batch,
        "awarded_on": batch_list.awarded_on.isoformat(),
        "original_name": batch_list.original_name,
        "sha256": batch_list.sha256,
        "rows": batch_list.row_count,
        "exact": batch_list.exact_count,
        "uncertain": batch_list.uncertain_count,
        "unmatched": batch_list.unmatched_count,
        "other": batch_list.other_count,
        "awarded": batch_list.awarded_count,
        "already": batch_list.already_count,
    }


def _record(batch_list: BatchList, by: Actor, event: str, before: dict[str, Any] | None, note: str = "") -> None:
    record_event(
        actor=by,
        event=event,
        target=batch_list,
        before=before,
        after=_public(batch_list),
        institution=batch_list.institution,
        note=note,
    )


# ---------------------------------------------------------------------------------------------
# Names of the institution in funders' lists


@transaction.atomic
def host_name_add(*, institution: Institution, name: str, by: User) -> HostName:
    """Records a name funders write for the institution. Rows of its open lists that wrote it as a
    likely form (渝州医大) and are not decided yet are matched again at once: a row that was
    uncertain only for the institution's name becomes exact."""
    _check_administrator(by, institution.pk)
    name = " ".join((name or "").split())
    require(bool(name), _("Give the name as funders write it."), "name")
    require(len(name) <= 200, _("A name has at most 200 characters."), "name")
    require(
        not HostName.objects.filter(institution=institution, name=name).exists(),
        _("“%(name)s” is already one of the institution's names.") % {"name": name},
        "name",
    )
    host_name = HostName.objects.create(institution=institution, name=name, created_by=by)
    rows = _match_again(institution)
    after: dict[str, Any] = {"name": name}
    if rows:
        after["rows_matched_again"] = rows
    record_event(actor=by, event="host_name.added", target=host_name, after=after, institution=institution)
    return host_name


def _match_again(institution: Institution) -> int:
    """The open lists' rows under a likely form of the institution's name that now reads as one of
    its names: matched again when undecided, the doubt about the name dropped when decided. The
    lists' figures follow. Returns the number of rows changed."""
    open_lists = BatchList.objects.filter(institution=institution, status=BatchList.Status.CHECKED)
    list(open_lists.select_for_update().values_list("pk", flat=True))  # as a choice of a row locks its list
    rows = list(
        BatchRow.objects.select_for_update(of=("self",))
        .select_related("batch_list")
        .filter(batch_list__institution=institution, batch_list__status=BatchList.Status.CHECKED, host_likely=True)
        .order_by("batch_list_id", "sheet", "number")
    )
    if not rows:
        return 0
    context = load_context(institution)
    changed: list[BatchRow] = []
    matched: set[int] = set()
    for row in rows:
        if context.host.reading(row.institution_name) != Reading.OWN:
            continue
        if row.decision:
            row.host_likely = False
            row.notes = [found for found in row.notes if found.get("key") != "host_likely"]
        else:
            _apply(
                row,
                match_row(
                    context,
                    institution=row.institution_name,
                    name=row.name,
                    postdoc_no=row.postdoc_no,
                    discipline=row.discipline,
                ),
            )
            matched.add(row.pk)
        changed.append(row)
    lists = {row.batch_list_id: row.batch_list for row in changed}
    for batch_list in lists.values():
        mine = [row for row in changed if row.batch_list_id == batch_list.pk and row.pk in matched]
        taken = dict(
            batch_list.rows.filter(decision=BatchRow.Decision.ACCEPT)
            .exclude(pk__in=[row.pk for row in mine])
            .values_list("appointment_id", "number")
        )
        for row in mine:
            if row.appointment_id is None or row.outcome != BatchRow.Outcome.EXACT:
                continue
            if row.appointment_id in taken:
                row.notes = [*row.notes, note("same_postdoc", row=taken[row.appointment_id])]
                row.outcome, row.appointment_id, row.decision = BatchRow.Outcome.UNCERTAIN, None, ""
            else:
                taken[row.appointment_id] = row.number
        _mark_already(batch_list, mine)
    fields = ["outcome", "candidates", "notes", "doubts", "host_likely", "appointment", "decision"]
    BatchRow.objects.bulk_update(changed, [*fields, "already_awarded", "project"])
    for batch_list in lists.values():
        _count(batch_list, list(batch_list.rows.all()))
        batch_list.save(
            update_fields=["row_count", "exact_count", "uncertain_count", "unmatched_count", "already_count"]
        )
    return len(changed)


def _apply(row: BatchRow, match: Match) -> None:
    """A row's match as its fields (the decision of an exact match is to award it)."""
    row.outcome = match.outcome
    row.candidates = match.candidates
    row.notes = match.notes
    row.doubts = {str(pk): doubt for pk, doubt in match.doubts.items()}
    row.host_likely = match.host_likely
    row.appointment_id = match.appointment_id
    row.decision = BatchRow.Decision.ACCEPT if match.outcome == Outcome.EXACT else BatchRow.Decision.UNDECIDED


@transaction.atomic
def host_name_remove(*, host_name: HostName, by: Actor) -> None:
    _check_administrator(by, host_name.institution_id)
    record_event(
        actor=by,
        event="host_name.removed",
        target=host_name,
        before={"name": host_name.name},
        institution=host_name.institution,
    )
    host_name.delete()


# ---------------------------------------------------------------------------------------------
# Upload: read, check, match, keep


def programmes_for(institution_id: int) -> Any:
    """The programmes a list may be of: the shipped catalogue's and the institution's own."""
    return Programme.objects.filter(
        Q(funder__institution__isnull=True) | Q(funder__institution_id=institution_id)
    ).select_related("funder")


def upload_refusal(name: str, size: int) -> str | None:
    if Path(name).suffix.lower() not in EXTENSIONS:
        return _(
            "“%(name)s” is not a list the system reads: upload an .xlsx workbook or a .csv file (save an .xls as .xlsx first)."
        ) % {"name": name}
    limit = int(settings.IMPORT_MAX_MB)
    if size > limit * 1024 * 1024:
        return _("The file is %(size)s; uploads may be at most %(limit)s MB.") % {
            "size": filesizeformat(size),
            "limit": limit,
        }
    return None


def _grade_problems(rows: list[ListRow], programme: Programme, amounts: list[GradeAmount]) -> list[Problem]:
    """A grade the programme does not have refuses the list: the list is likely another programme's.
    A programme with grades needs each row's, which its amount depends on."""
    if not amounts:
        return []  # the catalogue knows no grades of this programme: they are kept as written
    grades = programme_grades(amounts)
    if grades and all(not row["grade"].strip() for row in rows):
        return [
            Problem(
                rows[0].sheet,
                None,
                "资助等级",
                "",
                _(
                    "%(programme)s has the grades %(grades)s, and the amount depends on them; the list gives none (column 资助等级)."
                )
                % {"programme": programme.name_zh, "grades": "、".join(grades)},
            )
        ]
    problems = []
    for row in rows:
        found = grade_for(row["grade"], grades)
        if found is None or (grades and not found):
            if grades:
                message = _("%(programme)s has the grades %(grades)s; this row's grade is not one of them.") % {
                    "programme": programme.name_zh,
                    "grades": "、".join(grades),
                }
            else:
                message = _("%(programme)s has no grades; is this the list of another programme?") % {
                    "programme": programme.name_zh
                }
            problems.append(Problem(row.sheet, row.number, "资助等级", row["grade"], message))
    return problems


@dataclass
class _Existing:
    """Awards of the list's programme already held by postdocs the list names."""

    awarded: dict[int, Project] = field(default_factory=dict)  # appointment id → award of this batch
    applied: dict[int, list[Project]] = field(default_factory=lambda: defaultdict(list))


def _existing(batch_list: BatchList, appointments: dict[int, Appointment]) -> _Existing:
    """In one query: each postdoc's award of this programme and batch (by the list's number or by
    the batch), and their open applications to the programme."""
    programme = batch_list.programme
    numbers = {project_number(programme, batch_list.batch, a.postdoc_no): pk for pk, a in appointments.items()}
    wanted = batch_key(batch_list.batch)
    found = _Existing()
    projects = (
        Project.objects.filter(institution_id=batch_list.institution_id)
        .filter(Q(project_no__in=list(numbers)) | Q(holder_id__in=list(appointments), programme_ref=programme))
        .order_by("pk")
    )
    for project in projects:
        if project.status == Project.Status.APPLIED:
            if project.programme_ref_id == programme.pk and project.holder_id in appointments:
                found.applied[project.holder_id].append(project)
            continue
        if project.status not in AWARDED:
            continue
        if project.project_no in numbers:
            found.awarded.setdefault(numbers[project.project_no], project)
        elif project.holder_id in appointments and batch_key(project.batch) == wanted:
            found.awarded.setdefault(project.holder_id, project)
    return found


def _rows_from(
    batch_list: BatchList, rows: list[ListRow], matches: list[Match], grades: list[str], amounts: list[GradeAmount]
) -> list[BatchRow]:
    kept: list[BatchRow] = []
    matched_by: dict[int, BatchRow] = {}
    for row, match in zip(rows, matches, strict=True):
        if match.outcome == Outcome.OTHER:
            continue
        notes = list(match.notes)
        outcome, appointment_id = match.outcome, match.appointment_id
        if appointment_id is not None and appointment_id in matched_by:
            first = matched_by[appointment_id]
            notes.append(note("same_postdoc", row=first.number))
            outcome, appointment_id = Outcome.UNCERTAIN, None
        batch_row = BatchRow(
            batch_list=batch_list,
            sheet=row.sheet,
            number=row.number,
            seq=row["seq"],
            province=row["province"],
            institution_name=row["institution"],
            name=row["name"],
            postdoc_no=row["postdoc_no"],
            discipline=row["discipline"],
            grade=row["grade"],
            discipline_code=match.discipline or "",
            programme_grade=(grade_for(row["grade"], grades) or row["grade"]) if amounts else row["grade"],
            outcome=outcome,
            candidates=match.candidates,
            notes=notes,
            doubts={str(pk): doubt for pk, doubt in match.doubts.items()},
            host_likely=match.host_likely,
            appointment_id=appointment_id,
            decision=BatchRow.Decision.ACCEPT if outcome == Outcome.EXACT else BatchRow.Decision.UNDECIDED,
        )
        if appointment_id is not None:
            matched_by[appointment_id] = batch_row
        kept.append(batch_row)
    return kept


def _count(batch_list: BatchList, rows: list[BatchRow]) -> None:
    outcomes = Counter(row.outcome for row in rows)
    batch_list.row_count = len(rows)
    batch_list.exact_count = outcomes[BatchRow.Outcome.EXACT]
    batch_list.uncertain_count = outcomes[BatchRow.Outcome.UNCERTAIN]
    batch_list.unmatched_count = outcomes[BatchRow.Outcome.UNMATCHED]
    batch_list.already_count = sum(1 for row in rows if row.already_awarded and row.to_award)


def _mark_already(batch_list: BatchList, rows: list[BatchRow]) -> None:
    """Marks the rows whose postdoc already holds the award (an earlier list, a second upload)."""
    ids = [row.appointment_id for row in rows if row.appointment_id is not None]
    appointments = Appointment.objects.only("pk", "postdoc_no").in_bulk(ids)
    existing = _existing(batch_list, appointments)
    for row in rows:
        project = existing.awarded.get(row.appointment_id) if row.appointment_id else None
        row.already_awarded = project is not None
        row.project = project


@transaction.atomic
def batch_list_upload(
    *,
    institution: Institution,
    programme: Programme,
    batch: str,
    awarded_on: dt.date,
    file: UploadedFile[bytes],
    by: User,
) -> BatchList:
    """Reads a funder's list, matches its rows and keeps it for review. A list with any problem
    (not a spreadsheet, empty, a required column missing, an unreadable row, a grade the programme
    does not have) is refused whole: `ListRefused`, and nothing is stored."""
    _check_administrator(by, institution.pk)
    require(
        programmes_for(institution.pk).filter(pk=programme.pk).exists(),
        _("Choose a programme of the catalogue or of the institution's own funders."),
        "programme",
    )
    batch = " ".join((batch or "").split())
    require(bool(batch), _("Give the batch as the funder names it, e.g. 第69批."), "batch")
    require(len(batch) <= 50, _("A batch label has at most 50 characters."), "batch")
    require(awarded_on is not None, _("Give the date of the award."), "awarded_on")
    require(awarded_on <= timezone.localdate(), _("The award date cannot be in the future."), "awarded_on")
    name = Path(file.name or "list").name
    refusal = upload_refusal(name, file.size or 0)
    if refusal:
        raise DomainError(refusal, field="file")
    if len(name) > 150:
        name = Path(name).stem[: 150 - len(Path(name).suffix)] + Path(name).suffix

    digest = hashlib.sha256()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"list{Path(name).suffix.lower()}"
        with path.open("wb") as copy:
            for chunk in file.chunks():
                digest.update(chunk)
                copy.write(chunk)
        read = read_list(path, name)
    amounts = list(programme.amounts.all())
    problems = read.problems or _grade_problems(read.rows, programme, amounts)
    if problems:
        raise ListRefused(problems)

    context = load_context(institution)
    matches = [
        match_row(
            context,
            institution=row["institution"],
            name=row["name"],
            postdoc_no=row["postdoc_no"],
            discipline=row["discipline"],
        )
        for row in read.rows
    ]
    others = Counter(
        row["institution"] for row, m in zip(read.rows, matches, strict=True) if m.outcome == Outcome.OTHER
    )
    batch_list = BatchList(
        institution=institution,
        programme=programme,
        batch=batch,
        awarded_on=awarded_on,
        original_name=name,
        size=file.size or 0,
        sha256=digest.hexdigest(),
        created_by=by,
        other_count=sum(others.values()),
        other_institutions=dict(others.most_common()),
        warnings=read.warnings,
    )
    rows = _rows_from(batch_list, read.rows, matches, programme_grades(amounts), amounts)
    _mark_already(batch_list, rows)
    _count(batch_list, rows)
    file.seek(0)
    batch_list.file.save(name, file, save=False)
    batch_list.save()
    BatchRow.objects.bulk_create(rows, batch_size=1000)
    _record(batch_list, by, "batch_list.uploaded", None)
    return batch_list


# ---------------------------------------------------------------------------------------------
# The review: a row's postdoc chosen among its candidates, or the row skipped


def _locked(batch_list: BatchList) -> BatchList:
    return (
        BatchList.objects.select_for_update(of=("self",))
        .select_related("programme__funder", "institution")
        .get(pk=batch_list.pk)
    )


def _row_label(row: BatchRow) -> str:
    return _("row %(row)s (%(name)s)") % {"row": row.number, "name": row.name}


@transaction.atomic
def batch_row_choose(*, row: BatchRow, appointment: Appointment | None, by: Actor) -> BatchRow:
    """The review screen's choice: the row's postdoc, one of its candidates; None skips the row."""
    batch_list = _locked(row.batch_list)
    _check_administrator(by, batch_list.institution_id)
    _require_open(batch_list)
    row = BatchRow.objects.select_for_update().get(pk=row.pk)
    before = {"decision": row.decision, "appointment": row.appointment_id}
    if appointment is None:
        row.decision = BatchRow.Decision.SKIP
        if row.outcome != BatchRow.Outcome.EXACT:
            row.appointment = None
        row.already_awarded, row.project = False, None
    else:
        require(
            row.outcome != BatchRow.Outcome.UNMATCHED and appointment.pk in row.candidates,
            _("Choose one of the row's candidates."),
            "appointment",
        )
        taken = (
            batch_list.rows.filter(appointment=appointment, decision=BatchRow.Decision.ACCEPT)
            .exclude(pk=row.pk)
            .first()
        )
        if taken is not None:
            raise DomainError(
                _("%(postdoc)s is already the postdoc of %(row)s of this list.")
                % {"postdoc": appointment.person.name, "row": _row_label(taken)},
                field="appointment",
            )
        row.appointment, row.decision = appointment, BatchRow.Decision.ACCEPT
        row.project = _existing(batch_list, {appointment.pk: appointment}).awarded.get(appointment.pk)
        row.already_awarded = row.project is not None
    row.save(update_fields=["appointment", "decision", "already_awarded", "project"])
    after = {"decision": row.decision, "appointment": row.appointment_id}
    if after != before:
        batch_list.already_count = batch_list.rows.filter(
            already_awarded=True, decision=BatchRow.Decision.ACCEPT
        ).count()
        batch_list.save(update_fields=["already_count"])
        record_event(
            actor=by,
            event="batch_row.chosen",
            target=row,
            parent=batch_list,
            before=before,
            after=after,
            institution=batch_list.institution,
        )
    return row


# ---------------------------------------------------------------------------------------------
# Confirmation: the awards, through the funding services


@dataclass
class RowNote:
    row: BatchRow
    message: str


@dataclass
class Outcomes:
    """What confirming would do (a check) or did: the awards, the rows already awarded, the refusals
    and the warnings, each naming its row."""

    awarded: list[tuple[BatchRow, Project]] = field(default_factory=list)
    already: list[BatchRow] = field(default_factory=list)
    refusals: list[RowNote] = field(default_factory=list)
    warnings: list[RowNote] = field(default_factory=list)
    undecided: list[BatchRow] = field(default_factory=list)
    no_amount: list[BatchRow] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.refusals or self.undecided)

    def by_level(self) -> list[tuple[str, int, Decimal]]:
        """(level label, awards, amount) of the awards, in the levels' order."""
        counts: dict[str, list[Any]] = {}
        for _row, project in self.awarded:
            entry = counts.setdefault(project.get_level_display(), [0, Decimal(0)])
            entry[0] += 1
            entry[1] += Decimal(project.amount)
        return [(label, count, total) for label, (count, total) in counts.items()]

    @property
    def total(self) -> Decimal:
        return sum((Decimal(project.amount) for _row, project in self.awarded), Decimal(0))


def grouped(notes: list[RowNote]) -> list[str]:
    """Sentences naming the rows, one per message: "Rows 3 (陈晓东), 7 (李四): …"."""
    rows: dict[str, list[BatchRow]] = {}
    for row_note in notes:
        rows.setdefault(row_note.message, []).append(row_note.row)
    return [
        ngettext("Row %(rows)s: %(message)s", "Rows %(rows)s: %(message)s", len(named))
        % {"rows": ", ".join(f"{row.number} ({row.name})" for row in named), "message": message}
        for message, named in rows.items()
    ]


def amount_of(row: BatchRow, amounts: list[GradeAmount], awarded_on: dt.date, appointment: Appointment) -> Amount:
    """The row's amount: its grade in the award's year, natural or social by the list's discipline
    (else the postdoc's station's)."""
    code = row.discipline_code or (appointment.station.discipline.code if appointment.station.discipline else "")
    return amount_for(amounts, grade=row.programme_grade, year=awarded_on.year, field=field_of(code))


def _award_rows(batch_list: BatchList, *, by: User, acknowledged: bool, dry_run: bool) -> Outcomes:
    """Awards every row to award through the funding services, collecting each row's refusal or
    warning instead of stopping at the first. In a dry run a warned row is awarded as if
    acknowledged, so later rows are checked against it."""
    programme = batch_list.programme
    rows = list(
        batch_list.rows.select_related("appointment__person", "appointment__station__discipline").order_by(
            "sheet", "number"
        )
    )
    result = Outcomes()
    result.undecided = [row for row in rows if row.outcome == BatchRow.Outcome.UNCERTAIN and not row.decision]
    to_award = [row for row in rows if row.to_award]
    appointments = {row.appointment.pk: row.appointment for row in to_award if row.appointment is not None}
    existing = _existing(batch_list, appointments)
    amounts = list(programme.amounts.all())
    seen: dict[int, BatchRow] = {}
    for row in to_award:
        appointment = row.appointment
        assert appointment is not None
        if appointment.pk in seen:
            result.refusals.append(
                RowNote(row, _("The same postdoc as %(row)s of this list.") % {"row": _row_label(seen[appointment.pk])})
            )
            continue
        seen[appointment.pk] = row
        held = existing.awarded.get(appointment.pk)
        if held is not None:
            row.project, row.already_awarded = held, True
            result.already.append(row)
            continue
        amount = amount_of(row, amounts, batch_list.awarded_on, appointment)
        if amount.value is None:
            result.no_amount.append(row)
        applied = existing.applied.get(appointment.pk, [])
        project = _award_one(
            batch_list, row, appointment, applied[0] if len(applied) == 1 else None, amount, by, acknowledged, result
        )
        if project is None and dry_run and result.warnings and result.warnings[-1].row is row:
            project = _award_one(
                batch_list, row, appointment, applied[0] if len(applied) == 1 else None, amount, by, True, result
            )
        if project is not None:
            row.project, row.already_awarded = project, False
            result.awarded.append((row, project))
    return result


def _award_one(
    batch_list: BatchList,
    row: BatchRow,
    appointment: Appointment,
    applied: Project | None,
    amount: Amount,
    by: User,
    acknowledged: bool,
    result: Outcomes,
) -> Project | None:
    programme = batch_list.programme
    try:
        if applied is not None:
            return funding.project_award(
                project=applied,
                awarded_on=batch_list.awarded_on,
                amount=amount.value,
                grade=row.programme_grade,
                batch=batch_list.batch,
                acknowledged=acknowledged,
                by=by,
            )
        return funding.project_record(
            holder=appointment,
            project_no=project_number(programme, batch_list.batch, appointment.postdoc_no),
            title=project_title(programme, batch_list.batch, row.programme_grade),
            awarded_on=batch_list.awarded_on,
            funder_ref=programme.funder,
            programme_ref=programme,
            amount=amount.value or 0,
            grade=row.programme_grade,
            batch=batch_list.batch,
            acknowledged=acknowledged,
            by=by,
        )
    except RuleWarning as warning:
        if not acknowledged:
            result.warnings.append(RowNote(row, warning.message))
    except DomainError as error:
        result.refusals.append(RowNote(row, error.message))
    return None


def batch_list_check(*, batch_list: BatchList, by: User) -> Outcomes:
    """What confirming would do, found by doing it and rolling it back: the same services, the same
    rules, the same sentences. Nothing is kept."""
    with transaction.atomic():
        batch_list = _locked(batch_list)
        _check_administrator(by, batch_list.institution_id)
        _require_open(batch_list)
        outcomes = _award_rows(batch_list, by=by, acknowledged=False, dry_run=True)
        transaction.set_rollback(True)
    return outcomes


class ConfirmRefused(DomainError):
    """The confirmation wrote nothing; `sentences` name the rows and why."""

    def __init__(self, message: str, sentences: list[str]) -> None:
        super().__init__(message)
        self.sentences = sentences


@transaction.atomic
def batch_list_confirm(*, batch_list: BatchList, by: User, acknowledged: bool = False) -> BatchList:
    """Creates the awards of every exact or accepted row, all or nothing. Each postdoc's single
    application to the programme is awarded; otherwise the award is recorded with the list's number
    (`awards.project_number`). A row already awarded (an earlier confirmation, another upload of
    the list) is marked, not awarded again. A refused row refuses the whole confirmation, naming its
    row; warnings need `acknowledged`."""
    batch_list = _locked(batch_list)
    _check_administrator(by, batch_list.institution_id)
    _require_open(batch_list)
    before = _public(batch_list)
    result = _award_rows(batch_list, by=by, acknowledged=acknowledged, dry_run=False)
    if result.undecided:
        raise ConfirmRefused(
            _("Choose the postdoc of every uncertain row, or skip it, before confirming."),
            [_("Not decided: %(rows)s.") % {"rows": ", ".join(_row_label(row) for row in result.undecided)}],
        )
    if result.refusals:
        raise ConfirmRefused(
            _(
                "Nothing was awarded: the funding rules refuse some rows. Skip them, or change the rules, and confirm again."
            ),
            grouped(result.refusals),
        )
    if result.warnings:
        raise ConfirmRefused(
            _(
                "Nothing was awarded: some rows break a funding rule the institution warns of. Acknowledge the warnings to confirm."
            ),
            grouped(result.warnings),
        )
    rows = [row for row, _project in result.awarded] + result.already
    BatchRow.objects.bulk_update(rows, ["project", "already_awarded"])
    batch_list.status = BatchList.Status.CONFIRMED
    batch_list.confirmed_by, batch_list.confirmed_at = by, timezone.now()
    batch_list.awarded_count = len(result.awarded)
    batch_list.already_count = len(result.already)
    batch_list.save(update_fields=["status", "confirmed_by", "confirmed_at", "awarded_count", "already_count"])
    note = _("Acknowledged the funding rules' warnings.") if acknowledged else ""
    _record(batch_list, by, "batch_list.confirmed", before, note=note)
    return batch_list


@transaction.atomic
def batch_list_discard(*, batch_list: BatchList, by: User) -> BatchList:
    """Sets a list aside without awarding anything (a wrong programme, a second upload)."""
    batch_list = _locked(batch_list)
    _check_administrator(by, batch_list.institution_id)
    _require_open(batch_list)
    before = _public(batch_list)
    batch_list.status = BatchList.Status.DISCARDED
    batch_list.discarded_by, batch_list.discarded_at = by, timezone.now()
    batch_list.save(update_fields=["status", "discarded_by", "discarded_at"])
    _record(batch_list, by, "batch_list.discarded", before)
    return batch_list
