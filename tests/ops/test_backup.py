"""Backups that prove themselves (docs/decisions/0024): backup → restore into a fresh, empty
database → compare, on the database the suite runs on (SQLite, or PostgreSQL with DATABASE_URL)."""

import datetime as dt
import io
import json
import os
import secrets
import sqlite3
import stat
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from audit.models import AuditEvent
from catalogue.models import Institution
from ops import backup, backup_crypto
from tests.factories import World

ROOT = Path(__file__).resolve().parents[2]
PASSPHRASE = "a passphrase of five words"
UPLOAD = b"PK\x03\x04 an uploaded workbook \xe6\x88\x91"

# Data must be committed for pg_dump (another session) to see it, and backup and restore refuse to
# run inside a transaction: these tests run outside the test case's transaction.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def quick_scrypt(monkeypatch: pytest.MonkeyPatch) -> None:
    """Scrypt's cost is recorded in each file's header; a test file may be cheaper to open."""
    monkeypatch.setattr(backup_crypto, "SCRYPT_LOG_N", 12)
    monkeypatch.delenv("BACKUP_PASSPHRASE", raising=False)


@pytest.fixture
def uploads(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    (settings.MEDIA_ROOT / "imports" / "2026").mkdir(parents=True)
    (settings.MEDIA_ROOT / "imports" / "2026" / "workbook.xlsx").write_bytes(UPLOAD)
    return settings.MEDIA_ROOT


@pytest.fixture
def backed_up(world: World, uploads: Path, tmp_path: Path) -> Path:
    path = tmp_path / "office.backup"
    call_command("backup", str(path), stdout=io.StringIO())
    return path


def empty_uploads(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "restored-media"
    return settings.MEDIA_ROOT


def emptied_database() -> None:
    """The test database as a fresh `migrate` leaves it, minus its shipped reference data."""
    call_command("flush", interactive=False, verbosity=0)


def table_counts() -> dict[str, int]:
    return backup.database_state(dates=[], years=3)["tables"]


@pytest.fixture
def fresh_database(tmp_path: Path) -> Iterator[str]:
    """The DATABASE_URL of a new, empty database of the suite's kind (no tables at all)."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    name = f"backup_restore_{secrets.token_hex(4)}"
    db = connection.settings_dict
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        credentials = quote(db["USER"]) + (f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else "")
        yield f"postgres://{credentials}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{name}"
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def manage(*args: str, database_url: str, media_root: Path, passphrase: str | None = None) -> Any:
    env = {k: v for k, v in os.environ.items() if k != "BACKUP_PASSPHRASE"}
    env |= {
        "DATABASE_URL": database_url,
        "MEDIA_ROOT": str(media_root),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "LANGUAGE_CODE": "en",
    }
    if passphrase is not None:
        env["BACKUP_PASSPHRASE"] = passphrase
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
        check=False,
    )


def counts_in(database_url: str) -> dict[str, int]:
    """Row counts read straight from the restored database, without Django."""
    if database_url.startswith("sqlite:"):
        with sqlite3.connect(database_url.removeprefix("sqlite:///")) as db:
            tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            return {
                t: db.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0]  # noqa: S608 (the tables' own names)
                for t in tables
                if t != "sqlite_sequence"
            }
    import psycopg

    with psycopg.connect(database_url.replace("postgres://", "postgresql://", 1)) as db:
        tables = [r[0] for r in db.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
        sql = 'SELECT COUNT(*) FROM "{}"'  # the tables' own names
        return {t: db.execute(sql.format(t)).fetchone()[0] for t in tables}  # type: ignore[index,arg-type]


def rewritten(path: Path, tmp_path: Path, change: Any) -> Path:
    """A copy of an (unencrypted) backup whose manifest `change` alters."""
    copy = tmp_path / f"changed-{secrets.token_hex(2)}.backup"
    with tarfile.open(path, "r:gz") as source, tarfile.open(copy, "w:gz") as target:
        for member in source:
            data = source.extractfile(member).read()  # type: ignore[union-attr]
            if member.name == backup.MANIFEST:
                manifest = json.loads(data)
                change(manifest)
                data = json.dumps(manifest).encode()
                member.size = len(data)
            target.addfile(member, io.BytesIO(data))
    return copy


def test_backup_then_restore_into_a_fresh_database_gives_the_same_counts_figures_and_uploads(
    backed_up: Path, fresh_database: str, tmp_path: Path
) -> None:
    before = table_counts()
    assert stat.S_IMODE(backed_up.stat().st_mode) == 0o600
    manifest = backup.read_manifest(backed_up, passphrase=lambda: pytest.fail("not encrypted"))
    assert manifest["database"]["vendor"] == connection.vendor
    assert manifest["tables"] == before  # and the backup wrote nothing
    assert manifest["migrations"]["audit"] and manifest["migrations"]["accounts"]
    today = dt.date.fromisoformat(manifest["figures"]["dates"][0])
    assert manifest["figures"]["dates"][1:] == [f"{today.year - 1}-12-31", f"{today.year - 2}-12-31"]
    assert set(manifest["figures"]["institutions"]) == {"U1", "U2"}
    assert manifest["figures"]["institutions"]["U1"][f"{today.year - 1}-12-31"]["in_station"] == 2
    assert manifest["media"]["included"] and [f["path"] for f in manifest["media"]["files"]] == [
        "imports/2026/workbook.xlsx"
    ]

    media = tmp_path / "restored-media"
    result = manage("restore", str(backed_up), database_url=fresh_database, media_root=media)

    assert result.returncode == 0, result.stderr
    assert "equal those recorded at backup time" in result.stdout
    restored = counts_in(fresh_database)
    # The restore leaves one trace per institution in the audit trail, and nothing else.
    assert restored == {**before, "audit_auditevent": before["audit_auditevent"] + 2}
    assert (media / "imports" / "2026" / "workbook.xlsx").read_bytes() == UPLOAD


def test_an_encrypted_backup_restores_with_its_passphrase_only(
    world: World, uploads: Path, fresh_database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "office.backup"
    monkeypatch.setenv("BACKUP_PASSPHRASE", PASSPHRASE)
    out = io.StringIO()
    call_command("backup", str(path), "--encrypt", stdout=out)
    assert "encrypted" in out.getvalue()
    assert backup_crypto.is_encrypted(path) and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert b"workbook.xlsx" not in path.read_bytes() and b"manifest" not in path.read_bytes()

    media = tmp_path / "restored-media"
    wrong = manage("restore", str(path), database_url=fresh_database, media_root=media, passphrase=PASSPHRASE + "!")
    assert wrong.returncode != 0
    assert "The passphrase does not open this backup" in wrong.stderr
    none = manage("restore", str(path), database_url=fresh_database, media_root=media)
    assert none.returncode != 0 and "BACKUP_PASSPHRASE" in none.stderr
    assert counts_in(fresh_database) == {} and not media.exists()

    result = manage("restore", str(path), database_url=fresh_database, media_root=media, passphrase=PASSPHRASE)
    assert result.returncode == 0, result.stderr
    assert counts_in(fresh_database)["appointments_appointment"] == table_counts()["appointments_appointment"]
    assert (media / "imports" / "2026" / "workbook.xlsx").read_bytes() == UPLOAD


def test_restore_into_a_freshly_migrated_schema_checks_itself_and_is_audited(
    backed_up: Path, settings: Any, tmp_path: Path
) -> None:
    recorded = table_counts()
    emptied_database()
    media = empty_uploads(settings, tmp_path)
    out = io.StringIO()

    call_command("restore", str(backed_up), stdout=out)

    assert "equal those recorded at backup time" in out.getvalue()
    assert table_counts() == {**recorded, "audit_auditevent": recorded["audit_auditevent"] + 2}
    events = AuditEvent.objects.filter(event="backup.restored")
    assert {e.target_label for e in events} == {str(i) for i in Institution.objects.all()}
    assert all(e.actor is None and (e.after or {}).get("file") == "office.backup" for e in events)
    assert (media / "imports" / "2026" / "workbook.xlsx").read_bytes() == UPLOAD


def test_restore_refuses_a_database_that_holds_records(backed_up: Path, settings: Any, tmp_path: Path) -> None:
    before = table_counts()
    empty_uploads(settings, tmp_path)
    with pytest.raises(CommandError, match="The database is not empty .* nothing was changed"):
        call_command("restore", str(backed_up))
    assert table_counts() == before


def test_restore_refuses_an_uploads_folder_that_holds_files(backed_up: Path) -> None:
    emptied_database()
    with pytest.raises(CommandError, match=r"MEDIA_ROOT\) holds files"):
        call_command("restore", str(backed_up))
    assert not Institution.objects.exists()


def test_a_wrong_passphrase_is_refused_before_anything_is_written(
    world: World, uploads: Path, settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "office.backup"
    monkeypatch.setenv("BACKUP_PASSPHRASE", PASSPHRASE)
    call_command("backup", str(path), "--encrypt", stdout=io.StringIO())
    emptied_database()
    empty_uploads(settings, tmp_path)
    monkeypatch.setenv("BACKUP_PASSPHRASE", "another passphrase, also long")
    with pytest.raises(CommandError, match="The passphrase does not open this backup"):
        call_command("restore", str(path))
    assert not Institution.objects.exists()


@pytest.mark.parametrize("where", ["middle", "end"])
def test_a_tampered_encrypted_backup_is_refused_and_nothing_is_restored(
    world: World, uploads: Path, settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    monkeypatch.setattr(backup_crypto, "CHUNK_SIZE", 4096)  # several chunks, even for a small world
    path = tmp_path / "office.backup"
    monkeypatch.setenv("BACKUP_PASSPHRASE", PASSPHRASE)
    call_command("backup", str(path), "--encrypt", stdout=io.StringIO())
    data = bytearray(path.read_bytes())
    if where == "middle":
        data[len(data) // 2] ^= 0x01
    else:
        del data[-(4096 + backup_crypto.TAG_SIZE) :]  # the last chunk cut off: the rest still authenticates
    path.write_bytes(bytes(data))
    emptied_database()
    media = empty_uploads(settings, tmp_path)

    with pytest.raises(CommandError, match="damaged or was altered .* nothing was restored"):
        call_command("restore", str(path))
    assert not Institution.objects.exists() and not media.exists()


def test_a_difference_after_the_restore_is_reported_and_not_audited(
    backed_up: Path, settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    emptied_database()
    empty_uploads(settings, tmp_path)
    real_state = backup.database_state

    def one_appointment_short(**kwargs: Any) -> dict[str, Any]:
        state = real_state(**kwargs)
        state["tables"]["appointments_appointment"] -= 1
        for by_date in state["figures"]["U1"].values():
            by_date["in_station"] -= 1
        return state

    monkeypatch.setattr(backup, "database_state", one_appointment_short)
    err = io.StringIO()
    with pytest.raises(CommandError, match="differ from the backup in 4 points"):
        call_command("restore", str(backed_up), stderr=err)
    assert "Table appointments_appointment: 3 rows in the backup, 2 rows after the restore." in err.getvalue()
    assert (
        "Figures of U1 as of" in err.getvalue() and "in_station: 2 in the backup, 1 after the restore" in err.getvalue()
    )
    assert not AuditEvent.objects.filter(event="backup.restored").exists()


def test_a_backup_whose_manifest_was_tampered_with_restores_but_says_what_differs(
    backed_up: Path, settings: Any, tmp_path: Path
) -> None:
    """The manifest is what the restore is checked against: one altered in the file (here by hand,
    in real life by a fault between the dump and the counts) makes the check name each difference."""

    def tamper(manifest: dict[str, Any]) -> None:
        manifest["tables"]["appointments_appointment"] += 1
        last_year = manifest["figures"]["dates"][1]
        manifest["figures"]["institutions"]["U1"][last_year]["in_station"] += 5

    tampered = rewritten(backed_up, tmp_path, tamper)
    emptied_database()
    empty_uploads(settings, tmp_path)
    err = io.StringIO()
    with pytest.raises(CommandError, match="differ from the backup in 2 points .* do not use this database"):
        call_command("restore", str(tampered), stderr=err)
    assert err.getvalue().splitlines() == [
        "Table appointments_appointment: 4 rows in the backup, 3 rows after the restore.",
        f"Figures of U1 as of {dt.date.today().year - 1}-12-31, in_station: 7 in the backup, 2 after the restore.",
    ]
    assert not AuditEvent.objects.filter(event="backup.restored").exists()


@pytest.mark.parametrize("damage", ["truncated", "flipped-byte"])
def test_a_truncated_or_corrupt_backup_is_refused_and_nothing_is_restored(
    backed_up: Path, settings: Any, tmp_path: Path, damage: str
) -> None:
    data = bytearray(backed_up.read_bytes())
    if damage == "truncated":
        del data[len(data) * 2 // 3 :]
    else:
        data[len(data) // 2] ^= 0x10
    backed_up.write_bytes(bytes(data))
    emptied_database()
    media = empty_uploads(settings, tmp_path)

    with pytest.raises(CommandError, match=r"(not a readable backup|is damaged).*nothing was restored"):
        call_command("restore", str(backed_up))
    assert not Institution.objects.exists() and not media.exists()


def fake_client(folder: Path, name: str, version: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    program = folder / name
    program.write_text(f"#!/bin/sh\necho '{name} (PostgreSQL) {version}'\n")
    program.chmod(0o755)
    return program


def test_pg_programs_of_the_servers_version_are_preferred(
    settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Debian keeps one folder per major version; PATH may hold a newer one."""
    settings.BACKUP_PG_BINDIR = ""
    monkeypatch.setattr(backup, "DEBIAN_PG_ROOT", tmp_path / "postgresql")
    monkeypatch.setenv("PATH", str(tmp_path / "on-path"))
    fake_client(tmp_path / "on-path", "pg_dump", "17.2")
    for major in ("13", "15", "16"):
        fake_client(tmp_path / "postgresql" / major / "bin", "pg_dump", f"{major}.4 (Debian {major}.4-1)")
    assert backup._pg_program("pg_dump", server_major=15) == str(tmp_path / "postgresql" / "15" / "bin" / "pg_dump")
    assert backup._pg_program("pg_dump", server_major=17) == str(tmp_path / "on-path" / "pg_dump")
    with pytest.raises(backup_crypto.BackupError) as refused:
        backup._pg_program("pg_dump", server_major=18)
    assert refused.value.message == (
        "pg_dump 18 or newer is needed for this PostgreSQL 18 server, and none was found (found version 13, 15, "
        "16, 17 only): install PostgreSQL's client programs of the server's version (on Debian and Ubuntu: "
        "postgresql-client-18), or set BACKUP_PG_BINDIR to their folder."
    )


def test_missing_pg_programs_are_named_with_the_version_needed(
    settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(backup, "DEBIAN_PG_ROOT", tmp_path / "postgresql")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    settings.BACKUP_PG_BINDIR = ""
    with pytest.raises(
        backup_crypto.BackupError, match=r"^pg_restore 16 or newer is needed .* none was found: install"
    ):
        backup._pg_program("pg_restore", server_major=16)
    settings.BACKUP_PG_BINDIR = str(tmp_path / "elsewhere")
    fake_client(tmp_path / "on-path", "pg_restore", "16.1")  # not looked at: the setting rules
    with pytest.raises(backup_crypto.BackupError, match=r"none was found in .*elsewhere \(BACKUP_PG_BINDIR\)"):
        backup._pg_program("pg_restore", server_major=16)
    fake_client(tmp_path / "elsewhere", "pg_restore", "16.1")
    assert backup._pg_program("pg_restore", server_major=16) == str(tmp_path / "elsewhere" / "pg_restore")


def test_the_check_names_what_differs(backed_up: Path) -> None:
    manifest = backup.read_manifest(backed_up, passphrase=lambda: "")
    recorded = {k: manifest[k] for k in ("tables", "migrations")} | {"figures": manifest["figures"]["institutions"]}
    dates = [dt.date.fromisoformat(d) for d in manifest["figures"]["dates"]]
    assert backup.differences(recorded, backup.database_state(dates=dates, years=3)) == []

    Institution.objects.filter(code="U2").update(code="U3")
    found = backup.database_state(dates=dates, years=3)
    found["tables"]["reviews_review"] = found["tables"].pop("audit_auditevent")
    assert backup.differences(recorded, found) == [
        f"Table audit_auditevent: {recorded['tables']['audit_auditevent']} rows in the backup, no such table after the restore.",
        f"Table reviews_review: 0 rows in the backup, {recorded['tables']['audit_auditevent']} rows after the restore.",
        "Institution U2: its headline figures are in the backup only.",
        "Institution U3: its headline figures are after the restore only.",
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda m: m["database"].update(vendor="postgresql" if connection.vendor == "sqlite" else "sqlite"),
            "their formats differ",
        ),
        (lambda m: m["migrations"].update(audit="9999_from_the_future"), "made by a newer version"),
        (lambda m: m.update(format_version=2), "restore it with the version that made it"),
    ],
    ids=["other-database-kind", "newer-version", "newer-format"],
)
def test_restore_refuses_a_backup_it_cannot_restore_whole(
    backed_up: Path, settings: Any, tmp_path: Path, change: Any, message: str
) -> None:
    emptied_database()
    empty_uploads(settings, tmp_path)
    with pytest.raises(CommandError, match=message):
        call_command("restore", str(rewritten(backed_up, tmp_path, change)))
    assert not Institution.objects.exists()


def test_backup_refuses_to_overwrite_a_file_or_a_short_passphrase(
    backed_up: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(CommandError, match="exists already"):
        call_command("backup", str(backed_up))
    monkeypatch.setenv("BACKUP_PASSPHRASE", "short")
    with pytest.raises(CommandError, match="12 characters or more"):
        call_command("backup", str(tmp_path / "other.backup"), "--encrypt")
    monkeypatch.delenv("BACKUP_PASSPHRASE")
    with pytest.raises(CommandError, match="No terminal to ask the passphrase on"):
        call_command("backup", str(tmp_path / "other.backup"), "--encrypt")
    assert not (tmp_path / "other.backup").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no partial files left


def test_uploads_outside_a_folder_are_said_to_be_left_out(world: World, settings: Any, tmp_path: Path) -> None:
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}
    out = io.StringIO()
    call_command("backup", str(tmp_path / "office.backup"), stdout=out)
    assert "InMemoryStorage, not in a folder: they are NOT in this backup" in out.getvalue()
    manifest = backup.read_manifest(tmp_path / "office.backup", passphrase=lambda: "")
    assert manifest["media"]["included"] is False and manifest["media"]["files"] == []


# The encryption on its own: chunks cannot be dropped, reordered, cut off or extended.


def encrypt(data: bytes, monkeypatch: pytest.MonkeyPatch) -> bytes:
    monkeypatch.setattr(backup_crypto, "CHUNK_SIZE", 1024)
    sink = io.BytesIO()
    writer = backup_crypto.EncryptingWriter(sink, PASSPHRASE)
    for start in range(0, len(data), 700):
        writer.write(data[start : start + 700])
    writer.finish()
    return sink.getvalue()


def decrypt(sealed: bytes, passphrase: str = PASSPHRASE) -> bytes:
    reader = backup_crypto.DecryptingReader(io.BytesIO(sealed), passphrase)
    out = b"".join(iter(lambda: reader.read(333), b""))
    reader.drain()
    return out


@pytest.mark.parametrize("size", [0, 1, 1024, 2048, 5000])
def test_encryption_round_trip_in_chunks(size: int, monkeypatch: pytest.MonkeyPatch) -> None:
    data = secrets.token_bytes(size)
    sealed = encrypt(data, monkeypatch)
    assert decrypt(sealed) == data
    assert len(sealed) == backup_crypto.HEADER_SIZE + size + max(1, -(-size // 1024)) * backup_crypto.TAG_SIZE


@pytest.mark.parametrize("damage", ["drop-middle-chunk", "swap-chunks", "cut-at-chunk-boundary", "append", "header"])
def test_damaged_encrypted_data_is_refused(damage: str, monkeypatch: pytest.MonkeyPatch) -> None:
    sealed = encrypt(secrets.token_bytes(5000), monkeypatch)
    head, body = sealed[: backup_crypto.HEADER_SIZE], sealed[backup_crypto.HEADER_SIZE :]
    step = 1024 + backup_crypto.TAG_SIZE
    chunks = [body[i : i + step] for i in range(0, len(body), step)]
    if damage == "drop-middle-chunk":
        sealed = head + b"".join(chunks[:2] + chunks[3:])
    elif damage == "swap-chunks":
        sealed = head + b"".join([chunks[1], chunks[0], *chunks[2:]])
    elif damage == "cut-at-chunk-boundary":
        sealed = head + b"".join(chunks[:-1])
    elif damage == "append":
        sealed = sealed + chunks[0]
    else:
        sealed = head[:-40] + bytes([head[-40] ^ 1]) + head[-39:] + body  # the salt
    with pytest.raises(backup_crypto.BackupError, match="damaged|does not open"):
        decrypt(sealed)
