"""Importing the exchange workbook: strict about meaning, all or nothing.

Rows are validated first (dates, enumerations, references, ID numbers, duplicate keys); then
every row is written through the domain services, in dependency order. Any problem, before or
while writing, undoes the whole import; a dry run always does.

How "all or nothing" is kept depends on the database (exchange.isolation, docs/decisions/0026):
on PostgreSQL, and inside a transaction the caller began, the import is one transaction; on
SQLite, where one long write transaction would lock everybody else out, a dry run works on a
snapshot and a real import writes in short slices with an undo log.
"""

import contextlib
import dataclasses
import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, reset_queries, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.access import Perm, has_perm
from appointments.models import Appointment
from appointments.services import (
    ImportedPostdoc,
    appointment_admit,
    appointment_correct,
    appointment_enter,
    appointment_exit,
    appointment_transfer,
    appointment_withdraw,
    appointments_import,
)
from catalogue.models import Discipline, DoctoralRight, Institution, Unit
from catalogue.services import discipline_save, doctoral_right_grant, save_reference, unit_save
from core.bulk import new_record
from core.errors import DomainError
from core.idnumbers import resident_id_problem
from core.sheets.cells import (
    DateForm,
    Notices,
    Problem,
    cell_text,
    normalise,
    parse_code,
    parse_code_list,
    read_date,
    rounded_by_excel,
)
from core.sheets.specs import SheetSpec
from exchange import isolation
from exchange.layout import ENUMS, REQUIRED_UNLESS, SHEETS, parse_enum, read_enum
from exchange.readahead import ReadAheadFailed, read_ahead
from exchange.workbook import Row, SheetSource, WorkbookSource, open_workbook
from funding.lookup import FunderIndex
from funding.models import Project
from funding.services import (
    APPLICATION_STATUSES,
    LevelMap,
    applications_record,
    project_award,
    project_complete,
    project_record,
    project_reject,
    project_terminate,
    project_update,
    projects_record,
)
from outputs import identifiers
from outputs.models import Output
from outputs.services import FIELDS as OUTPUT_FIELDS
from outputs.services import output_changes, output_update, outputs_record_many
from people.models import Person, Supervisor
from people.services import person_create, person_update, registered_ids, supervisor_save, supervisors_create
from reviews.models import Expert, Rank
from reviews.services import expert_save
from stations.models import Station
from stations.services import station_create, station_set_status

DOMESTIC = {"", "中国", "china", "cn", "chn", "中华人民共和国", "prc"}
LIVE = (Appointment.Status.ADMITTED, Appointment.Status.IN_STATION, Appointment.Status.EXTENDED)
RANKS = {"full": Rank.FULL, "associate": Rank.ASSOCIATE, "intermediate": Rank.INTERMEDIATE}


@dataclass
class Report:
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    def count(self, sheet: str, outcome: str) -> None:
        counts = self.counts.setdefault(sheet, {"new": 0, "changed": 0, "unchanged": 0})
        counts[outcome] += 1

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready form, kept on an import job between preview and confirmation."""
        return {
            "counts": self.counts,
            "warnings": self.warnings,
            "problems": [dataclasses.asdict(p) for p in self.problems],
            "dry_run": self.dry_run,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Report":
        return cls(
            counts=data["counts"],
            warnings=data["warnings"],
            problems=[Problem(**p) for p in data["problems"]],
            dry_run=data["dry_run"],
        )

    def lines(self) -> list[str]:
        lines = [
            _("%(sheet)s: %(new)s new, %(changed)s changed, %(unchanged)s unchanged") % {"sheet": sheet, **counts}
            for sheet, counts in self.counts.items()
        ]
        lines += [_("Warning: %(text)s") % {"text": text} for text in self.warnings]
        lines += [_("Problem: %(text)s") % {"text": str(p)} for p in self.problems]
        if self.problems:
            lines.append(_("Nothing was imported: %(n)s problem(s) to correct.") % {"n": len(self.problems)})
        elif self.dry_run:
            lines.append(_("Dry run: the workbook is valid; nothing was written."))
        return lines


Progress = Callable[[str, int], None]
BATCH_ROWS = 2000
# On SQLite each batch of a real import is a transaction of its own, holding the write lock while it
# runs: smaller batches let a sign-in or a form in between within a fraction of a second.
SLICE_ROWS = 250
PROGRESS_ROWS = 1000
# A sheet this large (uncompressed) is read by a second process while this one writes
# (exchange/readahead.py); below it, starting that process costs more than it saves.
READ_AHEAD_BYTES = 8 << 20
SQLITE_IMPORT_CACHE_KIB = 48 * 1024


class _Rollback(Exception):
    pass


class _RowContext:
    """Typed access to one row's cells; every failure becomes a problem naming the cell (every
    problem of the row, not the first only), and every value read from a form the spec does not
    name becomes a notice."""

    def __init__(
        self,
        sheet: str,
        row: Row,
        problems: list[Problem],
        notices: Notices | None = None,
        headings: dict[str, str] | None = None,
    ) -> None:
        self.sheet, self.row, self.problems = sheet, row, problems
        self.notices = notices if notices is not None else Notices()
        self.headings = headings or {}
        self.failed = bool(row.spoiled)

    def problem(self, column: str, message: str, value: Any = None) -> None:
        self.failed = True
        if column in self.row.spoiled:
            return  # its cell is named already: a formula or an error value
        raw = self.row.values.get(column) if value is None else value
        self.problems.append(
            Problem(self.sheet, self.row.number, column, cell_text(raw), message, self.headings.get(column, ""))
        )

    def _column_name(self, column: str) -> str:
        return self.headings.get(column, column)

    def text(self, column: str, required: bool = False) -> str:
        text = cell_text(self.row.values.get(column))
        if required and not text:
            self.problem(column, _("This column needs a value."))
        return text

    def date(self, column: str, required: bool = False) -> dt.date | None:
        raw = self.row.values.get(column)
        if raw is None or cell_text(raw) == "":
            if required:
                self.problem(column, _("This column needs a date."))
            return None
        try:
            day, form = read_date(raw)
        except ValueError as error:
            self.problem(column, str(error))
            return None
        if form:
            self.notices.add(
                DATE_FORM_NOTICES[form] % {"sheet": self.sheet, "column": self._column_name(column)}, self.row.number
            )
        return day

    def enum(self, column: str, kind: str, required: bool = False, default: str = "") -> str:
        text = self.text(column, required)
        if not text:
            return default
        try:
            code, from_word = read_enum(kind, text)
        except ValueError as error:
            self.problem(column, str(error))
            return default
        if from_word:
            self.notices.add(
                _("Sheet %(sheet)s, column %(column)s: “%(word)s” was read as %(label)s (%(code)s)")
                % {
                    "sheet": self.sheet,
                    "column": self._column_name(column),
                    "word": text,
                    "label": ENUMS[kind][code],
                    "code": code,
                },
                self.row.number,
            )
        return code

    def code(self, column: str, width: int, required: bool = False) -> str:
        raw = self.row.values.get(column)
        code = parse_code(raw, width) if raw is not None else ""
        if required and not code:
            self.problem(column, _("This column needs a value."))
        return code

    def codes(self, column: str, width: int) -> list[str]:
        return parse_code_list(self.row.values.get(column), width)


DATE_FORM_NOTICES = {
    DateForm.SERIAL: gettext_lazy("Sheet %(sheet)s, column %(column)s: Excel day numbers were read as dates"),
    DateForm.MONTH: gettext_lazy(
        "Sheet %(sheet)s, column %(column)s: dates giving only a year and month were read as the month's first day"
    ),
    DateForm.DATETIME: gettext_lazy(
        "Sheet %(sheet)s, column %(column)s: dates with a time of day were read without it"
    ),
}

# Which workbook column a service's error field concerns, per sheet.
FIELD_COLUMNS: dict[str, dict[str, str]] = {
    "Disciplines": {"name_zh": "name_zh", "code": "code"},
    "Units": {"name_zh": "name", "kind": "kind", "code": "code"},
    "DoctoralRights": {"since": "since", "discipline": "discipline_code"},
    "Stations": {"discipline": "discipline_code", "unit": "unit_code", "name_zh": "name", "code": "code"},
    "Supervisors": {"unit": "unit_code", "station": "station_code", "name": "name", "staff_no": "staff_no"},
    "Experts": {
        "unit": "unit_code",
        "supervisor": "staff_no",
        "is_external": "external",
        "rank": "rank",
        "is_doctoral_supervisor": "doctoral_supervisor",
        "is_active": "active",
        "language": "language",
    },
    "Postdocs": {
        "id_number": "id_number",
        "entry_date": "entry_date",
        "planned_exit_date": "planned_exit_date",
        "station": "station_code",
        "person": "id_number",
        "postdoc_no": "postdoc_no",
        "primary_supervisor": "supervisor_staff_no",
        "workstation": "workstation_code",
        "on": "exit_date",
        "name": "name",
    },
    "Projects": {
        "awarded_on": "awarded_on",
        "amount": "amount",
        "level": "level",
        "level_override": "level",
        "project_no": "project_no",
        "title": "title",
        "funder": "funder",
        "funder_ref": "funder",
        "programme": "programme",
        "programme_ref": "programme",
        "status": "status",
        "holder": "postdoc_no",
        "on": "ended_on",
    },
    "Outputs": {"appointment": "postdoc_no", "person": "postdoc_no"},
}
# The columns of the project's life cycle that a Projects sheet may leave out (older workbooks):
# a new project takes the model's default, a recorded one keeps what it has.
PROJECT_LIFE_CYCLE = ("grade", "batch", "period_start", "period_end", "extension_commitment_until")
PROJECT_FIELDS = (
    "project_no",
    "title",
    "funder",
    "programme",
    "level",
    "amount",
    "awarded_on",
    "status",
    "applied_on",
    "rejected_on",
    "ended_on",
    "role",
    *PROJECT_LIFE_CYCLE,
)
AUTHOR_SEPARATORS = re.compile(r"[;；\n]+")


class Importer:
    def __init__(
        self,
        *,
        path: Path,
        institution: Institution,
        by: Any,
        dry_run: bool,
        progress: Progress | None = None,
        read_ahead_bytes: int | None = None,
        owner: str | None = None,
    ) -> None:
        self.path, self.institution, self.by = path, institution, by
        self.owner = owner  # whose undo log a sliced import on SQLite writes (exchange.isolation)
        self.sliced = False  # set by run(): each batch its own transaction
        self.progress = progress
        self.read_ahead_bytes = read_ahead_bytes
        self.report = Report(dry_run=dry_run)
        self.note = _("imported from workbook %(file)s") % {"file": path.name}
        self.refused: dict[str, set[str]] = {kind: set() for kind in REFERENCE_NAMES}
        self._caches: dict[str, dict[str, Any]] = {}
        self.rows_done = 0
        self.columns: set[str] = set()  # the columns the sheet being read has
        self.headings: dict[str, str] = {}  # and how it shows them (`F 身份证号`)
        self.notices = Notices()
        self._expert_staff: dict[str, int] = {}  # staff number → the Experts row linked to it
        self._funding_lookup: tuple[FunderIndex, LevelMap] | None = None
        # Outputs: within the sheet, the first row of each (postdoc, DOI) and (postdoc, kind, title);
        # the outputs this import wrote, by id, with their row.
        self._output_keys: dict[tuple[str, ...], int] = {}
        self._outputs_written: dict[int, int] = {}

    # ---- reading and checking rows ----------------------------------------------------------

    def _parse_discipline(self, ctx: _RowContext) -> dict[str, Any]:
        code = ctx.code("code", 4, True)
        if code and not re.fullmatch(r"[0-9]{4}", code):
            ctx.problem("code", _("A discipline code has four digits, such as 0710."))
        category = ctx.code("category", 2)
        if category and code and not code.startswith(category):
            ctx.problem(
                "category", _("The category must be the first two digits of the code (%(c)s).") % {"c": code[:2]}
            )
        return {"code": code, "name_zh": ctx.text("name_zh", True), "name_en": ctx.text("name_en")}

    def _parse_unit(self, ctx: _RowContext) -> dict[str, Any]:
        return {
            "code": ctx.code("code", 0, True),
            "name": ctx.text("name", True),
            "kind": ctx.enum("kind", "unit_kind", True),
        }

    def _parse_right(self, ctx: _RowContext) -> dict[str, Any]:
        return {"discipline_code": ctx.code("discipline_code", 4, True), "since": ctx.date("since", True)}

    def _parse_station(self, ctx: _RowContext) -> dict[str, Any]:
        data: dict[str, Any] = {
            "code": ctx.code("code", 0, True),
            "kind": ctx.enum("kind", "station_kind", True),
            "discipline_code": ctx.code("discipline_code", 4),
            "name": ctx.text("name", True),
            "unit_code": ctx.code("unit_code", 0, True),
            "established_on": ctx.date("established_on", True),
            "approval_no": ctx.text("approval_no"),
            "status": ctx.enum("status", "station_status", default=Station.Status.ACTIVE),
            "revoked_on": ctx.date("revoked_on"),
        }
        if data["kind"] == Station.Kind.MOBILE and not data["discipline_code"] and not ctx.failed:
            ctx.problem("discipline_code", _("A mobile station needs a first-level discipline."))
        revoked, revoked_on = data["status"] == Station.Status.REVOKED, data["revoked_on"]
        if revoked and revoked_on is None and not ctx.failed:
            ctx.problem("revoked_on", _("A revoked station needs its revocation date (revoked_on / 撤销时间)."))
        elif revoked_on is not None and not revoked:
            ctx.problem(
                "revoked_on",
                _(
                    "Only a revoked station has a revocation date; leave revoked_on (撤销时间) empty or set the status to revoked."
                ),
            )
        elif revoked and revoked_on is not None and data["established_on"] and revoked_on < data["established_on"]:
            ctx.problem(
                "revoked_on",
                _("A station cannot be revoked before it was established (%(date)s).")
                % {"date": data["established_on"].isoformat()},
            )
        return data

    def _parse_supervisor(self, ctx: _RowContext) -> dict[str, Any]:
        return {
            "staff_no": ctx.code("staff_no", 0, True),
            "name": ctx.text("name", True),
            "unit_code": ctx.code("unit_code", 0, True),
            "station_code": ctx.code("station_code", 0),
            "title": ctx.text("title"),
            "external": ctx.enum("external", "yes_no", default="no") == "yes",
            # A sheet without the column (as in the spec's table) leaves the flag as it is.
            "doctoral_supervisor": (
                ctx.enum("doctoral_supervisor", "yes_no", default="no") == "yes"
                if "doctoral_supervisor" in self.columns
                else None
            ),
        }

    def _parse_expert(self, ctx: _RowContext) -> dict[str, Any]:
        external = ctx.enum("external", "yes_no", default="no")
        external_read = not ctx.failed
        rank = ctx.enum("rank", "rank")
        data: dict[str, Any] = {
            "code": ctx.code("code", 0, True),
            "name": ctx.text("name", True),
            "name_en": ctx.text("name_en"),
            "external": external == "yes",
            "affiliation": ctx.text("affiliation"),
            "unit_code": ctx.code("unit_code", 0),
            "staff_no": ctx.code("staff_no", 0),
            "title": ctx.text("title"),
            "rank": RANKS[rank] if rank else Expert._meta.get_field("rank").get_default(),
            "doctoral_supervisor": ctx.enum("doctoral_supervisor", "yes_no", default="no") == "yes",
            "disciplines": ctx.codes("disciplines", 4),
            "email": ctx.text("email"),
            "phone": ctx.text("phone"),
            "language": ctx.enum("language", "language") or Expert._meta.get_field("language").get_default(),
            "active": ctx.enum("active", "yes_no", default="yes") == "yes",
        }
        if data["external"]:
            if not data["affiliation"]:
                ctx.problem("affiliation", _("An external expert needs the name of their affiliation."))
            for column in ("unit_code", "staff_no"):
                if data[column]:
                    ctx.problem(
                        column,
                        _(
                            "An external expert has no unit or staff number of this institution; clear this cell or set external to no."
                        ),
                    )
        elif external_read and not data["unit_code"]:
            ctx.problem("unit_code", _("An internal expert needs the code of their unit."))
        staff_no = data["staff_no"]
        if staff_no and staff_no in self._expert_staff:
            ctx.problem(
                "staff_no",
                _("Staff number %(no)s is linked to another expert of this sheet too (row %(row)s).")
                % {"no": staff_no, "row": self._expert_staff[staff_no]},
            )
        elif staff_no:
            self._expert_staff[staff_no] = ctx.row.number
        return data

    def _parse_postdoc(self, ctx: _RowContext) -> dict[str, Any]:
        data: dict[str, Any] = {
            "postdoc_no": ctx.code("postdoc_no", 0, True),
            "name": ctx.text("name", True),
            "gender": ctx.enum("gender", "gender", True),
            "birth_date": ctx.date("birth_date", True),
            "id_type": ctx.enum("id_type", "id_type", True),
            "id_number": unicodedata.normalize("NFKC", ctx.text("id_number", True)).upper().replace(" ", ""),
            "nationality": ctx.text("nationality") or "中国",
            "phd_institution": ctx.text("phd_institution"),
            "phd_date": ctx.date("phd_date"),
            "station_code": ctx.code("station_code", 0, True),
            "supervisor_staff_no": ctx.code("supervisor_staff_no", 0, "supervisor_name" not in self.columns),
            "workstation_code": ctx.code("workstation_code", 0),
            "route": ctx.enum("route", "route", default=Appointment.Route.INDEPENDENT),
            "entry_date": ctx.date("entry_date", True),
            "planned_exit_date": ctx.date("planned_exit_date"),
            "exit_date": ctx.date("exit_date"),
            "status": ctx.enum("status", "postdoc_status", True),
            "exception_reason": ctx.text("exception_reason"),
        }
        self._supervisor_by_name(ctx, data)
        data["is_foreign"] = normalise(data["nationality"]) not in DOMESTIC
        # The workbook carries no assessments, so an exit it records cannot show the passed exit
        # assessment the rules ask for: the import, which an administrator runs, vouches for it.
        data["exit_exception_reason"] = data["exception_reason"] or self.note
        if rounded_by_excel(ctx.row.values.get("id_number")):
            ctx.problem(
                "id_number",
                _(
                    "Excel stored this ID number as a number and rounded away its last digits (it reads "
                    "%(shown)s). Format the column as Text, type the number again, and import the file again."
                )
                % {"shown": data["id_number"]},
            )
        elif "*" in data["id_number"]:
            ctx.problem(
                "id_number",
                _(
                    "The ID number is masked (the workbook was exported without permission to see ID numbers); give the full number."
                ),
            )
        elif data["id_type"] == Person.IdType.RESIDENT_ID and data["id_number"] and data["birth_date"]:
            problem = resident_id_problem(data["id_number"], data["birth_date"])
            if problem:
                ctx.problem("id_number", problem)
        if data["route"] == Appointment.Route.JOINT and not data["workstation_code"]:
            ctx.problem("workstation_code", _("Joint training needs a workstation."))
        status, exit_date, entry = data["status"], data["exit_date"], data["entry_date"]
        if status and status != "in_station" and exit_date is None and not ctx.failed:
            ctx.problem("exit_date", _("A postdoc who has left the station needs the date they left."))
        if status == "in_station" and exit_date is not None:
            ctx.problem("exit_date", _("A postdoc in station has no exit date; set the status or clear the date."))
        if entry and exit_date and exit_date < entry:
            ctx.problem("exit_date", _("The exit date is before the entry date."))
        if entry and data["planned_exit_date"] and data["planned_exit_date"] <= entry:
            ctx.problem("planned_exit_date", _("The planned exit date must be after the entry date."))
        return data

    def _supervisor_by_name(self, ctx: _RowContext, data: dict[str, Any]) -> None:
        """A supervisor named instead of (or beside) their staff number: the one supervisor of the
        institution (or of this file) by that name; a name that fits none or several, or that
        contradicts the staff number given, is the row's problem."""
        name = ctx.text("supervisor_name")
        if not name:
            if "supervisor_name" in self.columns and not data["supervisor_staff_no"]:
                ctx.problem("supervisor_name", _("This column needs the supervisor's name (or give 合作导师工号)."))
            return
        staff_no = data["supervisor_staff_no"]
        if staff_no:
            supervisor = self._lookup("supervisor", staff_no)
            if supervisor is not None and normalise(supervisor.name) != normalise(name):
                ctx.problem(
                    "supervisor_name",
                    _("Staff number %(no)s is the supervisor %(name)s, not %(given)s; correct one of the two.")
                    % {"no": staff_no, "name": supervisor.name, "given": name},
                )
            return
        found = sorted(s.staff_no for s in self._cache("supervisor").values() if normalise(s.name) == normalise(name))
        if len(found) == 1:
            data["supervisor_staff_no"] = found[0]
            ctx.notices.add(
                _("Sheet %(sheet)s: supervisors named without a staff number were found by their name")
                % {"sheet": ctx.sheet},
                ctx.row.number,
            )
        elif not found:
            ctx.problem(
                "supervisor_name",
                _(
                    "No supervisor named %(name)s exists in this file or in the institution; give 合作导师工号 or add the supervisor."
                )
                % {"name": name},
            )
        else:
            ctx.problem(
                "supervisor_name",
                _("%(n)s supervisors are named %(name)s (staff numbers %(nos)s); give 合作导师工号 to say which.")
                % {"n": len(found), "name": name, "nos": ", ".join(found)},
            )

    def _parse_project(self, ctx: _RowContext) -> dict[str, Any]:
        amount_text = ctx.text("amount").replace(",", "").replace("，", "")
        amount = Decimal(0)
        if amount_text:
            try:
                amount = Decimal(amount_text)
                if amount < 0 or not amount.is_finite():
                    raise InvalidOperation
            except InvalidOperation:
                ctx.problem("amount", _("The amount must be a number of yuan, zero or more."))
        level = ctx.enum("level", "level")
        funder, programme = ctx.text("funder", True), ctx.text("programme")
        if not level and funder and not ctx.failed:
            # A blank level is the mapping's (spec): the funder must be one the mapping knows.
            self._level_from_mapping(ctx, funder, programme)
        data: dict[str, Any] = {
            "project_no": ctx.code("project_no", 0, True),
            "title": ctx.text("title", True),
            "funder": funder,
            "programme": programme,
            "level": level,
            "amount": amount.quantize(Decimal("0.01")),
            "awarded_on": ctx.date("awarded_on"),
            "postdoc_no": ctx.code("postdoc_no", 0, True),
            # A blank status is awarded (spec), as in workbooks from before applications were exchanged.
            "status": ctx.enum("status", "project_status", default=Project.Status.AWARDED),
            "applied_on": ctx.date("applied_on"),
            "rejected_on": ctx.date("rejected_on"),
            "ended_on": ctx.date("ended_on"),
            "role": ctx.enum("role", "project_role"),  # blank: a new project's default, a recorded one's own
            "grade": ctx.text("grade"),
            "batch": ctx.text("batch"),
            "period_start": ctx.date("period_start"),
            "period_end": ctx.date("period_end"),
            "extension_commitment_until": ctx.date("extension_commitment_until"),
            "row_number": ctx.row.number,
        }
        self._check_project_dates(ctx, data)
        return data

    def _check_project_dates(self, ctx: _RowContext, d: dict[str, Any]) -> None:
        """The dates a project has by its status, and their order: a row that contradicts itself is
        refused with the cell to correct (the services check the same again, and the rest)."""
        status = d["status"]
        awarded, applied, rejected, ended = d["awarded_on"], d["applied_on"], d["rejected_on"], d["ended_on"]
        if ctx.failed and ctx.text("status"):
            try:
                parse_enum("project_status", ctx.text("status"))
            except ValueError:
                status = ""  # reported already: the dates cannot be judged against it
        if status in Project.AWARDED_STATUSES:
            if awarded is None and not ctx.text("awarded_on"):
                ctx.problem(
                    "awarded_on",
                    _(
                        "An awarded, completed or terminated project needs its award date; an application not yet decided has the status applied, one not funded the status rejected."
                    ),
                )
        elif status in APPLICATION_STATUSES:
            if awarded is not None:
                ctx.problem(
                    "awarded_on",
                    _(
                        "An application (status %(status)s) has no award date: clear the cell, or give the status awarded."
                    )
                    % {"status": status},
                )
            if applied is None and not ctx.text("applied_on"):
                ctx.problem("applied_on", _("An application (status applied or rejected) needs the date it was made."))
        if status == Project.Status.REJECTED and rejected is None and not ctx.text("rejected_on"):
            ctx.problem(
                "rejected_on", _("A project that was not funded (status rejected) needs the date of the decision.")
            )
        if status and status != Project.Status.REJECTED and rejected is not None:
            ctx.problem(
                "rejected_on",
                _(
                    "Only a project that was not funded (status rejected) has a decision date: clear the cell, or give the status rejected."
                ),
            )
        if status and status not in Project.ENDED_STATUSES and ended is not None:
            ctx.problem(
                "ended_on",
                _(
                    "Only a completed or terminated project has an end date: clear the cell, or give the status completed or terminated."
                ),
            )
        if applied is not None and awarded is not None and awarded < applied:
            ctx.problem("awarded_on", _("The award date is before the application."))
        if applied is not None and rejected is not None and rejected < applied:
            ctx.problem("rejected_on", _("The decision is dated before the application."))
        if awarded is not None and ended is not None and ended < awarded:
            ctx.problem("ended_on", _("The project ends before it was awarded."))
        if d["period_start"] is not None and d["period_end"] is not None and d["period_end"] < d["period_start"]:
            ctx.problem("period_end", _("The period ends before it starts."))

    def _funding(self) -> tuple[FunderIndex, LevelMap]:
        """The institution's funders and level mapping, read once per import (three queries)."""
        if self._funding_lookup is None:
            self._funding_lookup = (FunderIndex(self.institution.pk), LevelMap.load(self.institution.pk))
        return self._funding_lookup

    def _level_from_mapping(self, ctx: _RowContext, funder_text: str, programme_text: str) -> None:
        index, levels = self._funding()
        funder = index.funder(funder_text)
        if funder is None:
            ctx.problem(
                "level",
                _(
                    "The level is blank, and the funder %(funder)s is not in the catalogue of funders, so the institution's mapping gives it no level: give the level, or write the funder's name as the catalogue has it."
                )
                % {"funder": funder_text},
            )
            return
        programme = index.programme(funder, programme_text) if programme_text else None
        if levels.level(funder.pk, programme.pk if programme else None) is None:
            ctx.problem(
                "level",
                _(
                    "The level is blank, and the institution's mapping gives %(funder)s no level: give the level, or add a level rule for it."
                )
                % {"funder": funder.name_zh},
            )

    # ---- writing ----------------------------------------------------------------------------

    def _service_problem(self, spec: SheetSpec, title: str, row: Row, error: DomainError) -> None:
        column = FIELD_COLUMNS.get(spec.name, {}).get(error.field or "", "")
        if not column and error.field in {c.key for c in spec.columns}:
            column = error.field or ""
        if column and column not in self.columns:  # named by a column standing in for it (合作导师)
            column = REQUIRED_UNLESS.get((spec.name, column), column)
        value = cell_text(row.values.get(column)) if column else ""
        self.report.problems.append(
            Problem(title, row.number, column, value, error.message, self.headings.get(column, ""))
        )

    def _refuse_change(self, what: str, fields: list[str], column: str) -> None:
        raise DomainError(
            _(
                "The workbook changes %(fields)s of an existing %(what)s; import cannot change that yet — change it on its page."
            )
            % {"fields": ", ".join(fields), "what": what},
            field=column,
        )

    def _write_discipline(self, d: dict[str, Any]) -> str:
        existing = Discipline.objects.filter(code=d["code"]).first()
        if existing and (existing.name_zh, existing.name_en) == (d["name_zh"], d["name_en"]):
            return "unchanged"
        kwargs = {}
        if existing:
            kwargs = {"edition": existing.edition, "source": existing.source, "source_marker": existing.source_marker}
        discipline_save(code=d["code"], name_zh=d["name_zh"], name_en=d["name_en"], by=self.by, **kwargs)
        return "changed" if existing else "new"

    def _write_unit(self, d: dict[str, Any]) -> str:
        existing = Unit.objects.filter(institution=self.institution, code=d["code"]).first()
        if existing and (existing.name_zh, existing.kind) == (d["name"], d["kind"]):
            return "unchanged"
        unit_save(
            institution=self.institution,
            code=d["code"],
            name_zh=d["name"],
            kind=d["kind"],
            name_en=existing.name_en if existing else "",
            by=self.by,
        )
        return "changed" if existing else "new"

    def _write_right(self, d: dict[str, Any]) -> str:
        discipline = Discipline.objects.get(code=d["discipline_code"])
        existing = DoctoralRight.objects.filter(institution=self.institution, discipline=discipline).first()
        if existing and existing.since == d["since"]:
            return "unchanged"
        doctoral_right_grant(institution=self.institution, discipline=discipline, since=d["since"], by=self.by)
        return "changed" if existing else "new"

    def _write_station(self, d: dict[str, Any]) -> str:
        discipline = Discipline.objects.get(code=d["discipline_code"]) if d["discipline_code"] else None
        unit = Unit.objects.get(institution=self.institution, code=d["unit_code"])
        existing = Station.objects.filter(institution=self.institution, code=d["code"]).first()
        if existing is None:
            station = station_create(
                institution=self.institution,
                code=d["code"],
                kind=d["kind"],
                unit=unit,
                name_zh=d["name"],
                established_on=d["established_on"],
                discipline=discipline,
                approval_no=d["approval_no"],
                by=self.by,
            )
            if d["status"] != Station.Status.ACTIVE:
                station_set_status(station=station, status=d["status"], on=d["revoked_on"], note=self.note, by=self.by)
            return "new"
        if existing.kind != d["kind"]:
            self._refuse_change(_("station"), ["kind"], "kind")
        wanted = {
            "discipline_id": discipline.pk if discipline else None,
            "unit_id": unit.pk,
            "name_zh": d["name"],
            "established_on": d["established_on"],
            "approval_no": d["approval_no"],
        }
        changed = False
        if any(getattr(existing, k) != v for k, v in wanted.items()):
            for k, v in wanted.items():
                setattr(existing, k, v)
            save_reference(instance=existing, by=self.by, note=self.note)
            changed = True
        if (existing.status, existing.revoked_on) != (d["status"], d["revoked_on"]):
            # The workbook carries no revocation document number: a correction of the date keeps it.
            keep_no = existing.revocation_no if existing.status == d["status"] == Station.Status.REVOKED else ""
            station_set_status(
                station=existing,
                status=d["status"],
                on=d["revoked_on"],
                revocation_no=keep_no,
                note=self.note,
                by=self.by,
            )
            changed = True
        return "changed" if changed else "unchanged"

    def _write_supervisor(self, d: dict[str, Any]) -> str:
        unit = Unit.objects.get(institution=self.institution, code=d["unit_code"])
        station = (
            Station.objects.get(institution=self.institution, code=d["station_code"]) if d["station_code"] else None
        )
        existing = Supervisor.objects.filter(institution=self.institution, staff_no=d["staff_no"]).first()
        doctoral = d["doctoral_supervisor"]  # None: the sheet has no such column, keep the flag
        if (
            existing
            and (existing.name, existing.unit_id, existing.station_id, existing.title, existing.is_external)
            == (d["name"], unit.pk, station.pk if station else None, d["title"], d["external"])
            and doctoral in (None, existing.is_doctoral_supervisor)
        ):
            return "unchanged"
        supervisor_save(
            institution=self.institution,
            staff_no=d["staff_no"],
            name=d["name"],
            unit=unit,
            station=station,
            title=d["title"],
            is_external=d["external"],
            is_doctoral_supervisor=doctoral,
            name_en=existing.name_en if existing else "",
            by=self.by,
        )
        return "changed" if existing else "new"

    def _write_expert(self, d: dict[str, Any]) -> str:
        """One expert through `expert_save`: created, changed only where the row differs, or left
        alone; the service checks the rest and records before and after."""
        unit = self._lookup("unit", d["unit_code"]) if d["unit_code"] else None
        supervisor = self._lookup("supervisor", d["staff_no"]) if d["staff_no"] else None
        disciplines = [self._lookup("discipline", code) for code in d["disciplines"]]
        fields: dict[str, Any] = {
            "name": d["name"],
            "name_en": d["name_en"],
            "is_external": d["external"],
            "affiliation": d["affiliation"],
            "unit": unit,
            "supervisor": supervisor,
            "title": d["title"],
            "rank": d["rank"],
            "is_doctoral_supervisor": d["doctoral_supervisor"],
            "email": d["email"],
            "phone": d["phone"],
            "language": d["language"],
            "is_active": d["active"],
        }
        existing = Expert.objects.filter(institution=self.institution, code=d["code"]).first()
        if supervisor is not None:
            # The staff record is the expert's own (one-to-one): name the expert who holds it.
            holder = Expert.objects.filter(supervisor=supervisor).first()
            if holder is not None and holder.pk != getattr(existing, "pk", None):
                raise DomainError(
                    _("Staff number %(no)s is already linked to expert %(expert)s.")
                    % {"no": d["staff_no"], "expert": holder.code or holder.name},
                    field="supervisor",
                )
        if existing is None:
            expert_save(
                institution=self.institution,
                by=self.by,
                disciplines=disciplines,
                code=d["code"],
                note=self.note,
                **fields,
            )
            return "new"
        changes = {
            name: value
            for name, value in fields.items()
            if getattr(existing, f"{name}_id" if name in ("unit", "supervisor") else name)
            != getattr(value, "pk", value)
        }
        same_disciplines = set(existing.disciplines.values_list("code", flat=True)) == set(d["disciplines"])
        if not changes and same_disciplines:
            return "unchanged"
        expert_save(
            institution=self.institution,
            by=self.by,
            expert=existing,
            disciplines=None if same_disciplines else disciplines,
            note=self.note,
            **changes,
        )
        return "changed"

    def _person(self, d: dict[str, Any]) -> tuple[Person, str]:
        """The row's person, registered or corrected: (person, "new" / "changed" / "unchanged")."""
        person = Person.objects.filter(
            institution=self.institution, id_type=d["id_type"], id_number=d["id_number"]
        ).first()
        details = {
            "name": d["name"],
            "gender": d["gender"],
            "birth_date": d["birth_date"],
            "nationality": d["nationality"],
            "is_foreign": d["is_foreign"],
            "phd_institution": d["phd_institution"],
            "phd_date": d["phd_date"],
        }
        if person is None:
            person = person_create(
                institution=self.institution,
                id_type=d["id_type"],
                id_number=d["id_number"],
                by=self.by,
                **details,
            )
            return person, "new"
        changes = {name: value for name, value in details.items() if getattr(person, name) != value}
        if not changes:
            return person, "unchanged"
        return person_update(person=person, by=self.by, note=self.note, **changes), "changed"

    def _end(self, appointment: Appointment, d: dict[str, Any]) -> None:
        status, on = d["status"], d["exit_date"]
        if status == Appointment.Status.EXITED:
            appointment_exit(appointment=appointment, on=on, by=self.by, exception_reason=d["exit_exception_reason"])
        elif status == Appointment.Status.WITHDRAWN:
            appointment_withdraw(
                appointment=appointment, on=on, ground=Appointment.WithdrawalGround.OTHER, note=self.note, by=self.by
            )
        elif status == Appointment.Status.TRANSFERRED:
            appointment_transfer(
                appointment=appointment, on=on, to=_("(not given in the workbook)"), note=self.note, by=self.by
            )

    def _write_postdoc(self, d: dict[str, Any]) -> str:
        """One postdoc row through the per-record services: a second appointment of a registered
        person, or a change to an appointment already imported."""
        station = self._lookup("station", d["station_code"])
        supervisor = self._lookup("supervisor", d["supervisor_staff_no"])
        workstation = self._lookup("station", d["workstation_code"]) if d["workstation_code"] else None
        reason = d["exception_reason"]
        existing = Appointment.objects.filter(institution=self.institution, postdoc_no=d["postdoc_no"]).first()
        if existing is None:
            person, _outcome = self._person(d)
            appointment = appointment_admit(
                person=person,
                station=station,
                postdoc_no=d["postdoc_no"],
                entry_date=d["entry_date"],
                primary_supervisor=supervisor,
                planned_exit_date=d["planned_exit_date"],
                route=d["route"],
                workstation=workstation,
                by=self.by,
                exception_reason=reason,
            )
            if d["status"] != "in_station" or d["entry_date"] <= timezone.localdate():
                appointment = appointment_enter(
                    appointment=appointment, on=d["entry_date"], by=self.by, exception_reason=reason
                )
            self._end(appointment, d)
            return "new"
        if (existing.person.id_type, existing.person.id_number) != (d["id_type"], d["id_number"]):
            self._refuse_change(_("appointment"), ["id_number"], "id_number")
        if existing.station_id != station.pk:
            self._refuse_change(_("appointment"), ["station_code"], "station_code")
        if existing.entry_date != d["entry_date"]:
            self._refuse_change(_("appointment"), ["entry_date"], "entry_date")
        _person, person_outcome = self._person(d)
        corrections = {
            name: wanted
            for name, now, wanted in (
                ("primary_supervisor", existing.primary_supervisor_id, supervisor),
                ("workstation", existing.workstation_id, workstation),
                ("route", existing.route, d["route"]),
                ("planned_exit_date", existing.planned_exit_date, d["planned_exit_date"]),
            )
            if wanted is not None and now != getattr(wanted, "pk", wanted)
        }
        if corrections:
            existing = appointment_correct(
                appointment=existing, by=self.by, exception_reason=reason, note=self.note, **corrections
            )
        current = "in_station" if existing.status in LIVE else existing.status
        if current != d["status"]:
            if current != "in_station":
                self._refuse_change(_("appointment"), ["status"], "status")
            if existing.status == Appointment.Status.ADMITTED and d["status"] != Appointment.Status.WITHDRAWN:
                existing = appointment_enter(
                    appointment=existing, on=existing.entry_date, by=self.by, exception_reason=reason
                )
            self._end(existing, d)
            return "changed"
        if existing.ended_on != d["exit_date"]:
            self._refuse_change(_("appointment"), ["exit_date"], "exit_date")
        return "changed" if corrections or person_outcome != "unchanged" else "unchanged"

    def _new_project(self, holder: Appointment, d: dict[str, Any]) -> Project:
        """An unsaved project of a row, for the bulk services (which check it)."""
        fields = {f: d[f] for f in PROJECT_FIELDS}
        if not fields["role"]:
            del fields["role"]  # the model's default (principal investigator)
        return new_record(Project, holder=holder, **fields)

    def _write_project(self, d: dict[str, Any]) -> str:
        """One project row through the per-record services: a project recorded before (its details
        corrected with `project_update`, an application's award with `project_award` or refusal
        with `project_reject`, its end with `project_complete` / `project_terminate`), or a new one
        the bulk path could not take. The import is run by an administrator after its dry run,
        which lists every rule's warning: confirming it acknowledges them. A column the sheet does
        not have leaves what the project has."""
        holder = Appointment.objects.select_related("station").get(
            institution=self.institution, postdoc_no=d["postdoc_no"]
        )
        existing = Project.objects.filter(institution=self.institution, project_no=d["project_no"]).first()
        if existing is None:
            if d["status"] in APPLICATION_STATUSES:
                index, levels = self._funding()
                [error] = applications_record(
                    projects=[self._new_project(holder, d)],
                    by=self.by,
                    note=self.note,
                    acknowledged=True,
                    index=index,
                    levels=levels,
                )
                if error is not None:
                    raise error
                return "new"
            fields = (
                *("title", "funder", "programme", "level", "amount", "awarded_on", "status"),
                *("applied_on", "ended_on", *PROJECT_LIFE_CYCLE),
            )
            role = {"role": d["role"]} if d["role"] else {}
            project_record(
                holder=holder,
                project_no=d["project_no"],
                acknowledged=True,
                by=self.by,
                **role,
                **{f: d[f] for f in fields},
            )
            return "new"
        given = self.columns
        changes: dict[str, Any] = {
            f: d[f] for f in ("title", "funder", "programme", "amount") if getattr(existing, f) != d[f]
        }
        for name in (*PROJECT_LIFE_CYCLE, "applied_on"):
            if name in given and getattr(existing, name) != d[name]:
                changes[name] = d[name]
        if d["role"] and d["role"] != existing.role:
            changes["role"] = d["role"]
        if existing.holder_id != holder.pk:
            changes["holder"] = holder
        if d["level"] and d["level"] != existing.level:
            changes["level"] = d["level"]
        elif not d["level"] and existing.level_override:
            changes["level_override"] = ""  # blank: the level the mapping gives
        status, wanted = existing.status, d["status"]
        if status == Project.Status.APPLIED and wanted in Project.AWARDED_STATUSES:
            existing = project_award(project=existing, awarded_on=d["awarded_on"], acknowledged=True, by=self.by)
        elif status == Project.Status.APPLIED and wanted in APPLICATION_STATUSES:
            pass  # still an application, or refused below once its details are right
        elif status == Project.Status.REJECTED or wanted in APPLICATION_STATUSES:
            if wanted != status:
                self._refuse_change(_("project"), ["status"], "status")
            if "rejected_on" in given and existing.rejected_on != d["rejected_on"]:
                self._refuse_change(_("project"), ["rejected_on"], "rejected_on")
        elif existing.awarded_on != d["awarded_on"]:
            changes["awarded_on"] = d["awarded_on"]
        if changes:
            existing = project_update(project=existing, by=self.by, acknowledged=True, note=self.note, **changes)
        if existing.status != wanted:
            if existing.status == Project.Status.APPLIED and wanted == Project.Status.REJECTED:
                project_reject(project=existing, on=d["rejected_on"], by=self.by)
            elif existing.status != Project.Status.AWARDED:
                self._refuse_change(_("project"), ["status"], "status")
            elif wanted == Project.Status.COMPLETED:
                project_complete(project=existing, on=d["ended_on"], by=self.by)
            elif wanted == Project.Status.TERMINATED:
                project_terminate(project=existing, on=d["ended_on"], reason=self.note, by=self.by)
            return "changed"
        if "ended_on" in given and existing.ended_on != d["ended_on"]:
            self._refuse_change(_("project"), ["ended_on"], "ended_on")
        return "changed" if changes or status != existing.status else "unchanged"

    def _parse_output(self, ctx: _RowContext) -> dict[str, Any]:
        """An Outputs row in the form `outputs.services` takes; the identifiers are checked here (so
        every wrong one is listed with its cell), the rest of the rules by the service."""

        def identifier(column: str, clean: Callable[[str], str]) -> str:
            try:
                return clean(ctx.text(column))
            except DomainError as error:
                ctx.problem(column, error.message)
                return ""

        year: int | None = None
        if year_text := ctx.text("year", True):
            try:
                year = identifiers.clean_year(year_text)
            except DomainError as error:
                ctx.problem("year", error.message)
        position: int | None = None
        if position_text := ctx.text("author_position", True):
            try:
                position = int(position_text)
            except ValueError:
                ctx.problem("author_position", _("The position is a whole number, e.g. 1."))
        authors = [name.strip() for name in AUTHOR_SEPARATORS.split(ctx.text("authors", True)) if name.strip()]
        data: dict[str, Any] = {
            "postdoc_no": ctx.code("postdoc_no", 0, True),
            "kind": ctx.enum("kind", "output_kind", True),
            "title": ctx.text("title", True),
            "year": year,
            "published_on": ctx.date("published_on"),
            "authors": authors,
            "author_position": position,
            "corresponding": ctx.enum("corresponding", "yes_no", default="no") == "yes",
            "doi": identifier("doi", identifiers.clean_doi),
            "issn": identifier("issn", identifiers.clean_issn),
            "isbn": identifier("isbn", identifiers.clean_isbn),
            "patent_kind": ctx.enum("patent_kind", "patent_kind"),
            "granted_on": ctx.date("granted_on"),
            "award_level": ctx.enum("award_level", "level"),
            "award_grade": ctx.enum("award_grade", "award_grade"),
            **{name: ctx.text(name) for name in ("journal", "volume", "issue", "pages", "publisher", "number")},
        }
        data["normalised_title"] = identifiers.normalise_title(data["title"])
        data["row_number"] = ctx.row.number
        # The same output twice in the sheet for the same stay: by DOI, or by kind and title.
        keys: list[tuple[tuple[str, ...], str]] = []
        if data["doi"]:
            keys.append((("doi", data["postdoc_no"], data["doi"]), "doi"))
        if data["normalised_title"]:
            keys.append((("title", data["postdoc_no"], data["kind"], data["normalised_title"]), "title"))
        for key, column in keys:
            first = self._output_keys.get(key)
            if first is not None:
                ctx.problem(
                    column,
                    _(
                        "This output repeats row %(row)s of this sheet (the same DOI, or the same kind and title, for postdoc %(no)s)."
                    )
                    % {"row": first, "no": data["postdoc_no"]},
                )
                break
        else:
            for key, _column in keys:
                self._output_keys[key] = ctx.row.number
        return data

    def _write_output(self, d: dict[str, Any]) -> str:
        """An output recorded before (matched by its person's DOI, or kind and title): left alone,
        or corrected through `output_update`."""
        output = Output.objects.select_related("appointment", "person").get(pk=d["match"])
        if output.appointment.postdoc_no != d["postdoc_no"]:
            raise DomainError(
                _(
                    "This output is recorded on postdoc number %(recorded)s, not %(given)s; import cannot move it to another stay — change it on its page."
                )
                % {"recorded": output.appointment.postdoc_no, "given": d["postdoc_no"]},
                field="postdoc_no",
            )
        changes = output_changes(output, d, OUTPUT_FIELDS)
        if not changes:
            return "unchanged"
        output_update(output=output, by=self.by, **changes)
        return "changed"

    # ---- streaming, in batches ----------------------------------------------------------------

    def _cache(self, kind: str) -> dict[str, Any]:
        """The referenced records of a kind by code, read once per sheet."""
        cache = self._caches.get(kind)
        if cache is None:
            inst = self.institution
            loaders: dict[str, Callable[[], dict[str, Any]]] = {
                "discipline": lambda: {d.code: d for d in Discipline.objects.all()},
                "unit": lambda: {u.code: u for u in Unit.objects.filter(institution=inst)},
                "station": lambda: {s.code: s for s in Station.objects.filter(institution=inst)},
                "supervisor": lambda: {s.staff_no: s for s in Supervisor.objects.filter(institution=inst)},
            }
            cache = self._caches[kind] = loaders[kind]()
        return cache

    def _lookup(self, kind: str, code: str) -> Any:
        return self._cache(kind).get(code)

    def _references_resolve(self, sheet: str, ctx: _RowContext, data: dict[str, Any]) -> bool:
        """Whether every reference of a row resolves. A reference to a row of this file that was
        refused is not reported again: the refused row's problem is the one to correct."""
        resolved = True
        for column, kind in REFERENCES.get(sheet, ()):
            value = data.get(column)
            for code in value if isinstance(value, list) else [value]:
                if not code:
                    continue
                if code in self.refused[kind]:
                    resolved = False
                elif kind != "postdoc" and self._lookup(kind, code) is None:
                    ctx.problem(
                        column,
                        _("No %(kind)s %(code)s exists in this file or in the institution.")
                        % {"kind": REFERENCE_NAMES[kind], "code": code},
                    )
                    resolved = False
        return resolved

    def _import_sheet(self, source: SheetSource) -> int:
        """Reads, checks and writes one sheet's rows; returns how many rows it had."""
        spec = source.spec
        parse = getattr(self, f"_parse_{SHEET_WRITERS[spec.name]}")
        kind = SHEET_KINDS[spec.name]
        self.columns = {key for key in source.header if key}
        self.headings = source.headings
        seen: dict[str, int] = {}
        batch: list[tuple[Row, dict[str, Any]]] = []
        rows = 0
        if self.read_ahead_bytes is not None and source.size >= self.read_ahead_bytes:
            stream = read_ahead(self.path, spec.name, self.report.problems, self.notices)
        else:
            stream = source.rows(self.report.problems, self.notices)
        for row in stream:
            rows += 1
            ctx = _RowContext(source.title, row, self.report.problems, self.notices, source.headings)
            data = parse(ctx)
            key = data.get(spec.key, "")
            if key and key in seen:
                ctx.problem(
                    spec.key,
                    _("The key %(key)s appears twice in this sheet (rows %(first)s and %(second)s).")
                    % {"key": key, "first": seen[key], "second": row.number},
                )
            elif key:
                seen[key] = row.number
            if not ctx.failed and self._references_resolve(spec.name, ctx, data):
                batch.append((row, data))
            elif key and kind:
                self.refused[kind].add(key)
            if len(batch) >= (SLICE_ROWS if self.sliced else BATCH_ROWS):
                self._write_batch(source, batch)
                batch = []
            if self.progress is not None and rows % PROGRESS_ROWS == 0:
                self.progress(spec.name, self.rows_done + rows)
        self._write_batch(source, batch)
        self.rows_done += rows
        if kind:
            self._caches.pop(kind, None)  # the sheet may have added or changed records
        return rows

    def _write_batch(self, source: SheetSource, batch: list[tuple[Row, dict[str, Any]]]) -> None:
        if not batch:
            return
        if self.sliced:
            with transaction.atomic():  # one slice: the write lock is held for this batch only
                self._write_batch_now(source, batch)
        else:
            self._write_batch_now(source, batch)

    def _write_batch_now(self, source: SheetSource, batch: list[tuple[Row, dict[str, Any]]]) -> None:
        if settings.DEBUG:
            # With DEBUG on (`make run`), Django keeps the last 9,000 statements with their values;
            # a batch's multi-row inserts are large, and 100,000s of rows would hold 100s of MB.
            reset_queries()
        if source.spec.name == "Supervisors":
            self._write_supervisors(source, batch)
        elif source.spec.name == "Postdocs":
            self._write_postdocs(source, batch)
        elif source.spec.name == "Projects":
            self._write_projects(source, batch)
        elif source.spec.name == "Outputs":
            self._write_outputs(source, batch)
        else:
            for row, data in batch:
                self._write_one(source, row, data)

    def _write_one(self, source: SheetSource, row: Row, data: dict[str, Any]) -> None:
        """One row through the per-record services, in a savepoint so a refusal leaves no trace."""
        writer = getattr(self, f"_write_{SHEET_WRITERS[source.spec.name]}")
        try:
            with transaction.atomic():
                outcome = writer(data)
        except DomainError as error:
            self._service_problem(source.spec, source.title, row, error)
            kind = SHEET_KINDS[source.spec.name]
            if kind:
                self.refused[kind].add(data[source.spec.key])
            return
        self.report.count(source.spec.name, outcome)

    def _bulk(
        self,
        source: SheetSource,
        rows: list[tuple[Row, dict[str, Any]]],
        write: Callable[[list[dict[str, Any]]], list[DomainError | None]],
    ) -> None:
        """Writes new records through a bulk service, which writes nothing if any is refused: the
        refusals become problems, and the rest are written again without them, so that rows of
        later sheets that refer to them are checked too."""
        errors = write([data for _row, data in rows])
        if any(errors):
            kind = SHEET_KINDS[source.spec.name]
            for (row, data), error in zip(rows, errors, strict=True):
                if error is not None:
                    self._service_problem(source.spec, source.title, row, error)
                    if kind:
                        self.refused[kind].add(data[source.spec.key])
            rows = [pair for pair, error in zip(rows, errors, strict=True) if error is None]
            if not rows or any(write([data for _row, data in rows])):
                return
        for _row in rows:
            self.report.count(source.spec.name, "new")

    def _write_supervisors(self, source: SheetSource, batch: list[tuple[Row, dict[str, Any]]]) -> None:
        existing = set(
            Supervisor.objects.filter(institution=self.institution, staff_no__in=[d["staff_no"] for _r, d in batch])
            .order_by()
            .values_list("staff_no", flat=True)
        )
        new_rows = [(row, d) for row, d in batch if d["staff_no"] not in existing]
        for row, data in batch:
            if data["staff_no"] in existing:
                self._write_one(source, row, data)
        if not new_rows:
            return
        self._bulk(source, new_rows, self._create_supervisors)

    def _create_supervisors(self, rows: list[dict[str, Any]]) -> list[DomainError | None]:
        return supervisors_create(
            institution=self.institution,
            supervisors=[
                new_record(
                    Supervisor,
                    institution=self.institution,
                    staff_no=d["staff_no"],
                    name=d["name"],
                    unit=self._lookup("unit", d["unit_code"]),
                    station=self._lookup("station", d["station_code"]) if d["station_code"] else None,
                    title=d["title"],
                    is_external=d["external"],
                    is_doctoral_supervisor=bool(d["doctoral_supervisor"]),
                )
                for d in rows
            ],
            by=self.by,
            note=self.note,
        )

    def _write_postdocs(self, source: SheetSource, batch: list[tuple[Row, dict[str, Any]]]) -> None:
        """New people with one appointment each go in bulk; the rest one by one, in file order."""
        numbers = [d["postdoc_no"] for _r, d in batch]
        imported = set(
            Appointment.objects.filter(institution=self.institution, postdoc_no__in=numbers)
            .order_by()
            .values_list("postdoc_no", flat=True)
        )
        registered = registered_ids(self.institution, ((d["id_type"], d["id_number"]) for _r, d in batch))
        pending: list[tuple[Row, dict[str, Any]]] = []
        pending_people: set[tuple[str, str]] = set()
        for row, data in batch:
            person = (data["id_type"], data["id_number"])
            if data["postdoc_no"] in imported or person in registered or person in pending_people:
                self._write_new_postdocs(source, pending)
                registered |= pending_people  # registered now, so their next stays go one by one
                pending, pending_people = [], set()
                self._write_one(source, row, data)
                registered.add(person)
            else:
                pending.append((row, data))
                pending_people.add(person)
        self._write_new_postdocs(source, pending)

    def _write_new_postdocs(self, source: SheetSource, rows: list[tuple[Row, dict[str, Any]]]) -> None:
        if rows:
            self._bulk(source, rows, self._create_postdocs)

    def _create_postdocs(self, rows: list[dict[str, Any]]) -> list[DomainError | None]:
        entries = [
            ImportedPostdoc(
                name=d["name"],
                gender=d["gender"],
                birth_date=d["birth_date"],
                id_type=d["id_type"],
                id_number=d["id_number"],
                nationality=d["nationality"],
                is_foreign=d["is_foreign"],
                phd_institution=d["phd_institution"],
                phd_date=d["phd_date"],
                station=self._lookup("station", d["station_code"]),
                primary_supervisor=self._lookup("supervisor", d["supervisor_staff_no"]),
                workstation=self._lookup("station", d["workstation_code"]) if d["workstation_code"] else None,
                route=d["route"],
                postdoc_no=d["postdoc_no"],
                entry_date=d["entry_date"],
                planned_exit_date=d["planned_exit_date"],
                status=d["status"],
                ended_on=d["exit_date"],
                exception_reason=d["exception_reason"],
                exit_exception_reason=d["exit_exception_reason"],
            )
            for d in rows
        ]
        return appointments_import(institution=self.institution, entries=entries, by=self.by, note=self.note)

    def _write_projects(self, source: SheetSource, batch: list[tuple[Row, dict[str, Any]]]) -> None:
        stations = {station.pk: station for station in self._cache("station").values()}
        holders = {}
        for holder in (
            Appointment.objects.filter(
                institution=self.institution, postdoc_no__in={d["postdoc_no"] for _r, d in batch}
            )
            .order_by()
            .only("pk", "postdoc_no", "institution_id", "station_id", "workstation_id", "entry_date", "person_id")
        ):
            holder.station = stations[holder.station_id]  # from the cache: no query per holder
            holders[holder.postdoc_no] = holder
        existing = set(
            Project.objects.filter(institution=self.institution, project_no__in=[d["project_no"] for _r, d in batch])
            .order_by()
            .values_list("project_no", flat=True)
        )
        new_rows = []
        for row, data in batch:
            if data["postdoc_no"] not in holders:
                ctx = _RowContext(source.title, row, self.report.problems)
                ctx.problem(
                    "postdoc_no",
                    _("No %(kind)s %(code)s exists in this file or in the institution.")
                    % {"kind": REFERENCE_NAMES["postdoc"], "code": data["postdoc_no"]},
                )
            elif data["project_no"] in existing:
                self._write_one(source, row, data)
            else:
                new_rows.append((row, data))
        index, levels = self._funding()

        def create(
            rows: list[dict[str, Any]], record: Callable[..., list[DomainError | None]]
        ) -> list[DomainError | None]:
            projects = [self._new_project(holders[d["postdoc_no"]], d) for d in rows]
            acknowledged: list[tuple[int, str]] = []
            errors = record(
                projects=projects,
                by=self.by,
                note=self.note,
                acknowledged=True,  # confirming the import after its dry run acknowledges its warnings
                index=index,
                levels=levels,
                warnings=acknowledged,
            )
            if not any(errors):
                for position, text in acknowledged:
                    self.report.warnings.append(
                        _("%(sheet)s, row %(row)s: %(text)s")
                        % {"sheet": source.title, "row": rows[position]["row_number"], "text": text}
                    )
            return errors

        awards = [(row, d) for row, d in new_rows if d["status"] not in APPLICATION_STATUSES]
        applications = [(row, d) for row, d in new_rows if d["status"] in APPLICATION_STATUSES]
        if awards:
            self._bulk(source, awards, lambda rows: create(rows, projects_record))
        if applications:
            self._bulk(source, applications, lambda rows: create(rows, applications_record))

    def _write_outputs(self, source: SheetSource, batch: list[tuple[Row, dict[str, Any]]]) -> None:
        """New outputs go in bulk; those recorded before (matched by person and DOI, or kind and
        title) one by one, through `output_update` where the row changes them."""
        stays = {
            stay.postdoc_no: stay
            for stay in Appointment.objects.filter(
                institution=self.institution, postdoc_no__in={d["postdoc_no"] for _r, d in batch}
            )
            .select_related("person")
            .order_by()
        }
        people = {stay.person_id for stay in stays.values()}
        dois = {d["doi"] for _r, d in batch if d["doi"]}
        titles = {d["normalised_title"] for _r, d in batch}
        recorded: dict[int, list[Output]] = {}
        for output in (
            Output.objects.filter(person_id__in=people)
            .filter(Q(doi__in=dois) | Q(normalised_title__in=titles))
            .order_by("pk")
            .only("pk", "person_id", "kind", "doi", "normalised_title")
        ):
            recorded.setdefault(output.person_id, []).append(output)
        new_rows: list[tuple[Row, dict[str, Any]]] = []
        for row, data in batch:
            ctx = _RowContext(source.title, row, self.report.problems)
            stay = stays.get(data["postdoc_no"])
            if stay is None:
                ctx.problem(
                    "postdoc_no",
                    _("No %(kind)s %(code)s exists in this file or in the institution.")
                    % {"kind": REFERENCE_NAMES["postdoc"], "code": data["postdoc_no"]},
                )
                continue
            matches = [
                o
                for o in recorded.get(stay.person_id, [])
                if (data["doi"] and o.doi == data["doi"])
                or (o.kind == data["kind"] and o.normalised_title == data["normalised_title"])
            ]
            earlier = [self._outputs_written[o.pk] for o in matches if o.pk in self._outputs_written]
            if earlier:
                ctx.problem(
                    "title",
                    _(
                        "This output repeats row %(row)s of this sheet (the same person's output, by DOI or by kind and title)."
                    )
                    % {"row": earlier[0]},
                )
            elif len(matches) > 1:
                ctx.problem(
                    "doi",
                    _(
                        "This row matches two outputs recorded for this person (one by DOI, one by kind and title); correct them on the outputs page first."
                    ),
                )
            elif matches:
                self._write_one(source, row, {**data, "match": matches[0].pk})
            else:
                new_rows.append((row, data))
        if not new_rows:
            return

        def create(rows: list[dict[str, Any]]) -> list[DomainError | None]:
            written: list[Output] = []
            errors = outputs_record_many(
                entries=[(stays[d["postdoc_no"]], {f: d[f] for f in OUTPUT_FIELDS}) for d in rows],
                by=self.by,
                note=self.note,
                written=written,
            )
            if written:  # all were written
                for output, d in zip(written, rows, strict=True):
                    self._outputs_written[output.pk] = d["row_number"]
            return errors

        self._bulk(source, new_rows, create)

    # ---- the whole ---------------------------------------------------------------------------

    def run(self) -> Report:
        if not (has_perm(self.by, Perm.MANAGE_REFERENCE) and self.by.institution_id == self.institution.pk):
            self.report.problems.append(
                Problem("", None, "", "", _("Only an office administrator of this institution can import a workbook."))
            )
            return self.report
        with open_workbook(self.path) as source:
            self.report.warnings += source.warnings
            self.report.problems += source.problems
            if self.report.problems:
                return self.report
            try:
                with self._all_or_nothing(), _large_page_cache():
                    rows = sum(self._import_sheet(sheet) for sheet in _in_dependency_order(source))
                    self.report.warnings += self.notices.sentences()
                    if rows == 0:
                        self.report.problems.append(source.empty_problem())
                    if self.report.problems or self.report.dry_run:
                        raise _Rollback
            except _Rollback:
                pass
            except ReadAheadFailed as error:
                self.report.problems.append(
                    Problem(
                        self.path.name, None, "", "", _("The file could not be read to the end (%(e)s).") % {"e": error}
                    )
                )
        if self.progress is not None:
            self.progress("done", self.rows_done)
        return self.report

    @contextlib.contextmanager
    def _all_or_nothing(self) -> Iterator[None]:
        """The block's writes are kept only if it ends normally; how, depends on the database."""
        if connection.vendor != "sqlite" or connection.in_atomic_block:
            with transaction.atomic():
                yield
        elif self.report.dry_run:
            with isolation.snapshot(), transaction.atomic():  # written to a copy, thrown away
                yield
        else:
            self.sliced = True
            try:
                with isolation.UndoLog(self.owner or isolation.owner_of_this_process()) as log:
                    try:
                        yield
                    except BaseException:
                        log.undo()
                        raise
                    log.forget()
            finally:
                self.sliced = False


@contextlib.contextmanager
def _large_page_cache() -> Iterator[None]:
    """On SQLite, a page cache large enough for the indexes an import of 100,000s of rows updates
    (the default, 2 MB, makes every index insert go to the file); restored afterwards."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (previous,) = cursor.fetchone()
        cursor.execute(f"PRAGMA cache_size = {-SQLITE_IMPORT_CACHE_KIB}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(previous)}")


def _in_dependency_order(source: WorkbookSource) -> list[SheetSource]:
    """Referenced sheets first, whatever the order in the file (references resolve within it)."""
    return [source.sheets[spec.name] for spec in SHEETS if spec.name in source.sheets]


# Which method parses and writes a sheet (`_parse_<x>`, `_write_<x>`), and which kind of record
# other sheets refer to it as.
SHEET_WRITERS = {
    "Disciplines": "discipline",
    "Units": "unit",
    "DoctoralRights": "right",
    "Stations": "station",
    "Supervisors": "supervisor",
    "Experts": "expert",
    "Postdocs": "postdoc",
    "Projects": "project",
    "Outputs": "output",
}
SHEET_KINDS = {
    "Disciplines": "discipline",
    "Units": "unit",
    "DoctoralRights": "",
    "Stations": "station",
    "Supervisors": "supervisor",
    "Experts": "",
    "Postdocs": "postdoc",
    "Projects": "",
    "Outputs": "",
}
REFERENCES: dict[str, tuple[tuple[str, str], ...]] = {
    "DoctoralRights": (("discipline_code", "discipline"),),
    "Stations": (("discipline_code", "discipline"), ("unit_code", "unit")),
    "Supervisors": (("unit_code", "unit"), ("station_code", "station")),
    "Experts": (("unit_code", "unit"), ("staff_no", "supervisor"), ("disciplines", "discipline")),
    "Postdocs": (("station_code", "station"), ("supervisor_staff_no", "supervisor"), ("workstation_code", "station")),
    "Projects": (("postdoc_no", "postdoc"),),
    "Outputs": (("postdoc_no", "postdoc"),),
}
REFERENCE_NAMES = {
    "discipline": gettext_lazy("discipline"),
    "unit": gettext_lazy("unit"),
    "station": gettext_lazy("station"),
    "supervisor": gettext_lazy("supervisor"),
    "postdoc": gettext_lazy("postdoc"),
}


def import_workbook(
    *,
    path: str | Path,
    institution: Institution,
    by: Any,
    dry_run: bool = False,
    progress: Progress | None = None,
    read_ahead_bytes: int | None = READ_AHEAD_BYTES,
    owner: str | None = None,
) -> Report:
    """Imports a workbook into an institution, all or nothing; the report says what happened.

    The rows are streamed sheet by sheet and written in batches, so memory stays bounded whatever
    the file's size; see the module's docstring for how the batches stay all or nothing. `owner`
    names the undo log of a sliced import on SQLite (the job's; by default this process's). `progress(stage, rows_done)` is called now and then
    (the stage is the sheet being read, then "done") so a background job can show how far it is.
    Sheets of at least `read_ahead_bytes` are read by a second process (None: never)."""
    return Importer(
        path=Path(path),
        institution=institution,
        by=by,
        dry_run=dry_run,
        progress=progress,
        read_ahead_bytes=read_ahead_bytes,
        owner=owner,
    ).run()
