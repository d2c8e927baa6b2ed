"""Facts about a person that cannot be true, whoever records them (docs/decisions/0018).

These are not policy: no office decides that a birth date may lie in the future, so none of them
yields to a recorded exception. The page, the API and the workbook import reach them through the
same services (`person_create`, `person_update`, `appointments_import`), and the appointment rules
(`appointments/rules.py`) add the ones that need an entry date.
"""

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from core.dates import add_months, add_years
from core.errors import DomainError, RuleViolation, Violation
from people.models import Person

# The youngest a person can be at their PhD or at entry. No regulation names an age; a doctorate
# follows a bachelor's and a master's degree, and no office admits a minor to a labour contract.
ADULT_AGE = 18


def adult_from(birth_date: dt.date) -> dt.date:
    """The day a person born on `birth_date` turns 18 (29 February births on 28 February)."""
    return add_years(birth_date, ADULT_AGE)


def check_person_dates(*, birth_date: dt.date | None, phd_date: dt.date | None, today: dt.date | None = None) -> None:
    """Refuses a birth date in the future, and a PhD before the person turned 18."""
    today = today or timezone.localdate()
    if birth_date is None:
        return
    if birth_date > today:
        raise DomainError(
            _("The birth date %(date)s is in the future; a birth date must be on or before today.")
            % {"date": birth_date.isoformat()},
            field="birth_date",
        )
    if phd_date is not None and phd_date < adult_from(birth_date):
        raise DomainError(
            _(
                "The PhD date %(phd)s is before the person turned %(age)s (%(adult)s); "
                "a PhD is awarded to an adult, so one of the two dates is wrong."
            )
            % {"phd": phd_date.isoformat(), "age": ADULT_AGE, "adult": adult_from(birth_date).isoformat()},
            field="phd_date",
        )


# The PhD may follow entry only within the months a policy gives to show the certificate
# (Policy.phd_certificate_due_months, six by default: 博士学位证书 within six months of entry, else
# withdrawal on ground "no_phd_certificate"); the national default when no policy is at hand.
DEFAULT_CERTIFICATE_MONTHS = 6


def entry_violations_of_person(
    *, birth_date: dt.date, phd_date: dt.date | None, entry_date: dt.date, certificate_months: int
) -> list[Violation]:
    """A person too young at entry, or whose PhD comes after entry beyond the certificate window.

    None yields to an exception (docs/decisions/0018): each is a wrong date, not a policy choice."""
    violations = []
    if entry_date < adult_from(birth_date):
        violations.append(
            Violation(
                "entry_under_age",
                _("At entry on %(entry)s the person would be younger than %(age)s (born %(birth)s).")
                % {"entry": entry_date.isoformat(), "age": ADULT_AGE, "birth": birth_date.isoformat()},
                overridable=False,
                field="entry_date",
            )
        )
    if phd_date is not None and phd_date > add_months(entry_date, certificate_months):
        violations.append(
            Violation(
                "phd_after_entry",
                _(
                    "The PhD date %(phd)s is after the entry date %(entry)s; a PhD may follow entry only by the "
                    "%(months)s months allowed to show the certificate."
                )
                % {"phd": phd_date.isoformat(), "entry": entry_date.isoformat(), "months": certificate_months},
                overridable=False,
                field="phd_date",
            )
        )
    return violations


def check_stays(person: Person) -> None:
    """A correction of a person's dates must still fit every stay already recorded for them."""
    policy = getattr(person.institution, "policy", None)  # the appointments' policy, if the office set one
    months = policy.phd_certificate_due_months if policy is not None else DEFAULT_CERTIFICATE_MONTHS
    for entry_date in person.appointments.order_by("entry_date").values_list("entry_date", flat=True):
        violations = entry_violations_of_person(
            birth_date=person.birth_date, phd_date=person.phd_date, entry_date=entry_date, certificate_months=months
        )
        if violations:
            raise RuleViolation(violations)
