"""What apps above this one do when an appointment's dates change (outputs puts its outputs in the
phase the new dates give): they register a handler here in their `AppConfig.ready()`, and the
appointment services that record an entry or an end call `dates_changed` in their transaction.

Appointments may not import the apps above it (docs/decisions/0028).
"""

from collections.abc import Callable

from appointments.models import Appointment

DatesChanged = Callable[[Appointment], object]

_on_dates_changed: list[DatesChanged] = []


def on_dates_changed(handler: DatesChanged) -> None:
    if handler not in _on_dates_changed:
        _on_dates_changed.append(handler)


def dates_changed(appointment: Appointment) -> None:
    for handler in _on_dates_changed:
        handler(appointment)
