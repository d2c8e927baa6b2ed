"""The API's types for stations (their evaluations': establishment.evaluation_schemas)."""

import datetime as dt
from typing import Any

from ninja import Schema

from stations.models import Station


class StationOut(Schema):
    id: int
    code: str
    kind: str
    status: str
    name_zh: str
    name_en: str
    discipline: str | None
    unit: str
    established_on: dt.date
    revoked_on: dt.date | None


def station_out(st: Station) -> dict[str, Any]:
    return {
        "id": st.pk,
        "code": st.code,
        "kind": st.kind,
        "status": st.status,
        "name_zh": st.name_zh,
        "name_en": st.name_en,
        "discipline": st.discipline.code if st.discipline else None,
        "unit": st.unit.code,
        "established_on": st.established_on,
        "revoked_on": st.revoked_on,
    }
