"""Building and inserting many new records cheaply, for bulk services (a workbook import).

Django's `bulk_create` compiles its SQL value by value through the query compiler, which costs
more than the insert itself when a workbook brings 100,000s of records. `insert_many` prepares
each value once, as the field's own `get_db_prep_save` would, and sends multi-row INSERTs, reading
the new ids back with RETURNING (SQLite ≥ 3.35 and PostgreSQL, as Django's own bulk_create does).
"""

import datetime as dt
import functools
from collections.abc import Callable, Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.base import ModelState
from django.utils import timezone

ROWS_PER_STATEMENT = 500  # well below SQLite's 32,766 bound variables for our widest table


# Columns whose Python values the database drivers take as they are, when they are of these types:
# their `get_db_prep_save` would hand them on unchanged, through three calls per value.
_PLAIN = (models.CharField, models.TextField, models.IntegerField, models.BooleanField, models.ForeignKey)
_PLAIN_TYPES = (str, int, bool, type(None))


def _value_preparer(
    field: models.Field[Any, Any], connection: BaseDatabaseWrapper, now: dt.datetime
) -> Callable[[Any], Any]:
    """A function from a record to the value its column receives, as Django would prepare it."""
    attname = field.attname
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        # The records of one call are created at one moment: prepared once, set as pre_save would.
        stamp = now if isinstance(field, models.DateTimeField) else now.date()
        prepared = field.get_db_prep_save(stamp, connection)

        def stamped(obj: models.Model) -> Any:
            setattr(obj, attname, stamp)
            return prepared

        return stamped
    if isinstance(field, _PLAIN) and not isinstance(field, models.JSONField):

        def plain(obj: models.Model) -> Any:
            value = getattr(obj, attname)
            return value if isinstance(value, _PLAIN_TYPES) else field.get_db_prep_save(value, connection)

        return plain
    if type(field) is models.DateField:
        adapt = connection.ops.adapt_datefield_value  # what get_db_prep_value ends in, for a date

        def date(obj: models.Model) -> Any:
            value = getattr(obj, attname)
            return (
                adapt(value) if type(value) is dt.date or value is None else field.get_db_prep_save(value, connection)
            )

        return date
    return lambda obj: field.get_db_prep_save(getattr(obj, attname), connection)


def insert_many(objects: Sequence[models.Model]) -> None:
    """Saves new, unsaved records of one model and sets their primary keys."""
    if not objects:
        return
    connection = connections[DEFAULT_DB_ALIAS]  # the wrapper itself: not the proxy, read per value
    model = type(objects[0])
    # What a model's save derives from its fields (a name's pinyin sort key) is derived here too,
    # so that a bulk insert stores what saving one by one would.
    derive = getattr(model, "derive_on_save", None)
    if derive is not None:
        for obj in objects:
            derive(obj)
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields if f.column)
    row_sql = "(" + ", ".join(["%s"] * len(fields)) + ")"
    table, pk = quote(meta.db_table), quote(meta.pk.column) if meta.pk and meta.pk.column else "id"
    now = timezone.now()
    preparers = [_value_preparer(f, connection, now) for f in fields]
    with connection.cursor() as cursor:
        for start in range(0, len(objects), ROWS_PER_STATEMENT):
            chunk = objects[start : start + ROWS_PER_STATEMENT]
            params = [prepare(obj) for obj in chunk for prepare in preparers]
            values = ", ".join([row_sql] * len(chunk))
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES {values} RETURNING {pk}",  # noqa: S608 - names from the model
                params,
            )
            for obj, (new_id,) in zip(chunk, cursor.fetchall(), strict=True):
                obj.pk = new_id
                obj._state.adding = False
                obj._state.db = connection.alias


@functools.cache
def _blueprint(
    model: type[models.Model],
) -> tuple[
    dict[str, Any], tuple[tuple[str, Callable[[], Any]], ...], dict[str, models.ForeignKey[Any, Any]], frozenset[str]
]:
    fixed: dict[str, Any] = {}
    computed = []
    related = {}
    for field in model._meta.concrete_fields:
        if isinstance(field, models.ForeignKey):
            related[field.name] = field
        if field.has_default() and callable(field.default):
            computed.append((field.attname, field.get_default))
        else:
            fixed[field.attname] = field.get_default()
    return fixed, tuple(computed), related, frozenset(fixed) | {attname for attname, _ in computed}


def new_record[M: models.Model](model: type[M], /, **values: Any) -> M:
    """A new, unsaved record, as `model(**values)` makes it, at a quarter of the cost.

    `Model.__init__` resolves every keyword against every field and sends the init signals (which
    nothing in this project listens to); for 100,000s of records that is seconds. Here each field's
    default is known once per model, and a related record passed by its field name is stored as
    its id and cached, as the model's descriptor would (tests/core/test_bulk.py compares the two).
    """
    fixed, computed, related, attnames = _blueprint(model)
    record = model.__new__(model)
    record._state = ModelState()
    attributes = record.__dict__
    attributes.update(fixed)
    for attname, default in computed:
        attributes[attname] = default()
    for name, value in values.items():
        field = related.get(name)
        if field is not None:
            attributes[field.attname] = None if value is None else getattr(value, field.target_field.attname)
            field.set_cached_value(record, value)
        elif name in attnames:
            attributes[name] = value
        else:
            raise TypeError(f"{model.__name__}() got an unexpected keyword argument {name!r}")
    return record


def refresh_statistics(*model_classes: type[models.Model], using: str = DEFAULT_DB_ALIAS) -> None:
    """Tells PostgreSQL's planner what a bulk load just wrote (`ANALYZE`), before queries that
    join the new rows one record at a time. Without it the planner keeps the empty tables'
    statistics inside the loading transaction (autovacuum sees nothing uncommitted) and chose plans
    that took over a second per lookup: the demo's applications took minutes. SQLite needs nothing."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in model_classes:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")  # noqa: S608 (a model's own table)
