"""The keys of compact event data, stored once (audit.payload, docs/decisions/0069).

`before` and `after` become `PayloadField`, a JSONField that also reads the compact form: the same
column, so the change is to Django's state only (altering it on SQLite would copy the whole audit
table, 100,000s of rows, for nothing). Existing events are plain JSON objects and read as before.
"""

import django.core.serializers.json
from django.db import migrations, models

import audit.models


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="AuditPayloadKeys",
            fields=[
                ("name", models.CharField(max_length=12, primary_key=True, serialize=False)),
                ("keys", models.JSONField()),
            ],
            options={
                "verbose_name": "audit data keys",
                "verbose_name_plural": "audit data keys",
            },
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="auditevent",
                    name="after",
                    field=audit.models.PayloadField(
                        blank=True,
                        encoder=django.core.serializers.json.DjangoJSONEncoder,
                        null=True,
                        verbose_name="after",
                    ),
                ),
                migrations.AlterField(
                    model_name="auditevent",
                    name="before",
                    field=audit.models.PayloadField(
                        blank=True,
                        encoder=django.core.serializers.json.DjangoJSONEncoder,
                        null=True,
                        verbose_name="before",
                    ),
                ),
            ],
        ),
    ]
