"""The shipped catalogue's notes in English and Chinese (a Chinese page shows the Chinese note,
an English one the English, each falling back to the other), fills them for the rows already
loaded, and gives the institution a choice of how its pages write amounts (80,000 or 8万).

The certainty marks keep their values; their labels became the short words a page shows."""

from django.db import migrations, models

from funding.shipped import fill_notes


def forwards(apps, schema_editor):
    fill_notes(
        apps.get_model("funding", "Funder"),
        apps.get_model("funding", "Programme"),
        apps.get_model("funding", "GradeAmount"),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("funding", "0003_ship_funders_and_default_levels"),
    ]

    operations = [
        migrations.AddField(
            model_name="funder",
            name="level_note",
            field=models.TextField(blank=True, verbose_name="note on its level (English)"),
        ),
        migrations.AddField(
            model_name="funder",
            name="level_note_zh",
            field=models.TextField(blank=True, verbose_name="note on its level (Chinese)"),
        ),
        migrations.AddField(
            model_name="fundingrules",
            name="amount_style",
            field=models.CharField(
                choices=[
                    ("grouped", "80,000 yuan: digits grouped by thousands"),
                    ("wan", "8万 (8 wan yuan): in ten thousands, as Chinese notices write them"),
                ],
                default="grouped",
                max_length=10,
                verbose_name="amounts written as",
            ),
        ),
        migrations.AddField(
            model_name="gradeamount",
            name="note_zh",
            field=models.CharField(blank=True, max_length=300, verbose_name="note (Chinese)"),
        ),
        migrations.AddField(
            model_name="programme",
            name="note",
            field=models.TextField(blank=True, verbose_name="note (English)"),
        ),
        migrations.AddField(
            model_name="programme",
            name="note_zh",
            field=models.TextField(blank=True, verbose_name="note (Chinese)"),
        ),
        migrations.AlterField(
            model_name="gradeamount",
            name="certainty",
            field=models.CharField(
                choices=[
                    ("C", "confirmed"),
                    ("S", "secondary source"),
                    ("G", "our inference"),
                    ("!", "sources disagree"),
                ],
                max_length=1,
                verbose_name="certainty",
            ),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
