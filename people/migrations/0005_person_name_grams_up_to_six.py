"""Every person's grams again, now with pieces of up to six letters (docs/decisions/0075). The old
grams are a subset of the new, so the step back keeps them: a search with pieces of three still
finds the same people."""

from typing import Any

from django.db import migrations

from core.search import name_grams

BATCH = 5000


def refill_grams(apps: Any, schema_editor: Any) -> None:
    Person = apps.get_model("people", "Person")
    table = schema_editor.connection.ops.quote_name(Person._meta.db_table)
    rows = (
        Person.objects.using(schema_editor.connection.alias)
        .order_by("pk")
        .values_list("pk", "name", "name_en", "name_sort")
    )
    last = 0
    with schema_editor.connection.cursor() as cursor:
        while batch := list(rows.filter(pk__gt=last)[:BATCH]):
            cursor.executemany(
                f"UPDATE {table} SET name_grams = %s WHERE id = %s",
                [(name_grams(name, name_en, name_sort), pk) for pk, name, name_en, name_sort in batch],
            )
            last = batch[-1][0]


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0004_person_name_search_grams"),
    ]

    operations = [
        migrations.RunPython(refill_grams, migrations.RunPython.noop),
    ]
