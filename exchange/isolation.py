"""How an import keeps out of other people's way on SQLite (docs/decisions/0026).

SQLite has one writer: a transaction that writes holds the database's write lock until it ends,
and everybody else who wants to write (a sign-in, a form) waits for it, then fails. An import of
20,000 postdocs takes minutes, so on SQLite it must not be one transaction:

- A **dry run** works on a snapshot: a private copy of the database made with SQLite's online
  backup (which only reads), swapped in for this thread's connection while the importer runs and
  thrown away afterwards. The live database never sees a write from it.
- A **real import** writes in short slices, one transaction per batch, so that others get the
  lock between them. It stays all or nothing through an undo log: temporary triggers (visible to
  this connection only, so other people's writes are not logged) record, in the same slice, the
  statement that reverses each row the import inserts, changes or deletes. A refused or failed
  import replays the log backwards; a finished one forgets it. The log is a table of the live
  database, so an import whose process was killed is undone when the worker starts again
  (`exchange.services.import_jobs_recover`).

PostgreSQL needs none of this: its writers do not wait for each other's transactions unless they
touch the same rows, so there an import stays one transaction.
"""

import contextlib
import logging
import os
import socket
import sqlite3
import tempfile
from collections.abc import Iterator
from pathlib import Path

from django.db import connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

from exchange.models import ImportJob, ImportUndo

logger = logging.getLogger(__name__)

# The tables whose changes are never undone: the log itself, the jobs (their progress is written
# while the import runs) and SQLite's own.
UNLOGGED_TABLES = frozenset({ImportUndo._meta.db_table, ImportJob._meta.db_table})
UNDO_STATEMENTS_PER_SLICE = 2000  # an undo holds the write lock this many statements at a time


def on_sqlite(alias: str = "default") -> bool:
    return connections[alias].vendor == "sqlite"


# ---- the dry run's snapshot -------------------------------------------------------------------


@contextlib.contextmanager
def snapshot(alias: str = "default") -> Iterator[BaseDatabaseWrapper]:
    """Runs the block with this thread's connection on a private copy of the database.

    The copy is made with the online backup API, which reads under WAL without making writers
    wait; whatever the block writes goes to the copy, which is deleted afterwards."""
    live = connections[alias]
    live.ensure_connection()
    folder = Path(tempfile.mkdtemp(prefix="postdoc-snapshot-"))
    path = folder / "snapshot.sqlite3"
    copy = connections.create_connection(alias)
    try:
        target = sqlite3.connect(path)
        try:
            live.connection.backup(target)
        finally:
            target.close()
        copy.settings_dict = {**copy.settings_dict, "NAME": str(path)}
        connections[alias] = copy
        yield copy
    finally:
        connections[alias] = live
        copy.close()
        for leftover in folder.iterdir():
            leftover.unlink(missing_ok=True)
        folder.rmdir()


# ---- the real import's undo log ---------------------------------------------------------------


def owner_of_job(job_id: int) -> str:
    return f"job:{job_id}"


def owner_of_this_process() -> str:
    """For an import run outside the worker (`manage.py import_workbook`)."""
    return f"pid:{socket.gethostname()}:{os.getpid()}"


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _logged_tables(cursor: sqlite3.Cursor) -> list[tuple[str, list[str]]]:
    tables = cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name").fetchall()
    # A virtual table (the people's search index, docs/decisions/0066) takes no trigger; it and its
    # shadow tables follow their own table's triggers, so undoing that table undoes them too.
    virtual = [name for name, sql in tables if (sql or "").upper().startswith("CREATE VIRTUAL TABLE")]
    names = [
        name
        for name, _sql in tables
        if not name.startswith("sqlite_")
        and name not in UNLOGGED_TABLES
        and not any(name == v or name.startswith(f"{v}_") for v in virtual)
    ]
    return [(name, [row[1] for row in cursor.execute(f"PRAGMA table_info({_quote(name)})")]) for name in names]


def _trigger_statements(owner: str, number: int, table: str, columns: list[str]) -> list[str]:
    """Three temporary triggers that log, for each row changed through this connection, the
    statement that restores it (the technique of sqlite.org/undoredo.html)."""
    # Names from the schema and an owner made by this module: no outside text reaches these statements.
    literal_owner = owner.replace("'", "''")
    log = f"INSERT INTO {_quote(ImportUndo._meta.db_table)} (owner, statement) VALUES ('{literal_owner}', "  # noqa: S608
    t = _quote(table)
    literal_t = t.replace("'", "''")
    old_values = " || ',' || ".join(f"quote(OLD.{_quote(c)})" for c in columns)
    old_assignments = " || ',' || ".join(f"'{_quote(c)}=' || quote(OLD.{_quote(c)})" for c in columns)
    column_list = ",".join(_quote(c) for c in columns).replace("'", "''")
    stem = f"import_undo_{number}"
    return [
        f"CREATE TEMP TRIGGER {stem}_i AFTER INSERT ON main.{t} BEGIN "  # noqa: S608
        f"{log}'DELETE FROM {literal_t} WHERE rowid=' || NEW.rowid); END",
        f"CREATE TEMP TRIGGER {stem}_u AFTER UPDATE ON main.{t} BEGIN "  # noqa: S608
        f"{log}'UPDATE {literal_t} SET ' || {old_assignments} || ' WHERE rowid=' || OLD.rowid); END",
        f"CREATE TEMP TRIGGER {stem}_d AFTER DELETE ON main.{t} BEGIN "  # noqa: S608
        f"{log}'INSERT INTO {literal_t} (rowid,{column_list}) VALUES (' || OLD.rowid || ',' || {old_values} || ')'); END",
    ]


class UndoLog:
    """The undo log of one import on SQLite; see the module's docstring."""

    def __init__(self, owner: str, alias: str = "default") -> None:
        self.owner, self.alias = owner, alias
        self.triggers: list[str] = []

    def __enter__(self) -> "UndoLog":
        connection = connections[self.alias]
        connection.ensure_connection()
        cursor = connection.connection.cursor()
        try:
            for number, (table, columns) in enumerate(_logged_tables(cursor)):
                for statement in _trigger_statements(self.owner, number, table, columns):
                    cursor.execute(statement)
                    self.triggers.append(statement.split()[3])
        finally:
            cursor.close()
        return self

    def __exit__(self, *exc: object) -> None:
        self.drop_triggers()

    def drop_triggers(self) -> None:
        connection = connections[self.alias]
        if connection.connection is None:  # closed: temporary triggers went with it
            self.triggers = []
            return
        with connection.cursor() as cursor:
            for name in self.triggers:
                cursor.execute(f"DROP TRIGGER IF EXISTS temp.{name}")
        self.triggers = []

    def forget(self) -> None:
        """The import is complete: its log goes, in slices."""
        forget(self.owner, self.alias)

    def undo(self) -> int:
        """Reverses everything the import wrote; returns how many row changes were undone."""
        self.drop_triggers()  # the undo's own statements must not be logged
        return undo(self.owner, self.alias)


def undo(owner: str, alias: str = "default") -> int:
    """Replays an owner's undo log backwards, a slice at a time (each slice one short transaction
    that also deletes the statements it ran, so an undo interrupted in turn goes on later)."""
    done = 0
    while True:
        with transaction.atomic(using=alias):
            entries = list(
                ImportUndo.objects.using(alias)
                .filter(owner=owner)
                .order_by("-pk")
                .values_list("pk", "statement")[:UNDO_STATEMENTS_PER_SLICE]
            )
            if not entries:
                return done
            with connections[alias].cursor() as cursor:
                cursor.execute("PRAGMA defer_foreign_keys = ON")
                for _pk, statement in entries:
                    cursor.execute(statement)
            ImportUndo.objects.using(alias).filter(owner=owner, pk__gte=entries[-1][0]).delete()
            done += len(entries)


def forget(owner: str, alias: str = "default") -> None:
    while True:
        with transaction.atomic(using=alias):
            last = list(
                ImportUndo.objects.using(alias)
                .filter(owner=owner)
                .order_by("pk")
                .values_list("pk", flat=True)[UNDO_STATEMENTS_PER_SLICE * 10 - 1 : UNDO_STATEMENTS_PER_SLICE * 10]
            )
            if not last:
                ImportUndo.objects.using(alias).filter(owner=owner).delete()
                return
            ImportUndo.objects.using(alias).filter(owner=owner, pk__lte=last[0]).delete()


def abandoned_owners(alias: str = "default") -> list[str]:
    """The owners of undo logs left by imports that can no longer finish: processes of this
    machine that are gone (the worker's jobs are found by their state, not here)."""
    host = socket.gethostname()
    gone = []
    for owner in ImportUndo.objects.using(alias).values_list("owner", flat=True).distinct():
        kind, _sep, rest = owner.partition(":")
        if kind != "pid":
            continue
        owner_host, _sep, pid = rest.rpartition(":")
        if owner_host == host and pid.isdigit() and not _alive(int(pid)):
            gone.append(owner)
    return gone


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
