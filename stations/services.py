import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import Perm, has_perm
from accounts.actors import Actor
from audit.events import Event
from audit.services import record_event, snapshot
from catalogue.models import Discipline, DoctoralRight, Institution, Unit
from catalogue.services import reference_save, validation_message
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
    by: Actor,
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
    return reference_save(instance=station, by=by)


def _check_may_manage_station(by: Actor, station: Station) -> None:
    """Stations are the office's reference data: its administrators, of its own institution."""
    if not getattr(by, "is_superuser", False) and not (
        has_perm(by, Perm.MANAGE_REFERENCE) and getattr(by, "institution_id", None) == station.institution_id
    ):
        raise DomainError(_("Only an office administrator of this institution may change its stations."))


@transaction.atomic
def station_update(
    *, station: Station, name_zh: str, unit: Unit, name_en: str = "", approval_no: str = "", note: str = "", by: Actor
) -> Station:
    """Corrects a station's names, managing unit and approval number (批准文号). Its code, kind,
    discipline and establishment date are what the state approved: they are not edited here."""
    _check_may_manage_station(by, station)
    if not name_zh.strip():
        raise DomainError(_("A station needs its Chinese name."), field="name_zh")
    if unit.institution_id != station.institution_id:
        raise DomainError(_("The managing unit belongs to another institution."), field="unit")
    station = Station.objects.select_for_update().get(pk=station.pk)
    before = snapshot(station)
    station.name_zh, station.name_en = name_zh.strip(), name_en.strip()
    station.unit, station.approval_no = unit, approval_no.strip()
    try:
        station.full_clean()
    except ValidationError as error:
        message, field = validation_message(error)
        raise DomainError(message, field=field) from error
    after = snapshot(station)
    if after == before:
        return station
    station.save(update_fields=["name_zh", "name_en", "unit", "approval_no"])
    record_event(
        actor=by,
        event=Event.STATION_CHANGED,
        target=station,
        before=before,
        after=after,
        institution=station.institution,
        note=note.strip(),
    )
    return station


def check_revocation(*, station: Station, on: dt.date | None, revocation_no: str = "") -> dt.date:
    """The revocation's own rules, which the page checks before it asks for confirmation: a date,
    between the station's establishment and today, and a document number that fits."""
    if on is None:
        raise DomainError(_("A revocation needs its date."), field="on")
    if on < station.established_on:
        raise DomainError(
            _("A station cannot be revoked before it was established (%(date)s).")
            % {"date": station.established_on.isoformat()},
            field="on",
        )
    if on > timezone.localdate():
        raise DomainError(
            _("A revocation is recorded once it has happened: its date cannot be in the future."), field="on"
        )
    if len(revocation_no.strip()) > REVOCATION_NO_MAX:
        raise DomainError(
            _("The document number is at most %(n)s characters.") % {"n": REVOCATION_NO_MAX}, field="revocation_no"
        )
    return on


REVOCATION_NO_MAX = 100


@transaction.atomic
def station_set_status(
    *,
    station: Station,
    status: str,
    on: dt.date | None = None,
    revocation_no: str = "",
    note: str,
    by: Actor,
) -> Station:
    """Marks a station active, warned (整改) or revoked (撤销). A revocation needs its date, between the
    station's establishment and today, and may carry the document that revoked it.

    A station with postdocs in station on the revocation date is still revoked: the national rule is
    that a revoked station admits no one more while its postdocs finish their stay or transfer
    (facts.md §1.9, 2008 评估办法), so refusing would only keep the record untrue. The page shows how
    many stay before it is confirmed.

    Reinstating a revoked station corrects a revocation recorded in error (its date and document
    stay in the audit trail): a station the state revoked is set up again only by a new application."""
    _check_may_manage_station(by, station)
    if status not in Station.Status.values:
        raise DomainError(_("Choose a status."), field="status")
    if not note.strip():
        raise DomainError(_("Say why the status changes."), field="note")
    station = Station.objects.select_for_update().get(pk=station.pk)
    revocation_no = revocation_no.strip()
    if status == Station.Status.REVOKED:
        check_revocation(station=station, on=on, revocation_no=revocation_no)
        if station.status == Station.Status.REVOKED and (station.revoked_on, station.revocation_no) == (
            on,
            revocation_no,
        ):
            raise DomainError(_("%(station)s is already revoked on that date.") % {"station": station}, field="status")
    elif station.status == status:
        raise DomainError(
            _("%(station)s is already %(status)s.") % {"station": station, "status": station.get_status_display()},
            field="status",
        )
    elif status == Station.Status.WARNED and station.status == Station.Status.REVOKED:
        raise DomainError(
            _("A revoked station is not warned: reinstate it first if its revocation was recorded in error."),
            field="status",
        )
    if (
        station.status == Station.Status.REVOKED
        and station.kind == Station.Kind.MOBILE
        and Station.objects.filter(
            institution_id=station.institution_id, discipline=station.discipline, kind=station.kind
        )
        .exclude(status=Station.Status.REVOKED)
        .exists()
    ):
        raise DomainError(
            _("%(discipline)s has another mobile station since; this one cannot be reinstated.")
            % {"discipline": station.discipline},
            field="status",
        )
    before = snapshot(station)
    station.status = status
    revoked = status == Station.Status.REVOKED
    station.revoked_on = on if revoked else None
    station.revocation_no = revocation_no if revoked else ""
    station.save(update_fields=["status", "revoked_on", "revocation_no"])
    record_event(
        actor=by,
        event=Event.STATION_STATUS_CHANGED,
        target=station,
        before=before,
        after=snapshot(station),
        institution=station.institution,
        note=note.strip(),
    )
    return station
