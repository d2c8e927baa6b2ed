"""When an output was made, told against the stay: before entry, in station, or after the stay.

The phase is stored with each output (the counts and the evaluation read it), so it is put right
whenever the stay's dates change: `rephase` is called by the appointment services that record an
entry or an end, through `appointments.reactions` (registered in outputs.apps).
"""

import datetime as dt

from django.db.models import Q

from appointments.models import Appointment
from outputs.models import Output

Phase = Output.Phase


def phase_of(day: dt.date, appointment: Appointment) -> str:
    """Before entry, in station (entry day included, the day the stay ended not: the figures'
    "in station on a date"), or after the stay."""
    if day < appointment.entry_date:
        return Phase.BEFORE_ENTRY
    if appointment.ended_on is not None and day >= appointment.ended_on:
        return Phase.AFTER_EXIT
    return Phase.IN_STATION


def rephase(appointment: Appointment) -> int:
    """Puts the appointment's outputs in the phase its dates now give; returns how many moved.
    No audit event of its own: the appointment's event records the change of dates that caused it."""
    outputs = Output.objects.filter(appointment_id=appointment.pk).order_by()
    before_entry = Q(dated_on__lt=appointment.entry_date)
    after_exit = Q(dated_on__gte=appointment.ended_on) if appointment.ended_on is not None else Q(pk__in=[])
    moved = outputs.filter(before_entry).exclude(phase=Phase.BEFORE_ENTRY).update(phase=Phase.BEFORE_ENTRY)
    moved += (
        outputs.filter(after_exit).exclude(before_entry).exclude(phase=Phase.AFTER_EXIT).update(phase=Phase.AFTER_EXIT)
    )
    moved += (
        outputs.exclude(before_entry).exclude(after_exit).exclude(phase=Phase.IN_STATION).update(phase=Phase.IN_STATION)
    )
    return moved
