"""The Supervisors sheet of the exchange workbook: its columns and its rows (the supervisor list's
export and the whole-institution workbook)."""

from collections.abc import Iterator

from django.db.models import QuerySet

from core.sheets.specs import Column, SheetSpec
from core.sheets.writers import CHUNK_SIZE, Row
from people.models import Supervisor

SUPERVISORS_SHEET = SheetSpec(
    "Supervisors",
    "合作导师",
    "staff_no",
    (
        Column("staff_no", "工号", True),
        Column("name", "姓名", True),
        Column("unit_code", "单位代码", True),
        Column("station_code", "站点编号"),
        Column("title", "职称"),
        Column("external", "校外"),
        # Not in the spec's table: whether the supervisor is a doctoral supervisor (博导), which
        # the review engine's panel rules ask about (docs/decisions/0033).
        Column("doctoral_supervisor", "博导"),
    ),
)


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
