"""Checking the rows of each sheet of the exchange workbook: a row's cells read into the values
the services take, every problem named with its cell (`SheetParsing._parse_<sheet>`)."""

import re
import unicodedata
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from appointments.models import Appointment
from core.errors import DomainError
from core.idnumbers import resident_id_problem
from core.sheets.cells import normalise, rounded_by_excel
from exchange.import_rows import ImportBase, RowContext
from exchange.layout import parse_enum
from funding.models import Project
from funding.services import APPLICATION_STATUSES
from outputs import identifiers
from people.models import Person
from reviews.models import Expert, Rank
from stations.models import Station

DOMESTIC = {"", "中国", "china", "cn", "chn", "中华人民共和国", "prc"}
RANKS = {"full": Rank.FULL, "associate": Rank.ASSOCIATE, "intermediate": Rank.INTERMEDIATE}
AUTHOR_SEPARATORS = re.compile(r"[;；\n]+")


class SheetParsing(ImportBase):
    # ---- reading and checking rows ----------------------------------------------------------

    def _parse_discipline(self, ctx: RowContext) -> dict[str, Any]:
        code = ctx.code("code", 4, True)
        if code and not re.fullmatch(r"[0-9]{4}", code):
            ctx.problem("code", _("A discipline code has four digits, such as 0710."))
        category = ctx.code("category", 2)
        if category and code and not code.startswith(category):
            ctx.problem(
                "category", _("The category must be the first two digits of the code (%(c)s).") % {"c": code[:2]}
            )
        return {"code": code, "name_zh": ctx.text("name_zh", True), "name_en": ctx.text("name_en")}

    def _parse_unit(self, ctx: RowContext) -> dict[str, Any]:
        return {
            "code": ctx.code("code", 0, True),
            "name": ctx.text("name", True),
            "kind": ctx.enum("kind", "unit_kind", True),
        }

    def _parse_right(self, ctx: RowContext) -> dict[str, Any]:
        return {"discipline_code": ctx.code("discipline_code", 4, True), "since": ctx.date("since", True)}

    def _parse_station(self, ctx: RowContext) -> dict[str, Any]:
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

    def _parse_supervisor(self, ctx: RowContext) -> dict[str, Any]:
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

    def _parse_expert(self, ctx: RowContext) -> dict[str, Any]:
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

    def _parse_postdoc(self, ctx: RowContext) -> dict[str, Any]:
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

    def _supervisor_by_name(self, ctx: RowContext, data: dict[str, Any]) -> None:
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

    def _parse_project(self, ctx: RowContext) -> dict[str, Any]:
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

    def _check_project_dates(self, ctx: RowContext, d: dict[str, Any]) -> None:
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

    def _level_from_mapping(self, ctx: RowContext, funder_text: str, programme_text: str) -> None:
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

    def _parse_output(self, ctx: RowContext) -> dict[str, Any]:
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
