"""Imports on SQLite keep out of other people's way (exchange.isolation, docs/decisions/0026):
a dry run works on a snapshot and never takes the write lock, a real import holds it one short
slice at a time and stays all or nothing through its undo log, and an import stopped with its
process is undone when the worker starts again.

These tests need a database file that a second connection can open while the import runs: the
`file_db` fixture (tests/conftest.py)."""

import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections
from django.urls import reverse
from django.utils import timezone

from catalogue.models import Institution
from exchange import importer, isolation, tasks
from exchange.importer import import_workbook
from exchange.models import ImportJob, ImportUndo
from exchange.services import import_job_create, import_jobs_recover
from tests.exchange.test_workbook import counts, problems_text, valid_sheets, write_xlsx
from tests.factories import World, make_world

State = ImportJob.State


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def write_lock_wait(path: Path) -> float:
    """How long another writer waits for the write lock now, in seconds (fails if over 0.5 s)."""
    other = sqlite3.connect(path, timeout=0.5, isolation_level=None)
    try:
        started = timezone.now()
        other.execute("BEGIN IMMEDIATE")
        other.execute("UPDATE catalogue_institution SET name_en = name_en || '.' WHERE code = 'OTHER'")
        other.execute("COMMIT")
        return (timezone.now() - started).total_seconds()
    finally:
        other.close()


def another_institution() -> Institution:
    return Institution.objects.create(code="OTHER", name_zh="别校", name_en="Other")


def temp_triggers() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM sqlite_temp_master WHERE type = 'trigger'")
        return cursor.fetchone()[0]


def test_a_dry_run_writes_to_a_snapshot_and_never_takes_the_write_lock(file_db, tmp_path, monkeypatch):
    world = make_world()
    other = another_institution()
    before = counts()
    waits: list[float] = []
    real_write = importer.Importer._write_batch

    def write_and_let_another_writer_in(self: Any, *args: Any) -> None:
        real_write(self, *args)
        assert connection.in_atomic_block  # the dry run's own transaction is open, on the copy
        waits.append(write_lock_wait(file_db))

    monkeypatch.setattr(importer.Importer, "_write_batch", write_and_let_another_writer_in)
    report = import_workbook(
        path=write_xlsx(tmp_path / "book.xlsx", valid_sheets()),
        institution=world.institution,
        by=world.admin,
        dry_run=True,
    )
    assert report.ok, problems_text(report)
    assert sum(report.counts["Postdocs"].values()) > 0  # the dry run did write, to its snapshot
    assert waits and max(waits) < 0.2
    assert counts() == before  # nothing reached the live database
    other.refresh_from_db()
    assert other.name_en == "Other" + "." * len(waits)  # the other writer's changes did
    assert not list(Path(tmp_path).glob("postdoc-snapshot-*"))
    assert connections["default"].settings_dict["NAME"] == str(file_db)  # the live connection is back


def test_a_real_import_holds_the_write_lock_one_slice_at_a_time_and_forgets_its_log(file_db, tmp_path, monkeypatch):
    world = make_world()
    another_institution()
    monkeypatch.setattr(importer, "SLICE_ROWS", 1)
    slices: list[bool] = []
    waits: list[float] = []
    real_write = importer.Importer._write_batch

    def write_and_let_another_writer_in(self: Any, *args: Any) -> None:
        real_write(self, *args)
        slices.append(connection.in_atomic_block)
        waits.append(write_lock_wait(file_db))  # between two slices

    monkeypatch.setattr(importer.Importer, "_write_batch", write_and_let_another_writer_in)
    report = import_workbook(
        path=write_xlsx(tmp_path / "book.xlsx", valid_sheets()), institution=world.institution, by=world.admin
    )
    assert report.ok, problems_text(report)
    assert len(slices) > 5 and not any(slices)  # each batch committed before the next
    assert max(waits) < 0.2
    from appointments.models import Appointment

    assert Appointment.objects.filter(postdoc_no="BH900001").exists()
    assert not ImportUndo.objects.exists() and temp_triggers() == 0


def test_a_refused_real_import_is_undone_whole_and_others_writes_in_between_stay(file_db, tmp_path, monkeypatch):
    world = make_world()
    other = another_institution()
    monkeypatch.setattr(importer, "SLICE_ROWS", 1)
    sheets = valid_sheets()
    header = sheets["Postdocs"][0]
    sheets["Postdocs"][2][header.index("entry_date")] = "2021-02-30"  # found after earlier sheets are written
    before = counts()
    written_before_refusal: list[tuple[int, ...]] = []
    real_write = importer.Importer._write_batch

    def write_and_let_another_writer_in(self: Any, *args: Any) -> None:
        real_write(self, *args)
        written_before_refusal.append(counts())
        write_lock_wait(file_db)

    monkeypatch.setattr(importer.Importer, "_write_batch", write_and_let_another_writer_in)
    report = import_workbook(
        path=write_xlsx(tmp_path / "bad.xlsx", sheets), institution=world.institution, by=world.admin
    )
    assert not report.ok and "does not exist in the calendar" in problems_text(report)
    assert any(seen != before for seen in written_before_refusal)  # slices were committed, then undone
    assert counts() == before
    other.refresh_from_db()
    assert other.name_en.startswith("Other.")  # the other writer's change survived the undo
    assert not ImportUndo.objects.exists() and temp_triggers() == 0


def test_an_import_stopped_with_its_process_is_undone_and_failed_when_the_worker_starts(file_db, tmp_path, monkeypatch):
    world: World = make_world()
    upload = SimpleUploadedFile("book.xlsx", write_xlsx(tmp_path / "book.xlsx", valid_sheets()).read_bytes())
    job = import_job_create(institution=world.institution, upload=upload, by=world.admin, language="en")
    ImportJob.objects.filter(pk=job.pk).update(
        state=State.IMPORTING, started_at=timezone.now(), confirmed_by=world.admin, previewed_sha256=job.sha256
    )
    before = counts()
    monkeypatch.setattr(importer, "SLICE_ROWS", 1)
    real_write = importer.Importer._write_batch
    written: list[int] = []

    class Killed(BaseException):
        """Stands for SIGKILL: nothing after it runs, the undo included."""

    def write_then_die(self: Any, *args: Any) -> None:
        real_write(self, *args)
        written.append(1)
        if len(written) == 4:
            raise Killed

    monkeypatch.setattr(importer.Importer, "_write_batch", write_then_die)
    monkeypatch.setattr(isolation.UndoLog, "undo", lambda self: 0)  # a killed process undoes nothing
    with pytest.raises(Killed):
        import_workbook(
            path=job.path, institution=world.institution, by=world.admin, owner=isolation.owner_of_job(job.pk)
        )
    monkeypatch.undo()
    assert counts() != before and ImportUndo.objects.filter(owner=isolation.owner_of_job(job.pk)).exists()
    connection.close()  # the process is gone: its temporary triggers with it

    assert import_jobs_recover() == 1
    after = list(counts())
    after[2] -= 1  # the one audit event of the job's failure
    assert tuple(after) == before
    assert not ImportUndo.objects.exists()
    job.refresh_from_db()
    assert job.state == State.IMPORT_FAILED
    assert "stopped before it finished" in job.report["problems"][0]["message"]
    assert import_jobs_recover() == 0  # once


def test_a_job_running_in_a_live_worker_is_not_recovered(file_db):
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    world = make_world()
    upload = SimpleUploadedFile("Units.csv", b"code,name,kind\nC901,x,college\n")
    job = import_job_create(institution=world.institution, upload=upload, by=world.admin, language="en")
    ImportJob.objects.filter(pk=job.pk).update(state=State.PREVIEWING, started_at=timezone.now())
    DBTaskResult.objects.filter(task_path="exchange.tasks.preview_import_job").update(status=TaskResultStatus.RUNNING)
    assert DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).count() == 1
    assert import_jobs_recover() == 0
    assert ImportJob.objects.get(pk=job.pk).state == State.PREVIEWING


def test_the_worker_writes_progress_that_another_connection_sees_during_a_dry_run(file_db, tmp_path, monkeypatch):
    world = make_world()
    upload = SimpleUploadedFile("book.xlsx", write_xlsx(tmp_path / "book.xlsx", valid_sheets()).read_bytes())
    job = import_job_create(institution=world.institution, upload=upload, by=world.admin, language="en")
    seen: list[Any] = []
    real_write = importer.Importer._write_batch

    def look_from_another_thread(self: Any, *args: Any) -> None:
        self.progress("Postdocs", 7)
        reader = threading.Thread(target=lambda: (seen.append(tasks.read_progress(job.pk)), connection.close()))
        reader.start()
        reader.join()
        real_write(self, *args)

    monkeypatch.setattr(importer.Importer, "_write_batch", look_from_another_thread)
    assert tasks.run_job(job.pk, dry_run=True) == State.PREVIEWED
    assert seen and seen[0]["stage"] == "Postdocs" and seen[0]["rows"] == 7


def test_a_second_import_waits_for_the_one_that_runs(file_db, tmp_path):
    from django_tasks_db.models import DBTaskResult

    world = make_world()
    jobs = []
    for name in ("a.csv", "b.csv"):
        upload = SimpleUploadedFile(name.replace("a", "Units").replace("b", "Units"), b"code,name,kind\nC9,x,college\n")
        job = import_job_create(institution=world.institution, upload=upload, by=world.admin, language="en")
        ImportJob.objects.filter(pk=job.pk).update(state=State.IMPORTING, confirmed_by=world.admin)
        jobs.append(job)
    ImportJob.objects.filter(pk=jobs[0].pk).update(started_at=timezone.now())
    assert tasks.run_job(jobs[1].pk, dry_run=False) == State.IMPORTING
    waiting = ImportJob.objects.get(pk=jobs[1].pk)
    assert waiting.started_at is None  # not started: queued behind the other
    again = DBTaskResult.objects.filter(task_path="exchange.tasks.run_import_job").get()
    assert again.args_kwargs["args"] == [jobs[1].pk] and again.run_after > timezone.now()


def test_the_page_of_an_import_queued_behind_another_says_so(client, world):
    jobs = []
    for _ in range(2):
        upload = SimpleUploadedFile("Units.csv", b"code,name,kind\nC9,x,college\n")
        job = import_job_create(institution=world.institution, upload=upload, by=world.admin, language="en")
        ImportJob.objects.filter(pk=job.pk).update(state=State.IMPORTING, confirmed_by=world.admin)
        jobs.append(job)
    client.force_login(world.admin)
    status = reverse("import-status", args=[jobs[1].pk])
    assert "another import of this institution is running" not in client.get(status).content.decode()
    ImportJob.objects.filter(pk=jobs[0].pk).update(started_at=timezone.now())
    page = client.get(status).content.decode()
    assert "Queued: another import of this institution is running" in page and 'hx-trigger="every 1s"' in page
