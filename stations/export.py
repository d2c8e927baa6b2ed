"""The exchange workbook's Stations sheet: its columns and rows, for the list page's export and the
whole-institution workbook."""

from collections.abc import Iterator

from django.db.models import QuerySet

from core.sheets import writers
from stations.models import Station
from stations.sheet_columns import STATIONS_SHEET

# ---- the Stations sheet of the exchange workbook --------------------------------------------------


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
