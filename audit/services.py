"""The one writer of audit events. Services call it inside their transaction."""

import datetime as dt
import functools
import inspect
from decimal import Decimal
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.query_utils import DeferredAttribute
from django.utils import timezone

from audit.events import Event
from audit.models import AuditEvent, AuditPayloadKeys
from audit.payload import Compactor
from core.actors import RecordedActor

# Never written to the append-only trail, whatever the record.
SECRET_FIELDS = frozenset({"password"})
# Kept for the database's search index, computed from the names the event records (core/search.py):
# writing them would add a hundred bytes to every person's event and a line of noise to their history.
DERIVED_FIELDS = frozenset({"name_grams"})


# The descriptors that hand out the value the record holds in its __dict__ (when it is loaded).
_PLAIN_DESCRIPTORS = (DeferredAttribute, ForeignKeyDeferredAttribute)
# Values that are JSON-ready as they are.
_JSON_READY = frozenset({str, int, bool, float, type(None)})


@functools.cache
def _snapshot_fields(model: type[models.Model]) -> tuple[tuple[str, str, bool], ...]:
    """(name, attname, whether the value may be read from the record's __dict__) of each field."""
    return tuple(
        (f.name, f.attname, type(inspect.getattr_static(model, f.attname, None)) in _PLAIN_DESCRIPTORS)
        for f in model._meta.concrete_fields
        if f.name not in SECRET_FIELDS and f.name not in DERIVED_FIELDS
    )


def snapshot(instance: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """The concrete field values of a record, as JSON-ready data (foreign keys as ids).

    A loaded value is read from the record's __dict__, as its descriptor would hand it out, and a
    plain one kept without further checks: a bulk import snapshots 100,000s of records."""
    data: dict[str, Any] = {}
    loaded = instance.__dict__
    for name, attname, plain in _snapshot_fields(type(instance)):
        if fields is not None and name not in fields:
            continue
        value = loaded[attname] if plain and attname in loaded else getattr(instance, attname)
        if type(value) in _JSON_READY:
            pass
        elif isinstance(value, (dt.date, dt.datetime)):
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
        compactor = Compactor()
        on_sqlite = connection.vendor == "sqlite"
        # SQLite keeps JSON as text: UTF-8 without spaces (a name in Chinese takes 3 bytes a
        # character, not 6 as \uXXXX); PostgreSQL's jsonb is binary whatever the text. One encoder
        # for the batch (`json.dumps(cls=...)` makes one for every value it encodes).
        encode = DjangoJSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
        for row in self.rows:
            row[0] = occurred_at
            for index, json_field in json_fields:
                if row[index] is not None:
                    data = compactor.compact(row[index])
                    row[index] = encode(data) if on_sqlite else json_field.get_db_prep_save(data, connection)
        _keys_record(compactor.keys)
        quote = connection.ops.quote_name
        columns = ", ".join(quote(name) for name in self.COLUMNS)
        placeholders = ", ".join(["%s"] * len(self.COLUMNS))
        table = quote(meta.db_table)
        sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608 - names from the model
        with connection.cursor() as cursor:
            for start in range(0, len(self.rows), 1000):
                cursor.executemany(sql, self.rows[start : start + 1000])
        self.rows = []


def _keys_record(keys: dict[str, tuple[str, ...]]) -> None:
    """Stores the sets of keys compact event data uses that the database does not hold yet (in the
    events' transaction: rolled back with them). A name standing for other keys than these would be
    a digest collision: refused rather than let an event read back wrong."""
    if not keys:
        return
    stored = dict(AuditPayloadKeys.objects.filter(name__in=keys).values_list("name", "keys"))
    for name, names in stored.items():
        if tuple(names) != keys[name]:
            raise RuntimeError(f"Audit data keys {name} stand for {names}, not {list(keys[name])}.")
    missing = [AuditPayloadKeys(name=name, keys=list(names)) for name, names in keys.items() if name not in stored]
    if missing:
        # bulk_create does not call save() (which refuses): the one place these rows are written.
        AuditPayloadKeys.objects.bulk_create(missing, ignore_conflicts=True)
