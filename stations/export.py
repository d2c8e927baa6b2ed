"""The exchange workbook's Stations sheet: its columns and rows, for the list page's export and the
whole-institution workbook."""

from collections.abc import Iterator

from django.db.models import QuerySet

from core.sheets import writers
from core.sheets.specs import Column, SheetSpec
from stations.models import Station

# ---- the Stations sheet of the exchange workbook --------------------------------------------------

STATIONS_SHEET = SheetSpec(
    "Stations",
    "博士后站",
    "code",
    (
        Column("code", "站点编号", True),
        Column("kind", "类型", True),
        Column("discipline_code", "学科代码"),
        Column("name", "名称", True),
        Column("unit_code", "依托单位代码", True),
        Column("established_on", "设站时间", True),
        Column("approval_no", "批准文号"),
        Column("status", "状态"),
        Column("revoked_on", "撤销时间"),
    ),
)


def station_rows(stations: QuerySet[Station]) -> Iterator[writers.Row]:
    for s in stations.select_related("discipline", "unit").iterator(chunk_size=writers.CHUNK_SIZE):
        yield {
            "code": s.code,
            "kind": s.kind,
            "discipline_code": s.discipline.code if s.discipline else "",
            "name": s.name_zh,
            "unit_code": s.unit.code,
            "established_on": s.established_on,
            "approval_no": s.approval_no,
            "status": s.status,
            "revoked_on": s.revoked_on,
        }


def stations_sheet(stations: QuerySet[Station]) -> writers.Sheet:
    return writers.Sheet("Stations", station_rows(stations), STATIONS_SHEET)
