"""The people services: supervisors added, changed, moved, deactivated, deleted and linked to a
login; a postdoc's ID number corrected. Each checks who acts, refuses with a sentence naming the
field, and leaves one audit event."""

import datetime as dt

import pytest

from accounts.models import Role, User
from audit.models import AuditEvent
from core.errors import DomainError
from people.models import Person, Supervisor
from people.services import (
    person_correct_id,
    person_update,
    supervisor_create,
    supervisor_delete,
    supervisor_has_records,
    supervisor_link_login,
    supervisor_move,
    supervisor_set_active,
    supervisor_update,
)
from tests.factories import World, resident_id


def _events(event: str, target: object) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(event=event, target_id=str(target.pk)))  # type: ignore[attr-defined]


def _new(world: World, by: User, **kwargs: object) -> Supervisor:
    values: dict[str, object] = {
        "institution": world.institution,
        "staff_no": "N001",
        "name": "单雄信",
        "unit": world.station.unit,
        "station": world.station,
    }
    values.update(kwargs)
    return supervisor_create(by=by, **values)  # type: ignore[arg-type]


# ---- supervisors ------------------------------------------------------------------------------


def test_an_administrator_adds_a_supervisor_with_its_pinyin_key_and_an_event(world: World) -> None:
    supervisor = _new(world, world.admin, title="教授", is_doctoral_supervisor=True)
    assert supervisor.name_sort == "shan xiong xin"
    assert supervisor.is_active and supervisor.is_doctoral_supervisor
    assert len(_events("supervisor.created", supervisor)) == 1


def test_a_secretary_adds_a_supervisor_to_their_own_station_only(world: World) -> None:
    assert _new(world, world.secretary).station == world.station
    with pytest.raises(DomainError) as refused:
        _new(world, world.secretary, staff_no="N002", station=world.other_station)
    assert refused.value.field == "station"
    with pytest.raises(DomainError):
        _new(world, world.secretary, staff_no="N003", station=None)


@pytest.mark.parametrize("persona", ["supervisor", "postdoc", "leadership", "outsider"])
def test_others_may_not_add_supervisors(world: World, persona: str) -> None:
    with pytest.raises(DomainError):
        _new(world, world.personas()[persona])
    assert not Supervisor.objects.filter(staff_no="N001").exists()


def test_a_taken_staff_number_is_refused_naming_the_field(world: World) -> None:
    with pytest.raises(DomainError) as refused:
        _new(world, world.admin, staff_no=world.supervisor.staff_no)
    assert refused.value.field == "staff_no"


def test_an_overlong_name_is_refused_naming_the_field(world: World) -> None:
    with pytest.raises(DomainError) as refused:
        _new(world, world.admin, name="长" * 101)
    assert refused.value.field == "name"


def test_an_update_records_before_and_after_and_refreshes_the_sort_key(world: World) -> None:
    supervisor = supervisor_update(supervisor=world.supervisor, by=world.secretary, name="曾国藩", title="研究员")
    assert supervisor.name_sort == "zeng guo fan"
    assert Supervisor.objects.get(pk=supervisor.pk).name_sort == "zeng guo fan"
    (event,) = _events("supervisor.changed", supervisor)
    assert event.before["name"] == "李导师" and event.after["name"] == "曾国藩"


def test_an_update_cannot_move_a_supervisor(world: World) -> None:
    with pytest.raises(DomainError):
        supervisor_update(supervisor=world.supervisor, by=world.admin, station=world.other_station)


def test_a_secretary_may_not_change_another_stations_supervisor(world: World) -> None:
    with pytest.raises(DomainError):
        supervisor_update(supervisor=world.other_supervisor, by=world.secretary, title="x")


def test_a_move_needs_a_note_and_is_audited(world: World) -> None:
    with pytest.raises(DomainError) as refused:
        supervisor_move(
            supervisor=world.supervisor,
            station=world.other_station,
            unit=world.other_station.unit,
            note=" ",
            by=world.admin,
        )
    assert refused.value.field == "note"
    moved = supervisor_move(
        supervisor=world.supervisor,
        station=world.other_station,
        unit=world.other_station.unit,
        note="调入化学学科",
        by=world.admin,
    )
    assert moved.station == world.other_station
    (event,) = _events("supervisor.moved", moved)
    assert event.before == {"station": world.station.pk, "unit": world.station.unit_id}
    assert event.note == "调入化学学科"
    # The appointments stay in their station.
    world.appointment.refresh_from_db()
    assert world.appointment.station == world.station


def test_a_secretary_may_not_move_a_supervisor_out_of_their_stations(world: World) -> None:
    with pytest.raises(DomainError):
        supervisor_move(
            supervisor=world.supervisor,
            station=world.other_station,
            unit=world.station.unit,
            note="x",
            by=world.secretary,
        )


def test_deactivate_and_reactivate(world: World) -> None:
    supervisor = supervisor_set_active(supervisor=world.supervisor, active=False, note="退休", by=world.secretary)
    assert not supervisor.is_active
    with pytest.raises(DomainError):
        supervisor_set_active(supervisor=supervisor, active=False, by=world.admin)
    assert supervisor_set_active(supervisor=supervisor, active=True, by=world.admin).is_active
    assert len(_events("supervisor.deactivated", supervisor)) == 1
    assert len(_events("supervisor.reactivated", supervisor)) == 1


def test_a_supervisor_with_postdocs_is_never_deleted(world: World) -> None:
    assert supervisor_has_records(world.supervisor)
    with pytest.raises(DomainError, match="never deleted"):
        supervisor_delete(supervisor=world.supervisor, by=world.admin)
    assert Supervisor.objects.filter(pk=world.supervisor.pk).exists()


def test_a_supervisor_with_nothing_attached_is_deleted_by_an_administrator_only(world: World) -> None:
    supervisor = _new(world, world.admin)
    assert not supervisor_has_records(supervisor)
    with pytest.raises(DomainError):
        supervisor_delete(supervisor=supervisor, by=world.secretary)
    supervisor_delete(supervisor=supervisor, by=world.admin)
    assert not Supervisor.objects.filter(pk=supervisor.pk).exists()
    (event,) = AuditEvent.objects.filter(event="supervisor.deleted")
    assert event.before["staff_no"] == "N001"


def test_link_a_supervisor_to_a_new_login_in_one_step(world: World) -> None:
    supervisor = _new(world, world.admin)
    user = supervisor_link_login(supervisor=supervisor, username="shan", email="shan@example.org", by=world.admin)
    supervisor.refresh_from_db()
    assert supervisor.user == user and user.email == "shan@example.org"
    assert not user.has_usable_password()  # they set it through a reset link
    assert list(user.roles.values_list("role", flat=True)) == [Role.SUPERVISOR]


def test_link_a_supervisor_to_an_existing_login(world: World) -> None:
    supervisor = _new(world, world.admin)
    supervisor_link_login(supervisor=supervisor, user=world.leadership, by=world.admin)
    supervisor.refresh_from_db()
    assert supervisor.user == world.leadership
    assert world.leadership.roles.filter(role=Role.SUPERVISOR).exists()


def test_a_login_linked_to_another_supervisor_is_refused(world: World) -> None:
    supervisor = _new(world, world.admin)
    with pytest.raises(DomainError) as refused:
        supervisor_link_login(supervisor=supervisor, user=world.supervisor_user, by=world.admin)
    assert refused.value.field == "user"


def test_a_taken_username_writes_nothing(world: World) -> None:
    supervisor = _new(world, world.admin)
    with pytest.raises(DomainError) as refused:
        supervisor_link_login(supervisor=supervisor, username="secretary", by=world.admin)
    assert refused.value.field == "username"


@pytest.mark.parametrize("persona", ["secretary", "supervisor", "postdoc", "leadership", "outsider"])
def test_only_an_administrator_links_a_login(world: World, persona: str) -> None:
    with pytest.raises(DomainError):
        supervisor_link_login(supervisor=world.supervisor, username="new-one", by=world.personas()[persona])
    assert not User.objects.filter(username="new-one").exists()


# ---- a postdoc's identity ----------------------------------------------------------------------


def test_personal_details_change_with_before_and_after(world: World) -> None:
    person = world.appointment.person
    person_update(person=person, by=world.secretary, name="陈新", email="chen@example.org", note="改名")
    person.refresh_from_db()
    assert person.name_sort == "chen xin" and person.email == "chen@example.org"
    (event,) = _events("person.changed", person)
    assert event.before["name"] == "陈博士" and event.after["name"] == "陈新"


def test_an_id_correction_is_checked_and_audited_masked(world: World) -> None:
    person = world.appointment.person
    new_id = resident_id(person.birth_date, 950)
    person_correct_id(
        person=person, id_type=Person.IdType.RESIDENT_ID, id_number=new_id, note="录入错误", by=world.admin
    )
    person.refresh_from_db()
    assert person.id_number == new_id
    (event,) = _events("person.id_corrected", person)
    assert "*" in event.before["id_number"] and "*" in event.after["id_number"]
    assert new_id not in str(event.after) and event.note == "录入错误"


def test_an_id_correction_needs_a_note(world: World) -> None:
    person = world.appointment.person
    with pytest.raises(DomainError) as refused:
        person_correct_id(
            person=person, id_type="resident_id", id_number=resident_id(person.birth_date, 951), note="", by=world.admin
        )
    assert refused.value.field == "note"


def test_an_id_with_a_wrong_check_digit_is_refused(world: World) -> None:
    person = world.appointment.person
    good = resident_id(person.birth_date, 952)
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    with pytest.raises(DomainError) as refused:
        person_correct_id(person=person, id_type="resident_id", id_number=bad, note="x", by=world.admin)
    assert refused.value.field == "id_number"


def test_an_id_of_another_birth_date_is_refused(world: World) -> None:
    person = world.appointment.person
    other = resident_id(person.birth_date + dt.timedelta(days=1), 953)
    with pytest.raises(DomainError, match="birth date"):
        person_correct_id(person=person, id_type="resident_id", id_number=other, note="x", by=world.admin)


def test_an_id_registered_to_another_person_is_refused(world: World) -> None:
    person, other = world.appointment.person, world.other_appointment.person
    with pytest.raises(DomainError, match="Another postdoc") as refused:
        person_correct_id(person=person, id_type=other.id_type, id_number=other.id_number, note="x", by=world.admin)
    assert refused.value.field == "id_number"


def test_a_passport_number_is_accepted_as_given(world: World) -> None:
    person = world.appointment.person
    person_correct_id(person=person, id_type="passport", id_number="e12345678", note="外籍", by=world.admin)
    person.refresh_from_db()
    assert (person.id_type, person.id_number) == ("passport", "E12345678")


@pytest.mark.parametrize(
    ("persona", "allowed"),
    [
        ("admin", True),
        ("secretary", True),
        ("supervisor", False),
        ("postdoc", False),
        ("leadership", False),
        ("outsider", False),
    ],
)
def test_who_may_correct_an_id(world: World, persona: str, allowed: bool) -> None:
    person = world.appointment.person
    call = {
        "person": person,
        "id_type": "resident_id",
        "id_number": resident_id(person.birth_date, 954),
        "note": "x",
        "by": world.personas()[persona],
    }
    if allowed:
        person_correct_id(**call)  # type: ignore[arg-type]
    else:
        with pytest.raises(DomainError):
            person_correct_id(**call)  # type: ignore[arg-type]


def test_a_secretary_may_not_correct_the_id_of_another_stations_postdoc(world: World) -> None:
    person = world.other_appointment.person
    with pytest.raises(DomainError):
        person_correct_id(
            person=person,
            id_type="resident_id",
            id_number=resident_id(person.birth_date, 955),
            note="x",
            by=world.secretary,
        )


def test_a_deactivated_supervisor_takes_no_new_postdoc(world):
    from appointments.services import appointment_admit
    from people.services import supervisor_set_active
    from tests.factories import make_person

    supervisor_set_active(supervisor=world.supervisor, active=False, by=world.admin, note="退休")
    world.supervisor.refresh_from_db()
    person = make_person(world.institution, world.admin, name="新博士")
    with pytest.raises(DomainError, match="is deactivated and takes no new postdocs") as refused:
        appointment_admit(
            person=person,
            station=world.station,
            postdoc_no="BH-NEW-1",
            entry_date=dt.date(2025, 3, 1),
            primary_supervisor=world.supervisor,
            by=world.admin,
        )
    assert refused.value.field == "primary_supervisor"
    assert not person.appointments.exists()
