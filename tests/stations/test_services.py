"""The station services: who may create, correct and change the status of a station, the rules of
a revocation, and the one audit event each leaves."""

import datetime as dt

import pytest
from django.utils import timezone

from appointments.models import Appointment
from appointments.selectors import postdocs_in_station_on
from appointments.services import appointment_exit, assessment_record
from audit.models import AuditEvent
from catalogue.models import Unit
from catalogue.services import unit_save
from core.errors import DomainError
from stations.models import Station
from stations.services import (
    station_create,
    station_set_status,
    station_update,
)
from tests.clients import PERSONAS
from tests.factories import make_appointment
from tests.stations.conftest import make_workstation

NOT_ADMINS = [p for p in PERSONAS if p != "admin"]


def events(station: Station, event: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(event=event, target_id=str(station.pk)).order_by("pk"))


def test_an_administrator_sets_up_a_workstation_audited(world):
    station = make_workstation(world)
    assert station.kind == Station.Kind.WORKSTATION and station.status == Station.Status.ACTIVE
    assert len(events(station, "station.created")) == 1


@pytest.mark.parametrize("persona", NOT_ADMINS)
def test_only_an_administrator_of_the_institution_sets_up_a_station(world, persona):
    with pytest.raises(DomainError):
        station_create(
            institution=world.institution,
            code="W9",
            kind=Station.Kind.INNOVATION_BASE,
            unit=world.station.unit,
            name_zh="创新实践基地",
            established_on=dt.date(2020, 1, 1),
            by=world.personas()[persona],
        )
    assert not Station.objects.filter(code="W9").exists()


def test_a_correction_records_before_and_after(world):
    unit = unit_save(institution=world.institution, code="C2", name_zh="第二学院", kind="college", by=world.admin)
    station = station_update(
        station=world.station,
        name_zh="新名称",
        name_en="New name",
        unit=unit,
        approval_no="人社部发〔2005〕1号",
        note="批文更正",
        by=world.admin,
    )
    assert (station.name_zh, station.unit, station.approval_no) == ("新名称", unit, "人社部发〔2005〕1号")
    [event] = events(station, "station.changed")
    assert event.before["name_zh"] != "新名称" and event.after["name_zh"] == "新名称"
    assert event.note == "批文更正"


def test_a_correction_that_changes_nothing_writes_nothing(world):
    before = AuditEvent.objects.count()
    station = world.station
    station_update(station=station, name_zh=station.name_zh, unit=station.unit, by=world.admin)
    assert AuditEvent.objects.count() == before


@pytest.mark.parametrize("persona", NOT_ADMINS)
def test_only_an_administrator_of_the_institution_corrects_a_station(world, persona):
    with pytest.raises(DomainError, match="Only an office administrator of this institution"):
        station_update(station=world.station, name_zh="改名", unit=world.station.unit, by=world.personas()[persona])
    assert Station.objects.get(pk=world.station.pk).name_zh != "改名"


def test_a_unit_of_another_institution_is_refused(world):
    other_unit = Unit.objects.exclude(institution=world.institution).first()
    with pytest.raises(DomainError) as refused:
        station_update(station=world.station, name_zh="名称", unit=other_unit, by=world.admin)
    assert refused.value.field == "unit"


def test_an_over_long_name_is_refused_on_its_field(world):
    with pytest.raises(DomainError) as refused:
        station_update(station=world.station, name_zh="长" * 201, unit=world.station.unit, by=world.admin)
    assert refused.value.field == "name_zh"


def test_a_warning_is_recorded_with_its_reason(world):
    station = station_set_status(station=world.station, status="warned", note="评估不合格，限期整改", by=world.admin)
    assert station.status == Station.Status.WARNED
    [event] = events(station, "station.status_changed")
    assert event.note == "评估不合格，限期整改" and event.after["status"] == "warned"


def test_a_revocation_keeps_its_date_and_document_number(world):
    station = station_set_status(
        station=world.station,
        status="revoked",
        on=dt.date(2025, 1, 10),
        revocation_no="人社部函〔2025〕9号",
        note="撤销",
        by=world.admin,
    )
    assert (station.revoked_on, station.revocation_no) == (dt.date(2025, 1, 10), "人社部函〔2025〕9号")
    assert events(station, "station.status_changed")[-1].after["revocation_no"] == "人社部函〔2025〕9号"


@pytest.mark.parametrize(
    ("on", "message"),
    [
        (None, "A revocation needs its date."),
        (dt.date(2004, 12, 31), r"cannot be revoked before it was established \(2005-01-01\)"),
        ("tomorrow", "its date cannot be in the future"),
    ],
)
def test_a_revocation_date_is_between_the_establishment_and_today(world, on, message):
    if on == "tomorrow":
        on = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(DomainError, match=message) as refused:
        station_set_status(station=world.station, status="revoked", on=on, note="撤销", by=world.admin)
    assert refused.value.field == "on"
    assert Station.objects.get(pk=world.station.pk).status == Station.Status.ACTIVE


def test_a_station_with_postdocs_in_station_is_revoked_and_they_stay(world):
    """The national rule: the revoked station's postdocs finish their stay or transfer."""
    on = timezone.localdate()
    assert list(postdocs_in_station_on(world.station, on)) == [world.appointment]
    station_set_status(station=world.station, status="revoked", on=on, revocation_no="X", note="撤销", by=world.admin)
    assert Appointment.objects.get(pk=world.appointment.pk).status == Appointment.Status.IN_STATION


def test_postdocs_in_station_on_a_date_leave_out_those_not_yet_entered_or_already_gone(world):
    later = make_appointment(world.station, world.supervisor, world.admin, entry_date=dt.date(2023, 1, 2))
    assessment_record(appointment=later, kind="exit", held_on=dt.date(2025, 12, 1), grade="good", by=world.admin)
    appointment_exit(appointment=later, on=dt.date(2025, 12, 10), by=world.admin)
    assert set(postdocs_in_station_on(world.station, dt.date(2025, 7, 1))) == {world.appointment, later}
    assert set(postdocs_in_station_on(world.station, dt.date(2025, 12, 10))) == {world.appointment}
    assert set(postdocs_in_station_on(world.station, dt.date(2024, 2, 1))) == {later}  # before the other's entry
    assert set(postdocs_in_station_on(world.station, dt.date(2023, 1, 1))) == set()


def test_a_reinstatement_clears_the_revocation_and_history_keeps_it(world):
    station_set_status(
        station=world.station, status="revoked", on=dt.date(2025, 1, 1), revocation_no="N1", note="撤销", by=world.admin
    )
    station = station_set_status(station=world.station, status="active", note="误录，恢复", by=world.admin)
    assert (station.status, station.revoked_on, station.revocation_no) == ("active", None, "")
    revoked, reinstated = events(station, "station.status_changed")
    assert reinstated.before["revocation_no"] == "N1" and reinstated.after["status"] == "active"


def test_a_revoked_station_is_not_warned(world):
    station_set_status(station=world.station, status="revoked", on=dt.date(2025, 1, 1), note="撤销", by=world.admin)
    with pytest.raises(DomainError, match="reinstate it first"):
        station_set_status(station=world.station, status="warned", note="整改", by=world.admin)


def test_a_status_the_station_already_has_is_refused(world):
    with pytest.raises(DomainError, match="is already active"):
        station_set_status(station=world.station, status="active", note="无", by=world.admin)


def test_a_revocation_date_may_be_corrected(world):
    station_set_status(station=world.station, status="revoked", on=dt.date(2025, 1, 1), note="撤销", by=world.admin)
    station = station_set_status(
        station=world.station, status="revoked", on=dt.date(2025, 2, 1), revocation_no="N2", note="更正", by=world.admin
    )
    assert (station.revoked_on, station.revocation_no) == (dt.date(2025, 2, 1), "N2")
    with pytest.raises(DomainError, match="already revoked on that date"):
        station_set_status(
            station=world.station,
            status="revoked",
            on=dt.date(2025, 2, 1),
            revocation_no="N2",
            note="x",
            by=world.admin,
        )


def test_a_mobile_station_is_not_reinstated_beside_a_newer_one_of_its_discipline(world):
    station_set_status(station=world.station, status="revoked", on=dt.date(2020, 1, 1), note="撤销", by=world.admin)
    station_create(
        institution=world.institution,
        code="S1002B",
        kind="mobile",
        unit=world.station.unit,
        discipline=world.station.discipline,
        name_zh="新站",
        established_on=dt.date(2021, 1, 1),
        by=world.admin,
    )
    with pytest.raises(DomainError, match="cannot be reinstated"):
        station_set_status(station=world.station, status="active", note="恢复", by=world.admin)


@pytest.mark.parametrize("persona", NOT_ADMINS)
def test_only_an_administrator_of_the_institution_changes_the_status(world, persona):
    with pytest.raises(DomainError):
        station_set_status(station=world.station, status="warned", note="整改", by=world.personas()[persona])
    assert Station.objects.get(pk=world.station.pk).status == Station.Status.ACTIVE


def test_a_note_is_required(world):
    with pytest.raises(DomainError) as refused:
        station_set_status(station=world.station, status="warned", note="  ", by=world.admin)
    assert refused.value.field == "note"
