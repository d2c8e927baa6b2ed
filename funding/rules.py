"""The programmes' rules (docs/decisions/0044), each off, a warning or a refusal per institution
(`FundingRules`). The checks are pure functions of what the caller already knows, so the bulk path
(a workbook import) runs them without a query per project.

- once per station: a programme with `once_per_station` is awarded at most once to the same person
  at the same station, counting the person's other appointments there (CPSF 面上资助, facts.md §3);
- the eligible period: an application to a programme with `apply_within_months` is made within that
  many months of the holder's entry (CPSF 面上资助: 18, "within 1.5 years of entry");
- the extension commitment: an application to a programme with `needs_extension_commitment` needs
  the office's commitment to extend the appointment to the grant's end, unless the appointment
  already runs that long (NSFC 2012 guide, facts.md §1.3).
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from core.dates import add_months
from core.errors import DomainError
from funding.models import FundingRules, Programme, RuleMode

RULES = ("once_per_station", "apply_window", "extension_commitment")


@dataclass(frozen=True)
class Breach:
    """A rule a write would break: the rule (a `FundingRules` field), its sentence and the field."""

    rule: str
    message: str
    field: str


class RuleWarning(DomainError):
    """Rules in "warn" mode that a write would break. The person sees the sentences and may go on by
    acknowledging them (`acknowledged=True`); the audit event then records what was acknowledged."""

    def __init__(self, breaches: list[Breach]) -> None:
        super().__init__(" ".join(breach.message for breach in breaches), field=breaches[0].field)
        self.breaches = breaches


def once_per_station_breach(
    *, programme: Programme | None, awarded_before: bool, holder_name: str, station_name: str
) -> Breach | None:
    """`awarded_before`: the same person already holds an award of the programme at the station."""
    if programme is None or not programme.once_per_station or not awarded_before:
        return None
    return Breach(
        "once_per_station",
        _("%(programme)s is awarded at most once per station, and %(name)s already has it at %(station)s.")
        % {"programme": programme.name_zh, "name": holder_name, "station": station_name},
        "programme_ref",
    )


def apply_window_breach(
    *, programme: Programme | None, entry_date: dt.date, applied_on: dt.date | None
) -> Breach | None:
    if programme is None or programme.apply_within_months is None or applied_on is None:
        return None
    last = add_months(entry_date, programme.apply_within_months)
    if applied_on <= last:
        return None
    return Breach(
        "apply_window",
        _(
            "Applications to %(programme)s are made within %(months)s months of entry: by %(last)s for a postdoc who entered on %(entry)s."
        )
        % {
            "programme": programme.name_zh,
            "months": programme.apply_within_months,
            "last": last.isoformat(),
            "entry": entry_date.isoformat(),
        },
        "applied_on",
    )


def extension_commitment_breach(
    *,
    programme: Programme | None,
    commitment_until: dt.date | None,
    period_end: dt.date | None,
    planned_exit: dt.date,
) -> Breach | None:
    if programme is None or not programme.needs_extension_commitment:
        return None
    if period_end is not None and planned_exit >= period_end:
        return None  # the appointment already runs to the grant's end
    if commitment_until is None:
        return Breach(
            "extension_commitment",
            _(
                "An application to %(programme)s needs the office's commitment to extend the appointment to the end of the grant: give the date it is committed until."
            )
            % {"programme": programme.name_zh},
            "extension_commitment_until",
        )
    if period_end is not None and commitment_until < period_end:
        return Breach(
            "extension_commitment",
            _("The office's commitment to extend the appointment (until %(until)s) ends before the grant (%(end)s).")
            % {"until": commitment_until.isoformat(), "end": period_end.isoformat()},
            "extension_commitment_until",
        )
    return None


def enforce(breaches: Iterable[Breach | None], rules: FundingRules, *, acknowledged: bool) -> list[Breach]:
    """Refuses a breach of a rule in "refuse" mode (a DomainError naming the rule) and, unless
    acknowledged, warns of those in "warn" mode (RuleWarning); rules "off" are not checked. Returns
    the acknowledged warnings, for the audit event."""
    found = [breach for breach in breaches if breach is not None]
    refused = [breach for breach in found if getattr(rules, breach.rule) == RuleMode.REFUSE]
    if refused:
        raise DomainError(" ".join(breach.message for breach in refused), field=refused[0].field)
    warned = [breach for breach in found if getattr(rules, breach.rule) == RuleMode.WARN]
    if warned and not acknowledged:
        raise RuleWarning(warned)
    return warned


def acknowledged_note(warnings: list[Breach]) -> str:
    if not warnings:
        return ""
    return _("Acknowledged warning: %(text)s") % {"text": " ".join(breach.message for breach in warnings)}
