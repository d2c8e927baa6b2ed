"""A database of the previous release, whose award lists lived in the `batchlists` app (tables batchlists_*,
the row's column batch_list_id, content types, permissions and audit rows under the old names), is adopted by
awardlists' first migration: every list, row and name arrives under the new names, and so does its history
(docs/decisions/0062).

The old tables are made with the SQL the old migrations produced (`sqlmigrate batchlists 0001` and `0002` of
the previous release, in their final shape), for SQLite and PostgreSQL.

award-rename: keep (the rename script must leave the old names in this file)
"""

import importlib
from collections.abc import Iterator
from typing import Any

import pytest
from django.apps import apps as global_apps
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, connection, transaction
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

from audit.models import AuditEvent
from awardlists.models import AwardList, AwardListRow, HostName
from funding.models import Programme
from tests.factories import World, make_appointment, make_world

migration = importlib.import_module("awardlists.migrations.0001_initial")

OLD_TABLES_SQLITE = [
    'CREATE TABLE "batchlists_batchlist" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "batch" varchar(50) NOT '
    'NULL, "awarded_on" date NOT NULL, "original_name" varchar(255) NOT NULL, "file" varchar(500) NOT NULL, "size" '
    'bigint unsigned NOT NULL CHECK ("size" >= 0), "sha256" varchar(64) NOT NULL, "status" varchar(20) NOT NULL, '
    '"created_at" datetime NOT NULL, "confirmed_at" datetime NULL, "discarded_at" datetime NULL, "row_count" integer '
    'unsigned NOT NULL CHECK ("row_count" >= 0), "exact_count" integer unsigned NOT NULL CHECK ("exact_count" >= 0), '
    '"uncertain_count" integer unsigned NOT NULL CHECK ("uncertain_count" >= 0), "unmatched_count" integer unsigned '
    'NOT NULL CHECK ("unmatched_count" >= 0), "other_count" integer unsigned NOT NULL CHECK ("other_count" >= 0), '
    '"awarded_count" integer unsigned NOT NULL CHECK ("awarded_count" >= 0), "already_count" integer unsigned NOT '
    'NULL CHECK ("already_count" >= 0), "other_institutions" text NOT NULL CHECK ((JSON_VALID("other_institutions") '
    'OR "other_institutions" IS NULL)), "warnings" text NOT NULL CHECK ((JSON_VALID("warnings") OR "warnings" IS '
    'NULL)), "confirmed_by_id" bigint NULL REFERENCES "accounts_user" ("id") DEFERRABLE INITIALLY DEFERRED, '
    '"created_by_id" bigint NOT NULL REFERENCES "accounts_user" ("id") DEFERRABLE INITIALLY DEFERRED, '
    '"discarded_by_id" bigint NULL REFERENCES "accounts_user" ("id") DEFERRABLE INITIALLY DEFERRED, "institution_id" '
    'bigint NOT NULL REFERENCES "catalogue_institution" ("id") DEFERRABLE INITIALLY DEFERRED, "programme_id" bigint '
    'NOT NULL REFERENCES "funding_programme" ("id") DEFERRABLE INITIALLY DEFERRED, CONSTRAINT '
    '"batch_list_confirmed_pair" CHECK ((("confirmed_at" IS NULL AND "confirmed_by_id" IS NULL) OR ("confirmed_at" '
    'IS NOT NULL AND "confirmed_by_id" IS NOT NULL))), CONSTRAINT "batch_list_discarded_pair" CHECK ((("discarded_at" '
    'IS NULL AND "discarded_by_id" IS NULL) OR ("discarded_at" IS NOT NULL AND "discarded_by_id" IS NOT NULL))), '
    'CONSTRAINT "batch_list_confirmed_has_date" CHECK ((NOT ("status" = \'confirmed\') OR "confirmed_at" IS NOT '
    "NULL)))",
    'CREATE TABLE "batchlists_batchrow" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "sheet" varchar(100) NOT '
    'NULL, "number" integer unsigned NOT NULL CHECK ("number" >= 0), "seq" varchar(20) NOT NULL, "province" '
    'varchar(50) NOT NULL, "institution_name" varchar(200) NOT NULL, "name" varchar(100) NOT NULL, "postdoc_no" '
    'varchar(30) NOT NULL, "discipline" varchar(100) NOT NULL, "grade" varchar(40) NOT NULL, "discipline_code" '
    'varchar(4) NOT NULL, "programme_grade" varchar(40) NOT NULL, "outcome" varchar(20) NOT NULL, "candidates" text '
    'NOT NULL CHECK ((JSON_VALID("candidates") OR "candidates" IS NULL)), "notes" text NOT NULL CHECK '
    '((JSON_VALID("notes") OR "notes" IS NULL)), "decision" varchar(10) NOT NULL, "already_awarded" bool NOT NULL, '
    '"appointment_id" bigint NULL REFERENCES "appointments_appointment" ("id") DEFERRABLE INITIALLY DEFERRED, '
    '"batch_list_id" bigint NOT NULL REFERENCES "batchlists_batchlist" ("id") DEFERRABLE INITIALLY DEFERRED, '
    '"project_id" bigint NULL REFERENCES "funding_project" ("id") DEFERRABLE INITIALLY DEFERRED, "doubts" text NOT '
    'NULL CHECK ((JSON_VALID("doubts") OR "doubts" IS NULL)), "host_likely" bool NOT NULL, CONSTRAINT '
    '"batch_row_unique" UNIQUE ("batch_list_id", "sheet", "number"), CONSTRAINT "batch_row_accepted_has_postdoc" '
    'CHECK ((NOT ("decision" = \'accept\') OR "appointment_id" IS NOT NULL)), CONSTRAINT '
    '"batch_row_exact_names_the_institution" CHECK ((NOT ("outcome" = \'exact\') OR "host_likely" = 0)))',
    'CREATE TABLE "batchlists_hostname" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "name" varchar(200) NOT '
    'NULL, "created_at" datetime NOT NULL, "created_by_id" bigint NOT NULL REFERENCES "accounts_user" ("id") '
    'DEFERRABLE INITIALLY DEFERRED, "institution_id" bigint NOT NULL REFERENCES "catalogue_institution" ("id") '
    'DEFERRABLE INITIALLY DEFERRED, CONSTRAINT "host_name_unique" UNIQUE ("institution_id", "name"))',
    'CREATE INDEX "batchlists__institu_51e3f6_idx" ON "batchlists_batchlist" ("institution_id", "created_at" DESC)',
    'CREATE INDEX "batchlists_batchrow_appointment_id_d7d013ff" ON "batchlists_batchrow" ("appointment_id")',
    'CREATE INDEX "batchlists_batchrow_batch_list_id_89335bb2" ON "batchlists_batchrow" ("batch_list_id")',
    'CREATE INDEX "batchlists_batchrow_project_id_fa8c0466" ON "batchlists_batchrow" ("project_id")',
    'CREATE INDEX "batchlists_hostname_created_by_id_b4dee130" ON "batchlists_hostname" ("created_by_id")',
    'CREATE INDEX "batchlists_hostname_institution_id_4c601ffb" ON "batchlists_hostname" ("institution_id")',
    'CREATE INDEX "batchlists_batchlist_status_43de03b4" ON "batchlists_batchlist" ("status")',
    'CREATE INDEX "batchlists_batchlist_confirmed_by_id_32061ec6" ON "batchlists_batchlist" ("confirmed_by_id")',
    'CREATE INDEX "batchlists_batchlist_created_by_id_3070044f" ON "batchlists_batchlist" ("created_by_id")',
    'CREATE INDEX "batchlists_batchlist_discarded_by_id_090a4555" ON "batchlists_batchlist" ("discarded_by_id")',
    'CREATE INDEX "batchlists_batchlist_institution_id_d58c1e7f" ON "batchlists_batchlist" ("institution_id")',
    'CREATE INDEX "batchlists_batchlist_programme_id_a4e40655" ON "batchlists_batchlist" ("programme_id")',
]

OLD_TABLES_POSTGRESQL = [
    'CREATE TABLE "batchlists_batchlist" ("id" bigint NOT NULL PRIMARY KEY GENERATED BY DEFAULT AS IDENTITY, "batch" '
    'varchar(50) NOT NULL, "awarded_on" date NOT NULL, "original_name" varchar(255) NOT NULL, "file" varchar(500) NOT '
    'NULL, "size" bigint NOT NULL CHECK ("size" >= 0), "sha256" varchar(64) NOT NULL, "status" varchar(20) NOT NULL, '
    '"created_at" timestamp with time zone NOT NULL, "confirmed_at" timestamp with time zone NULL, "discarded_at" '
    'timestamp with time zone NULL, "row_count" integer NOT NULL CHECK ("row_count" >= 0), "exact_count" integer NOT '
    'NULL CHECK ("exact_count" >= 0), "uncertain_count" integer NOT NULL CHECK ("uncertain_count" >= 0), '
    '"unmatched_count" integer NOT NULL CHECK ("unmatched_count" >= 0), "other_count" integer NOT NULL CHECK '
    '("other_count" >= 0), "awarded_count" integer NOT NULL CHECK ("awarded_count" >= 0), "already_count" integer NOT '
    'NULL CHECK ("already_count" >= 0), "other_institutions" jsonb NOT NULL, "warnings" jsonb NOT NULL, '
    '"confirmed_by_id" bigint NULL, "created_by_id" bigint NOT NULL, "discarded_by_id" bigint NULL, "institution_id" '
    'bigint NOT NULL, "programme_id" bigint NOT NULL)',
    'CREATE TABLE "batchlists_batchrow" ("id" bigint NOT NULL PRIMARY KEY GENERATED BY DEFAULT AS IDENTITY, "sheet" '
    'varchar(100) NOT NULL, "number" integer NOT NULL CHECK ("number" >= 0), "seq" varchar(20) NOT NULL, "province" '
    'varchar(50) NOT NULL, "institution_name" varchar(200) NOT NULL, "name" varchar(100) NOT NULL, "postdoc_no" '
    'varchar(30) NOT NULL, "discipline" varchar(100) NOT NULL, "grade" varchar(40) NOT NULL, "discipline_code" '
    'varchar(4) NOT NULL, "programme_grade" varchar(40) NOT NULL, "outcome" varchar(20) NOT NULL, "candidates" jsonb '
    'NOT NULL, "notes" jsonb NOT NULL, "decision" varchar(10) NOT NULL, "already_awarded" boolean NOT NULL, '
    '"appointment_id" bigint NULL, "batch_list_id" bigint NOT NULL, "project_id" bigint NULL)',
    'CREATE TABLE "batchlists_hostname" ("id" bigint NOT NULL PRIMARY KEY GENERATED BY DEFAULT AS IDENTITY, "name" '
    'varchar(200) NOT NULL, "created_at" timestamp with time zone NOT NULL, "created_by_id" bigint NOT NULL, '
    '"institution_id" bigint NOT NULL)',
    'CREATE INDEX "batchlists__institu_51e3f6_idx" ON "batchlists_batchlist" ("institution_id", "created_at" DESC)',
    'ALTER TABLE "batchlists_batchlist" ADD CONSTRAINT "batch_list_confirmed_pair" CHECK ((("confirmed_at" IS NULL '
    'AND "confirmed_by_id" IS NULL) OR ("confirmed_at" IS NOT NULL AND "confirmed_by_id" IS NOT NULL)))',
    'ALTER TABLE "batchlists_batchlist" ADD CONSTRAINT "batch_list_discarded_pair" CHECK ((("discarded_at" IS NULL '
    'AND "discarded_by_id" IS NULL) OR ("discarded_at" IS NOT NULL AND "discarded_by_id" IS NOT NULL)))',
    'ALTER TABLE "batchlists_batchlist" ADD CONSTRAINT "batch_list_confirmed_has_date" CHECK ((NOT ("status" = '
    "'confirmed') OR \"confirmed_at\" IS NOT NULL))",
    'ALTER TABLE "batchlists_batchrow" ADD CONSTRAINT "batch_row_unique" UNIQUE ("batch_list_id", "sheet", "number")',
    'ALTER TABLE "batchlists_batchrow" ADD CONSTRAINT "batch_row_accepted_has_postdoc" CHECK ((NOT ("decision" = '
    "'accept') OR \"appointment_id\" IS NOT NULL))",
    'ALTER TABLE "batchlists_hostname" ADD CONSTRAINT "host_name_unique" UNIQUE ("institution_id", "name")',
    'ALTER TABLE "batchlists_batchlist" ADD CONSTRAINT "batchlists_batchlist_confirmed_by_id_32061ec6_fk_accounts_" '
    'FOREIGN KEY ("confirmed_by_id") REFERENCES "accounts_user" ("id") DEFERRABLE INITIALLY DEFERRED',
    'ALTER TABLE "batchlists_batchlist" ADD CONSTRAINT "batchlists_batchlist_created_by_id_3070044f_fk_accounts_user_'
    'id" FOREIGN KEY ("created_by_id") REFERENCES "accounts_user" ("id") DEFERRABLE INITIALLY DEFERRED',
    'ALTER TABLE "batchlists_batchlist" ADD CONSTRAINT "batchlists_batchlist_discarded_by_id_090a4555_fk_accounts_" '
    'FOREIGN KEY ("discarded_by_id") REFERENCES "accounts_user" ("id") DEFERRABLE INITIALLY DEFERRED',
    'ALTER TABLE "batchlists_batchlist" ADD CONSTRAINT "batchlists_batchlist_institution_id_d58c1e7f_fk_catalogue" '
    'FOREIGN KEY ("institution_id") REFERENCES "catalogue_institution" ("id") DEFERRABLE INITIALLY DEFERRED',
    'ALTER TABLE "batchlists_batchlist" ADD CONSTRAINT "batchlists_batchlist_programme_id_a4e40655_fk_funding_p" '
    'FOREIGN KEY ("programme_id") REFERENCES "funding_programme" ("id") DEFERRABLE INITIALLY DEFERRED',
    'CREATE INDEX "batchlists_batchlist_status_43de03b4" ON "batchlists_batchlist" ("status")',
    'CREATE INDEX "batchlists_batchlist_status_43de03b4_like" ON "batchlists_batchlist" ("status" varchar_pattern_ops)',
    'CREATE INDEX "batchlists_batchlist_confirmed_by_id_32061ec6" ON "batchlists_batchlist" ("confirmed_by_id")',
    'CREATE INDEX "batchlists_batchlist_created_by_id_3070044f" ON "batchlists_batchlist" ("created_by_id")',
    'CREATE INDEX "batchlists_batchlist_discarded_by_id_090a4555" ON "batchlists_batchlist" ("discarded_by_id")',
    'CREATE INDEX "batchlists_batchlist_institution_id_d58c1e7f" ON "batchlists_batchlist" ("institution_id")',
    'CREATE INDEX "batchlists_batchlist_programme_id_a4e40655" ON "batchlists_batchlist" ("programme_id")',
    'ALTER TABLE "batchlists_batchrow" ADD CONSTRAINT "batchlists_batchrow_appointment_id_d7d013ff_fk_appointme" '
    'FOREIGN KEY ("appointment_id") REFERENCES "appointments_appointment" ("id") DEFERRABLE INITIALLY DEFERRED',
    'ALTER TABLE "batchlists_batchrow" ADD CONSTRAINT "batchlists_batchrow_batch_list_id_89335bb2_fk_batchlist" '
    'FOREIGN KEY ("batch_list_id") REFERENCES "batchlists_batchlist" ("id") DEFERRABLE INITIALLY DEFERRED',
    'ALTER TABLE "batchlists_batchrow" ADD CONSTRAINT "batchlists_batchrow_project_id_fa8c0466_fk_funding_project_id" '
    'FOREIGN KEY ("project_id") REFERENCES "funding_project" ("id") DEFERRABLE INITIALLY DEFERRED',
    'CREATE INDEX "batchlists_batchrow_appointment_id_d7d013ff" ON "batchlists_batchrow" ("appointment_id")',
    'CREATE INDEX "batchlists_batchrow_batch_list_id_89335bb2" ON "batchlists_batchrow" ("batch_list_id")',
    'CREATE INDEX "batchlists_batchrow_project_id_fa8c0466" ON "batchlists_batchrow" ("project_id")',
    'ALTER TABLE "batchlists_hostname" ADD CONSTRAINT "batchlists_hostname_created_by_id_b4dee130_fk_accounts_user_id" '
    'FOREIGN KEY ("created_by_id") REFERENCES "accounts_user" ("id") DEFERRABLE INITIALLY DEFERRED',
    'ALTER TABLE "batchlists_hostname" ADD CONSTRAINT "batchlists_hostname_institution_id_4c601ffb_fk_catalogue" '
    'FOREIGN KEY ("institution_id") REFERENCES "catalogue_institution" ("id") DEFERRABLE INITIALLY DEFERRED',
    'CREATE INDEX "batchlists_hostname_created_by_id_b4dee130" ON "batchlists_hostname" ("created_by_id")',
    'CREATE INDEX "batchlists_hostname_institution_id_4c601ffb" ON "batchlists_hostname" ("institution_id")',
    # 0002_row_doubts_and_likely_host_names
    'ALTER TABLE "batchlists_batchrow" ADD COLUMN "doubts" jsonb DEFAULT \'{}\'::jsonb NOT NULL',
    'ALTER TABLE "batchlists_batchrow" ALTER COLUMN "doubts" DROP DEFAULT',
    'ALTER TABLE "batchlists_batchrow" ADD COLUMN "host_likely" boolean DEFAULT false NOT NULL',
    'ALTER TABLE "batchlists_batchrow" ALTER COLUMN "host_likely" DROP DEFAULT',
    'ALTER TABLE "batchlists_batchrow" ADD CONSTRAINT "batch_row_exact_names_the_institution" CHECK ((NOT ("outcome" '
    "= 'exact') OR NOT \"host_likely\"))",
]

OLD_TABLES = {"sqlite": OLD_TABLES_SQLITE, "postgresql": OLD_TABLES_POSTGRESQL}
NEW_MODELS = ("AwardListRow", "AwardList", "HostName")  # the order they can be dropped in
OLD_MIGRATIONS = ("0001_award_lists", "0002_row_doubts_and_likely_host_names")


def _state_apps() -> Any:
    return MigrationLoader(connection).project_state(("awardlists", "0001_initial")).apps


def _table_names() -> set[str]:
    with connection.cursor() as cursor:
        return set(connection.introspection.table_names(cursor))


@pytest.fixture
def old_release(transactional_db: None, request: pytest.FixtureRequest) -> Iterator[None]:
    """The test database as the previous release left it: the award lists' tables under their old names,
    and the content types and permissions of the `batchlists` app. On SQLite a file copy of the test
    database is changed (`file_db`); on PostgreSQL the test database itself, put back in the end."""
    if connection.vendor not in OLD_TABLES:
        pytest.skip(f"No SQL of the previous release for {connection.vendor}.")
    if connection.vendor == "sqlite":
        request.getfixturevalue("file_db")
    state = _state_apps()
    with connection.schema_editor() as editor:
        for name in NEW_MODELS:
            editor.delete_model(state.get_model("awardlists", name))
        for statement in OLD_TABLES[connection.vendor]:
            editor.execute(statement)
    for old_model, new_model in (("batchlist", "awardlist"), ("batchrow", "awardlistrow"), ("hostname", "hostname")):
        content_type = ContentType.objects.get(app_label="awardlists", model=new_model)
        ContentType.objects.filter(pk=content_type.pk).update(app_label="batchlists", model=old_model)
        for permission in Permission.objects.filter(content_type=content_type):
            codename = permission.codename.removesuffix(new_model) + old_model
            Permission.objects.filter(pk=permission.pk).update(codename=codename)
    recorder = MigrationRecorder(connection)
    recorder.migration_qs.filter(app="awardlists").delete()
    for name in OLD_MIGRATIONS:
        recorder.record_applied("batchlists", name)
    ContentType.objects.clear_cache()
    try:
        yield
    finally:
        ContentType.objects.clear_cache()
        recorder.migration_qs.filter(app="batchlists").delete()
        if not recorder.migration_qs.filter(app="awardlists").exists():
            recorder.record_applied("awardlists", "0001_initial")
        tables = _table_names()
        with connection.schema_editor() as editor:
            for table in ("batchlists_batchrow", "batchlists_batchlist", "batchlists_hostname"):
                if table in tables:
                    editor.execute(f"DROP TABLE {editor.quote_name(table)}")
            for name in reversed(NEW_MODELS):
                model = global_apps.get_model("awardlists", name)
                if model._meta.db_table not in tables:
                    editor.create_model(model)


def _insert(table: str, values: dict[str, Any]) -> int:
    columns = ", ".join(connection.ops.quote_name(column) for column in values)
    marks = ", ".join(["%s"] * len(values))
    with connection.cursor() as cursor:
        insert = f"INSERT INTO {connection.ops.quote_name(table)} ({columns}) VALUES ({marks})"  # noqa: S608 (constant names)
        cursor.execute(insert, list(values.values()))
        cursor.execute(f"SELECT MAX(id) FROM {connection.ops.quote_name(table)}")  # noqa: S608 (a constant name)
        return int(cursor.fetchone()[0])


def _old_records(world: World) -> dict[str, int]:
    """A confirmed list of the previous release with two rows (one chosen by hand), a name of the
    institution, and their audit trail, all under the old names."""
    now, admin, institution = "2025-07-01 08:00:00", world.admin, world.institution
    programme = Programme.objects.get(funder__institution__isnull=True, funder__code="CPSF", code="general")
    chen = make_appointment(world.other_station, world.other_supervisor, admin, postdoc_no="BH-CXD-01")
    common = {"created_at": now, "created_by_id": admin.pk, "institution_id": institution.pk}
    list_id = _insert(
        "batchlists_batchlist",
        {
            **common,
            "programme_id": programme.pk,
            "batch": "第69批",
            "awarded_on": "2025-06-30",
            "original_name": "第69批.xlsx",
            "file": "batchlists/0123/第69批.xlsx",
            "size": 1234,
            "sha256": "0" * 64,
            "status": "confirmed",
            "confirmed_at": now,
            "confirmed_by_id": admin.pk,
            "row_count": 2,
            "exact_count": 1,
            "uncertain_count": 1,
            "unmatched_count": 0,
            "other_count": 3,
            "awarded_count": 2,
            "already_count": 0,
            "other_institutions": '{"别的大学": 3}',
            "warnings": "[]",
        },
    )
    row = {
        "batch_list_id": list_id,
        "sheet": "",
        "seq": "",
        "province": "重庆",
        "institution_name": "示例医科大学",
        "discipline": "0710",
        "grade": "一等",
        "discipline_code": "0710",
        "programme_grade": "一等",
        "candidates": f"[{chen.pk}]",
        "notes": "[]",
        "doubts": "{}",
        "host_likely": False,
        "appointment_id": chen.pk,
        "decision": "accept",
        "already_awarded": False,
    }
    exact = _insert(
        "batchlists_batchrow", {**row, "number": 3, "name": "陈晓东", "postdoc_no": "BH-CXD-01", "outcome": "exact"}
    )
    chosen = _insert(
        "batchlists_batchrow",
        {
            **row,
            "number": 4,
            "name": "陈晓冬",
            "postdoc_no": "",
            "outcome": "uncertain",
            "doubts": f'{{"{chen.pk}": "same_sound"}}',
        },
    )
    name = _insert("batchlists_hostname", {**common, "name": "示例医大"})
    audit = {"actor": admin, "actor_label": admin.get_username(), "institution": institution}
    for event, target_type, target_id, parent_type, parent_id in [
        ("batch_list.uploaded", "batchlists.batchlist", list_id, "", ""),
        ("batch_row.chosen", "batchlists.batchrow", chosen, "batchlists.batchlist", list_id),
        ("batch_list.confirmed", "batchlists.batchlist", list_id, "", ""),
        ("project.awarded", "funding.project", 1, "batchlists.batchlist", list_id),
        ("host_name.added", "batchlists.hostname", name, "", ""),
    ]:
        AuditEvent.objects.create(
            event=event,
            target_type=target_type,
            target_id=str(target_id),
            target_label="第69批",
            parent_type=parent_type,
            parent_id=str(parent_id),
            **audit,
        )
    return {"list": list_id, "exact": exact, "chosen": chosen, "name": name, "appointment": chen.pk}


def _adopt() -> None:
    with connection.schema_editor(atomic=True) as editor:
        migration.adopt_or_create(_state_apps(), editor)


@pytest.mark.usefixtures("old_release")
def test_a_database_of_the_previous_release_is_adopted_under_the_new_names() -> None:
    world = make_world()
    old = _old_records(world)
    old_content_types = dict(ContentType.objects.filter(app_label="batchlists").values_list("model", "pk"))

    _adopt()
    ContentType.objects.clear_cache()

    tables = _table_names()
    assert {"awardlists_awardlist", "awardlists_awardlistrow", "awardlists_hostname"} <= tables
    assert not {table for table in tables if table.startswith("batchlists_")}
    award_list = AwardList.objects.get(pk=old["list"])
    assert (award_list.batch, award_list.status, award_list.other_institutions) == (
        "第69批",
        "confirmed",
        {"别的大学": 3},
    )
    assert award_list.file.name == "batchlists/0123/第69批.xlsx"  # the stored file keeps its place
    rows = list(award_list.rows.order_by("number"))
    assert [(row.pk, row.award_list_id, row.appointment_id) for row in rows] == [
        (old["exact"], award_list.pk, old["appointment"]),
        (old["chosen"], award_list.pk, old["appointment"]),
    ]
    assert rows[1].doubt_of(old["appointment"]) == "same_sound"
    assert HostName.objects.get(pk=old["name"]).name == "示例医大"

    # The column, index and constraints carry the new names, and the constraints still hold.
    with connection.cursor() as cursor:
        columns = {c.name for c in connection.introspection.get_table_description(cursor, "awardlists_awardlistrow")}
        constraints = set(connection.introspection.get_constraints(cursor, "awardlists_awardlistrow"))
        constraints |= set(connection.introspection.get_constraints(cursor, "awardlists_awardlist"))
    assert "award_list_id" in columns and "batch_list_id" not in columns
    assert {constraint.name for constraint in AwardListRow._meta.constraints} <= constraints
    assert AwardList._meta.indexes[0].name in constraints
    assert not {name for name in constraints if name.startswith(("batch_list_", "batch_row_", "batchlists__"))}
    with pytest.raises(IntegrityError), transaction.atomic():
        AwardListRow.objects.create(award_list=award_list, sheet="", number=3, name="again", outcome="unmatched")

    # Content types keep their ids (admin log entries, permissions follow), under the new names.
    assert ContentType.objects.get_for_model(AwardList).pk == old_content_types["batchlist"]
    assert ContentType.objects.get_for_model(AwardListRow).pk == old_content_types["batchrow"]
    assert ContentType.objects.get_for_model(HostName).pk == old_content_types["hostname"]
    assert not ContentType.objects.filter(app_label="batchlists").exists()
    assert set(Permission.objects.filter(content_type__app_label="awardlists").values_list("codename", flat=True)) == {
        f"{action}_{model}"
        for action in ("add", "change", "delete", "view")
        for model in ("awardlist", "awardlistrow", "hostname")
    }

    # The history reads as before, under the new event names and record types.
    assert [event.event for event in AuditEvent.objects.for_record(award_list).order_by("pk")] == [
        "award_list.uploaded",
        "award_list_row.chosen",
        "award_list.confirmed",
        "project.awarded",
    ]
    assert AuditEvent.objects.filter(target_type="awardlists.hostname", target_id=str(old["name"])).exists()
    assert not AuditEvent.objects.filter(event__startswith="batch_").exists()
    assert not AuditEvent.objects.filter(target_type__startswith="batchlists.").exists()
    assert not AuditEvent.objects.filter(parent_type__startswith="batchlists.").exists()

    applied = MigrationRecorder(connection).applied_migrations()
    assert not [key for key in applied if key[0] == "batchlists"]


@pytest.mark.usefixtures("old_release")
def test_a_database_older_than_the_previous_release_is_refused_with_what_to_do() -> None:
    MigrationRecorder(connection).migration_qs.filter(app="batchlists", name=OLD_MIGRATIONS[1]).delete()

    with pytest.raises(migration.OldReleaseMissing, match="migrate it with the previous release first"):
        _adopt()

    assert "batchlists_batchlist" in _table_names()  # nothing was changed


@pytest.mark.django_db
def test_a_new_database_gets_the_award_list_tables_under_their_names() -> None:
    # The test database itself was made by the migration's other branch.
    assert {"awardlists_awardlist", "awardlists_awardlistrow", "awardlists_hostname"} <= _table_names()
    assert not {table for table in _table_names() if table.startswith("batchlists_")}
