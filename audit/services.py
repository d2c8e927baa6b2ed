"""The one writer of audit events. Services call it inside their transaction."""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import connection, models
from django.utils import timezone

from audit.models import AuditEvent
from core.bulk import value_preparer

# Never written to the append-only trail, whatever the record.
SECRET_FIELDS = frozenset({"password"})


def snapshot(instance: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """The concrete field values of a record, as JSON-ready data (foreign keys as ids)."""
    data: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        if field.name in SECRET_FIELDS or (fields is not None and field.name not in fields):
            continue
        value = getattr(instance, field.attname)
        if isinstance(value, (dt.date, dt.datetime)):
            value = value.isoformat()
        elif isinstance(value, Decimal):
            value = str(value)
        data[field.name] = value
    return data


def new_event(
    *,
    actor: Any,
    event: str,
    target: models.Model,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    parent: models.Model | None = None,
    institution: Any = None,
    note: str = "",
) -> AuditEvent:
    """An audit event not yet saved: `record_event` saves one, `record_events` many at once."""
    return AuditEvent(
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=(actor.get_username() if getattr(actor, "pk", None) else str(actor or "system"))[:150],
        institution=institution,
        event=event,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        target_label=str(target)[:200],
        parent_type=parent._meta.label_lower if parent is not None else "",
        parent_id=str(parent.pk) if parent is not None else "",
        before=before,
        after=after,
        note=note,
    )


def record_event(
    *,
    actor: Any,
    event: str,
    target: models.Model,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    parent: models.Model | None = None,
    institution: Any = None,
    note: str = "",
) -> AuditEvent:
    saved = new_event(
        actor=actor,
        event=event,
        target=target,
        before=before,
        after=after,
        parent=parent,
        institution=institution,
        note=note,
    )
    saved.save()
    return saved


def record_events(events: list[AuditEvent]) -> None:
    """Saves many events at once: bulk services leave one event per record they write.

    One prepared INSERT run with executemany: the events need no ids back, and Django's
    bulk_create compiles SQL per object, which costs more than the insert itself at 100,000s."""
    if not events:
        return
    fields = [f for f in AuditEvent._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(f.attname) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608 - names from the model
    now = timezone.now()
    preparers = [value_preparer(f) for f in fields]
    rows = []
    for event in events:
        event.occurred_at = now
        rows.append(tuple(prepare(event) for prepare in preparers))
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 1000):
            cursor.executemany(sql, rows[start : start + 1000])
