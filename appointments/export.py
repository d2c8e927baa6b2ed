"""The Postdocs sheet of the exchange workbook (its columns and its rows), and the postdoc list's
export, to which apps above this one add their sheets (funding's Projects) in their `AppConfig.ready()`."""

from collections.abc import Callable, Iterator

from django.db.models import OuterRef, QuerySet, StringAgg, Subquery, Value

from appointments.models import Appointment, PolicyException
from appointments.sheet_columns import POSTDOCS_SHEET
from core.idnumbers import mask_id
from core.sheets.writers import CHUNK_SIZE, Row, Sheet


def postdoc_rows(appointments: QuerySet[Appointment], *, reveal: bool) -> Iterator[Row]:
    """Appointments as Postdocs rows; the ID number in full, and the birth date, only when `reveal`."""
    reasons = (
        PolicyException.objects.filter(appointment=OuterRef("pk"))
        .values("appointment")
        .annotate(joined=StringAgg("reason", delimiter=Value("\n")))
        .values("joined")
    )
    query = appointments.select_related("person", "station", "workstation", "primary_supervisor").annotate(
        exception_reasons=Subquery(reasons)
    )
    for a in query.iterator(chunk_size=CHUNK_SIZE):
        p = a.person
        yield {
            "postdoc_no": a.postdoc_no,
            "name": p.name,
            "gender": p.gender,
            # A masked ID with the birth date beside it narrows a person to a few hundred candidates
            # (docs/decisions/0052): the birth date goes only with the full number.
            "birth_date": p.birth_date if reveal else None,
            "id_type": p.id_type,
            "id_number": p.id_number if reveal else mask_id(p.id_number),
            "nationality": p.nationality,
            "phd_institution": p.phd_institution,
            "phd_date": p.phd_date,
            "station_code": a.station.code,
            "supervisor_staff_no": a.primary_supervisor.staff_no,
            "workstation_code": a.workstation.code if a.workstation else "",
            "route": a.route,
            "entry_date": a.entry_date,
            "planned_exit_date": a.planned_exit_date,
            "exit_date": a.ended_on,
            "status": a.status if a.status in Appointment.ENDED_STATUSES else "in_station",
            # The reasons given for the policy exceptions of this appointment, so that an import
            # records them again (docs/decisions/0032).
            "exception_reason": "; ".join(r for r in dict.fromkeys((a.exception_reasons or "").split("\n")) if r),
        }


# ---------------------------------------------------------------------------------------------
# The postdoc list's export: the Postdocs sheet, then the sheets the apps above add

ListSheet = Callable[[QuerySet[Appointment]], Sheet]
_list_sheets: list[ListSheet] = []


def register_list_sheet(sheet: ListSheet) -> None:
    if sheet not in _list_sheets:
        _list_sheets.append(sheet)


def postdoc_list_sheets(appointments: QuerySet[Appointment], *, reveal: bool) -> list[Sheet]:
    postdocs = Sheet(POSTDOCS_SHEET.name, postdoc_rows(appointments, reveal=reveal), POSTDOCS_SHEET)
    return [postdocs, *(sheet(appointments) for sheet in _list_sheets)]
