"""The Supervisors sheet of the exchange workbook: its columns and its rows (the supervisor list's
export and the whole-institution workbook)."""

from collections.abc import Iterator

from django.db.models import QuerySet

from core.sheets.writers import CHUNK_SIZE, Row
from people.models import Supervisor


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


def supervisor_rows(supervisors: QuerySet[Supervisor]) -> Iterator[Row]:
    for v in supervisors.select_related("unit", "station").iterator(chunk_size=CHUNK_SIZE):
        yield {
            "staff_no": v.staff_no,
            "name": v.name,
            "unit_code": v.unit.code,
            "station_code": v.station.code if v.station else "",
            "title": v.title,
            "external": _yes_no(v.is_external),
            "doctoral_supervisor": _yes_no(v.is_doctoral_supervisor),
        }
