"""Inserting many new records in few statements, for bulk services (a workbook import).

Django's `bulk_create` compiles its SQL value by value through the query compiler, which costs
more than the insert itself when a workbook brings 100,000s of records. `insert_many` prepares
each value once with the field's own `get_db_prep_save` and sends multi-row INSERTs, reading the
new ids back with RETURNING (SQLite ≥ 3.35 and PostgreSQL, as Django's own bulk_create does).
"""

from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection, models

ROWS_PER_STATEMENT = 500  # well below SQLite's 32,766 bound variables for our widest table


# Columns whose Python values the database drivers take as they are, when they are of these types:
# their `get_db_prep_save` would hand them on unchanged, through three calls per value.
_PLAIN = (models.CharField, models.TextField, models.IntegerField, models.BooleanField, models.ForeignKey)
_PLAIN_TYPES = (str, int, bool, type(None))


def _value_preparer(field: models.Field) -> Callable[[models.Model], Any]:  # type: ignore[type-arg]
    """A function from a record to the value its column receives, as Django would prepare it."""
    attname = field.attname
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return lambda obj: field.get_db_prep_save(field.pre_save(obj, True), connection)
    if isinstance(field, _PLAIN) and not isinstance(field, models.JSONField):

        def plain(obj: models.Model) -> Any:
            value = getattr(obj, attname)
            return value if isinstance(value, _PLAIN_TYPES) else field.get_db_prep_save(value, connection)

        return plain
    return lambda obj: field.get_db_prep_save(getattr(obj, attname), connection)


def insert_many(objects: Sequence[models.Model]) -> None:
    """Saves new, unsaved records of one model and sets their primary keys."""
    if not objects:
        return
    model = type(objects[0])
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields if f.column)
    row_sql = "(" + ", ".join(["%s"] * len(fields)) + ")"
    table, pk = quote(meta.db_table), quote(meta.pk.column) if meta.pk and meta.pk.column else "id"
    preparers = [_value_preparer(f) for f in fields]
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
