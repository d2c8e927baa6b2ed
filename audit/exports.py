"""The audit event of an export that carried full ID numbers (the workbook's and the lists')."""

from django.db import models
from django.utils.translation import gettext as _

from audit.events import Event
from audit.services import record_event
from core.actors import RecordedActor


def record_full_id_export(*, user: RecordedActor, institution: models.Model, postdoc_rows: int, note: str = "") -> None:
    """The audit event of an export that carried full ID numbers."""
    record_event(
        actor=user,
        event=Event.EXCHANGE_EXPORTED_WITH_IDS,
        target=institution,
        institution=institution,
        note=note
        or _("Exported the exchange workbook with full ID numbers (%(n)s postdoc rows).") % {"n": postdoc_rows},
    )
