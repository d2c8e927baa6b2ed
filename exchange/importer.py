"""Importing the exchange workbook: strict about meaning, all or nothing.

Rows are validated first (dates, enumerations, references, ID numbers, duplicate keys); then
every row is written through the domain services in one transaction, in dependency order. Any
problem, before or while writing, rolls the whole import back. A dry run always rolls back.
"""

import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import Perm, has_perm
from appointments.models import Appointment
from appointments.services import (
    appointment_admit,
    appointment_enter,
    appointment_exit,
    appointment_transfer,
    appointment_withdraw,
)
from catalogue.models import Discipline, DoctoralRight, Institution, Unit
from catalogue.services import discipline_save, doctoral_right_grant, save_reference, unit_save
from core.errors import DomainError
from core.idnumbers import resident_id_problem
from exchange.workbook import (
    SHEETS,
    Problem,
    Row,
    SheetSpec,
    cell_text,
    parse_code,
    parse_date,
    parse_enum,
    read_workbook,
)
from funding.models import Project
from funding.services import project_record
from people.models import Person, Supervisor
from people.services import person_create, supervisor_save
from stations.models import Station
from stations.services import station_create, station_set_status

DOMESTIC = {"", "中国", "china", "cn", "chn", "中华人民共和国", "prc"}
LIVE = (Appointment.Status.ADMITTED, Appointment.Status.IN_STATION, Appointment.Status.EXTENDED)


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


class _Rollback(Exception):
    pass


class _RowContext:
    """Typed access to one row's cells; every failure becomes a problem naming the cell."""

    def __init__(self, sheet: str, row: Row, problems: list[Problem]) -> None:
        self.sheet, self.row, self.problems = sheet, row, problems
        self.failed = False

    def problem(self, column: str, message: str, value: Any = None) -> None:
        self.failed = True
        raw = self.row.values.get(column) if value is None else value
        self.problems.append(Problem(self.sheet, self.row.number, column, cell_text(raw), message))

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
            return parse_date(raw)
        except ValueError as error:
            self.problem(column, str(error))
            return None

    def enum(self, column: str, kind: str, required: bool = False, default: str = "") -> str:
        text = self.text(column, required)
        if not text:
            return default
        try:
            return parse_enum(kind, text)
        except ValueError as error:
            self.problem(column, str(error))
            return default

    def code(self, column: str, width: int, required: bool = False) -> str:
        raw = self.row.values.get(column)
        code = parse_code(raw, width) if raw is not None else ""
        if required and not code:
            self.problem(column, _("This column needs a value."))
        return code


# Which workbook column a service's error field concerns, per sheet.
FIELD_COLUMNS: dict[str, dict[str, str]] = {
    "Disciplines": {"name_zh": "name_zh", "code": "code"},
    "Units": {"name_zh": "name", "kind": "kind", "code": "code"},
    "DoctoralRights": {"since": "since", "discipline": "discipline_code"},
    "Stations": {"discipline": "discipline_code", "unit": "unit_code", "name_zh": "name", "code": "code"},
    "Supervisors": {"unit": "unit_code", "station": "station_code", "name": "name", "staff_no": "staff_no"},
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
        "project_no": "project_no",
        "title": "title",
    },
}


class Importer:
    def __init__(self, *, path: Path, institution: Institution, by: Any, dry_run: bool) -> None:
        self.path, self.institution, self.by = path, institution, by
        self.report = Report(dry_run=dry_run)
        self.note = _("imported from workbook %(file)s") % {"file": path.name}
        self.parsed: dict[str, list[tuple[Row, dict[str, Any]]]] = {}
        self.keys: dict[str, set[str]] = {}

    # ---- validation -------------------------------------------------------------------------

    def validate(self, sheets: dict[str, Any]) -> None:
        parsers: dict[str, Callable[[_RowContext], dict[str, Any]]] = {
            "Disciplines": self._parse_discipline,
            "Units": self._parse_unit,
            "DoctoralRights": self._parse_right,
            "Stations": self._parse_station,
            "Supervisors": self._parse_supervisor,
            "Postdocs": self._parse_postdoc,
            "Projects": self._parse_project,
        }
        for spec in SHEETS:
            sheet = sheets.get(spec.name)
            if sheet is None:
                continue
            seen: dict[str, int] = {}
            rows = []
            self.keys[spec.name] = set()
            for row in sheet.rows:
                ctx = _RowContext(sheet.title, row, self.report.problems)
                data = parsers[spec.name](ctx)
                key = data.get(spec.key, "")
                if key:
                    if key in seen:
                        ctx.problem(
                            spec.key,
                            _("The key %(key)s appears twice in this sheet (rows %(first)s and %(second)s).")
                            % {"key": key, "first": seen[key], "second": row.number},
                        )
                    seen[key] = row.number
                    self.keys[spec.name].add(key)
                if not ctx.failed:
                    rows.append((row, data))
            self.parsed[spec.name] = rows
        self._check_references(sheets)

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
        }
        if data["kind"] == Station.Kind.MOBILE and not data["discipline_code"] and not ctx.failed:
            ctx.problem("discipline_code", _("A mobile station needs a first-level discipline."))
        if data["status"] == Station.Status.REVOKED:
            ctx.problem(
                "status",
                _(
                    "A revoked station needs its revocation date, which the workbook does not carry; record the revocation on the station's page."
                ),
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
        }

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
            "supervisor_staff_no": ctx.code("supervisor_staff_no", 0, True),
            "workstation_code": ctx.code("workstation_code", 0),
            "route": ctx.enum("route", "route", default=Appointment.Route.INDEPENDENT),
            "entry_date": ctx.date("entry_date", True),
            "planned_exit_date": ctx.date("planned_exit_date"),
            "exit_date": ctx.date("exit_date"),
            "status": ctx.enum("status", "postdoc_status", True),
        }
        if "*" in data["id_number"]:
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
        if not level and not ctx.failed:
            ctx.problem(
                "level",
                _("The level is blank and the institution has no mapping from funder to level; give the level."),
            )
        return {
            "project_no": ctx.code("project_no", 0, True),
            "title": ctx.text("title", True),
            "funder": ctx.text("funder", True),
            "programme": ctx.text("programme"),
            "level": level,
            "amount": amount.quantize(Decimal("0.01")),
            "awarded_on": ctx.date("awarded_on", True),
            "postdoc_no": ctx.code("postdoc_no", 0, True),
            "status": ctx.enum("status", "project_status", default=Project.Status.AWARDED),
        }

    def _check_references(self, sheets: dict[str, Any]) -> None:
        inst = self.institution
        known: dict[str, Callable[[str], bool]] = {
            "discipline": lambda c: (
                c in self.keys.get("Disciplines", set()) or Discipline.objects.filter(code=c).exists()
            ),
            "unit": lambda c: (
                c in self.keys.get("Units", set()) or Unit.objects.filter(institution=inst, code=c).exists()
            ),
            "station": lambda c: (
                c in self.keys.get("Stations", set()) or Station.objects.filter(institution=inst, code=c).exists()
            ),
            "supervisor": lambda c: (
                c in self.keys.get("Supervisors", set())
                or Supervisor.objects.filter(institution=inst, staff_no=c).exists()
            ),
            "postdoc": lambda c: (
                c in self.keys.get("Postdocs", set())
                or Appointment.objects.filter(institution=inst, postdoc_no=c).exists()
            ),
        }
        references = {
            "DoctoralRights": [("discipline_code", "discipline")],
            "Stations": [("discipline_code", "discipline"), ("unit_code", "unit")],
            "Supervisors": [("unit_code", "unit"), ("station_code", "station")],
            "Postdocs": [
                ("station_code", "station"),
                ("supervisor_staff_no", "supervisor"),
                ("workstation_code", "station"),
            ],
            "Projects": [("postdoc_no", "postdoc")],
        }
        names = {
            "discipline": _("discipline"),
            "unit": _("unit"),
            "station": _("station"),
            "supervisor": _("supervisor"),
            "postdoc": _("postdoc"),
        }
        for sheet_name, refs in references.items():
            kept = []
            for row, data in self.parsed.get(sheet_name, []):
                ctx = _RowContext(sheets[sheet_name].title, row, self.report.problems)
                for column, kind in refs:
                    value = data.get(column)
                    if value and not known[kind](value):
                        ctx.problem(
                            column,
                            _("No %(kind)s %(code)s exists in this file or in the institution.")
                            % {"kind": names[kind], "code": value},
                        )
                if sheet_name == "Postdocs" and data["postdoc_no"]:
                    other = Appointment.objects.filter(postdoc_no=data["postdoc_no"]).exclude(institution=inst)
                    if other.exists():
                        ctx.problem("postdoc_no", _("This postdoc number is used by another institution."))
                if not ctx.failed:
                    kept.append((row, data))
            self.parsed[sheet_name] = kept

    # ---- writing ----------------------------------------------------------------------------

    def write(self, sheets: dict[str, Any]) -> None:
        writers: dict[str, Callable[[dict[str, Any]], str]] = {
            "Disciplines": self._write_discipline,
            "Units": self._write_unit,
            "DoctoralRights": self._write_right,
            "Stations": self._write_station,
            "Supervisors": self._write_supervisor,
            "Postdocs": self._write_postdoc,
            "Projects": self._write_project,
        }
        for spec in SHEETS:
            if spec.name not in self.parsed:
                continue
            for row, data in self.parsed[spec.name]:
                try:
                    with transaction.atomic():
                        outcome = writers[spec.name](data)
                except DomainError as error:
                    self._service_problem(spec, sheets[spec.name].title, row, error)
                    continue
                self.report.count(spec.name, outcome)
            if self.report.problems:
                return  # later sheets depend on this one; stop at the first sheet with problems

    def _service_problem(self, spec: SheetSpec, title: str, row: Row, error: DomainError) -> None:
        column = FIELD_COLUMNS.get(spec.name, {}).get(error.field or "", "")
        if not column and error.field in {c.key for c in spec.columns}:
            column = error.field or ""
        value = cell_text(row.values.get(column)) if column else ""
        self.report.problems.append(Problem(title, row.number, column, value, error.message))

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
                station_set_status(station=station, status=d["status"], note=self.note, by=self.by)
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
        if existing.status != d["status"]:
            station_set_status(station=existing, status=d["status"], note=self.note, by=self.by)
            changed = True
        return "changed" if changed else "unchanged"

    def _write_supervisor(self, d: dict[str, Any]) -> str:
        unit = Unit.objects.get(institution=self.institution, code=d["unit_code"])
        station = (
            Station.objects.get(institution=self.institution, code=d["station_code"]) if d["station_code"] else None
        )
        existing = Supervisor.objects.filter(institution=self.institution, staff_no=d["staff_no"]).first()
        if existing and (
            existing.name,
            existing.unit_id,
            existing.station_id,
            existing.title,
            existing.is_external,
        ) == (
            d["name"],
            unit.pk,
            station.pk if station else None,
            d["title"],
            d["external"],
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
            name_en=existing.name_en if existing else "",
            by=self.by,
        )
        return "changed" if existing else "new"

    def _person(self, d: dict[str, Any]) -> tuple[Person, bool]:
        person = Person.objects.filter(
            institution=self.institution, id_type=d["id_type"], id_number=d["id_number"]
        ).first()
        if person is not None:
            differs = [
                column
                for column, attr in (
                    ("name", "name"),
                    ("gender", "gender"),
                    ("birth_date", "birth_date"),
                    ("nationality", "nationality"),
                    ("phd_institution", "phd_institution"),
                    ("phd_date", "phd_date"),
                )
                if getattr(person, attr) != d[column]
            ]
            if differs:
                self._refuse_change(_("postdoc"), differs, differs[0])
            return person, False
        person = person_create(
            institution=self.institution,
            name=d["name"],
            gender=d["gender"],
            birth_date=d["birth_date"],
            id_type=d["id_type"],
            id_number=d["id_number"],
            nationality=d["nationality"],
            is_foreign=cell_text(d["nationality"]).casefold() not in DOMESTIC,
            phd_institution=d["phd_institution"],
            phd_date=d["phd_date"],
            by=self.by,
        )
        return person, True

    def _end(self, appointment: Appointment, d: dict[str, Any]) -> None:
        status, on = d["status"], d["exit_date"]
        if status == Appointment.Status.EXITED:
            appointment_exit(appointment=appointment, on=on, by=self.by, exception_reason=self.note)
        elif status == Appointment.Status.WITHDRAWN:
            appointment_withdraw(
                appointment=appointment, on=on, ground=Appointment.WithdrawalGround.OTHER, note=self.note, by=self.by
            )
        elif status == Appointment.Status.TRANSFERRED:
            appointment_transfer(
                appointment=appointment, on=on, to=_("(not given in the workbook)"), note=self.note, by=self.by
            )

    def _write_postdoc(self, d: dict[str, Any]) -> str:
        station = Station.objects.get(institution=self.institution, code=d["station_code"])
        supervisor = Supervisor.objects.get(institution=self.institution, staff_no=d["supervisor_staff_no"])
        workstation = (
            Station.objects.get(institution=self.institution, code=d["workstation_code"])
            if d["workstation_code"]
            else None
        )
        existing = Appointment.objects.filter(institution=self.institution, postdoc_no=d["postdoc_no"]).first()
        if existing is None:
            person, _new = self._person(d)
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
            )
            if d["status"] != "in_station" or d["entry_date"] <= timezone.localdate():
                appointment = appointment_enter(appointment=appointment, on=d["entry_date"], by=self.by)
            self._end(appointment, d)
            return "new"
        person, _new = self._person(d)
        if person.pk != existing.person_id:
            self._refuse_change(_("appointment"), ["id_number"], "id_number")
        differs = [
            column
            for column, now, wanted in (
                ("station_code", existing.station_id, station.pk),
                ("supervisor_staff_no", existing.primary_supervisor_id, supervisor.pk),
                ("workstation_code", existing.workstation_id, workstation.pk if workstation else None),
                ("route", existing.route, d["route"]),
                ("entry_date", existing.entry_date, d["entry_date"]),
                ("planned_exit_date", existing.planned_exit_date, d["planned_exit_date"] or existing.planned_exit_date),
            )
            if now != wanted
        ]
        current = "in_station" if existing.status in LIVE else existing.status
        if current != d["status"]:
            if current != "in_station":
                differs.append("status")
        elif existing.ended_on != d["exit_date"]:
            differs.append("exit_date")
        if differs:
            self._refuse_change(_("appointment"), differs, differs[0])
        if current != d["status"]:
            if existing.status == Appointment.Status.ADMITTED and d["status"] != Appointment.Status.WITHDRAWN:
                existing = appointment_enter(appointment=existing, on=existing.entry_date, by=self.by)
            self._end(existing, d)
            return "changed"
        return "unchanged"

    def _write_project(self, d: dict[str, Any]) -> str:
        holder = Appointment.objects.select_related("station").get(
            institution=self.institution, postdoc_no=d["postdoc_no"]
        )
        existing = Project.objects.filter(institution=self.institution, project_no=d["project_no"]).first()
        fields = ("title", "funder", "programme", "level", "amount", "awarded_on", "status")
        if existing is None:
            project_record(holder=holder, project_no=d["project_no"], by=self.by, **{f: d[f] for f in fields})
            return "new"
        if existing.holder_id == holder.pk and all(getattr(existing, f) == d[f] for f in fields):
            return "unchanged"
        if d["awarded_on"] < holder.entry_date:
            raise DomainError(_("The award date is before the holder entered the station."), field="awarded_on")
        for f in fields:
            setattr(existing, f, d[f])
        existing.holder = holder
        save_reference(instance=existing, by=self.by, note=self.note)
        return "changed"

    # ---- the whole ---------------------------------------------------------------------------

    def run(self) -> Report:
        if not (has_perm(self.by, Perm.MANAGE_REFERENCE) and self.by.institution_id == self.institution.pk):
            self.report.problems.append(
                Problem("", None, "", "", _("Only an office administrator of this institution can import a workbook."))
            )
            return self.report
        result = read_workbook(self.path)
        self.report.warnings += result.warnings
        self.report.problems += result.problems
        if self.report.problems:
            return self.report
        self.validate(result.sheets)
        if self.report.problems:
            return self.report
        try:
            with transaction.atomic():
                self.write(result.sheets)
                if self.report.problems or self.report.dry_run:
                    raise _Rollback
        except _Rollback:
            pass
        return self.report


def import_workbook(*, path: str | Path, institution: Institution, by: Any, dry_run: bool = False) -> Report:
    """Imports a workbook into an institution, all or nothing; the report says what happened."""
    return Importer(path=Path(path), institution=institution, by=by, dry_run=dry_run).run()
