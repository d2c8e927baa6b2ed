"""The parts of other apps' pages that outputs contributes (registered in outputs.apps): the
Outputs card of a postdoc's page."""

from typing import Any

from django.http import HttpRequest

from appointments.models import Appointment
from core.page_parts import PagePart
from outputs import services
from outputs.models import Output


def postdoc_outputs(request: HttpRequest, appointment: Appointment) -> dict[str, Any]:
    """The outputs card of a postdoc's page: one query, whatever the number of outputs."""
    outputs = list(appointment.outputs.order_by("-dated_on", "-id"))
    counts = {phase: sum(1 for o in outputs if o.phase == phase) for phase in Output.Phase.values}
    return {
        "outputs": outputs,
        "outputs_by_phase": [(label, counts[value]) for value, label in Output.Phase.choices if counts[value]],
        "outputs_may_record": services.may_record(request.user, appointment),
    }


POSTDOC_OUTPUTS = PagePart("outputs", "outputs/card.html", postdoc_outputs, order=20)
