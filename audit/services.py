"""The one writer of audit events. Services call it inside their transaction."""

import datetime as dt
import functools
from decimal import Decimal
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import connection, models
from django.utils import timezone

from audit.events import Event
from audit.models import AuditEvent
from core.actors import RecordedActor

# Never written to the append-only trail, whatever the record.
SECRET_FIELDS = frozenset({"password"})


@functools.cache
def _snapshot_fields(model: type[models.Model]) -> tuple[tuple[str, str], ...]:
    return tuple((f.name, f.attname) for f in model._meta.concrete_fields if f.name not in SECRET_FIELDS)


def snapshot(instance: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """The concrete field values of a record, as JSON-ready data (foreign keys as ids)."""
    data: dict[str, Any] = {}
    for name, attname in _snapshot_fields(type(instance)):
        if fields is not None and name not in fields:
            continue
        value = getattr(instance, attname)
        if isinstance(value, (dt.date, dt.datetime)):
            value = value.isoformat()
        elif isinstance(value, Decimal):
            value = str(value)
        data[name] = value
    return data


def record_event(
    *,
    actor: RecordedActor,
    event: Event,
    target: models.Model,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    parent: models.Model | None = None,
    institution: Any = None,
    note: str = "",
) -> AuditEvent:
    return AuditEvent.objects.create(
        actor_id=_account_id(actor),
        actor_label=_actor_label(actor),
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


def _account_id(actor: RecordedActor) -> int | None:
    """The saved account acting, if any (an accountless actor is recorded by its label only)."""
    return actor.pk if isinstance(actor, AbstractBaseUser) and actor.pk else None


def _actor_label(actor: RecordedActor) -> str:
    if isinstance(actor, AbstractBaseUser) and actor.pk:
        return actor.get_username()[:150]
    return str(actor or "system")[:150]


def _concrete(name: str) -> "models.Field[Any, Any]":
    field = AuditEvent._meta.get_field(name)
    assert isinstance(field, models.Field)
    return field


class EventBatch:
    """The audit events of a bulk service: one per record it writes, by one actor in one
    institution, gathered as rows and saved in a few statements (no model instance per event:
    at 100,000s of records their construction would cost more than the insert)."""

    COLUMNS = (
        "occurred_at",
        "actor_id",
        "actor_label",
        "institution_id",
        "event",
        "target_type",
        "target_id",
        "target_label",
        "parent_type",
        "parent_id",
        "before",
        "after",
        "note",
    )

    def __init__(self, *, actor: RecordedActor, institution_id: int | None, note: str = "") -> None:
        self.actor_id = _account_id(actor)
        self.actor_label = _actor_label(actor)
        self.institution_id, self.note = institution_id, note
        self.rows: list[list[Any]] = []

    def add(
        self,
        *,
        event: Event,
        target: models.Model,
        after: dict[str, Any] | None = None,
        before: dict[str, Any] | None = None,
        parent: models.Model | None = None,
    ) -> None:
        self.rows.append(
            [
                None,
                self.actor_id,
                self.actor_label,
                self.institution_id,
                event,
                target._meta.label_lower,
                str(target.pk),
                str(target)[:200],
                parent._meta.label_lower if parent is not None else "",
                str(parent.pk) if parent is not None else "",
                before,
                after,
                self.note,
            ]
        )

    def save(self) -> None:
        if not self.rows:
            return
        meta = AuditEvent._meta
        json_fields = [(self.COLUMNS.index(name), _concrete(name)) for name in ("before", "after")]
        occurred_at = _concrete("occurred_at").get_db_prep_save(timezone.now(), connection)
        for row in self.rows:
            row[0] = occurred_at
            for index, json_field in json_fields:
                if row[index] is not None:
                    row[index] = json_field.get_db_prep_save(row[index], connection)
        quote = connection.ops.quote_name
        columns = ", ".join(quote(name) for name in self.COLUMNS)
        placeholders = ", ".join(["%s"] * len(self.COLUMNS))
        table = quote(meta.db_table)
        sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608 - names from the model
        with connection.cursor() as cursor:
            for start in range(0, len(self.rows), 1000):
                cursor.executemany(sql, self.rows[start : start + 1000])
        self.rows = []
