"""Ships the discipline catalogue (catalogue/data/disciplines.csv) with every installation.

Codes an office has already entered are left as they are: administrators correct and extend the
catalogue in the admin, and a migration must not undo their work. The reverse step keeps the rows,
since appointments and stations may refer to them.
"""

import csv
from pathlib import Path

from django.db import migrations

CATALOGUE = Path(__file__).resolve().parent.parent / "data" / "disciplines.csv"


def read_catalogue(path: Path = CATALOGUE) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [{key: (value or "").strip() for key, value in row.items()} for row in csv.DictReader(handle)]


def load_catalogue(apps, schema_editor):
    Discipline = apps.get_model("catalogue", "Discipline")
    existing = set(Discipline.objects.values_list("code", flat=True))
    Discipline.objects.bulk_create(
        Discipline(
            code=row["code"],
            name_zh=row["name_zh"],
            name_en=row["name_en"],
            edition=row["edition"] or "2022",
            source=row["source"],
            source_marker=row["source_marker"] or "L",
            is_active=True,
        )
        for row in read_catalogue()
        if row["code"] not in existing
    )


class Migration(migrations.Migration):
    dependencies = [
        ("catalogue", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(load_catalogue, migrations.RunPython.noop),
    ]
