"""Exporting an institution's records as the exchange workbook (English sheet and column names).

Written with openpyxl's write-only mode, row by row. ID numbers are masked unless the user may
reveal them, and an export with full IDs is audited. Text that a spreadsheet would take for a
formula (= + - @) is neutralised with a leading quote.
"""

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from accounts.access import Perm, has_perm, visible_appointments
from appointments.models import Appointment
from audit.services import record_event
from catalogue.models import Discipline, DoctoralRight, Institution, Unit
from core.errors import DomainError
from core.idnumbers import mask_id
from exchange.workbook import SHEET_BY_NAME, SHEETS
from funding.models import Project
from people.models import Supervisor
from stations.models import Station

FORMULA_STARTS = ("=", "+", "-", "@")


def neutralise(value: Any) -> Any:
    """A cell value that no spreadsheet will evaluate."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


def _rows(sheet: str, institution: Institution, user: Any, reveal: bool) -> Iterator[list[Any]]:
    appointments = visible_appointments(user).filter(institution=institution)
    if sheet == "Disciplines":
        used = DoctoralRight.objects.filter(institution=institution).values("discipline")
        station_disciplines = Station.objects.filter(institution=institution).values("discipline")
        for d in Discipline.objects.filter(Q(pk__in=used) | Q(pk__in=station_disciplines)).order_by("code"):
            yield [d.code, d.name_zh, d.name_en, d.code[:2]]
    elif sheet == "Units":
        for u in Unit.objects.filter(institution=institution).order_by("code"):
            yield [u.code, u.name_zh, u.kind]
    elif sheet == "DoctoralRights":
        for r in DoctoralRight.objects.filter(institution=institution).select_related("discipline"):
            yield [r.discipline.code, r.since]
    elif sheet == "Stations":
        for s in Station.objects.filter(institution=institution).select_related("discipline", "unit").order_by("code"):
            yield [
                s.code,
                s.kind,
                s.discipline.code if s.discipline else "",
                s.name_zh,
                s.unit.code,
                s.established_on,
                s.approval_no,
                s.status,
            ]
    elif sheet == "Supervisors":
        for v in (
            Supervisor.objects.filter(institution=institution).select_related("unit", "station").order_by("staff_no")
        ):
            yield [
                v.staff_no,
                v.name,
                v.unit.code,
                v.station.code if v.station else "",
                v.title,
                _yes_no(v.is_external),
            ]
    elif sheet == "Postdocs":
        query = appointments.select_related("person", "station", "workstation", "primary_supervisor").order_by(
            "entry_date", "postdoc_no"
        )
        for a in query.iterator(chunk_size=2000):
            p = a.person
            status = "in_station" if a.status not in Appointment.ENDED_STATUSES else a.status
            yield [
                a.postdoc_no,
                p.name,
                p.gender,
                p.birth_date,
                p.id_type,
                p.id_number if reveal else mask_id(p.id_number),
                p.nationality,
                p.phd_institution,
                p.phd_date,
                a.station.code,
                a.primary_supervisor.staff_no,
                a.workstation.code if a.workstation else "",
                a.route,
                a.entry_date,
                a.planned_exit_date,
                a.ended_on,
                status,
            ]
    elif sheet == "Projects":
        projects = Project.objects.filter(institution=institution, holder__in=appointments).select_related("holder")
        for j in projects.order_by("project_no").iterator(chunk_size=2000):
            yield [
                j.project_no,
                j.title,
                j.funder,
                j.programme,
                j.level,
                j.amount,
                j.awarded_on,
                j.holder.postdoc_no,
                j.status,
            ]


def _cell(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, (Decimal, dt.date)):
        return value
    return neutralise(value)


def export_workbook(*, path: str | Path, institution: Institution, user: Any) -> dict[str, int]:
    """Writes the institution's records the user may see; returns rows written per sheet."""
    may_export = has_perm(user, Perm.VIEW_INSTITUTION) or has_perm(user, Perm.MANAGE_APPOINTMENTS)
    if getattr(user, "institution_id", None) != institution.pk or not may_export:
        raise DomainError(_("You may not export this institution's records."))
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    reveal = has_perm(user, Perm.REVEAL_ID)
    workbook = Workbook(write_only=True)
    counts: dict[str, int] = {}
    for spec in SHEETS:
        worksheet = workbook.create_sheet(spec.name)
        worksheet.append([column.key for column in SHEET_BY_NAME[spec.name].columns])
        date_columns = {i for i, c in enumerate(spec.columns) if c.key.endswith(("date", "_on", "since"))}
        n = 0
        for row in _rows(spec.name, institution, user, reveal):
            cells: list[Any] = []
            for i, value in enumerate(row):
                cell = _cell(value)
                if i in date_columns and isinstance(cell, dt.date):
                    written = WriteOnlyCell(worksheet, value=cell)
                    written.number_format = "yyyy-mm-dd"
                    cells.append(written)
                else:
                    cells.append(cell)
            worksheet.append(cells)
            n += 1
        counts[spec.name] = n
    workbook.save(str(path))
    if reveal:
        record_event(
            actor=user,
            event="exchange.exported_with_ids",
            target=institution,
            institution=institution,
            note=_("Exported the exchange workbook with full ID numbers (%(n)s postdoc rows).")
            % {"n": counts.get("Postdocs", 0)},
        )
    return counts
