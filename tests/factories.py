"""Builders for test data. They go through the services, as every write does."""

import datetime as dt
import itertools
from dataclasses import dataclass
from typing import Any

from accounts.models import Role, User
from accounts.services import role_assign, user_create
from appointments.models import Appointment
from appointments.services import appointment_admit, appointment_enter
from catalogue.models import Discipline, Institution, Unit
from catalogue.services import discipline_save, doctoral_right_grant, unit_save
from core.idnumbers import resident_id_check_char
from ops.institutions import institution_set_up
from people.accounts import account_link
from people.models import Person, Supervisor
from people.services import person_create, supervisor_save
from stations.models import Station
from stations.services import station_create

_counter = itertools.count(1)


def resident_id(birth_date: dt.date, serial: int | None = None) -> str:
    """A valid 18-character resident ID for a birth date (region 500101, Chongqing).

    Serials 900-999 are left to the tests that name theirs: a drawn one never repeats them (a drawn
    901 on the same birth date was the same person as a workbook's row, and refused it at random)."""
    serial = next(_counter) % 900 if serial is None else serial
    first17 = f"500101{birth_date:%Y%m%d}{serial:03d}"
    return first17 + resident_id_check_char(first17)


def make_institution(code: str = "U1", name: str = "示例医科大学") -> tuple[Institution, User]:
    """An institution and its first office administrator (created by a set-up, so `by=None`)."""
    return institution_set_up(
        code=code,
        name_zh=name,
        name_en=f"Example University {code}",
        admin_username=f"admin-{code}",
        admin_password="pw-admin-123",
    )


def make_discipline(code: str, name_zh: str, by: User) -> Discipline:
    return discipline_save(code=code, name_zh=name_zh, name_en=f"Discipline {code}", by=by)


def make_station(
    institution: Institution, by: User, *, code: str, discipline_code: str, unit: Unit | None = None
) -> Station:
    discipline = Discipline.objects.filter(code=discipline_code).first() or make_discipline(
        discipline_code, f"学科{discipline_code}", by
    )
    doctoral_right_grant(institution=institution, discipline=discipline, since=dt.date(2000, 1, 1), by=by)
    unit = unit or unit_save(institution=institution, code=f"C{code}", name_zh=f"学院{code}", kind="college", by=by)
    return station_create(
        institution=institution,
        code=code,
        kind=Station.Kind.MOBILE,
        unit=unit,
        discipline=discipline,
        name_zh=f"{discipline.name_zh}博士后科研流动站",
        established_on=dt.date(2005, 1, 1),
        by=by,
    )


def make_supervisor(station: Station, by: User, *, staff_no: str | None = None, name: str = "王老师") -> Supervisor:
    return supervisor_save(
        institution=station.institution,
        staff_no=staff_no or f"T{next(_counter):05d}",
        name=name,
        unit=station.unit,
        station=station,
        title="教授",
        by=by,
    )


def make_person(
    institution: Institution, by: User, *, birth_date: dt.date = dt.date(1992, 5, 17), **details: Any
) -> Person:
    details.setdefault("phd_date", dt.date(2022, 6, 30))
    return person_create(
        institution=institution,
        name=details.pop("name", f"张{next(_counter)}"),
        gender=details.pop("gender", Person.Gender.FEMALE),
        birth_date=birth_date,
        id_type=Person.IdType.RESIDENT_ID,
        id_number=details.pop("id_number", None) or resident_id(birth_date),
        by=by,
        **details,
    )


def make_appointment(
    station: Station,
    supervisor: Supervisor,
    by: User,
    *,
    person: Person | None = None,
    entry_date: dt.date = dt.date(2024, 3, 1),
    enter: bool = True,
    postdoc_no: str | None = None,
    **kwargs: Any,
) -> Appointment:
    # The default PhD (2022-06-30) cannot follow an earlier entry by more than the certificate window.
    person = person or make_person(station.institution, by, phd_date=min(dt.date(2022, 6, 30), entry_date))
    appointment = appointment_admit(
        person=person,
        station=station,
        postdoc_no=postdoc_no or f"BH{next(_counter):06d}",
        entry_date=entry_date,
        primary_supervisor=supervisor,
        by=by,
        **kwargs,
    )
    if enter:
        appointment = appointment_enter(appointment=appointment, on=entry_date, by=by)
    return appointment


@dataclass
class World:
    """One institution with two stations and a persona for every role, plus an outsider."""

    institution: Institution
    station: Station
    other_station: Station
    supervisor: Supervisor
    other_supervisor: Supervisor
    appointment: Appointment  # supervised by `supervisor`, held by `postdoc_user`
    other_appointment: Appointment  # in `other_station`, outside the secretary's scope
    admin: User
    secretary: User
    supervisor_user: User
    postdoc_user: User
    leadership: User
    outsider: User  # an administrator of another institution
    outside_appointment: Appointment

    def personas(self) -> dict[str, User]:
        return {
            "admin": self.admin,
            "secretary": self.secretary,
            "supervisor": self.supervisor_user,
            "postdoc": self.postdoc_user,
            "leadership": self.leadership,
            "outsider": self.outsider,
        }


def make_world() -> World:
    institution, admin = make_institution("U1")
    station = make_station(institution, admin, code="S1002", discipline_code="1002")
    other_station = make_station(institution, admin, code="S0710", discipline_code="0710")
    supervisor = make_supervisor(station, admin, name="李导师")
    other_supervisor = make_supervisor(other_station, admin, name="赵导师")
    appointment = make_appointment(station, supervisor, admin, person=make_person(institution, admin, name="陈博士"))
    other_appointment = make_appointment(
        other_station, other_supervisor, admin, person=make_person(institution, admin, name="周博士")
    )

    def persona(username: str, role: str, station: Station | None = None) -> User:
        user = user_create(username=username, password=f"pw-{username}-123", institution=institution, by=admin)
        role_assign(user=user, role=role, station=station, by=admin)
        return user

    secretary = persona("secretary", Role.SECRETARY, station)
    supervisor_user = persona("supervisor", Role.SUPERVISOR)
    account_link(user=supervisor_user, supervisor=supervisor, by=admin)
    postdoc_user = persona("postdoc", Role.POSTDOC)
    account_link(user=postdoc_user, person=appointment.person, by=admin)
    leadership = persona("leadership", Role.LEADERSHIP)

    other_institution, outsider = make_institution("U2", "另一所大学")
    outside_station = make_station(other_institution, outsider, code="S1001", discipline_code="1001")
    outside_appointment = make_appointment(outside_station, make_supervisor(outside_station, outsider), outsider)
    return World(
        institution=institution,
        station=station,
        other_station=other_station,
        supervisor=supervisor,
        other_supervisor=other_supervisor,
        appointment=appointment,
        other_appointment=other_appointment,
        admin=admin,
        secretary=secretary,
        supervisor_user=supervisor_user,
        postdoc_user=postdoc_user,
        leadership=leadership,
        outsider=outsider,
        outside_appointment=outside_appointment,
    )
