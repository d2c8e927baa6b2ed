import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from audit.services import record_event, snapshot
from catalogue.models import Discipline, DoctoralRight, Institution, Unit
from catalogue.services import _check_may_change, save_reference
from core.errors import DomainError
from stations.models import Station


def station_create(
    *,
    institution: Institution,
    code: str,
    kind: str,
    unit: Unit,
    name_zh: str,
    established_on: dt.date,
    discipline: Discipline | None = None,
    name_en: str = "",
    approval_no: str = "",
    by: Any,
) -> Station:
    """Sets up a station. A mobile station needs doctoral rights in its discipline (2006 规定 Art. 3)."""
    if kind == Station.Kind.MOBILE:
        if discipline is None:
            raise DomainError(_("A mobile station needs a first-level discipline."), field="discipline")
        if not DoctoralRight.objects.filter(
            institution=institution, discipline=discipline, since__lte=established_on
        ).exists():
            raise DomainError(
                _("A mobile station needs doctoral degree-granting rights in %(discipline)s on its establishment date.")
                % {"discipline": discipline},
                field="discipline",
            )
        if (
            Station.objects.filter(institution=institution, discipline=discipline, kind=kind)
            .exclude(status=Station.Status.REVOKED)
            .exists()
        ):
            raise DomainError(
                _("%(discipline)s already has a mobile station.") % {"discipline": discipline}, field="discipline"
            )
    if unit.institution_id != institution.pk:
        raise DomainError(_("The managing unit belongs to another institution."), field="unit")
    station = Station(
        institution=institution,
        code=code.strip(),
        kind=kind,
        unit=unit,
        discipline=discipline,
        name_zh=name_zh,
        name_en=name_en,
        established_on=established_on,
        approval_no=approval_no,
    )
    return save_reference(instance=station, by=by)  # type: ignore[return-value]


@transaction.atomic
def station_set_status(*, station: Station, status: str, on: dt.date | None = None, note: str, by: Any) -> Station:
    """Marks a station active, warned (整改) or revoked (撤销); a revocation needs its date."""
    _check_may_change(by, station)
    if status not in Station.Status.values:
        raise DomainError(_("Choose a status."), field="status")
    if not note.strip():
        raise DomainError(_("Say why the status changes."), field="note")
    if status == Station.Status.REVOKED and on is None:
        raise DomainError(_("A revocation needs its date."), field="on")
    station = Station.objects.select_for_update().get(pk=station.pk)
    before = snapshot(station)
    station.status = status
    station.revoked_on = on if status == Station.Status.REVOKED else None
    station.save(update_fields=["status", "revoked_on"])
    record_event(
        actor=by,
        event="station.status_changed",
        target=station,
        before=before,
        after=snapshot(station),
        institution=station.institution,
        note=note,
    )
    return station
