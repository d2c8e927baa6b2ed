"""The stations' coverage of the institution's first-level doctoral disciplines ("8 of 8"): the
dashboard's figure and the station list's, computed from the catalogue and the stations."""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q

from catalogue.models import Discipline, DoctoralRight
from stations.models import Station


@dataclass(frozen=True)
class Coverage:
    with_station: int
    doctoral_disciplines: int
    missing: list[str] = field(default_factory=list)  # codes, sorted


def coverage(institution_id: int, as_of: dt.date) -> Coverage:
    """First-level doctoral disciplines with a live mobile station, over all doctoral disciplines."""
    rights = DoctoralRight.objects.filter(institution_id=institution_id, since__lte=as_of).filter(
        Q(until__isnull=True) | Q(until__gt=as_of)
    )
    doctoral = set(rights.values_list("discipline__code", flat=True))
    stations = Station.objects.filter(
        institution_id=institution_id, kind=Station.Kind.MOBILE, established_on__lte=as_of
    ).filter(Q(revoked_on__isnull=True) | Q(revoked_on__gt=as_of))
    covered = set(stations.values_list("discipline__code", flat=True)) & doctoral
    return Coverage(with_station=len(covered), doctoral_disciplines=len(doctoral), missing=sorted(doctoral - covered))


def coverage_context(institution_id: int, as_of: dt.date, cover: dict[str, Any] | None = None) -> dict[str, Any]:
    """Coverage "8 of 8" with the missing disciplines as records (named in the page's language)."""
    if cover is None:
        found = coverage(institution_id, as_of)
        cover = {"with_station": found.with_station, "doctoral_disciplines": found.doctoral_disciplines}
        cover["missing"] = found.missing
    missing = list(Discipline.objects.filter(code__in=cover["missing"])) if cover["missing"] else []
    total = cover["doctoral_disciplines"]
    return {
        "with_station": cover["with_station"],
        "doctoral_disciplines": total,
        "percent": round(100 * cover["with_station"] / total) if total else 0,
        "missing": missing,
    }
