"""Every change to appointments: one function per transition, one transaction, one audit event.

Order inside each: check the actor and the preconditions → lock the row → change and save →
write the audit event (pretix's `approve_order`, house style §3).
"""

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import Perm, has_perm
from accounts.actors import Actor
from accounts.models import User
from appointments.access import can_manage_appointment
from appointments.due_counts import due_counts_add, due_counts_move, due_key
from appointments.models import Appointment, Assessment, Extension, Grade, PolicyException
from appointments.month_counts import counted_key, month_counts_add, month_counts_move
from appointments.reactions import dates_changed
from appointments.rules import (
    entry_fact_violations,
    entry_violations,
    exit_violations,
    extension_violations,
    not_before_entry,
    not_in_future,
    policy_for,
    supervisor_violations,
)
from audit.events import Event
from audit.services import EventBatch, record_event, snapshot
from catalogue.models import Institution
from core.bulk import insert_many, new_record
from core.dates import add_months, full_months_between
from core.errors import DomainError, RuleViolation, Violation
from core.errors import require as _require
from core.fieldcheck import check_fields
from people.access import may_manage_person
from people.models import Person, Supervisor
from people.services import ALREADY_REGISTERED, check_identity, registered_ids
from people.validity import check_person_dates
from stations.access import can_manage_station
from stations.models import Station

Status = Appointment.Status

# The appointment column that remembers the first passed assessment of a kind.
PASSED_ON_FIELDS: dict[str, str] = {
    Assessment.Kind.PROPOSAL: "proposal_passed_on",
    Assessment.Kind.MIDTERM: "midterm_passed_on",
    Assessment.Kind.EXIT: "exit_assessed_on",
}


def _today() -> dt.date:
    return timezone.localdate()


def _may_manage(by: Actor, appointment: Appointment) -> None:
    _require(can_manage_appointment(by, appointment), _("You may not change this appointment."))


def _accept(violations: list[Violation], *, by: Actor, exception_reason: str) -> list[Violation]:
    """Refuses broken rules unless an administrator records an exception with a reason.

    Returns the violations that the exception covers, for the caller to record.
    """
    hard = [v for v in violations if not v.overridable]
    if hard:
        raise RuleViolation(hard)
    if not violations:
        return []
    if not exception_reason.strip():
        raise RuleViolation(violations)
    if not has_perm(by, Perm.GRANT_EXCEPTIONS):
        raise RuleViolation(
            [*violations, Violation("exception_permission", _("Only an office administrator can record an exception."))]
        )
    return violations


def _record_exceptions(
    appointment: Appointment, violations: list[Violation], *, by: User, reason: str
) -> list[dict[str, str]]:
    PolicyException.objects.bulk_create(
        PolicyException(appointment=appointment, rule=v.rule, message=v.message, reason=reason, granted_by=by)
        for v in violations
    )
    return [{"rule": v.rule, "message": v.message, "reason": reason} for v in violations]


@contextmanager
def _counts_kept(appointment: Appointment) -> Iterator[None]:
    """Keeps the institution's kept counts in step with what the block changes in `appointment`:
    the month counts of the figures (decision 68) and the due counts of the dashboard (decision 73)."""
    month_before, due_before = counted_key(appointment), due_key(appointment)
    yield
    month_counts_move(appointment.institution_id, month_before, counted_key(appointment))
    due_counts_move(appointment.institution_id, due_before, due_key(appointment))


def _lock(appointment: Appointment) -> Appointment:
    return (
        Appointment.objects.select_for_update()
        .select_related("person", "station", "station__institution")
        .get(pk=appointment.pk)
    )


def _audit(
    *,
    by: Actor,
    event: Event,
    appointment: Appointment,
    before: dict[str, Any] | None,
    exceptions: list[dict[str, str]],
    note: str = "",
) -> None:
    after = snapshot(appointment)
    if exceptions:
        after["policy_exceptions"] = exceptions
    record_event(
        actor=by,
        event=event,
        target=appointment,
        before=before,
        after=after,
        institution=appointment.station.institution,
        note=note,
    )


def _check_admission(
    *,
    may_admit: bool,
    station: Station,
    postdoc_no: str,
    number_taken: bool,
    primary_supervisor: Supervisor,
    co_supervisor: Supervisor | None = None,
    route: str,
    workstation: Station | None,
) -> None:
    """The facts an admission needs, for `appointment_admit` and the bulk `appointments_import`.

    Each message is made only when it is needed: a bulk import runs this 100,000s of times."""
    if not may_admit:
        raise DomainError(_("You may not admit postdocs to this station."))
    # A revoked station: an entry on or after the day of revocation is refused by the date rules
    # (`entry_fact_violations`); one before it is the history an import brings.
    if not postdoc_no:
        raise DomainError(_("A postdoc number is required."), field="postdoc_no")
    if number_taken:
        raise DomainError(_("Postdoc number %(no)s is already used.") % {"no": postdoc_no}, field="postdoc_no")
    for supervisor, field in ((primary_supervisor, "primary_supervisor"), (co_supervisor, "co_supervisor")):
        if supervisor is not None and supervisor.institution_id != station.institution_id:
            raise DomainError(
                _("The supervisor %(name)s belongs to another institution.") % {"name": supervisor.name}, field=field
            )
    if co_supervisor is not None and co_supervisor.pk == primary_supervisor.pk:
        raise DomainError(_("The co-supervisor must differ from the supervisor."), field="co_supervisor")
    if route == Appointment.Route.JOINT and (workstation is None or workstation.kind != Station.Kind.WORKSTATION):
        raise DomainError(_("Joint training needs a workstation."), field="workstation")


@transaction.atomic
def appointment_admit(
    *,
    person: Person,
    station: Station,
    postdoc_no: str,
    entry_date: dt.date,
    primary_supervisor: Supervisor,
    planned_exit_date: dt.date | None = None,
    co_supervisor: Supervisor | None = None,
    route: str = Appointment.Route.INDEPENDENT,
    workstation: Station | None = None,
    by: User,
    exception_reason: str = "",
) -> Appointment:
    """Admits a person to a station (进站): the appointment starts as admitted."""
    postdoc_no = postdoc_no.strip()
    _check_admission(
        may_admit=can_manage_station(by, station),
        station=station,
        postdoc_no=postdoc_no,
        number_taken=Appointment.objects.filter(institution_id=station.institution_id, postdoc_no=postdoc_no).exists(),
        primary_supervisor=primary_supervisor,
        co_supervisor=co_supervisor,
        route=route,
        workstation=workstation,
    )
    _require(
        person.institution_id == station.institution_id, _("The postdoc belongs to another institution."), "person"
    )
    # A deactivated supervisor keeps their history but takes no new postdoc (a workbook's history may
    # still name them: the bulk import does not come through here).
    for supervisor, field in ((primary_supervisor, "primary_supervisor"), (co_supervisor, "co_supervisor")):
        _require(
            supervisor is None or supervisor.is_active,
            _("%(name)s is deactivated and takes no new postdocs; reactivate them on their page first.")
            % {"name": supervisor.name if supervisor else ""},
            field,
        )
    # A person with stays elsewhere is admitted again by the office, or by a secretary of one of their
    # stations; anyone else learns only that (docs/decisions/0019), never where or when they were.
    _require(may_manage_person(by, person) or not person.appointments.exists(), str(ALREADY_REGISTERED), "person")
    policy = policy_for(station.institution_id)
    planned_exit_date = planned_exit_date or add_months(entry_date, policy.normal_months)
    Person.objects.select_for_update().filter(pk=person.pk).first()  # serialise admissions of one person
    violations = entry_fact_violations(
        person=person, station=station, workstation=workstation, entry_date=entry_date, policy=policy
    )
    violations += supervisor_violations(
        station=station, route=route, workstation=workstation, primary_supervisor=primary_supervisor
    )
    violations += entry_violations(
        person=person, entry_date=entry_date, planned_exit_date=planned_exit_date, policy=policy
    )
    accepted = _accept(violations, by=by, exception_reason=exception_reason)
    appointment = Appointment.objects.create(
        institution_id=station.institution_id,
        person=person,
        station=station,
        postdoc_no=postdoc_no,
        route=route,
        workstation=workstation,
        primary_supervisor=primary_supervisor,
        co_supervisor=co_supervisor,
        entry_date=entry_date,
        planned_exit_date=planned_exit_date,
        status=Status.ADMITTED,
        created_by=by,
    )
    exceptions = _record_exceptions(appointment, accepted, by=by, reason=exception_reason)
    _audit(by=by, event=Event.APPOINTMENT_ADMITTED, appointment=appointment, before=None, exceptions=exceptions)
    return appointment


@transaction.atomic
def appointment_enter(*, appointment: Appointment, on: dt.date, by: User, exception_reason: str = "") -> Appointment:
    """Records the actual entry (在站 from that day). A different day moves the planned exit with it."""
    appointment = _lock(appointment)
    _may_manage(by, appointment)
    _require(appointment.status == Status.ADMITTED, _("Only an admitted postdoc can enter the station."))
    policy = policy_for(appointment.station.institution_id)
    planned_exit = appointment.planned_exit_date
    if on != appointment.entry_date:
        planned_exit = add_months(on, full_months_between(appointment.entry_date, planned_exit))
    violations = not_in_future(on, today=_today(), field="on")
    violations += entry_fact_violations(
        person=appointment.person,
        station=appointment.station,
        workstation=appointment.workstation,
        entry_date=on,
        policy=policy,
    )
    violations += entry_violations(
        person=appointment.person, entry_date=on, planned_exit_date=planned_exit, policy=policy, appointment=appointment
    )
    accepted = _accept(violations, by=by, exception_reason=exception_reason)
    before = snapshot(appointment)
    with _counts_kept(appointment):
        appointment.entry_date, appointment.planned_exit_date = on, planned_exit
        appointment.status = Status.IN_STATION
        phd_date = appointment.person.phd_date
        if appointment.phd_certificate_on is None and phd_date is not None and phd_date <= on:
            # A PhD awarded before entry was shown at entry: nothing left to wait for.
            appointment.phd_certificate_on = on
        appointment.save(update_fields=["entry_date", "planned_exit_date", "status", "phd_certificate_on"])
    dates_changed(appointment)
    exceptions = _record_exceptions(appointment, accepted, by=by, reason=exception_reason)
    _audit(by=by, event=Event.APPOINTMENT_ENTERED, appointment=appointment, before=before, exceptions=exceptions)
    return appointment


@transaction.atomic
def appointment_extend(
    *, appointment: Appointment, until: dt.date, reason: str, by: User, exception_reason: str = ""
) -> Appointment:
    """Moves the planned exit later (延期). Repeatable."""
    appointment = _lock(appointment)
    _may_manage(by, appointment)
    _require(appointment.is_live, _("Only a postdoc in station can be extended."))
    _require(bool(reason.strip()), _("An extension needs a reason."), "reason")
    policy = policy_for(appointment.station.institution_id)
    accepted = _accept(
        extension_violations(appointment=appointment, until=until, policy=policy),
        by=by,
        exception_reason=exception_reason,
    )
    before = snapshot(appointment)
    Extension.objects.create(
        appointment=appointment,
        previous_exit_date=appointment.planned_exit_date,
        new_exit_date=until,
        reason=reason.strip(),
        recorded_by=by,
    )
    with _counts_kept(appointment):
        appointment.planned_exit_date = until
        appointment.status = Status.EXTENDED
        appointment.save(update_fields=["planned_exit_date", "status"])
    exceptions = _record_exceptions(appointment, accepted, by=by, reason=exception_reason)
    _audit(
        by=by,
        event=Event.APPOINTMENT_EXTENDED,
        appointment=appointment,
        before=before,
        exceptions=exceptions,
        note=reason,
    )
    return appointment


@transaction.atomic
def appointment_exit(*, appointment: Appointment, on: dt.date, by: User, exception_reason: str = "") -> Appointment:
    """Records the exit (出站)."""
    appointment = _lock(appointment)
    _may_manage(by, appointment)
    _require(appointment.is_live, _("Only a postdoc in station can exit."))
    policy = policy_for(appointment.station.institution_id)
    accepted = _accept(
        exit_violations(appointment=appointment, on=on, policy=policy, today=_today()),
        by=by,
        exception_reason=exception_reason,
    )
    return _end(appointment, Status.EXITED, on=on, by=by, accepted=accepted, exception_reason=exception_reason)


@transaction.atomic
def appointment_withdraw(
    *, appointment: Appointment, on: dt.date, ground: str, note: str = "", by: User
) -> Appointment:
    """Records a withdrawal (退站) with one of the recorded grounds."""
    appointment = _lock(appointment)
    _may_manage(by, appointment)
    _require(
        appointment.status in (Status.ADMITTED, *Appointment.LIVE_STATUSES),
        _("This appointment has already ended."),
    )
    _require(ground in Appointment.WithdrawalGround.values, _("Choose a ground for the withdrawal."), "ground")
    _accept(
        not_before_entry(appointment, on, field="on") + not_in_future(on, today=_today(), field="on"),
        by=by,
        exception_reason="",
    )
    appointment.withdrawal_ground = ground
    return _end(appointment, Status.WITHDRAWN, on=on, by=by, note=note, extra_fields=["withdrawal_ground"])


@transaction.atomic
def appointment_transfer(*, appointment: Appointment, on: dt.date, to: str, note: str = "", by: User) -> Appointment:
    """Records a transfer to another station (转站): the stay ends here without a certificate."""
    appointment = _lock(appointment)
    _may_manage(by, appointment)
    _require(appointment.is_live, _("Only a postdoc in station can transfer."))
    _require(bool(to.strip()), _("Name the station the postdoc transfers to."), "to")
    _accept(
        not_before_entry(appointment, on, field="on") + not_in_future(on, today=_today(), field="on"),
        by=by,
        exception_reason="",
    )
    appointment.transferred_to = to.strip()
    return _end(appointment, Status.TRANSFERRED, on=on, by=by, note=note, extra_fields=["transferred_to"])


# The event of each way out of the station.
_END_EVENTS: dict[str, Event] = {
    Status.EXITED: Event.APPOINTMENT_EXITED,
    Status.WITHDRAWN: Event.APPOINTMENT_WITHDRAWN,
    Status.TRANSFERRED: Event.APPOINTMENT_TRANSFERRED,
}


def _end(
    appointment: Appointment,
    status: str,
    *,
    on: dt.date,
    by: User,
    note: str = "",
    accepted: list[Violation] | None = None,
    exception_reason: str = "",
    extra_fields: list[str] | None = None,
) -> Appointment:
    before = snapshot(Appointment.objects.get(pk=appointment.pk))
    with _counts_kept(appointment):
        appointment.status = status
        appointment.ended_on = on
        appointment.end_note = note.strip()
        appointment.save(update_fields=["status", "ended_on", "end_note", *(extra_fields or [])])
    dates_changed(appointment)
    exceptions = _record_exceptions(appointment, accepted or [], by=by, reason=exception_reason)
    _audit(by=by, event=_END_EVENTS[status], appointment=appointment, before=before, exceptions=exceptions, note=note)
    return appointment


@transaction.atomic
def assessment_record(
    *,
    appointment: Appointment,
    kind: str,
    held_on: dt.date,
    grade: str,
    panel: str = "",
    comments: str = "",
    by: User,
) -> Assessment:
    """Records a proposal, mid-term, annual or exit assessment with its grade."""
    appointment = _lock(appointment)
    _may_manage(by, appointment)
    _require(appointment.is_live, _("Assessments are recorded for postdocs in station."))
    _require(kind in Assessment.Kind.values, _("Choose the kind of assessment."), "kind")
    _require(grade in Grade.values, _("Choose a grade."), "grade")
    _accept(
        not_before_entry(appointment, held_on, field="held_on")
        + not_in_future(held_on, today=_today(), field="held_on"),
        by=by,
        exception_reason="",
    )
    assessment = Assessment.objects.create(
        appointment=appointment,
        kind=kind,
        held_on=held_on,
        grade=grade,
        panel=panel.strip(),
        comments=comments.strip(),
        recorded_by=by,
    )
    passed_field = PASSED_ON_FIELDS.get(kind)
    if passed_field and assessment.passed and getattr(appointment, passed_field) is None:
        with _counts_kept(appointment):
            setattr(appointment, passed_field, held_on)
            appointment.save(update_fields=[passed_field])
    record_event(
        actor=by,
        event=Event.ASSESSMENT_RECORDED,
        target=assessment,
        parent=appointment,
        after=snapshot(assessment),
        institution=appointment.station.institution,
    )
    return assessment


@transaction.atomic
def phd_certificate_record(*, appointment: Appointment, received_on: dt.date, by: Actor) -> Appointment:
    """Records that the PhD certificate arrived (due within six months of entry)."""
    appointment = _lock(appointment)
    _may_manage(by, appointment)
    _accept(not_in_future(received_on, today=_today(), field="received_on"), by=by, exception_reason="")
    before = snapshot(appointment)
    with _counts_kept(appointment):
        appointment.phd_certificate_on = received_on
        appointment.save(update_fields=["phd_certificate_on"])
    _audit(by=by, event=Event.APPOINTMENT_PHD_CERTIFICATE, appointment=appointment, before=before, exceptions=[])
    return appointment


CORRECTABLE_FIELDS = ("primary_supervisor", "co_supervisor", "workstation", "route", "planned_exit_date")


@transaction.atomic
def appointment_correct(
    *,
    appointment: Appointment,
    by: User,
    exception_reason: str = "",
    note: str = "",
    **changes: Any,
) -> Appointment:
    """Corrects an appointment's details that are not transitions: supervisors, route, workstation,
    and the planned exit of a live appointment. The same rules as at admission apply."""
    unknown = sorted(set(changes) - set(CORRECTABLE_FIELDS))
    _require(not unknown, _("These details cannot be corrected here: %(fields)s.") % {"fields": ", ".join(unknown)})
    appointment = _lock(appointment)
    _may_manage(by, appointment)
    before = snapshot(appointment)
    due_before = due_key(appointment)
    for name, value in changes.items():
        setattr(appointment, name, value)
    institution_id = appointment.station.institution_id
    for supervisor, field in (
        (appointment.primary_supervisor, "primary_supervisor"),
        (appointment.co_supervisor, "co_supervisor"),
    ):
        if supervisor is not None:
            _require(
                supervisor.institution_id == institution_id,
                _("The supervisor %(name)s belongs to another institution.") % {"name": supervisor.name},
                field,
            )
    _require(
        appointment.co_supervisor_id is None or appointment.co_supervisor_id != appointment.primary_supervisor_id,
        _("The co-supervisor must differ from the supervisor."),
        "co_supervisor",
    )
    if appointment.route == Appointment.Route.JOINT:
        _require(
            appointment.workstation is not None and appointment.workstation.kind == Station.Kind.WORKSTATION,
            _("Joint training needs a workstation."),
            "workstation",
        )
    accepted: list[Violation] = []
    if {"primary_supervisor", "route", "workstation"} & set(changes):
        accepted += _accept(
            supervisor_violations(
                station=appointment.station,
                route=appointment.route,
                workstation=appointment.workstation,
                primary_supervisor=appointment.primary_supervisor,
            ),
            by=by,
            exception_reason=exception_reason,
        )
    if "planned_exit_date" in changes and changes["planned_exit_date"] != before["planned_exit_date"]:
        _require(
            appointment.is_live or appointment.status == Status.ADMITTED,
            _("The planned exit of an appointment that has ended cannot change."),
            "planned_exit_date",
        )
        accepted += _accept(
            entry_violations(
                person=appointment.person,
                entry_date=appointment.entry_date,
                planned_exit_date=appointment.planned_exit_date,
                policy=policy_for(institution_id),
                appointment=appointment,
            ),
            by=by,
            exception_reason=exception_reason,
        )
    appointment.save(update_fields=list(changes))
    due_counts_move(institution_id, due_before, due_key(appointment))  # a corrected planned exit
    exceptions = _record_exceptions(appointment, accepted, by=by, reason=exception_reason)
    _audit(
        by=by,
        event=Event.APPOINTMENT_CORRECTED,
        appointment=appointment,
        before=before,
        exceptions=exceptions,
        note=note,
    )
    return appointment


@dataclass
class ImportedPostdoc:
    """One postdoc of a workbook for `appointments_import`: a person not yet registered, and their
    appointment as the workbook gives it (admitted or in station, or ended on `ended_on`)."""

    name: str
    gender: str
    birth_date: dt.date
    id_type: str
    id_number: str
    nationality: str
    is_foreign: bool
    phd_institution: str
    phd_date: dt.date | None
    station: Station
    primary_supervisor: Supervisor
    workstation: Station | None
    route: str
    postdoc_no: str
    entry_date: dt.date
    planned_exit_date: dt.date | None
    status: str  # in_station, exited, withdrawn or transferred
    ended_on: dt.date | None
    exception_reason: str = ""
    exit_exception_reason: str = ""


@transaction.atomic
def appointments_import(
    *, institution: Institution, entries: list[ImportedPostdoc], by: Actor, note: str = ""
) -> list[DomainError | None]:
    """Registers many new postdocs with their appointments at once (a workbook import).

    Each entry passes the checks and rules of `person_create`, `appointment_admit`, `appointment_enter`
    and the ending transitions, without a query per entry. Nothing is written unless every entry
    passes; the result holds each entry's refusal (or None). Each entry (a person and their
    appointment) leaves one audit event, on the appointment, that records both.
    """
    _require(
        has_perm(by, Perm.MANAGE_APPOINTMENTS) and by.institution_id == institution.pk,
        _("You may not register postdocs for this institution."),
    )
    today = _today()
    policy = policy_for(institution.pk)
    numbers = [e.postdoc_no.strip() for e in entries]
    used_numbers = set(
        Appointment.objects.filter(institution=institution, postdoc_no__in=numbers)
        .order_by()
        .values_list("postdoc_no", flat=True)
    )
    ids = [e.id_number.strip().upper() for e in entries]
    registered = registered_ids(institution, zip((e.id_type for e in entries), ids, strict=True))
    may_admit: dict[int, bool] = {}
    errors: list[DomainError | None] = []
    people: list[Person] = []
    appointments: list[Appointment] = []
    accepted_by_entry: list[list[tuple[Violation, str]]] = []
    seen_numbers: set[str] = set()
    seen_ids: set[tuple[str, str]] = set()
    for entry, postdoc_no, id_number in zip(entries, numbers, ids, strict=True):
        try:
            station = entry.station
            if station.pk not in may_admit:
                may_admit[station.pk] = can_manage_station(by, station)
            _check_admission(
                may_admit=may_admit[station.pk],
                station=station,
                postdoc_no=postdoc_no,
                number_taken=postdoc_no in used_numbers or postdoc_no in seen_numbers,
                primary_supervisor=entry.primary_supervisor,
                route=entry.route,
                workstation=entry.workstation,
            )
            check_person_dates(birth_date=entry.birth_date, phd_date=entry.phd_date, today=today)
            check_identity(id_type=entry.id_type, id_number=id_number, birth_date=entry.birth_date)
            if (entry.id_type, id_number) in registered or (entry.id_type, id_number) in seen_ids:
                raise DomainError(_("A postdoc with this ID number is already registered."), field="id_number")
            person = new_record(
                Person,
                institution=institution,
                name=entry.name.strip(),
                gender=entry.gender,
                birth_date=entry.birth_date,
                id_type=entry.id_type,
                id_number=id_number,
                nationality=entry.nationality,
                is_foreign=entry.is_foreign,
                phd_institution=entry.phd_institution,
                phd_date=entry.phd_date,
            )
            appointment, accepted = _imported_appointment(entry, person, postdoc_no, policy, today, by)
            check_fields(person)
            check_fields(appointment)
        except DomainError as error:
            errors.append(error)
            continue
        seen_numbers.add(postdoc_no)
        seen_ids.add((entry.id_type, id_number))
        errors.append(None)
        people.append(person)
        appointments.append(appointment)
        accepted_by_entry.append(accepted)
    if any(errors):
        return errors
    insert_many(people)
    for person, appointment in zip(people, appointments, strict=True):
        appointment.person = person
    insert_many(appointments)
    month_counts_add(institution.pk, appointments)
    due_counts_add(institution.pk, appointments)
    exceptions = []
    events = EventBatch(actor=by, institution_id=institution.pk, note=note)
    for person, appointment, accepted in zip(people, appointments, accepted_by_entry, strict=True):
        recorded = []
        for violation, reason in accepted:
            exceptions.append(
                new_record(
                    PolicyException,
                    appointment=appointment,
                    rule=violation.rule,
                    message=violation.message,
                    reason=reason,
                    granted_by=by,
                )
            )
            recorded.append({"rule": violation.rule, "message": violation.message, "reason": reason})
        after = snapshot(appointment)
        if recorded:
            after["policy_exceptions"] = recorded
        person_after = snapshot(person)
        person_after["id_number"] = person.masked_id
        after["person"] = person_after
        events.add(event=Event.APPOINTMENT_IMPORTED, target=appointment, after=after)
    insert_many(exceptions)
    events.save()
    return errors


def _imported_appointment(
    entry: ImportedPostdoc, person: Person, postdoc_no: str, policy: Any, today: dt.date, by: Actor
) -> tuple[Appointment, list[tuple[Violation, str]]]:
    """The appointment in its final state, and the broken rules its reasons cover (else a refusal)."""
    planned_exit = entry.planned_exit_date or add_months(entry.entry_date, policy.normal_months)
    entered = entry.status != "in_station" or entry.entry_date <= today
    violations = entry_fact_violations(
        person=person, station=entry.station, workstation=entry.workstation, entry_date=entry.entry_date, policy=policy
    )
    violations += supervisor_violations(
        station=entry.station,
        route=entry.route,
        workstation=entry.workstation,
        primary_supervisor=entry.primary_supervisor,
    )
    violations += entry_violations(
        person=person, entry_date=entry.entry_date, planned_exit_date=planned_exit, policy=policy, others=()
    )
    if entered:
        violations += not_in_future(entry.entry_date, today=today, field="entry_date")
    accepted = [
        (v, entry.exception_reason) for v in _accept(violations, by=by, exception_reason=entry.exception_reason)
    ]
    appointment = new_record(
        Appointment,
        institution_id=entry.station.institution_id,
        person=person,
        station=entry.station,
        postdoc_no=postdoc_no,
        route=entry.route,
        workstation=entry.workstation,
        primary_supervisor=entry.primary_supervisor,
        entry_date=entry.entry_date,
        planned_exit_date=planned_exit,
        status=Status.IN_STATION if entered else Status.ADMITTED,
        created_by=by,
    )
    if entered and person.phd_date is not None and person.phd_date <= entry.entry_date:
        appointment.phd_certificate_on = entry.entry_date
    if entry.status == "in_station":
        return appointment, accepted
    on = entry.ended_on
    if on is None:  # the sentence made only when needed: an import brings 100,000s
        raise DomainError(_("A postdoc who has left the station needs the date they left."), field="on")
    if entry.status == Status.EXITED:
        reason = entry.exit_exception_reason
        exit_broken = _accept(
            exit_violations(appointment=appointment, on=on, policy=policy, today=today), by=by, exception_reason=reason
        )
        accepted += [(v, reason) for v in exit_broken]
    else:
        _accept(
            not_before_entry(appointment, on, field="on") + not_in_future(on, today=today, field="on"),
            by=by,
            exception_reason="",
        )
    appointment.status, appointment.ended_on = entry.status, on
    if entry.status == Status.WITHDRAWN:
        appointment.withdrawal_ground = Appointment.WithdrawalGround.OTHER
    elif entry.status == Status.TRANSFERRED:
        appointment.transferred_to = _("(not given in the workbook)")
    return appointment, accepted
