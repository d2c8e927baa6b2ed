"""What an audit event of a bulk import costs in the database, plain and compact (decision 69).

    .venv/bin/python bench/audit_bytes.py --source /tmp/postdoc-bench-import.sqlite3 \\
        [--database-url postgres://…/postdoc_x] [--events 20000]

Takes the events a real import wrote (`--source`: the database bench/exchange_workbook.py imported
into), and writes the same events again into a migrated database (`--database-url`, by default a
new SQLite file) twice: as plain JSON objects (how every event was stored before decision 69, and
how `record_event` still stores one) and through `EventBatch` (the compact form of bulk services).
Between the two it measures the audit tables' size with their indexes (SQLite: dbstat's pages;
PostgreSQL: pg_total_relation_size after VACUUM), and prints bytes per event for each form.
"""

import argparse
import json
import os
import sqlite3
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _sample(source: str, count: int) -> list[tuple[Any, ...]]:
    """Events of the source, in the proportions of the import (every kind, in id order)."""
    database = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    (total,) = database.execute("SELECT COUNT(*) FROM audit_auditevent").fetchone()
    step = max(total // count, 1)
    rows = database.execute(
        "SELECT event, target_type, target_id, target_label, parent_type, parent_id, before, after, note"
        " FROM audit_auditevent WHERE id % ? = 0 ORDER BY id LIMIT ?",
        (step, count),
    ).fetchall()
    database.close()
    return rows


def _audit_bytes() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT SUM(d.pgsize) FROM dbstat d JOIN sqlite_master m ON m.name = d.name"
                " WHERE m.tbl_name LIKE 'audit_%'"
            )
        else:
            cursor.execute("VACUUM audit_auditevent")
            cursor.execute("VACUUM audit_auditpayloadkeys")
            cursor.execute(
                "SELECT pg_total_relation_size('audit_auditevent') + pg_total_relation_size('audit_auditpayloadkeys')"
            )
        (size,) = cursor.fetchone()
    return int(size or 0)


class _Target:
    """Stands for the record an event is about: what EventBatch reads of it."""

    def __init__(self, label: str, pk: str, text: str) -> None:
        from django.apps import apps

        self._meta = apps.get_model(label)._meta
        self.pk, self.text = pk, text

    def __str__(self) -> str:
        return self.text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", default="/tmp/postdoc-bench-import.sqlite3")
    parser.add_argument("--database-url", default="sqlite:////tmp/postdoc-bench-audit-bytes.sqlite3")
    parser.add_argument("--events", type=int, default=20_000)
    args = parser.parse_args()
    rows = _sample(args.source, args.events)
    if args.database_url.startswith("sqlite:///"):
        Path(args.database_url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("ALLOWED_HOSTS", "localhost")
    os.environ.setdefault("SECRET_KEY", "bench-only-secret")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction

    from audit.models import AuditEvent
    from audit.services import EventBatch
    from ops.institutions import institution_set_up

    call_command("migrate", verbosity=0)
    if AuditEvent.objects.count() > 10:
        sys.exit("The target database holds events already: give a new one.")
    institution, admin = institution_set_up(
        code="AB1", name_zh="审计字节", admin_username="bench-admin", admin_password=None
    )
    note = rows[0][8] if rows else ""

    sizes = [_audit_bytes()]
    with transaction.atomic():  # plain objects, as record_event stores one event
        AuditEvent.objects.bulk_create(
            [
                AuditEvent(
                    actor=admin,
                    actor_label=admin.username,
                    institution=institution,
                    event=event,
                    target_type=target_type,
                    target_id=target_id,
                    target_label=label,
                    parent_type=parent_type,
                    parent_id=parent_id,
                    before=json.loads(before) if before else None,
                    after=json.loads(after) if after else None,
                    note=note,
                )
                for event, target_type, target_id, label, parent_type, parent_id, before, after, _note in rows
            ],
            batch_size=1000,
        )
    sizes.append(_audit_bytes())
    with transaction.atomic():  # the same events through the bulk services' writer
        batch = EventBatch(actor=admin, institution_id=institution.pk, note=note)
        for event, target_type, target_id, label, parent_type, parent_id, before, after, _note in rows:
            batch.add(
                event=event,
                target=_Target(target_type, target_id, label),  # type: ignore[arg-type]
                parent=_Target(parent_type, parent_id, "") if parent_type else None,  # type: ignore[arg-type]
                before=json.loads(before) if before else None,
                after=json.loads(after) if after else None,
            )
        batch.save()
    sizes.append(_audit_bytes())
    plain, compact = sizes[1] - sizes[0], sizes[2] - sizes[1]
    from django.db import connection

    print(
        f"{connection.vendor}, {len(rows):,} events of a bulk import (sampled from {args.source}), tables and indexes:"
    )
    print(f"  plain JSON objects: {plain / len(rows):7.0f} bytes an event")
    print(f"  compact (EventBatch): {compact / len(rows):5.0f} bytes an event  ({compact / plain:.2f} of plain)")


if __name__ == "__main__":
    main()
