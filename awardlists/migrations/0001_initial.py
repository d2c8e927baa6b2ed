"""The award lists' app under its one name (docs/decisions/0062). It was `batchlists` (BatchList, BatchRow,
batch_list) until issue 14; this migration replaces that app's two migrations.

The models' state is declared as it is now; the database is either created (a new installation) or adopted
(a database of the previous release, whose tables, column, content types, permissions, audit rows and
migration records still say batchlists/batch_list): `adopt_or_create` decides by looking for the old table.

award-rename: keep (the rename script must not touch this file: it names the old tables on purpose)
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.migrations.recorder import MigrationRecorder

import awardlists.models

OLD_APP, NEW_APP = "batchlists", "awardlists"
OLD_LAST_MIGRATION = "0002_row_doubts_and_likely_host_names"
# model name now → (model name then, table then)
OLD_MODELS = {
    "hostname": ("hostname", "batchlists_hostname"),
    "awardlist": ("batchlist", "batchlists_batchlist"),
    "awardlistrow": ("batchrow", "batchlists_batchrow"),
}
OLD_COLUMN, NEW_COLUMN = "batch_list_id", "award_list_id"  # the row's list
OLD_INDEX = "batchlists__institu_51e3f6_idx"  # the list's (institution, -created_at) index
# constraint name now → then
OLD_CONSTRAINTS = {
    "award_list_confirmed_pair": "batch_list_confirmed_pair",
    "award_list_discarded_pair": "batch_list_discarded_pair",
    "award_list_confirmed_has_date": "batch_list_confirmed_has_date",
    "award_list_row_unique": "batch_row_unique",
    "award_list_row_accepted_has_postdoc": "batch_row_accepted_has_postdoc",
    "award_list_row_exact_names_the_institution": "batch_row_exact_names_the_institution",
}
# event prefix then → now ("batch_list.uploaded" → "award_list.uploaded", "batch_row.chosen" → "award_list_row.chosen")
OLD_EVENT_PREFIXES = {"batch_list.": "award_list.", "batch_row.": "award_list_row."}


class OldReleaseMissing(RuntimeError):
    pass


def adopt_or_create(apps, schema_editor):
    models_now = [apps.get_model(NEW_APP, name) for name in ("HostName", "AwardList", "AwardListRow")]
    if OLD_MODELS["awardlist"][1] not in schema_editor.connection.introspection.table_names():
        for model in models_now:
            schema_editor.create_model(model)
        return
    applied = MigrationRecorder(schema_editor.connection).applied_migrations()
    if (OLD_APP, OLD_LAST_MIGRATION) not in applied:
        raise OldReleaseMissing(
            "This database holds award lists of a release older than the one before this: migrate it with the "
            f"previous release first (up to {OLD_APP} {OLD_LAST_MIGRATION}), then with this one."
        )
    adopt_tables(schema_editor, *models_now)
    adopt_records(apps, schema_editor)


def _renamed(constraint, name):
    path, args, kwargs = constraint.deconstruct()
    return type(constraint)(*args, **{**kwargs, "name": name})


def adopt_tables(schema_editor, host_name, award_list, row):
    """The old tables under the new names, with the new names of their column, index and constraints.
    On SQLite a constraint change remakes the table from the model (then already in its final shape), so
    the index is renamed first, while it still exists under its old name."""
    for model in (host_name, award_list, row):
        schema_editor.alter_db_table(model, OLD_MODELS[model._meta.model_name][1], model._meta.db_table)
    (index,) = award_list._meta.indexes
    schema_editor.rename_index(award_list, _renamed(index, OLD_INDEX), index)
    schema_editor.execute(
        schema_editor.sql_rename_column
        % {
            "table": schema_editor.quote_name(row._meta.db_table),
            "old_column": schema_editor.quote_name(OLD_COLUMN),
            "new_column": schema_editor.quote_name(NEW_COLUMN),
        }
    )
    for model in (award_list, row):
        for constraint in model._meta.constraints:
            if constraint.name in OLD_CONSTRAINTS:
                schema_editor.remove_constraint(model, _renamed(constraint, OLD_CONSTRAINTS[constraint.name]))
                schema_editor.add_constraint(model, constraint)


def adopt_records(apps, schema_editor):
    """What names the models outside their tables: content types (and their permissions' codenames), the
    audit trail's events and record types, and the old app's migration records."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    AuditEvent = apps.get_model("audit", "AuditEvent")  # the historical model: no append-only manager
    for new_model, (old_model, _table) in OLD_MODELS.items():
        stale = ContentType.objects.filter(app_label=NEW_APP, model=new_model)
        Permission.objects.filter(content_type__in=stale).delete()
        stale.delete()
        for content_type in ContentType.objects.filter(app_label=OLD_APP, model=old_model):
            content_type.app_label, content_type.model = NEW_APP, new_model
            content_type.save(update_fields=["app_label", "model"])
            for permission in Permission.objects.filter(content_type=content_type):
                action, _sep, name = permission.codename.rpartition("_")
                if name == old_model:
                    permission.codename = f"{action}_{new_model}"
                    permission.save(update_fields=["codename"])
        old_type, new_type = f"{OLD_APP}.{old_model}", f"{NEW_APP}.{new_model}"
        AuditEvent.objects.filter(target_type=old_type).update(target_type=new_type)
        AuditEvent.objects.filter(parent_type=old_type).update(parent_type=new_type)
    for old_prefix, new_prefix in OLD_EVENT_PREFIXES.items():
        events = AuditEvent.objects.filter(event__startswith=old_prefix).values_list("event", flat=True).distinct()
        for event in list(events):
            AuditEvent.objects.filter(event=event).update(event=new_prefix + event.removeprefix(old_prefix))
    MigrationRecorder(schema_editor.connection).migration_qs.filter(app=OLD_APP).delete()


def drop(apps, schema_editor):
    """Back before this app: its tables go, as an initial migration's would (no way back to the old name)."""
    for name in ("AwardListRow", "AwardList", "HostName"):
        schema_editor.delete_model(apps.get_model(NEW_APP, name))


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("appointments", "0004_policy_failed_assessment"),
        ("catalogue", "0002_load_discipline_catalogue"),
        ("funding", "0004_notes_in_both_languages_and_amount_style"),
        ("audit", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="AwardList",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "batch",
                            models.CharField(
                                help_text="As the funder names it, e.g. 第69批.", max_length=50, verbose_name="batch"
                            ),
                        ),
                        ("awarded_on", models.DateField(verbose_name="awarded on")),
                        ("original_name", models.CharField(max_length=255, verbose_name="file name")),
                        (
                            "file",
                            models.FileField(
                                max_length=500, upload_to=awardlists.models.upload_to, verbose_name="file"
                            ),
                        ),
                        ("size", models.PositiveBigIntegerField(default=0, verbose_name="size in bytes")),
                        ("sha256", models.CharField(max_length=64, verbose_name="SHA-256 of the upload")),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("checked", "checked, to be confirmed"),
                                    ("confirmed", "confirmed"),
                                    ("discarded", "discarded"),
                                ],
                                db_index=True,
                                default="checked",
                                max_length=20,
                                verbose_name="status",
                            ),
                        ),
                        ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="uploaded at")),
                        ("confirmed_at", models.DateTimeField(blank=True, null=True, verbose_name="confirmed at")),
                        ("discarded_at", models.DateTimeField(blank=True, null=True, verbose_name="discarded at")),
                        ("row_count", models.PositiveIntegerField(default=0, verbose_name="rows of the institution")),
                        ("exact_count", models.PositiveIntegerField(default=0, verbose_name="exact matches")),
                        ("uncertain_count", models.PositiveIntegerField(default=0, verbose_name="uncertain matches")),
                        ("unmatched_count", models.PositiveIntegerField(default=0, verbose_name="unmatched rows")),
                        (
                            "other_count",
                            models.PositiveIntegerField(default=0, verbose_name="rows of other institutions"),
                        ),
                        ("awarded_count", models.PositiveIntegerField(default=0, verbose_name="awards created")),
                        ("already_count", models.PositiveIntegerField(default=0, verbose_name="rows already awarded")),
                        (
                            "other_institutions",
                            models.JSONField(
                                blank=True, default=dict, verbose_name="other institutions and their rows"
                            ),
                        ),
                        (
                            "warnings",
                            models.JSONField(blank=True, default=list, verbose_name="warnings of the reading"),
                        ),
                        (
                            "confirmed_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="confirmed by",
                            ),
                        ),
                        (
                            "created_by",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="uploaded by",
                            ),
                        ),
                        (
                            "discarded_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="discarded by",
                            ),
                        ),
                        (
                            "institution",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="award_lists",
                                to="catalogue.institution",
                                verbose_name="institution",
                            ),
                        ),
                        (
                            "programme",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="award_lists",
                                to="funding.programme",
                                verbose_name="programme",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "award list",
                        "verbose_name_plural": "award lists",
                        "ordering": ["-created_at", "-id"],
                    },
                ),
                migrations.CreateModel(
                    name="AwardListRow",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("sheet", models.CharField(blank=True, max_length=100, verbose_name="sheet")),
                        ("number", models.PositiveIntegerField(verbose_name="row")),
                        ("seq", models.CharField(blank=True, max_length=20, verbose_name="序号")),
                        ("province", models.CharField(blank=True, max_length=50, verbose_name="省份")),
                        ("institution_name", models.CharField(blank=True, max_length=200, verbose_name="设站单位名称")),
                        ("name", models.CharField(max_length=100, verbose_name="姓名")),
                        ("postdoc_no", models.CharField(blank=True, max_length=30, verbose_name="博士后编号")),
                        ("discipline", models.CharField(blank=True, max_length=100, verbose_name="一级学科")),
                        ("grade", models.CharField(blank=True, max_length=40, verbose_name="资助等级")),
                        ("discipline_code", models.CharField(blank=True, max_length=4, verbose_name="discipline code")),
                        (
                            "programme_grade",
                            models.CharField(blank=True, max_length=40, verbose_name="the programme's grade"),
                        ),
                        (
                            "outcome",
                            models.CharField(
                                choices=[("exact", "exact"), ("uncertain", "uncertain"), ("unmatched", "unmatched")],
                                max_length=20,
                                verbose_name="match outcome",
                            ),
                        ),
                        (
                            "candidates",
                            models.JSONField(blank=True, default=list, verbose_name="candidates (appointment ids)"),
                        ),
                        ("notes", models.JSONField(blank=True, default=list, verbose_name="notes on the match")),
                        (
                            "doubts",
                            models.JSONField(
                                blank=True,
                                default=dict,
                                help_text="The candidates whose names only sound the same or differ by one character, and which.",
                                verbose_name="candidates with a near name",
                            ),
                        ),
                        (
                            "host_likely",
                            models.BooleanField(
                                default=False,
                                help_text="The row's 设站单位名称 is only a likely form of the institution's name (渝州医大).",
                                verbose_name="the institution's name reads differently",
                            ),
                        ),
                        (
                            "decision",
                            models.CharField(
                                blank=True,
                                choices=[("", "not decided"), ("accept", "award this row"), ("skip", "skip this row")],
                                max_length=10,
                                verbose_name="decision",
                            ),
                        ),
                        (
                            "already_awarded",
                            models.BooleanField(default=False, verbose_name="awarded before this list was confirmed"),
                        ),
                        (
                            "appointment",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="appointments.appointment",
                                verbose_name="postdoc",
                            ),
                        ),
                        (
                            "award_list",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="rows",
                                to="awardlists.awardlist",
                                verbose_name="award list",
                            ),
                        ),
                        (
                            "project",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="funding.project",
                                verbose_name="the award (project)",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "row of an award list",
                        "verbose_name_plural": "rows of award lists",
                        "ordering": ["award_list", "sheet", "number"],
                    },
                ),
                migrations.CreateModel(
                    name="HostName",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("name", models.CharField(max_length=200, verbose_name="name")),
                        ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="added at")),
                        (
                            "created_by",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="added by",
                            ),
                        ),
                        (
                            "institution",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="host_names",
                                to="catalogue.institution",
                                verbose_name="institution",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "name in funders' lists",
                        "verbose_name_plural": "names in funders' lists",
                        "ordering": ["name"],
                    },
                ),
                migrations.AddIndex(
                    model_name="awardlist",
                    index=models.Index(fields=["institution", "-created_at"], name="awardlists__institu_d5bfc6_idx"),
                ),
                migrations.AddConstraint(
                    model_name="awardlist",
                    constraint=models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("confirmed_at__isnull", True), ("confirmed_by__isnull", True)),
                            models.Q(("confirmed_at__isnull", False), ("confirmed_by__isnull", False)),
                            _connector="OR",
                        ),
                        name="award_list_confirmed_pair",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="awardlist",
                    constraint=models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("discarded_at__isnull", True), ("discarded_by__isnull", True)),
                            models.Q(("discarded_at__isnull", False), ("discarded_by__isnull", False)),
                            _connector="OR",
                        ),
                        name="award_list_discarded_pair",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="awardlist",
                    constraint=models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("status", "confirmed"), _negated=True),
                            ("confirmed_at__isnull", False),
                            _connector="OR",
                        ),
                        name="award_list_confirmed_has_date",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="awardlistrow",
                    constraint=models.UniqueConstraint(
                        fields=("award_list", "sheet", "number"), name="award_list_row_unique"
                    ),
                ),
                migrations.AddConstraint(
                    model_name="awardlistrow",
                    constraint=models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("decision", "accept"), _negated=True),
                            ("appointment__isnull", False),
                            _connector="OR",
                        ),
                        name="award_list_row_accepted_has_postdoc",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="awardlistrow",
                    constraint=models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("outcome", "exact"), _negated=True), ("host_likely", False), _connector="OR"
                        ),
                        name="award_list_row_exact_names_the_institution",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="hostname",
                    constraint=models.UniqueConstraint(fields=("institution", "name"), name="host_name_unique"),
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(adopt_or_create, drop),
    ]
