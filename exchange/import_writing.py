"""Writing the checked rows of each sheet of the exchange workbook through the domain services, one
record at a time (`SheetWriting._write_<sheet>`); a service's refusal becomes a problem of its row."""

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from appointments.models import Appointment
from appointments.services import (
    appointment_admit,
    appointment_correct,
    appointment_enter,
    appointment_exit,
    appointment_transfer,
    appointment_withdraw,
)
from catalogue.models import Discipline, DoctoralRight, Unit
from catalogue.services import discipline_save, doctoral_right_grant, reference_save, unit_save
from core.bulk import new_record
from core.errors import DomainError
from core.sheets.cells import Problem, cell_text
from core.sheets.specs import SheetSpec
from exchange.import_rows import ImportBase
from exchange.layout import REQUIRED_UNLESS
from exchange.workbook import Row
from funding.models import Project
from funding.services import (
    APPLICATION_STATUSES,
    applications_record,
    project_award,
    project_complete,
    project_record,
    project_reject,
    project_terminate,
    project_update,
)
from outputs.models import Output
from outputs.services import FIELDS as OUTPUT_FIELDS
from outputs.services import output_changes, output_update
from people.models import Person, Supervisor
from people.services import person_create, person_update, supervisor_save
from reviews.models import Expert
from reviews.services import expert_save
from stations.models import Station
from stations.services import station_create, station_set_status

LIVE = (Appointment.Status.ADMITTED, Appointment.Status.IN_STATION, Appointment.Status.EXTENDED)

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


class SheetWriting(ImportBase):
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
            reference_save(instance=existing, by=self.by, note=self.note)
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
