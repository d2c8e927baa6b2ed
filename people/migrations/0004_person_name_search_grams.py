"""A person's search grams and the database's index on them (docs/decisions/0066): an FTS5 table kept
by triggers on SQLite, a GIN index on the grams as an array on PostgreSQL."""

from typing import Any

from django.db import migrations, models

from core.search import name_grams

SQLITE = [
    # An external-content table: the grams stay in people_person, the index beside it; the triggers
    # keep it in the same transaction as every write, bulk ones included.
    "CREATE VIRTUAL TABLE people_person_grams USING fts5("
    "name_grams, content='people_person', content_rowid='id', tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER people_person_grams_insert AFTER INSERT ON people_person BEGIN "
    "INSERT INTO people_person_grams(rowid, name_grams) VALUES (new.id, new.name_grams); END",
    "CREATE TRIGGER people_person_grams_delete AFTER DELETE ON people_person BEGIN "
    "INSERT INTO people_person_grams(people_person_grams, rowid, name_grams) "
    "VALUES ('delete', old.id, old.name_grams); END",
    "CREATE TRIGGER people_person_grams_update AFTER UPDATE OF name_grams ON people_person BEGIN "
    "INSERT INTO people_person_grams(people_person_grams, rowid, name_grams) "
    "VALUES ('delete', old.id, old.name_grams); "
    "INSERT INTO people_person_grams(rowid, name_grams) VALUES (new.id, new.name_grams); END",
    "INSERT INTO people_person_grams(people_person_grams) VALUES ('rebuild')",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS people_person_grams_insert",
    "DROP TRIGGER IF EXISTS people_person_grams_delete",
    "DROP TRIGGER IF EXISTS people_person_grams_update",
    "DROP TABLE IF EXISTS people_person_grams",
]
POSTGRESQL = ["CREATE INDEX people_person_grams ON people_person USING gin (string_to_array(name_grams, ' '))"]
POSTGRESQL_DROP = ["DROP INDEX IF EXISTS people_person_grams"]


def fill_grams(apps: Any, schema_editor: Any) -> None:
    Person = apps.get_model("people", "Person")
    batch = []
    for person in Person.objects.only("name", "name_en", "name_sort").iterator(chunk_size=2000):
        person.name_grams = name_grams(person.name, person.name_en, person.name_sort)
        batch.append(person)
        if len(batch) == 2000:
            Person.objects.bulk_update(batch, ["name_grams"])
            batch = []
    Person.objects.bulk_update(batch, ["name_grams"])


def _run(statements: dict[str, list[str]]) -> Any:
    def run(apps: Any, schema_editor: Any) -> None:
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0003_supervisor_active_and_pinyin_sort_keys"),
    ]

    operations = [
        migrations.AddField(
            model_name="person",
            name="name_grams",
            field=models.TextField(blank=True, default="", editable=False, verbose_name="search grams"),
        ),
        migrations.RunPython(fill_grams, migrations.RunPython.noop),
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRESQL}),
            _run({"sqlite": SQLITE_DROP, "postgresql": POSTGRESQL_DROP}),
        ),
    ]
