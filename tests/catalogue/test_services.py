import datetime as dt

import pytest

from audit.models import AuditEvent
from catalogue.models import Unit
from catalogue.services import reference_save, unit_save
from core.errors import DomainError
from people.models import Person
from people.services import person_create, person_reveal_id
from stations.models import Station
from stations.services import station_create
from tests.factories import make_discipline, make_person, resident_id

pytestmark = pytest.mark.django_db


def test_a_mobile_station_needs_doctoral_rights_in_its_discipline(world):
    pharmacy = make_discipline("1007", "药学", world.admin)
    with pytest.raises(DomainError, match="needs doctoral degree-granting rights"):
        station_create(
            institution=world.institution,
            code="S1007",
            kind=Station.Kind.MOBILE,
            unit=world.station.unit,
            discipline=pharmacy,
            name_zh="药学博士后科研流动站",
            established_on=dt.date(2023, 11, 15),
            by=world.admin,
        )
    assert not Station.objects.filter(code="S1007").exists()


def test_a_discipline_has_one_live_mobile_station(world):
    with pytest.raises(DomainError, match="already has a mobile station"):
        station_create(
            institution=world.institution,
            code="S1002-B",
            kind=Station.Kind.MOBILE,
            unit=world.station.unit,
            discipline=world.station.discipline,
            name_zh="重复",
            established_on=dt.date(2023, 1, 1),
            by=world.admin,
        )


def test_only_administrators_change_reference_data_of_their_own_institution(world):
    with pytest.raises(DomainError, match="own institution"):
        unit_save(institution=world.institution, code="X", name_zh="x", kind="college", by=world.outsider)
    with pytest.raises(DomainError, match="own institution"):
        unit_save(institution=world.institution, code="X", name_zh="x", kind="college", by=world.secretary)
    assert not Unit.objects.filter(code="X").exists()


def test_reference_changes_are_validated_and_audited_with_before_and_after(world):
    unit = world.station.unit
    unit.name_zh = "临床医学院"
    reference_save(instance=unit, by=world.admin)
    event = AuditEvent.objects.filter(event="unit.changed", target_id=str(unit.pk)).get()
    assert ("name_zh", "学院S1002", "临床医学院") in event.changes
    unit.kind = "nonsense"
    with pytest.raises(DomainError, match="not a valid choice"):
        reference_save(instance=unit, by=world.admin)


def test_a_wrong_resident_id_is_refused_and_nothing_is_written(world):
    number = resident_id(dt.date(1993, 1, 2))
    wrong = number[:17] + ("1" if number[17] == "0" else "0")
    people = Person.objects.count()
    with pytest.raises(DomainError, match="check digit") as refusal:
        person_create(
            institution=world.institution,
            name="错号",
            gender="male",
            birth_date=dt.date(1993, 1, 2),
            id_type="resident_id",
            id_number=wrong,
            by=world.admin,
        )
    assert refusal.value.field == "id_number"
    assert Person.objects.count() == people


def test_the_audit_trail_never_holds_a_full_id_number(world):
    person = make_person(world.institution, world.admin)
    event = AuditEvent.objects.get(event="person.created", target_id=str(person.pk))
    assert person.id_number not in str(event.after)
    assert event.after["id_number"] == person.masked_id


def test_revealing_an_id_needs_the_permission_and_is_audited(world):
    person = world.appointment.person
    assert person_reveal_id(person=person, by=world.admin) == person.id_number
    assert AuditEvent.objects.filter(event="person.id_revealed", actor=world.admin).count() == 1
    for user in (world.secretary, world.supervisor_user, world.postdoc_user, world.leadership, world.outsider):
        with pytest.raises(DomainError, match="may not see full ID numbers"):
            person_reveal_id(person=person, by=user)
    assert AuditEvent.objects.filter(event="person.id_revealed").count() == 1
