"""A trigram index on postdoc numbers for the list's number search (docs/decisions/0070), on
PostgreSQL only: SQLite scans the list's covering index, which holds the number."""

from typing import Any

from django.db import migrations

# The expression is the one Django's `icontains` writes on PostgreSQL, so the planner can use it.
CREATE = (
    "CREATE INDEX IF NOT EXISTS appt_postdoc_no_trgm ON appointments_appointment "
    "USING gin (UPPER(postdoc_no::text) gin_trgm_ops)"
)
DROP = "DROP INDEX IF EXISTS appt_postdoc_no_trgm"


def _on_postgresql(sql: list[str]) -> Any:
    def run(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            for statement in sql:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("appointments", "0006_postdoc_list_order_index"),
    ]

    operations = [
        migrations.RunPython(
            # pg_trgm ships with PostgreSQL (contrib) and is a trusted extension: the database's owner
            # may create it without being a superuser.
            _on_postgresql(["CREATE EXTENSION IF NOT EXISTS pg_trgm", CREATE]),
            _on_postgresql([DROP]),
        ),
    ]
