import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.access import Perm, has_perm
from accounts.actors import Actor
from accounts.models import Role, User
from accounts.services import role_assign, user_create
from audit.events import Event
from audit.services import EventBatch, record_event, snapshot
from catalogue.models import Institution, Unit
from catalogue.services import _check_may_change, reference_save, validation_message
from core.bulk import insert_many
from core.errors import DomainError, require
from core.fieldcheck import check_fields
from core.idnumbers import resident_id_problem
from people.access import may_manage_person, may_manage_supervisor, may_place_supervisor, stays_seen
from people.accounts import account_link
from people.models import Person, Supervisor
from people.validity import check_person_dates, check_stays
from stations.models import Station

# All that anyone learns of a person registered already, when they try to register them again: not
# their name, station or dates (docs/decisions/0019). The office sees the person on their pages.
ALREADY_REGISTERED = gettext_lazy(
    "A person with this ID number is already registered in the institution. Admit the registered person "
    "instead; unless they have been a postdoc of your station, only the office administrator can admit them."
)


def _masked_snapshot(person: Person) -> dict[str, Any]:
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
    by: Actor,
    **details: Any,
) -> Person:
    """Registers a postdoc's identity. A resident ID is checked against GB 11643 and the birth date."""
    if not (has_perm(by, Perm.MANAGE_APPOINTMENTS) and by.institution_id == institution.pk):
        raise DomainError(_("You may not register postdocs for this institution."))
    id_number = id_number.strip().upper()
    check_person_dates(birth_date=birth_date, phd_date=details.get("phd_date"))
    check_identity(id_type=id_type, id_number=id_number, birth_date=birth_date)
    if Person.objects.filter(institution=institution, id_type=id_type, id_number=id_number).exists():
        raise DomainError(str(ALREADY_REGISTERED), field="id_number")
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
        actor=by, event=Event.PERSON_CREATED, target=person, after=_masked_snapshot(person), institution=institution
    )
    return person


PERSON_DETAILS = (
    "name",
    "name_en",
    "gender",
    "birth_date",
    "nationality",
    "is_foreign",
    "phd_institution",
    "phd_date",
    "email",
)


@transaction.atomic
def person_update(*, person: Person, by: Actor, note: str = "", **changes: Any) -> Person:
    """Corrects a postdoc's personal details (not the ID number, which identifies them)."""
    unknown = sorted(set(changes) - set(PERSON_DETAILS))
    if unknown:
        raise DomainError(_("These details cannot be changed here: %(fields)s.") % {"fields": ", ".join(unknown)})
    if not (has_perm(by, Perm.MANAGE_APPOINTMENTS) and may_manage_person(by, person)):
        raise DomainError(_("You may not change this postdoc's details."))
    person = Person.objects.select_for_update().get(pk=person.pk)
    before = _masked_snapshot(person)
    for name, value in changes.items():
        setattr(person, name, value.strip() if isinstance(value, str) else value)
    check_person_dates(birth_date=person.birth_date, phd_date=person.phd_date)
    check_identity(id_type=person.id_type, id_number=person.id_number, birth_date=person.birth_date)
    if {"birth_date", "phd_date"} & set(changes):
        check_stays(person)  # the new dates must still fit every stay already recorded
    try:
        person.full_clean()
    except ValidationError as error:
        message, field = validation_message(error)
        raise DomainError(message, field=field) from error
    person.save(update_fields=list(changes))
    record_event(
        actor=by,
        event=Event.PERSON_CHANGED,
        target=person,
        before=before,
        after=_masked_snapshot(person),
        institution=person.institution,
        note=note,
    )
    return person


@transaction.atomic
def person_reveal_id(*, person: Person, by: Actor) -> str:
    """Shows a full ID number to someone allowed to see it, and records that they saw it."""
    in_scope = stays_seen(by).filter(person=person).exists() or person.institution_id == getattr(
        by, "institution_id", None
    )
    if not (has_perm(by, Perm.REVEAL_ID) and in_scope):
        raise DomainError(_("You may not see full ID numbers."))
    record_event(actor=by, event=Event.PERSON_ID_REVEALED, target=person, institution=person.institution)
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
    by: Actor,
) -> Supervisor:
    """Registers a supervisor or changes one, matched by staff number. `is_doctoral_supervisor`
    None keeps the flag as it is (a new supervisor: not a doctoral supervisor)."""
    supervisor = Supervisor.objects.filter(institution=institution, staff_no=staff_no).first()
    supervisor = supervisor or Supervisor(institution=institution, staff_no=staff_no)
    supervisor.name, supervisor.name_en, supervisor.unit, supervisor.station = name, name_en, unit, station
    supervisor.title, supervisor.is_external = title, is_external
    if is_doctoral_supervisor is not None:
        supervisor.is_doctoral_supervisor = is_doctoral_supervisor
    return reference_save(instance=supervisor, by=by)


@transaction.atomic
def supervisors_create(
    *, institution: Institution, supervisors: list[Supervisor], by: Actor, note: str = ""
) -> list[DomainError | None]:
    """Registers many new supervisors at once (a workbook import), each checked as `supervisor_save`
    checks one. Nothing is written unless all pass; one audit event per supervisor."""
    _check_may_change(by, Supervisor(institution=institution))  # as reference_save checks one
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
        events.add(event=Event.SUPERVISOR_CREATED, target=supervisor, after=snapshot(supervisor))
    events.save()
    return errors


# ---- supervisors: the office's and the secretaries' pages (people.access says who may do what) --

SUPERVISOR_DETAILS = ("staff_no", "name", "name_en", "title", "is_external", "is_doctoral_supervisor")


def _validated(record: Person | Supervisor) -> None:
    try:
        record.full_clean()
    except ValidationError as error:
        message, field = validation_message(error)
        raise DomainError(message, field=field) from error


def _check_staff_no(supervisor: Supervisor) -> None:
    supervisor.staff_no = supervisor.staff_no.strip()
    require(bool(supervisor.staff_no), _("A supervisor needs a staff number."), "staff_no")
    taken = Supervisor.objects.filter(institution_id=supervisor.institution_id, staff_no=supervisor.staff_no)
    require(
        not taken.exclude(pk=supervisor.pk).exists(),
        _("Staff number %(no)s is already registered.") % {"no": supervisor.staff_no},
        "staff_no",
    )


def _check_placement(supervisor: Supervisor, by: Actor) -> None:
    """The unit and station belong to the supervisor's institution, and the actor may place them there."""
    require(
        supervisor.unit.institution_id == supervisor.institution_id,
        _("The unit belongs to another institution."),
        "unit",
    )
    station = supervisor.station
    require(
        station is None or station.institution_id == supervisor.institution_id,
        _("The station belongs to another institution."),
        "station",
    )
    require(
        may_place_supervisor(by, station),
        _("You may place supervisors only in the stations you manage.")
        if station is not None
        else _("Only an office administrator may keep a supervisor outside every station."),
        "station",
    )


@transaction.atomic
def supervisor_create(
    *,
    institution: Institution,
    staff_no: str,
    name: str,
    unit: Unit,
    by: Actor,
    station: Station | None = None,
    name_en: str = "",
    title: str = "",
    is_external: bool = False,
    is_doctoral_supervisor: bool = False,
    note: str = "",
) -> Supervisor:
    """Adds a supervisor (合作导师): an office administrator anywhere in the institution, a station
    secretary in their own stations."""
    require(
        getattr(by, "institution_id", None) == institution.pk,
        _("You may add supervisors to your own institution only."),
    )
    supervisor = Supervisor(
        institution=institution,
        staff_no=staff_no,
        name=name.strip(),
        name_en=name_en.strip(),
        unit=unit,
        station=station,
        title=title.strip(),
        is_external=is_external,
        is_doctoral_supervisor=is_doctoral_supervisor,
    )
    require(bool(supervisor.name), _("A supervisor needs a name."), "name")
    _check_placement(supervisor, by)
    _check_staff_no(supervisor)
    _validated(supervisor)
    supervisor.save()
    record_event(
        actor=by,
        event=Event.SUPERVISOR_CREATED,
        target=supervisor,
        after=snapshot(supervisor),
        institution=institution,
        note=note,
    )
    return supervisor


def _locked_for(supervisor: Supervisor, by: Actor) -> Supervisor:
    supervisor = (
        Supervisor.objects.select_for_update(of=("self",)).select_related("unit", "station").get(pk=supervisor.pk)
    )
    require(may_manage_supervisor(by, supervisor), _("You may change the supervisors of your own stations only."))
    return supervisor


@transaction.atomic
def supervisor_update(*, supervisor: Supervisor, by: Actor, note: str = "", **changes: Any) -> Supervisor:
    """Corrects a supervisor's details (names, staff number, title, flags); their station and unit
    change only by `supervisor_move`, which asks why."""
    unknown = sorted(set(changes) - set(SUPERVISOR_DETAILS))
    require(not unknown, _("These details cannot be changed here: %(fields)s.") % {"fields": ", ".join(unknown)})
    supervisor = _locked_for(supervisor, by)
    before = snapshot(supervisor)
    for name, value in changes.items():
        setattr(supervisor, name, value.strip() if isinstance(value, str) else value)
    require(bool(supervisor.name), _("A supervisor needs a name."), "name")
    _check_staff_no(supervisor)
    _validated(supervisor)
    supervisor.save(update_fields=list(changes))
    record_event(
        actor=by,
        event=Event.SUPERVISOR_CHANGED,
        target=supervisor,
        before=before,
        after=snapshot(supervisor),
        institution=supervisor.institution,
        note=note,
    )
    return supervisor


@transaction.atomic
def supervisor_move(*, supervisor: Supervisor, station: Station | None, unit: Unit, note: str, by: Actor) -> Supervisor:
    """Moves a supervisor to another station or unit. Their postdocs' appointments stay where they
    are: an appointment names its station itself."""
    require(bool(note.strip()), _("Say why the supervisor moves: the note is kept in the history."), "note")
    supervisor = _locked_for(supervisor, by)
    require(
        (station.pk if station else None, unit.pk) != (supervisor.station_id, supervisor.unit_id),
        _("The supervisor is in this station and unit already."),
        "station",
    )
    before = snapshot(supervisor, ["station", "unit"])
    supervisor.station, supervisor.unit = station, unit
    _check_placement(supervisor, by)
    supervisor.save(update_fields=["station", "unit"])
    record_event(
        actor=by,
        event=Event.SUPERVISOR_MOVED,
        target=supervisor,
        before=before,
        after=snapshot(supervisor, ["station", "unit"]),
        institution=supervisor.institution,
        note=note.strip(),
    )
    return supervisor


@transaction.atomic
def supervisor_set_active(*, supervisor: Supervisor, active: bool, by: Actor, note: str = "") -> Supervisor:
    """Deactivates a supervisor (retired, left: offered for no new appointment, their history kept)
    or reactivates one."""
    supervisor = _locked_for(supervisor, by)
    require(
        supervisor.is_active != active,
        _("The supervisor is active already.") if active else _("The supervisor is inactive already."),
    )
    supervisor.is_active = active
    supervisor.save(update_fields=["is_active"])
    record_event(
        actor=by,
        event=Event.SUPERVISOR_REACTIVATED if active else Event.SUPERVISOR_DEACTIVATED,
        target=supervisor,
        before={"is_active": not active},
        after={"is_active": active},
        institution=supervisor.institution,
        note=note.strip(),
    )
    return supervisor


def supervisor_has_records(supervisor: Supervisor) -> bool:
    """Anything that points at the supervisor: appointments, applications, an expert record (and
    through it reviews). Such a supervisor is never deleted, only deactivated."""
    for relation in Supervisor._meta.related_objects:
        accessor = relation.get_accessor_name()
        if accessor is None:
            continue
        if relation.one_to_one:
            if relation.related_model._default_manager.filter(**{relation.field.name: supervisor}).exists():
                return True
        elif getattr(supervisor, accessor).exists():
            return True
    return False


@transaction.atomic
def supervisor_delete(*, supervisor: Supervisor, by: Actor, note: str = "") -> None:
    """Deletes a supervisor entered by mistake, who has nothing attached; the history keeps them."""
    supervisor = Supervisor.objects.select_for_update().get(pk=supervisor.pk)
    require(
        has_perm(by, Perm.MANAGE_REFERENCE) and supervisor.institution_id == by.institution_id,
        _("Only an office administrator may delete a supervisor."),
    )
    require(
        not supervisor_has_records(supervisor),
        _("A supervisor with postdocs, applications or reviews is never deleted: deactivate them instead."),
    )
    record_event(
        actor=by,
        event=Event.SUPERVISOR_DELETED,
        target=supervisor,
        before=snapshot(supervisor),
        institution=supervisor.institution,
        note=note.strip(),
    )
    supervisor.delete()


@transaction.atomic
def supervisor_link_login(
    *, supervisor: Supervisor, by: User, user: User | None = None, username: str = "", email: str = ""
) -> User:
    """Links a supervisor to a sign-in account in one step: an existing account of the institution,
    or a new one (without a password: the person sets it through a reset link). Either way the
    account holds the supervisor role. Each part is audited by its account service."""
    require(
        has_perm(by, Perm.MANAGE_REFERENCE) and supervisor.institution_id == by.institution_id,
        _("Only an office administrator may link a supervisor to a login."),
    )
    if user is None:
        username = username.strip()
        require(bool(username), _("Choose an account, or give a user name for a new one."), "username")
        user = user_create(
            username=username, password=None, institution=supervisor.institution, by=by, email=email.strip()
        )
    require(user.institution_id == supervisor.institution_id, _("The account belongs to another institution."), "user")
    holder = Supervisor.objects.filter(user=user).exclude(pk=supervisor.pk).first()
    require(
        holder is None,
        _("This account is linked to %(name)s already.") % {"name": holder.name if holder else ""},
        "user",
    )
    if not user.roles.filter(role=Role.SUPERVISOR).exists():
        role_assign(user=user, role=Role.SUPERVISOR, by=by)
    account_link(user=user, supervisor=supervisor, by=by)
    return user


# ---- a postdoc's ID number ----------------------------------------------------------------------


@transaction.atomic
def person_correct_id(*, person: Person, id_type: str, id_number: str, note: str, by: Actor) -> Person:
    """Corrects the ID a person is registered under (a typing error, a new passport). The number
    identifies the person, so a correction says why, is checked as a new registration is (GB 11643
    for a resident ID, one person per ID) and is audited with both numbers masked."""
    require(bool(note.strip()), _("Say why the ID number is corrected: the note is kept in the history."), "note")
    require(
        has_perm(by, Perm.MANAGE_APPOINTMENTS) and may_manage_person(by, person),
        _("You may not correct this postdoc's ID number."),
    )
    person = Person.objects.select_for_update().get(pk=person.pk)
    id_number = id_number.strip().upper()
    require(id_type in Person.IdType.values, _("Choose an ID type."), "id_type")
    require(
        (id_type, id_number) != (person.id_type, person.id_number),
        _("This is the ID the postdoc is registered under already."),
        "id_number",
    )
    check_identity(id_type=id_type, id_number=id_number, birth_date=person.birth_date)
    taken = Person.objects.filter(institution_id=person.institution_id, id_type=id_type, id_number=id_number)
    require(
        not taken.exclude(pk=person.pk).exists(),
        _("Another postdoc is registered with this ID number."),
        "id_number",
    )
    before = {"id_type": person.id_type, "id_number": person.masked_id}
    person.id_type, person.id_number = id_type, id_number
    _validated(person)
    person.save(update_fields=["id_type", "id_number"])
    record_event(
        actor=by,
        event=Event.PERSON_ID_CORRECTED,
        target=person,
        before=before,
        after={"id_type": person.id_type, "id_number": person.masked_id},
        institution=person.institution,
        note=note.strip(),
    )
    return person
