"""Backups that prove themselves (docs/decisions/0024-backups.md).

A backup is one file: a gzipped tar holding `manifest.json` first, then the database (SQLite's
online backup, or `pg_dump --format=custom`), then the uploads under `media/`. The manifest records
what the database held at the moment of the dump — row counts per table, the latest migration per
app and the headline figures of every institution at three dates — so that a restore can prove it
brought back the same data. With a passphrase, the whole file is encrypted in chunks with AES-GCM
under a key derived with Scrypt (ops.backup_crypto).

A backup writes nothing to the database; a restore rebuilds one, into an empty database only.
"""

import datetime as dt
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any

import django
from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.db import DatabaseError, connection, transaction
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from audit.events import Event
from audit.models import AuditEvent
from audit.services import record_event
from catalogue.models import Institution
from ops.backup_crypto import MAGIC, BackupError, DecryptingReader, EncryptingWriter, check_new_passphrase
from reports.selectors import headline_figures

FORMAT = "postdoc-office-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATABASE_MEMBERS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
MEDIA_PREFIX = "media/"
# The figures page's default window (reports.views.DEFAULT_YEARS); recorded in the manifest.
FIGURES_YEARS = 3
# Tables a restore may find with rows and still call the database empty: a migrated schema's.
# Every record an office makes has an account, an institution or an audit event behind it.
PRODUCT_MARKERS = (User, Institution, AuditEvent)


# --- What the database holds ------------------------------------------------------------------------


def figure_dates(today: dt.date) -> list[dt.date]:
    """Today, the end of last year and the end of the year before."""
    return [today, dt.date(today.year - 1, 12, 31), dt.date(today.year - 2, 12, 31)]


def database_state(*, dates: list[dt.date], years: int) -> dict[str, Any]:
    """Row counts per table, the latest applied migration per app, and the headline figures of
    every institution at `dates`: what a restore must find again."""
    tables = sorted(connection.introspection.table_names())
    with connection.cursor() as cursor:
        counts = {}
        for table in tables:
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608 (introspected name)
            counts[table] = cursor.fetchone()[0]
        migrations: dict[str, str] = {}
        if "django_migrations" in tables:
            cursor.execute("SELECT app, name FROM django_migrations ORDER BY id")
            for app, name in cursor.fetchall():
                migrations[app] = name  # the last applied wins
    figures: dict[str, dict[str, Any]] = {}
    if Institution._meta.db_table in tables:
        for pk, code in Institution.objects.order_by("code").values_list("pk", "code"):
            figures[code] = {
                day.isoformat(): headline_figures(institution_id=pk, as_of=day, years=years) for day in dates
            }
    # The manifest holds JSON: compare what JSON gives back.
    as_json: dict[str, Any] = json.loads(json.dumps({"tables": counts, "migrations": migrations, "figures": figures}))
    return as_json


def differences(recorded: dict[str, Any], found: dict[str, Any]) -> list[str]:
    """What differs between the state a manifest recorded and the state found, as sentences."""
    lines = []
    for table in sorted(set(recorded["tables"]) | set(found["tables"])):
        before, after = recorded["tables"].get(table), found["tables"].get(table)
        if before != after:
            lines.append(
                _("Table %(table)s: %(before)s in the backup, %(after)s after the restore.")
                % {"table": table, "before": _rows(before), "after": _rows(after)}
            )
    for app in sorted(set(recorded["migrations"]) | set(found["migrations"])):
        before, after = recorded["migrations"].get(app), found["migrations"].get(app)
        if before != after:
            lines.append(
                _("Migrations of %(app)s: %(before)s in the backup, %(after)s after the restore.")
                % {"app": app, "before": before or _("none"), "after": after or _("none")}
            )
    for code in sorted(set(recorded["figures"]) | set(found["figures"])):
        before_dates, after_dates = recorded["figures"].get(code), found["figures"].get(code)
        if before_dates is None or after_dates is None:
            if before_dates is None:
                lines.append(
                    _("Institution %(code)s: its headline figures are after the restore only.") % {"code": code}
                )
            else:
                lines.append(_("Institution %(code)s: its headline figures are in the backup only.") % {"code": code})
            continue
        for day in sorted(set(before_dates) | set(after_dates)):
            for key, before, after in _flat_differences(before_dates.get(day, {}), after_dates.get(day, {})):
                lines.append(
                    _(
                        "Figures of %(code)s as of %(day)s, %(key)s: %(before)s in the backup, %(after)s after the restore."
                    )
                    % {"code": code, "day": day, "key": key, "before": before, "after": after}
                )
    return lines


def _rows(n: int | None) -> str:
    return _("no such table") if n is None else ngettext("%(n)s row", "%(n)s rows", n) % {"n": n}


def _flat_differences(before: Any, after: Any, prefix: str = "") -> Iterator[tuple[str, Any, Any]]:
    if isinstance(before, dict) and isinstance(after, dict):
        for key in sorted(set(before) | set(after)):
            yield from _flat_differences(before.get(key), after.get(key), f"{prefix}{'.' if prefix else ''}{key}")
    elif before != after:
        yield prefix or "value", before, after


# --- Backup ---------------------------------------------------------------------------------------------


@dataclass
class BackupSummary:
    path: Path
    vendor: str
    tables: int
    rows: int
    media_files: int
    media_bytes: int
    media_note: str
    bytes: int
    encrypted: bool
    seconds: float
    manifest: dict[str, Any] = field(repr=False)


def create_backup(*, path: Path, passphrase: str | None = None, today: dt.date | None = None) -> BackupSummary:
    """Writes the backup file at `path` (mode 0600, never over an existing file). Writes nothing to the database."""
    started = time.monotonic()
    path = path.absolute()
    vendor = connection.vendor
    if vendor not in DATABASE_MEMBERS:
        raise BackupError(
            _("Backups are made of SQLite and PostgreSQL databases, not %(vendor)s.") % {"vendor": vendor}
        )
    if path.exists():
        raise BackupError(
            _("%(path)s exists already; give a new file name (e.g. with the date in it).") % {"path": path}
        )
    if not path.parent.is_dir():
        raise BackupError(_("The folder %(folder)s does not exist.") % {"folder": path.parent})
    if connection.in_atomic_block:
        raise BackupError(_("A backup is taken outside any transaction."))
    if passphrase is not None:
        check_new_passphrase(passphrase)
    dates = figure_dates(today or timezone.localdate())
    # Work files (the plain dump) next to the backup: the same disk, in a folder only we can read.
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=".backup-") as work:
        dump = Path(work) / DATABASE_MEMBERS[vendor]
        # The manifest's state and the dump are taken from one snapshot of the database, so that
        # they agree even while the site runs and writes.
        pg_dump = _pg_program("pg_dump", server_major=_server_major()) if vendor == "postgresql" else ""
        with _snapshot() as snapshot_id:
            state = database_state(dates=dates, years=FIGURES_YEARS)
            if vendor == "sqlite":
                _sqlite_copy(dump)
            else:
                _pg_dump(pg_dump, dump, snapshot_id)
        media_files, media_note = _media_files()
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "created_at": timezone.localtime().isoformat(timespec="seconds"),
            "django": django.get_version(),
            "database": {
                "vendor": vendor,
                "method": "sqlite3 online backup" if vendor == "sqlite" else "pg_dump --format=custom",
                "member": dump.name,
                "bytes": dump.stat().st_size,
                "sha256": _sha256(dump),
            },
            "migrations": state["migrations"],
            "tables": state["tables"],
            "figures": {
                "years": FIGURES_YEARS,
                "dates": [d.isoformat() for d in dates],
                "institutions": state["figures"],
            },
            "media": {
                "included": media_files is not None,
                "storage": f"{type(_storage()).__module__}.{type(_storage()).__qualname__}",
                "note": media_note,
                "files": [
                    {"path": name, "bytes": file.stat().st_size, "sha256": _sha256(file)}
                    for name, file in (media_files or [])
                ],
            },
        }
        _write_archive(path, manifest, dump, media_files or [], passphrase)
    return BackupSummary(
        path=path,
        vendor=vendor,
        tables=len(state["tables"]),
        rows=sum(state["tables"].values()),
        media_files=len(manifest["media"]["files"]),
        media_bytes=sum(f["bytes"] for f in manifest["media"]["files"]),
        media_note=media_note,
        bytes=path.stat().st_size,
        encrypted=passphrase is not None,
        seconds=time.monotonic() - started,
        manifest=manifest,
    )


@contextmanager
def _snapshot() -> Iterator[str]:
    """One consistent, read-only view of the database for the manifest and the dump."""
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        raw = connection.connection
        # A deferred read transaction (never the IMMEDIATE one the settings give atomic blocks): in
        # WAL mode it sees one snapshot and blocks no writer; the online backup then copies that
        # snapshot through the same connection.
        raw.execute("BEGIN DEFERRED")
        try:
            raw.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
            yield ""
        finally:
            if raw.in_transaction:
                raw.execute("ROLLBACK")
        return
    with transaction.atomic(), connection.cursor() as cursor:
        # pg_dump joins this transaction's snapshot (--snapshot), so it dumps what the counts saw.
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        yield cursor.fetchone()[0]


def _sqlite_copy(dump: Path) -> None:
    target = sqlite3.connect(dump)
    try:
        connection.connection.backup(target)
    finally:
        target.close()


def _pg_environment() -> dict[str, str]:
    """The connection for pg_dump and pg_restore, passed in the environment (never on the command line)."""
    db = connection.settings_dict
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    for variable, value in (
        ("PGHOST", db.get("HOST")),
        ("PGPORT", db.get("PORT")),
        ("PGUSER", db.get("USER")),
        ("PGPASSWORD", db.get("PASSWORD")),
        ("PGDATABASE", db.get("NAME")),
        ("PGSSLMODE", (db.get("OPTIONS") or {}).get("sslmode")),
    ):
        if value:
            env[variable] = str(value)
    return env


# Debian and Ubuntu keep each major version's client programs apart (postgresql-client-NN); PATH
# holds only the newest one's wrapper. Elsewhere PATH, or BACKUP_PG_BINDIR, finds them.
DEBIAN_PG_ROOT = Path("/usr/lib/postgresql")


def _pg_program(name: str, *, server_major: int) -> str:
    """pg_dump or pg_restore of the server's major version, or else the oldest newer one: pg_dump
    cannot dump a server newer than itself, and one much newer writes settings an older server
    refuses on restore. BACKUP_PG_BINDIR, when set, is the only place looked in."""
    if settings.BACKUP_PG_BINDIR:
        candidates = [Path(settings.BACKUP_PG_BINDIR) / name]
    else:
        on_path = shutil.which(name)
        candidates = [Path(on_path)] if on_path else []
        candidates += sorted(DEBIAN_PG_ROOT.glob(f"*/bin/{name}"))
    versions: dict[int, str] = {}
    for candidate in candidates:
        major = _client_major(candidate)
        if major is not None:
            versions.setdefault(major, str(candidate))
    fitting = sorted(major for major in versions if major >= server_major)
    if fitting:
        return versions[fitting[0]]
    where = (
        _(" in %(folder)s (BACKUP_PG_BINDIR)") % {"folder": settings.BACKUP_PG_BINDIR}
        if settings.BACKUP_PG_BINDIR
        else ""
    )
    found = ", ".join(str(v) for v in sorted(versions))
    raise BackupError(
        _(
            "%(name)s %(server)s or newer is needed for this PostgreSQL %(server)s server, and none was "
            "found%(where)s%(found)s: install PostgreSQL's client programs of the server's version "
            "(on Debian and Ubuntu: postgresql-client-%(server)s), or set BACKUP_PG_BINDIR to their folder."
        )
        % {
            "name": name,
            "server": server_major,
            "where": where,
            "found": _(" (found version %(versions)s only)") % {"versions": found} if found else "",
        }
    )


def _client_major(program: Path) -> int | None:
    """The major version `program --version` reports ("pg_dump (PostgreSQL) 15.18 (Debian …)")."""
    try:
        # Our own argument list and a program found above, no shell.
        result = subprocess.run(  # noqa: S603
            [str(program), "--version"], capture_output=True, text=True, timeout=30, check=False
        )
    except OSError:
        return None
    match = re.search(r"\)\s+(\d+)", result.stdout)
    return int(match.group(1)) if result.returncode == 0 and match else None


def _server_major() -> int:
    connection.ensure_connection()
    # The server's own number, e.g. 150018 for 15.18 (PostgreSQL's backend only).
    return int(connection.pg_version) // 10000  # type: ignore[attr-defined]  # not on the base wrapper


def _run_pg(args: list[str], what: str) -> None:
    # The program is found by name (PATH or PostgreSQL's folder), the arguments are ours; no shell.
    result = subprocess.run(args, env=_pg_environment(), capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        detail = " ".join(result.stderr.strip().splitlines()[-3:])
        raise BackupError(_("%(program)s failed: %(detail)s") % {"program": what, "detail": detail})


def _pg_dump(program: str, dump: Path, snapshot_id: str) -> None:
    _run_pg([program, "--format=custom", f"--snapshot={snapshot_id}", f"--file={dump}"], "pg_dump")


def _media_files() -> tuple[list[tuple[str, Path]] | None, str]:
    """The uploads to back up (relative POSIX name, file), or None and why they are not included."""
    storage = _storage()
    if not isinstance(storage, FileSystemStorage):
        return None, (
            _(
                "The uploads are kept by %(storage)s, not in a folder: they are NOT in this backup; back them "
                "up with that store's own means."
            )
            % {"storage": type(storage).__qualname__}
        )
    root = Path(storage.location)
    if not root.is_dir():
        return [], _("The uploads folder %(folder)s does not exist: no uploads.") % {"folder": root}
    files = sorted((p.relative_to(root).as_posix(), p) for p in root.rglob("*") if p.is_file() and not p.is_symlink())
    return files, _("The uploads folder %(folder)s.") % {"folder": root}


def _storage() -> Storage:
    """The default storage itself (uploads are moving behind Django's storage API)."""
    return storages["default"]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while block := file.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _write_archive(
    path: Path, manifest: dict[str, Any], dump: Path, media: list[tuple[str, Path]], passphrase: str | None
) -> None:
    # mkstemp creates the file with mode 0600; it becomes the backup only once complete.
    fd, partial = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as raw:
            sink: Any = EncryptingWriter(raw, passphrase) if passphrase is not None else raw
            with tarfile.open(fileobj=sink, mode="w|gz", compresslevel=6) as tar:
                data = json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8")
                tar.addfile(_tarinfo(MANIFEST, len(data)), io.BytesIO(data))
                with dump.open("rb") as file:
                    tar.addfile(_tarinfo(dump.name, dump.stat().st_size), file)
                for name, file_path in media:
                    with file_path.open("rb") as file:
                        tar.addfile(_tarinfo(MEDIA_PREFIX + name, file_path.stat().st_size), file)
            if isinstance(sink, EncryptingWriter):
                sink.finish()
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(partial, path)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise


def _tarinfo(name: str, size: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = size, 0o600, int(time.time())
    return info


# --- Restore ------------------------------------------------------------------------------------------


@dataclass
class RestoreResult:
    manifest: dict[str, Any]
    differences: list[str]
    tables: int
    rows: int
    media_files: int
    pending_migrations: list[str]
    seconds: float
    audit_events: int = 0


def read_manifest(path: Path, passphrase: Callable[[], str]) -> dict[str, Any]:
    """The manifest of a backup file (asks for the passphrase only if the file is encrypted)."""
    with _open_archive(path, passphrase) as (tar, _reader):
        return _first_manifest(tar)


@contextmanager
def _open_archive(
    path: Path, passphrase: Callable[[], str]
) -> Iterator[tuple[tarfile.TarFile, DecryptingReader | None]]:
    if not path.is_file():
        raise BackupError(_("There is no file %(path)s.") % {"path": path})
    with path.open("rb") as raw:
        encrypted = raw.read(len(MAGIC)) == MAGIC
        raw.seek(0)
        reader = DecryptingReader(raw, passphrase()) if encrypted else None
        source: Any = reader if reader is not None else raw
        try:
            with tarfile.open(fileobj=source, mode="r|gz") as tar:
                yield tar, reader
        except (tarfile.TarError, EOFError, OSError, UnicodeDecodeError) as error:
            raise BackupError(
                _("%(file)s is not a readable backup of this product (%(error)s); nothing was restored.")
                % {"file": path.name, "error": error}
            ) from None


def _first_manifest(tar: tarfile.TarFile) -> dict[str, Any]:
    member = tar.next()
    if member is None or member.name != MANIFEST or not member.isfile():
        raise BackupError(_("The file is not a backup of this product (it does not begin with its manifest)."))
    extracted = tar.extractfile(member)
    assert extracted is not None
    try:
        manifest = json.loads(extracted.read().decode("utf-8"))
    except ValueError:
        raise BackupError(_("The backup's manifest is damaged; nothing was restored.")) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(_("The file is not a backup of this product."))
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            _(
                "The backup is in format %(theirs)s; this version reads format %(ours)s: restore it with the "
                "version that made it."
            )
            % {"theirs": manifest.get("format_version"), "ours": FORMAT_VERSION}
        )
    return manifest


def restore_backup(*, path: Path, passphrase: Callable[[], str]) -> RestoreResult:
    """Restores database and uploads into an empty installation, then compares what it finds with
    the manifest. Refuses, writing nothing, what it cannot restore whole."""
    started = time.monotonic()
    path = path.absolute()
    if connection.in_atomic_block:
        raise BackupError(_("A restore runs outside any transaction."))
    with (
        _open_archive(path, passphrase) as (tar, reader),
        tempfile.TemporaryDirectory(prefix="postdoc-restore-") as work,
    ):
        manifest = _first_manifest(tar)
        _check_restorable(manifest)
        # Found before anything is read further, and before the empty schema is dropped.
        pg_restore = (
            _pg_program("pg_restore", server_major=_server_major()) if connection.vendor == "postgresql" else ""
        )
        media_root = _media_root_for_restore(manifest)
        # Everything is read, decrypted, authenticated and checked before anything is written.
        dump, media = _extract(tar, reader, manifest, Path(work))
        if connection.vendor == "sqlite":
            _sqlite_restore(dump)
        else:
            _pg_restore(pg_restore, dump)
        if media_root is not None:
            for name, file in media:
                target = media_root / name
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.move(file, target)
    recorded = {
        "tables": manifest["tables"],
        "migrations": manifest["migrations"],
        "figures": manifest["figures"]["institutions"],
    }
    dates = [dt.date.fromisoformat(d) for d in manifest["figures"]["dates"]]
    try:
        found = database_state(dates=dates, years=manifest["figures"]["years"])
        lines = differences(recorded, found)
    except DatabaseError as error:
        found = {"tables": {}, "migrations": {}, "figures": {}}
        lines = [f"The restored database could not be read by this version ({error}); run `manage.py migrate` first."]
    known = _leaf_migrations()
    pending = sorted(f"{app}.{name}" for app, name in known.items() if manifest["migrations"].get(app) != name)
    result = RestoreResult(
        manifest=manifest,
        differences=lines,
        tables=len(found["tables"]),
        rows=sum(found["tables"].values()),
        media_files=len(media) if media_root is not None else 0,
        pending_migrations=pending,
        seconds=0.0,
    )
    if not lines:
        result.audit_events = _record_restore(path, manifest, result)
    result.seconds = time.monotonic() - started
    return result


def _check_restorable(manifest: dict[str, Any]) -> None:
    vendor = manifest["database"]["vendor"]
    if vendor != connection.vendor:
        raise BackupError(
            _(
                "The backup holds a %(theirs)s database and this installation uses %(ours)s: their formats differ. "
                "Restore it into a database of the same kind (set DATABASE_URL), then move the data across with "
                "the exchange workbook if you must."
            )
            % {"theirs": _vendor_name(vendor), "ours": _vendor_name(connection.vendor)}
        )
    known = MigrationLoader(None, ignore_no_migrations=True).disk_migrations
    unknown = sorted(f"{app}.{name}" for app, name in manifest["migrations"].items() if (app, name) not in known)
    if unknown:
        raise BackupError(
            _(
                "The backup was made by a newer version of the product (migrations %(migrations)s are unknown "
                "here): install that version, restore, then upgrade as usual."
            )
            % {"migrations": ", ".join(unknown)}
        )
    holding = _product_rows()
    if holding:
        raise BackupError(
            _(
                "The database is not empty (it holds %(holding)s): a restore only goes into an empty database. "
                "Point DATABASE_URL at a new, empty database (or move this one aside) and run restore again; "
                "nothing was changed."
            )
            % {"holding": holding}
        )


def _vendor_name(vendor: str) -> str:
    return {"sqlite": "SQLite", "postgresql": "PostgreSQL"}.get(vendor, vendor)


def _product_rows() -> str:
    """What makes the database not empty, in words ('' when it holds no tables, or only the rows
    a fresh `migrate` writes: its bookkeeping and the shipped reference data)."""
    tables = set(connection.introspection.table_names())
    found = []
    with translation.override("en"):
        for model in PRODUCT_MARKERS:
            if model._meta.db_table in tables and model._default_manager.exists():
                found.append(str(model._meta.verbose_name_plural))
    return ", ".join(found)


def _media_root_for_restore(manifest: dict[str, Any]) -> Path | None:
    if not manifest["media"]["included"]:
        return None
    storage = _storage()
    if not isinstance(storage, FileSystemStorage):
        raise BackupError(
            _(
                "The backup holds uploads from a folder but this installation keeps them in %(storage)s: restore "
                "with a folder (FileSystemStorage) and copy them to the store afterwards."
            )
            % {"storage": type(storage).__qualname__}
        )
    root = Path(storage.location)
    if root.is_dir() and any(p.is_file() for p in root.rglob("*")):
        raise BackupError(
            _(
                "The uploads folder %(folder)s (MEDIA_ROOT) holds files: a restore only goes into an empty folder. "
                "Move them aside or set MEDIA_ROOT to an empty folder, and run restore again; nothing was changed."
            )
            % {"folder": root}
        )
    return root


def _extract(
    tar: tarfile.TarFile, reader: DecryptingReader | None, manifest: dict[str, Any], work: Path
) -> tuple[Path, list[tuple[str, Path]]]:
    expected_media = {f["path"]: f for f in manifest["media"]["files"]}
    database = manifest["database"]
    dump: Path | None = None
    media: list[tuple[str, Path]] = []
    # tar.next(), not iteration: iterating a stream starts again with the members read already.
    while (member := tar.next()) is not None:
        name = PurePosixPath(member.name)
        if not member.isfile() or name.is_absolute() or ".." in name.parts:
            raise BackupError(
                _("The backup holds an unexpected entry %(entry)s; nothing was restored.") % {"entry": member.name}
            )
        extracted = tar.extractfile(member)
        assert extracted is not None
        if member.name == database["member"]:
            dump = work / "database" / name.name
            _copy_checked(extracted, dump, database["sha256"], member.name)
        elif member.name.startswith(MEDIA_PREFIX) and member.name[len(MEDIA_PREFIX) :] in expected_media:
            relative = member.name[len(MEDIA_PREFIX) :]
            target = work / "media" / relative
            _copy_checked(extracted, target, expected_media.pop(relative)["sha256"], member.name)
            media.append((relative, target))
        else:
            raise BackupError(
                _("The backup holds an entry its manifest does not list (%(entry)s); nothing was restored.")
                % {"entry": member.name}
            )
    if reader is not None:
        reader.drain()
    if dump is None:
        raise BackupError(_("The backup holds no database; nothing was restored."))
    if expected_media:
        raise BackupError(
            ngettext(
                "The backup lacks %(n)s uploaded file its manifest lists; nothing was restored.",
                "The backup lacks %(n)s uploaded files its manifest lists; nothing was restored.",
                len(expected_media),
            )
            % {"n": len(expected_media)}
        )
    return dump, media


def _copy_checked(source: IO[bytes], target: Path, sha256: str, name: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    with target.open("wb") as out:
        while block := source.read(1 << 20):
            digest.update(block)
            out.write(block)
    if digest.hexdigest() != sha256:
        raise BackupError(
            _("%(entry)s in the backup is damaged (its checksum differs from the manifest's); nothing was restored.")
            % {"entry": name}
        )


def _sqlite_restore(dump: Path) -> None:
    """Copies the backup's pages over the configured database through the online backup API: the
    file stays the same file (its WAL and other connections see the new content)."""
    connection.ensure_connection()
    source = sqlite3.connect(f"file:{dump}?mode=ro", uri=True)
    try:
        source.backup(connection.connection)
    finally:
        source.close()


def _pg_restore(program: str, dump: Path) -> None:
    # The schema a fresh `migrate` leaves holds no records (checked above): drop it, so that the
    # dump's own schema goes in whole.
    tables = connection.introspection.table_names()
    if tables:
        with transaction.atomic(), connection.cursor() as cursor:
            names = ", ".join(connection.ops.quote_name(t) for t in tables)
            cursor.execute(f"DROP TABLE IF EXISTS {names} CASCADE")
    connection.close()
    try:
        _run_pg(
            [
                program,
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--exit-on-error",
                f"--dbname={connection.settings_dict['NAME']}",
                str(dump),
            ],
            "pg_restore",
        )
    except BackupError as error:
        raise BackupError(
            _("%(error)s The database holds no tables now; correct the cause and run restore again.")
            % {"error": error.message}
        ) from None


def _leaf_migrations() -> dict[str, str]:
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return dict(loader.graph.leaf_nodes())


def _record_restore(path: Path, manifest: dict[str, Any], result: RestoreResult) -> int:
    """One audit event per institution restored, by the command line (no actor)."""
    after = {
        "file": path.name,
        "backup_created_at": manifest["created_at"],
        "tables": result.tables,
        "rows": result.rows,
        "media_files": result.media_files,
    }
    note = _(
        "Rebuilt from the backup %(file)s of %(created)s by manage.py restore; its row counts and headline "
        "figures equal those recorded at backup time."
    ) % {"file": path.name, "created": manifest["created_at"]}
    institutions = list(Institution.objects.order_by("code"))
    with transaction.atomic():
        for institution in institutions:
            record_event(
                actor=None,
                event=Event.BACKUP_RESTORED,
                target=institution,
                after=after,
                institution=institution,
                note=note,
            )
    return len(institutions)
