"""Policy rules for appointments (design.md "Policy defaults"; facts.md §1.2–1.5).

Each function returns the violations a change would cause; services decide what to do with them.
"""

import datetime as dt
from collections.abc import Iterable

from django.utils.translation import gettext as _

from appointments.models import Appointment, Assessment, Grade, Policy
from catalogue.models import Institution
from core.dates import add_months, full_months_between, full_years_between
from core.errors import Violation
from people.models import Person, Supervisor
from people.validity import entry_violations_of_person
from stations.models import Station


def policy_for(institution: Institution | int) -> Policy:
    """The institution's policy, or the national defaults if it has not set one."""
    institution_id = institution if isinstance(institution, int) else institution.pk
    return Policy.objects.filter(institution_id=institution_id).first() or Policy(institution_id=institution_id)


def months_spanned(start: dt.date, end: dt.date) -> int:
    """Months from start to end, a started month counting as a whole one."""
    months = full_months_between(start, end)
    return months + (1 if add_months(start, months) < end else 0)


def _span_end(appointment: Appointment) -> dt.date:
    return appointment.ended_on or appointment.planned_exit_date


def _other_spans(person: Person, exclude: Appointment | None) -> Iterable[tuple[dt.date, dt.date, str]]:
    others = Appointment.objects.filter(person=person)
    if exclude is not None and exclude.pk:
        others = others.exclude(pk=exclude.pk)
    for other in others.only("entry_date", "planned_exit_date", "ended_on", "postdoc_no"):
        yield other.entry_date, _span_end(other), other.postdoc_no


Span = tuple[dt.date, dt.date, str]  # (start, end, postdoc number) of another appointment


def span_violations(
    *,
    person: Person,
    start: dt.date,
    end: dt.date,
    policy: Policy,
    appointment: Appointment | None = None,
    others: Iterable[Span] | None = None,
) -> list[Violation]:
    """Overlap with the person's other appointments, and the total time across stations.

    The other appointments are read from the database unless given (a bulk import knows them)."""
    violations = []
    total = person.prior_postdoc_months + months_spanned(start, end)
    for other_start, other_end, other_no in _other_spans(person, appointment) if others is None else others:
        total += months_spanned(other_start, other_end)
        if other_start < end and start < other_end:
            violations.append(
                Violation(
                    "overlap",
                    _("This period overlaps appointment %(no)s of the same person (%(start)s to %(end)s).")
                    % {"no": other_no, "start": other_start.isoformat(), "end": other_end.isoformat()},
                    field="entry_date",
                )
            )
    if total > policy.max_total_months:
        violations.append(
            Violation(
                "max_total",
                _(
                    "The total time in postdoctoral stations would be %(total)s months; "
                    "the policy allows at most %(max)s months across stations."
                )
                % {"total": total, "max": policy.max_total_months},
                field="planned_exit_date",
            )
        )
    return violations


def entry_violations(
    *,
    person: Person,
    entry_date: dt.date,
    planned_exit_date: dt.date,
    policy: Policy,
    appointment: Appointment | None = None,
    others: Iterable[Span] | None = None,
) -> list[Violation]:
    violations = []
    if planned_exit_date <= entry_date:
        return [
            Violation(
                "exit_before_entry",
                _("The planned exit date must be after the entry date."),
                overridable=False,
                field="planned_exit_date",
            )
        ]
    age = full_years_between(person.birth_date, entry_date)
    if age > policy.max_entry_age:
        violations.append(
            Violation(
                "entry_age",
                _(
                    "Age at entry would be %(age)s; the policy allows at most %(max)s "
                    "(up to %(approved)s only with recorded approvals)."
                )
                % {"age": age, "max": policy.max_entry_age, "approved": policy.max_entry_age_with_approval},
                field="entry_date",
            )
        )
    if person.phd_date and add_months(person.phd_date, 12 * policy.max_years_since_phd) < entry_date:
        violations.append(
            Violation(
                "years_since_phd",
                _(
                    "The PhD was awarded more than %(max)s years before entry (%(phd)s); the policy allows at most %(max)s years."
                )
                % {"phd": person.phd_date.isoformat(), "max": policy.max_years_since_phd},
                field="entry_date",
            )
        )
    earliest = add_months(entry_date, _earliest_exit_months(person, policy))
    if planned_exit_date < earliest:
        violations.append(
            Violation(
                "earliest_exit",
                _("The planned exit is before %(earliest)s, the earliest exit the policy allows (%(months)s months).")
                % {"earliest": earliest.isoformat(), "months": _earliest_exit_months(person, policy)},
                field="planned_exit_date",
            )
        )
    violations += span_violations(
        person=person, start=entry_date, end=planned_exit_date, policy=policy, appointment=appointment, others=others
    )
    return violations


def _earliest_exit_months(person: Person, policy: Policy) -> int:
    return policy.min_months_before_exit_foreign if person.is_foreign else policy.min_months_before_exit


def not_in_future(day: dt.date, *, today: dt.date, field: str) -> list[Violation]:
    if day > today:
        return [
            Violation(
                "future_date",
                _("%(date)s is in the future; record it on or after the day it happens.") % {"date": day.isoformat()},
                overridable=False,
                field=field,
            )
        ]
    return []


def not_before_entry(appointment: Appointment, day: dt.date, *, field: str) -> list[Violation]:
    if day < appointment.entry_date:
        return [
            Violation(
                "before_entry",
                _("%(date)s is before the entry date %(entry)s.")
                % {"date": day.isoformat(), "entry": appointment.entry_date.isoformat()},
                overridable=False,
                field=field,
            )
        ]
    return []


def exit_violations(*, appointment: Appointment, on: dt.date, policy: Policy, today: dt.date) -> list[Violation]:
    hard = not_before_entry(appointment, on, field="on") + not_in_future(on, today=today, field="on")
    if hard:
        return hard
    violations = []
    months = _earliest_exit_months(appointment.person, policy)
    earliest = add_months(appointment.entry_date, months)
    if on < earliest:
        violations.append(
            Violation(
                "earliest_exit",
                _("An exit is allowed from %(earliest)s on, %(months)s months after entry.")
                % {"earliest": earliest.isoformat(), "months": months},
                field="on",
            )
        )
    if appointment.exit_assessed_on is None:
        violations.append(
            Violation(
                "exit_assessment",
                _("An exit needs a passed exit assessment; none is recorded."),
                field="on",
            )
        )
    return violations


def extension_violations(*, appointment: Appointment, until: dt.date, policy: Policy) -> list[Violation]:
    if until <= appointment.planned_exit_date:
        return [
            Violation(
                "extension_not_later",
                _("An extension must move the planned exit later than %(current)s.")
                % {"current": appointment.planned_exit_date.isoformat()},
                overridable=False,
                field="until",
            )
        ]
    violations = span_violations(
        person=appointment.person,
        start=appointment.entry_date,
        end=until,
        policy=policy,
        appointment=appointment,
    )
    if (
        policy.failed_assessment == Policy.FailedAssessment.REFUSE_EXTENSION
        and appointment.midterm_passed_on is None
        and appointment.assessments.filter(kind=Assessment.Kind.MIDTERM, grade=Grade.FAIL).exists()
    ):
        violations.append(
            Violation(
                "extension_after_failed_midterm",
                _(
                    "The mid-term assessment was failed and not yet passed: the policy refuses an extension until it is."
                ),
            )
        )
    return violations


# Records that cannot be true (docs/decisions/0018) ---------------------------------------------


def station_date_violations(*, station: Station, entry_date: dt.date, field: str = "entry_date") -> list[Violation]:
    """An entry before the station was established, or on or after the day it was revoked."""
    if entry_date < station.established_on:
        return [
            Violation(
                "entry_before_established",
                _("The entry date %(entry)s is before %(station)s was established (%(established)s).")
                % {
                    "entry": entry_date.isoformat(),
                    "station": station,
                    "established": station.established_on.isoformat(),
                },
                overridable=False,
                field=field,
            )
        ]
    if station.revoked_on is not None and entry_date >= station.revoked_on:
        return [
            Violation(
                "entry_after_revoked",
                _("The entry date %(entry)s is not before %(station)s was revoked (%(revoked)s).")
                % {"entry": entry_date.isoformat(), "station": station, "revoked": station.revoked_on.isoformat()},
                overridable=False,
                field=field,
            )
        ]
    return []


def entry_fact_violations(
    *, person: Person, station: Station, workstation: Station | None, entry_date: dt.date, policy: Policy
) -> list[Violation]:
    """What makes an entry date impossible: the person's age and PhD, the station's (and the joint-training
    workstation's) life. None of these yields to an exception."""
    violations = entry_violations_of_person(
        birth_date=person.birth_date,
        phd_date=person.phd_date,
        entry_date=entry_date,
        certificate_months=policy.phd_certificate_due_months,
    )
    violations += station_date_violations(station=station, entry_date=entry_date)
    if workstation is not None:
        violations += station_date_violations(station=workstation, entry_date=entry_date, field="workstation")
    return violations


def supervisor_violations(
    *, station: Station, route: str, workstation: Station | None, primary_supervisor: Supervisor
) -> list[Violation]:
    """The supervisor of a stay is one of its station's supervisors (or, in joint training, of the
    workstation's). A supervisor of another station takes part as the co-supervisor, which is how the
    records say that they supervise across stations; a supervisor registered at no station (an
    external one) may supervise anywhere. An office may record an exception (docs/decisions/0018)."""
    home = primary_supervisor.station_id
    allowed = {station.pk}
    if route == Appointment.Route.JOINT and workstation is not None:
        allowed.add(workstation.pk)
    if home is None or home in allowed:
        return []
    return [
        Violation(
            "supervisor_of_other_station",
            _(
                "%(name)s is a supervisor of another station; record them as the co-supervisor, "
                "and a supervisor of %(station)s as the supervisor."
            )
            % {"name": primary_supervisor.name, "station": station},
            field="primary_supervisor",
        )
    ]
