import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from accounts.access import Perm, has_perm, visible_appointments
from audit.services import EventBatch, record_event, snapshot
from catalogue.models import Institution, Unit
from catalogue.services import _check_may_change, save_reference, validation_message
from core.bulk import insert_many
from core.errors import DomainError
from core.fieldcheck import check_fields
from core.idnumbers import resident_id_problem
from people.models import Person, Supervisor
from stations.models import Station


def masked_snapshot(person: Person) -> dict[str, Any]:
    data = snapshot(person)
    data["id_number"] = person.masked_id
    return data


def check_identity(*, id_type: str, id_number: str, birth_date: dt.date) -> None:
    if not id_number:
        raise DomainError(_("An ID number is required."), field="id_number")
    if id_type == Person.IdType.RESIDENT_ID:
        problem = resident_id_problem(id_number, birth_date)
        if problem:
            raise DomainError(problem, field="id_number")


def registered_ids(institution: Institution, ids: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
    """Which of these (ID type, ID number) pairs are registered in the institution: one query,
    by ID type, so that it uses the index of the unique constraint."""
    by_type: dict[str, set[str]] = {}
    for id_type, id_number in ids:
        by_type.setdefault(id_type, set()).add(id_number)
    if not by_type:
        return set()
    condition = Q()
    for id_type, numbers in by_type.items():
        condition |= Q(id_type=id_type, id_number__in=numbers)
    return set(Person.objects.filter(condition, institution=institution).order_by().values_list("id_type", "id_number"))


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
    check_identity(id_type=id_type, id_number=id_number, birth_date=birth_date)
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


PERSON_DETAILS = ("name", "name_en", "gender", "birth_date", "nationality", "is_foreign", "phd_institution", "phd_date")


@transaction.atomic
def person_update(*, person: Person, by: Any, note: str = "", **changes: Any) -> Person:
    """Corrects a postdoc's personal details (not the ID number, which identifies them)."""
    unknown = sorted(set(changes) - set(PERSON_DETAILS))
    if unknown:
        raise DomainError(_("These details cannot be changed here: %(fields)s.") % {"fields": ", ".join(unknown)})
    if not (has_perm(by, Perm.MANAGE_APPOINTMENTS) and by.institution_id == person.institution_id):
        raise DomainError(_("You may not change this postdoc's details."))
    person = Person.objects.select_for_update().get(pk=person.pk)
    before = masked_snapshot(person)
    for name, value in changes.items():
        setattr(person, name, value.strip() if isinstance(value, str) else value)
    check_identity(id_type=person.id_type, id_number=person.id_number, birth_date=person.birth_date)
    try:
        person.full_clean()
    except ValidationError as error:
        message, field = validation_message(error)
        raise DomainError(message, field=field) from error
    person.save(update_fields=list(changes))
    record_event(
        actor=by,
        event="person.changed",
        target=person,
        before=before,
        after=masked_snapshot(person),
        institution=person.institution,
        note=note,
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
    is_doctoral_supervisor: bool | None = None,
    name_en: str = "",
    by: Any,
) -> Supervisor:
    """Registers a supervisor or changes one, matched by staff number. `is_doctoral_supervisor`
    None keeps the flag as it is (a new supervisor: not a doctoral supervisor)."""
    supervisor = Supervisor.objects.filter(institution=institution, staff_no=staff_no).first()
    supervisor = supervisor or Supervisor(institution=institution, staff_no=staff_no)
    supervisor.name, supervisor.name_en, supervisor.unit, supervisor.station = name, name_en, unit, station
    supervisor.title, supervisor.is_external = title, is_external
    if is_doctoral_supervisor is not None:
        supervisor.is_doctoral_supervisor = is_doctoral_supervisor
    return save_reference(instance=supervisor, by=by)  # type: ignore[return-value]


@transaction.atomic
def supervisors_create(
    *, institution: Institution, supervisors: list[Supervisor], by: Any, note: str = ""
) -> list[DomainError | None]:
    """Registers many new supervisors at once (a workbook import), each checked as `supervisor_save`
    checks one. Nothing is written unless all pass; one audit event per supervisor."""
    _check_may_change(by, Supervisor(institution=institution))  # as save_reference checks one
    numbers = [s.staff_no for s in supervisors]
    taken = set(
        Supervisor.objects.filter(institution=institution, staff_no__in=numbers)
        .order_by()
        .values_list("staff_no", flat=True)
    )
    errors: list[DomainError | None] = []
    seen: set[str] = set()
    for supervisor in supervisors:
        try:
            if supervisor.staff_no in taken or supervisor.staff_no in seen:
                raise DomainError(
                    _("Staff number %(no)s is already registered.") % {"no": supervisor.staff_no}, field="staff_no"
                )
            for related, name in ((supervisor.unit, "unit"), (supervisor.station, "station")):
                if related is not None and related.institution_id != institution.pk:
                    raise DomainError(_("This belongs to another institution."), field=name)
            check_fields(supervisor)
            errors.append(None)
        except DomainError as error:
            errors.append(error)
        seen.add(supervisor.staff_no)
    if any(errors):
        return errors
    insert_many(supervisors)
    events = EventBatch(actor=by, institution_id=institution.pk, note=note)
    for supervisor in supervisors:
        events.add(event="supervisor.created", target=supervisor, after=snapshot(supervisor))
    events.save()
    return errors
