import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.access import Perm, has_perm, visible_appointments
from audit.services import record_event, snapshot
from catalogue.models import Institution, Unit
from catalogue.services import save_reference, validation_message
from core.errors import DomainError
from core.idnumbers import resident_id_problem
from people.models import Person, Supervisor
from stations.models import Station


def masked_snapshot(person: Person) -> dict[str, Any]:
    data = snapshot(person)
    data["id_number"] = person.masked_id
    return data


def _check_identity(*, id_type: str, id_number: str, birth_date: dt.date) -> None:
    if not id_number:
        raise DomainError(_("An ID number is required."), field="id_number")
    if id_type == Person.IdType.RESIDENT_ID:
        problem = resident_id_problem(id_number, birth_date)
        if problem:
            raise DomainError(problem, field="id_number")


@transaction.atomic
def person_create(
    *,
    institution: Institution,
    name: str,
    gender: str,
    birth_date: dt.date,
    id_type: str,
    id_number: str,
    by: Any,
    **details: Any,
) -> Person:
    """Registers a postdoc's identity. A resident ID is checked against GB 11643 and the birth date."""
    if not (has_perm(by, Perm.MANAGE_APPOINTMENTS) and by.institution_id == institution.pk):
        raise DomainError(_("You may not register postdocs for this institution."))
    id_number = id_number.strip().upper()
    _check_identity(id_type=id_type, id_number=id_number, birth_date=birth_date)
    if Person.objects.filter(institution=institution, id_type=id_type, id_number=id_number).exists():
        raise DomainError(_("A postdoc with this ID number is already registered."), field="id_number")
    person = Person(
        institution=institution,
        name=name.strip(),
        gender=gender,
        birth_date=birth_date,
        id_type=id_type,
        id_number=id_number,
        **details,
    )
    try:
        person.full_clean()
    except ValidationError as error:
        message, field = validation_message(error)
        raise DomainError(message, field=field) from error
    person.save()
    record_event(
        actor=by, event="person.created", target=person, after=masked_snapshot(person), institution=institution
    )
    return person


@transaction.atomic
def person_reveal_id(*, person: Person, by: Any) -> str:
    """Shows a full ID number to someone allowed to see it, and records that they saw it."""
    in_scope = visible_appointments(by).filter(person=person).exists() or person.institution_id == getattr(
        by, "institution_id", None
    )
    if not (has_perm(by, Perm.REVEAL_ID) and in_scope):
        raise DomainError(_("You may not see full ID numbers."))
    record_event(actor=by, event="person.id_revealed", target=person, institution=person.institution)
    return person.id_number


def supervisor_save(
    *,
    institution: Institution,
    staff_no: str,
    name: str,
    unit: Unit,
    station: Station | None = None,
    title: str = "",
    is_external: bool = False,
    name_en: str = "",
    by: Any,
) -> Supervisor:
    supervisor = Supervisor.objects.filter(institution=institution, staff_no=staff_no).first()
    supervisor = supervisor or Supervisor(institution=institution, staff_no=staff_no)
    supervisor.name, supervisor.name_en, supervisor.unit, supervisor.station = name, name_en, unit, station
    supervisor.title, supervisor.is_external = title, is_external
    return save_reference(instance=supervisor, by=by)  # type: ignore[return-value]
