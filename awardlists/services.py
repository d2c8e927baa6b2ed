"""Award lists change only here: each step with an explicit actor, in one transaction, with one
audit event. The awards themselves are written by the funding services (`project_award` for the
postdoc's application of the programme, `project_record` otherwise), so the programme's rules and
the institution's level mapping apply to them as to any other project (docs/decisions/0050).
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
from audit.events import Event
from audit.services import record_event
from awardlists.awards import (
    Amount,
    amount_for,
    field_of,
    grade_for,
    programme_grades,
    project_number,
    project_title,
)
from awardlists.matching import Match, Outcome, Reading, batch_key, match_row, note
from awardlists.models import AwardList, AwardListRow, HostName
from awardlists.reading import ListRow, read_list
from awardlists.selectors import load_context
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


def _require_open(award_list: AwardList) -> None:
    if award_list.status != AwardList.Status.CHECKED:
        raise DomainError(
            _("This list is %(status)s; it can no longer be changed.") % {"status": award_list.get_status_display()}
        )


def _public(award_list: AwardList) -> dict[str, Any]:
    """What the audit trail keeps of a list: its figures, not its rows' names."""
    return {
        "status": award_list.status,
        "programme": award_list.programme_id,
        "batch": award_list.batch,
        "awarded_on": award_list.awarded_on.isoformat(),
        "original_name": award_list.original_name,
        "sha256": award_list.sha256,
        "rows": award_list.row_count,
        "exact": award_list.exact_count,
        "uncertain": award_list.uncertain_count,
        "unmatched": award_list.unmatched_count,
        "other": award_list.other_count,
        "awarded": award_list.awarded_count,
        "already": award_list.already_count,
    }


def _record(award_list: AwardList, by: Actor, event: Event, before: dict[str, Any] | None, note: str = "") -> None:
    record_event(
        actor=by,
        event=event,
        target=award_list,
        before=before,
        after=_public(award_list),
        institution=award_list.institution,
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
    record_event(actor=by, event=Event.HOST_NAME_ADDED, target=host_name, after=after, institution=institution)
    return host_name


def _match_again(institution: Institution) -> int:
    """The open lists' rows under a likely form of the institution's name that now reads as one of
    its names: matched again when undecided, the doubt about the name dropped when decided. The
    lists' figures follow. Returns the number of rows changed."""
    open_lists = AwardList.objects.filter(institution=institution, status=AwardList.Status.CHECKED)
    list(open_lists.select_for_update().values_list("pk", flat=True))  # as a choice of a row locks its list
    rows = list(
        AwardListRow.objects.select_for_update(of=("self",))
        .select_related("award_list")
        .filter(award_list__institution=institution, award_list__status=AwardList.Status.CHECKED, host_likely=True)
        .order_by("award_list_id", "sheet", "number")
    )
    if not rows:
        return 0
    context = load_context(institution)
    changed: list[AwardListRow] = []
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
    lists = {row.award_list_id: row.award_list for row in changed}
    for award_list in lists.values():
        mine = [row for row in changed if row.award_list_id == award_list.pk and row.pk in matched]
        taken = dict(
            award_list.rows.filter(decision=AwardListRow.Decision.ACCEPT)
            .exclude(pk__in=[row.pk for row in mine])
            .values_list("appointment_id", "number")
        )
        for row in mine:
            if row.appointment_id is None or row.outcome != AwardListRow.Outcome.EXACT:
                continue
            if row.appointment_id in taken:
                row.notes = [*row.notes, note("same_postdoc", row=taken[row.appointment_id])]
                row.outcome, row.appointment_id, row.decision = AwardListRow.Outcome.UNCERTAIN, None, ""
            else:
                taken[row.appointment_id] = row.number
        _mark_already(award_list, mine)
    fields = ["outcome", "candidates", "notes", "doubts", "host_likely", "appointment", "decision"]
    AwardListRow.objects.bulk_update(changed, [*fields, "already_awarded", "project"])
    for award_list in lists.values():
        _count(award_list, list(award_list.rows.all()))
        award_list.save(
            update_fields=["row_count", "exact_count", "uncertain_count", "unmatched_count", "already_count"]
        )
    return len(changed)


def _apply(row: AwardListRow, match: Match) -> None:
    """A row's match as its fields (the decision of an exact match is to award it)."""
    row.outcome = match.outcome
    row.candidates = match.candidates
    row.notes = match.notes
    row.doubts = {str(pk): doubt for pk, doubt in match.doubts.items()}
    row.host_likely = match.host_likely
    row.appointment_id = match.appointment_id
    row.decision = AwardListRow.Decision.ACCEPT if match.outcome == Outcome.EXACT else AwardListRow.Decision.UNDECIDED


@transaction.atomic
def host_name_remove(*, host_name: HostName, by: Actor) -> None:
    _check_administrator(by, host_name.institution_id)
    record_event(
        actor=by,
        event=Event.HOST_NAME_REMOVED,
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


def _existing(award_list: AwardList, appointments: dict[int, Appointment]) -> _Existing:
    """In one query: each postdoc's award of this programme and batch (by the list's number or by
    the batch), and their open applications to the programme."""
    programme = award_list.programme
    numbers = {project_number(programme, award_list.batch, a.postdoc_no): pk for pk, a in appointments.items()}
    wanted = batch_key(award_list.batch)
    found = _Existing()
    projects = (
        Project.objects.filter(institution_id=award_list.institution_id)
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
    award_list: AwardList, rows: list[ListRow], matches: list[Match], grades: list[str], amounts: list[GradeAmount]
) -> list[AwardListRow]:
    kept: list[AwardListRow] = []
    matched_by: dict[int, AwardListRow] = {}
    for row, match in zip(rows, matches, strict=True):
        if match.outcome == Outcome.OTHER:
            continue
        notes = list(match.notes)
        outcome, appointment_id = match.outcome, match.appointment_id
        if appointment_id is not None and appointment_id in matched_by:
            first = matched_by[appointment_id]
            notes.append(note("same_postdoc", row=first.number))
            outcome, appointment_id = Outcome.UNCERTAIN, None
        award_list_row = AwardListRow(
            award_list=award_list,
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
            decision=AwardListRow.Decision.ACCEPT if outcome == Outcome.EXACT else AwardListRow.Decision.UNDECIDED,
        )
        if appointment_id is not None:
            matched_by[appointment_id] = award_list_row
        kept.append(award_list_row)
    return kept


def _count(award_list: AwardList, rows: list[AwardListRow]) -> None:
    outcomes = Counter(row.outcome for row in rows)
    award_list.row_count = len(rows)
    award_list.exact_count = outcomes[AwardListRow.Outcome.EXACT]
    award_list.uncertain_count = outcomes[AwardListRow.Outcome.UNCERTAIN]
    award_list.unmatched_count = outcomes[AwardListRow.Outcome.UNMATCHED]
    award_list.already_count = sum(1 for row in rows if row.already_awarded and row.to_award)


def _mark_already(award_list: AwardList, rows: list[AwardListRow]) -> None:
    """Marks the rows whose postdoc already holds the award (an earlier list, a second upload)."""
    ids = [row.appointment_id for row in rows if row.appointment_id is not None]
    appointments = Appointment.objects.only("pk", "postdoc_no").in_bulk(ids)
    existing = _existing(award_list, appointments)
    for row in rows:
        project = existing.awarded.get(row.appointment_id) if row.appointment_id else None
        row.already_awarded = project is not None
        row.project = project


@transaction.atomic
def award_list_upload(
    *,
    institution: Institution,
    programme: Programme,
    batch: str,
    awarded_on: dt.date,
    file: UploadedFile[bytes],
    by: User,
) -> AwardList:
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
    award_list = AwardList(
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
    rows = _rows_from(award_list, read.rows, matches, programme_grades(amounts), amounts)
    _mark_already(award_list, rows)
    _count(award_list, rows)
    file.seek(0)
    award_list.file.save(name, file, save=False)
    award_list.save()
    AwardListRow.objects.bulk_create(rows, batch_size=1000)
    _record(award_list, by, Event.AWARD_LIST_UPLOADED, None)
    return award_list


# ---------------------------------------------------------------------------------------------
# The review: a row's postdoc chosen among its candidates, or the row skipped


def _locked(award_list: AwardList) -> AwardList:
    return (
        AwardList.objects.select_for_update(of=("self",))
        .select_related("programme__funder", "institution")
        .get(pk=award_list.pk)
    )


def _row_label(row: AwardListRow) -> str:
    return _("row %(row)s (%(name)s)") % {"row": row.number, "name": row.name}


@transaction.atomic
def award_list_row_choose(*, row: AwardListRow, appointment: Appointment | None, by: Actor) -> AwardListRow:
    """The review screen's choice: the row's postdoc, one of its candidates; None skips the row."""
    award_list = _locked(row.award_list)
    _check_administrator(by, award_list.institution_id)
    _require_open(award_list)
    row = AwardListRow.objects.select_for_update().get(pk=row.pk)
    before = {"decision": row.decision, "appointment": row.appointment_id}
    if appointment is None:
        row.decision = AwardListRow.Decision.SKIP
        if row.outcome != AwardListRow.Outcome.EXACT:
            row.appointment = None
        row.already_awarded, row.project = False, None
    else:
        require(
            row.outcome != AwardListRow.Outcome.UNMATCHED and appointment.pk in row.candidates,
            _("Choose one of the row's candidates."),
            "appointment",
        )
        taken = (
            award_list.rows.filter(appointment=appointment, decision=AwardListRow.Decision.ACCEPT)
            .exclude(pk=row.pk)
            .first()
        )
        if taken is not None:
            raise DomainError(
                _("%(postdoc)s is already the postdoc of %(row)s of this list.")
                % {"postdoc": appointment.person.name, "row": _row_label(taken)},
                field="appointment",
            )
        row.appointment, row.decision = appointment, AwardListRow.Decision.ACCEPT
        row.project = _existing(award_list, {appointment.pk: appointment}).awarded.get(appointment.pk)
        row.already_awarded = row.project is not None
    row.save(update_fields=["appointment", "decision", "already_awarded", "project"])
    after = {"decision": row.decision, "appointment": row.appointment_id}
    if after != before:
        award_list.already_count = award_list.rows.filter(
            already_awarded=True, decision=AwardListRow.Decision.ACCEPT
        ).count()
        award_list.save(update_fields=["already_count"])
        record_event(
            actor=by,
            event=Event.AWARD_LIST_ROW_CHOSEN,
            target=row,
            parent=award_list,
            before=before,
            after=after,
            institution=award_list.institution,
        )
    return row


# ---------------------------------------------------------------------------------------------
# Confirmation: the awards, through the funding services


@dataclass
class RowNote:
    row: AwardListRow
    message: str


@dataclass
class Outcomes:
    """What confirming would do (a check) or did: the awards, the rows already awarded, the refusals
    and the warnings, each naming its row."""

    awarded: list[tuple[AwardListRow, Project]] = field(default_factory=list)
    already: list[AwardListRow] = field(default_factory=list)
    refusals: list[RowNote] = field(default_factory=list)
    warnings: list[RowNote] = field(default_factory=list)
    undecided: list[AwardListRow] = field(default_factory=list)
    no_amount: list[AwardListRow] = field(default_factory=list)

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
    rows: dict[str, list[AwardListRow]] = {}
    for row_note in notes:
        rows.setdefault(row_note.message, []).append(row_note.row)
    return [
        ngettext("Row %(rows)s: %(message)s", "Rows %(rows)s: %(message)s", len(named))
        % {"rows": ", ".join(f"{row.number} ({row.name})" for row in named), "message": message}
        for message, named in rows.items()
    ]


def _amount_of(row: AwardListRow, amounts: list[GradeAmount], awarded_on: dt.date, appointment: Appointment) -> Amount:
    """The row's amount: its grade in the award's year, natural or social by the list's discipline
    (else the postdoc's station's)."""
    code = row.discipline_code or (appointment.station.discipline.code if appointment.station.discipline else "")
    return amount_for(amounts, grade=row.programme_grade, year=awarded_on.year, field=field_of(code))


def _award_rows(award_list: AwardList, *, by: User, acknowledged: bool, dry_run: bool) -> Outcomes:
    """Awards every row to award through the funding services, collecting each row's refusal or
    warning instead of stopping at the first. In a dry run a warned row is awarded as if
    acknowledged, so later rows are checked against it."""
    programme = award_list.programme
    rows = list(
        award_list.rows.select_related("appointment__person", "appointment__station__discipline").order_by(
            "sheet", "number"
        )
    )
    result = Outcomes()
    result.undecided = [row for row in rows if row.outcome == AwardListRow.Outcome.UNCERTAIN and not row.decision]
    to_award = [row for row in rows if row.to_award]
    appointments = {row.appointment.pk: row.appointment for row in to_award if row.appointment is not None}
    existing = _existing(award_list, appointments)
    amounts = list(programme.amounts.all())
    seen: dict[int, AwardListRow] = {}
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
        amount = _amount_of(row, amounts, award_list.awarded_on, appointment)
        if amount.value is None:
            result.no_amount.append(row)
        applied = existing.applied.get(appointment.pk, [])
        project = _award_one(
            award_list, row, appointment, applied[0] if len(applied) == 1 else None, amount, by, acknowledged, result
        )
        if project is None and dry_run and result.warnings and result.warnings[-1].row is row:
            project = _award_one(
                award_list, row, appointment, applied[0] if len(applied) == 1 else None, amount, by, True, result
            )
        if project is not None:
            row.project, row.already_awarded = project, False
            result.awarded.append((row, project))
    return result


def _award_one(
    award_list: AwardList,
    row: AwardListRow,
    appointment: Appointment,
    applied: Project | None,
    amount: Amount,
    by: User,
    acknowledged: bool,
    result: Outcomes,
) -> Project | None:
    programme = award_list.programme
    try:
        if applied is not None:
            return funding.project_award(
                project=applied,
                awarded_on=award_list.awarded_on,
                amount=amount.value,
                grade=row.programme_grade,
                batch=award_list.batch,
                acknowledged=acknowledged,
                by=by,
            )
        return funding.project_record(
            holder=appointment,
            project_no=project_number(programme, award_list.batch, appointment.postdoc_no),
            title=project_title(programme, award_list.batch, row.programme_grade),
            awarded_on=award_list.awarded_on,
            funder_ref=programme.funder,
            programme_ref=programme,
            amount=amount.value or 0,
            grade=row.programme_grade,
            batch=award_list.batch,
            acknowledged=acknowledged,
            by=by,
        )
    except RuleWarning as warning:
        if not acknowledged:
            result.warnings.append(RowNote(row, warning.message))
    except DomainError as error:
        result.refusals.append(RowNote(row, error.message))
    return None


def award_list_check(*, award_list: AwardList, by: User) -> Outcomes:
    """What confirming would do, found by doing it and rolling it back: the same services, the same
    rules, the same sentences. Nothing is kept."""
    with transaction.atomic():
        award_list = _locked(award_list)
        _check_administrator(by, award_list.institution_id)
        _require_open(award_list)
        outcomes = _award_rows(award_list, by=by, acknowledged=False, dry_run=True)
        transaction.set_rollback(True)
    return outcomes


class ConfirmRefused(DomainError):
    """The confirmation wrote nothing; `sentences` name the rows and why."""

    def __init__(self, message: str, sentences: list[str]) -> None:
        super().__init__(message)
        self.sentences = sentences


@transaction.atomic
def award_list_confirm(*, award_list: AwardList, by: User, acknowledged: bool = False) -> AwardList:
    """Creates the awards of every exact or accepted row, all or nothing. Each postdoc's single
    application to the programme is awarded; otherwise the award is recorded with the list's number
    (`awards.project_number`). A row already awarded (an earlier confirmation, another upload of
    the list) is marked, not awarded again. A refused row refuses the whole confirmation, naming its
    row; warnings need `acknowledged`."""
    award_list = _locked(award_list)
    _check_administrator(by, award_list.institution_id)
    _require_open(award_list)
    before = _public(award_list)
    result = _award_rows(award_list, by=by, acknowledged=acknowledged, dry_run=False)
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
    AwardListRow.objects.bulk_update(rows, ["project", "already_awarded"])
    award_list.status = AwardList.Status.CONFIRMED
    award_list.confirmed_by, award_list.confirmed_at = by, timezone.now()
    award_list.awarded_count = len(result.awarded)
    award_list.already_count = len(result.already)
    award_list.save(update_fields=["status", "confirmed_by", "confirmed_at", "awarded_count", "already_count"])
    note = _("Acknowledged the funding rules' warnings.") if acknowledged else ""
    _record(award_list, by, Event.AWARD_LIST_CONFIRMED, before, note=note)
    return award_list


@transaction.atomic
def award_list_discard(*, award_list: AwardList, by: User) -> AwardList:
    """Sets a list aside without awarding anything (a wrong programme, a second upload)."""
    award_list = _locked(award_list)
    _check_administrator(by, award_list.institution_id)
    _require_open(award_list)
    before = _public(award_list)
    award_list.status = AwardList.Status.DISCARDED
    award_list.discarded_by, award_list.discarded_at = by, timezone.now()
    award_list.save(update_fields=["status", "discarded_by", "discarded_at"])
    _record(award_list, by, Event.AWARD_LIST_DISCARDED, before)
    return award_list
