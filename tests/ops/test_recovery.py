"""A starting worker marks failed what a killed worker left RUNNING, and nothing of a live worker's."""

import datetime as dt
import logging
import socket
import subprocess
import sys
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

import exchange.services
from audit.models import AuditEvent
from exchange.models import ImportJob, ImportUndo
from exchange.services import import_job_confirm, import_job_create
from ops.models import WorkerHeartbeat
from ops.worker import recover_lost_tasks
from tests.exchange.test_workbook import counts, valid_sheets, write_xlsx
from tests.factories import make_world
from tests.ops.helpers import WorkerDatabase, running_task
from tests.ops.tasks import nap

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def stale_after_a_minute(settings):
    settings.WORKER_STALE_SECONDS = 60


def heartbeat(worker_id: str, *, age: int, hostname: str = "another-host", pid: int = 4242) -> WorkerHeartbeat:
    seen = timezone.now() - dt.timedelta(seconds=age)
    return WorkerHeartbeat.objects.create(
        worker_id=worker_id, hostname=hostname, pid=pid, started_at=seen - dt.timedelta(hours=1), seen_at=seen
    )


def a_finished_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def status(task: DBTaskResult) -> str:
    return DBTaskResult.objects.get(pk=task.pk).status


def test_a_dead_workers_task_is_marked_failed_and_a_live_workers_left_running(caplog):
    heartbeat("dead", age=600)
    heartbeat("alive", age=5)
    dead_task = running_task("dead")
    live_task = running_task("alive")
    with caplog.at_level(logging.WARNING, logger="ops.worker"):
        assert recover_lost_tasks(own_worker_id="me", starting=True) == 1
    failed = DBTaskResult.objects.get(pk=dead_task.pk)
    assert failed.status == TaskResultStatus.FAILED
    assert failed.finished_at is not None
    assert failed.exception_class_path == "ops.worker.WorkerLost"
    assert failed.traceback.startswith(
        "ops.worker.WorkerLost: The worker running this task (dead) stopped before the task finished: "
        "its last heartbeat was at "
    )
    assert failed.traceback.endswith("The task was marked failed; start it again if it is still needed.\n")
    assert failed.task_result.errors[0].exception_class_path == "ops.worker.WorkerLost"
    assert status(live_task) == TaskResultStatus.RUNNING
    assert any(f"Task {dead_task.pk} (tests.ops.tasks.add) marked failed" in r.getMessage() for r in caplog.records)


def test_a_task_whose_worker_left_no_heartbeat_or_no_name_is_marked_failed():
    silent = running_task("never-beat")
    nameless = running_task(None)
    assert recover_lost_tasks(own_worker_id="me", starting=True) == 2
    assert "(never-beat) stopped before the task finished: it left no heartbeat." in (
        DBTaskResult.objects.get(pk=silent.pk).traceback
    )
    assert "(unknown) stopped before the task finished: no worker is named on it." in (
        DBTaskResult.objects.get(pk=nameless.pk).traceback
    )


def test_a_worker_killed_and_restarted_at_once_on_this_host_is_dead_by_its_process():
    """Its heartbeat is still fresh, but its process is gone: no need to wait for it to go stale."""
    pid = a_finished_pid()
    heartbeat("killed", age=2, hostname=socket.gethostname(), pid=pid)
    task = running_task("killed")
    assert recover_lost_tasks(own_worker_id="me", starting=True) == 1
    assert f"its process ({pid} on {socket.gethostname()}) no longer runs" in (
        DBTaskResult.objects.get(pk=task.pk).traceback
    )


def test_a_fresh_heartbeat_from_another_host_keeps_its_tasks_whatever_its_process_id():
    heartbeat("elsewhere", age=2, hostname="another-host", pid=a_finished_pid())
    task = running_task("elsewhere")
    assert recover_lost_tasks(own_worker_id="me", starting=True) == 0
    assert status(task) == TaskResultStatus.RUNNING


def test_a_starting_worker_fails_the_tasks_of_an_earlier_process_with_its_own_id_but_not_its_running_self():
    heartbeat("fixed-id", age=1, hostname=socket.gethostname())
    task = running_task("fixed-id")
    assert recover_lost_tasks(own_worker_id="fixed-id", starting=False) == 0
    assert status(task) == TaskResultStatus.RUNNING
    assert recover_lost_tasks(own_worker_id="fixed-id", starting=True) == 1
    assert "a new worker started under its id" in DBTaskResult.objects.get(pk=task.pk).traceback


def test_recovery_is_done_once():
    running_task("gone")
    assert recover_lost_tasks(own_worker_id="me", starting=True) == 1
    assert recover_lost_tasks(own_worker_id="me", starting=True) == 0


def test_finished_and_waiting_tasks_are_not_touched():
    from tests.ops.tasks import add

    waiting = add.enqueue(1, 1)
    done = running_task("gone")
    DBTaskResult.objects.filter(pk=done.pk).update(status=TaskResultStatus.SUCCESSFUL)
    assert recover_lost_tasks(own_worker_id="me", starting=True) == 0
    assert DBTaskResult.objects.get(pk=waiting.id).status == TaskResultStatus.READY


@pytest.mark.django_db(transaction=True)
def test_a_starting_worker_recovers_tasks_then_import_jobs_and_forgets_long_silent_workers(
    make_worker, monkeypatch, caplog
):
    calls: list[str] = []

    def import_jobs_recover() -> int:
        calls.append("jobs")
        # The tasks are recovered first: an import job's task is already marked failed here.
        assert DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).count() == 0
        return 2

    monkeypatch.setattr(exchange.services, "import_jobs_recover", import_jobs_recover)
    heartbeat("long-gone", age=3 * 24 * 3600)
    running_task("killed")
    worker = make_worker()
    with caplog.at_level(logging.WARNING, logger="ops.worker"):
        worker.serve()
    assert calls == ["jobs"]
    assert "On start: 1 task(s) and 2 import job(s) of stopped workers marked failed." in [
        r.getMessage() for r in caplog.records
    ]
    assert list(WorkerHeartbeat.objects.values_list("worker_id", flat=True)) == [worker.worker_id]


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_task_leaves_nothing_running_once_a_worker_starts_again(tmp_path):
    """The issue's case, in real processes: `kill -9` of a worker running a task, then a new worker."""
    result = nap.enqueue(60)
    database = WorkerDatabase(tmp_path)
    killed = database.start_worker("--interval", "0.1", "--worker-id", "killed-mid-task")
    try:
        killed.wait_for(lambda: database.task(str(result.id))[0] == TaskResultStatus.RUNNING)
    finally:
        killed.kill()
    restarted = database.start_worker("--batch", "--interval", "0", "--worker-id", "restarted")
    assert restarted.finish() == 0, restarted.output
    status, traceback = database.task(str(result.id))
    assert status == TaskResultStatus.FAILED
    assert (
        f"The worker running this task (killed-mid-task) stopped before the task finished: its process "
        f"({killed.pid} on {socket.gethostname()}) no longer runs. The task was marked failed; start it again "
        "if it is still needed."
    ) in traceback
    assert "On start: 1 task(s) and 0 import job(s) of stopped workers marked failed." in restarted.output


# The import is slowed to a row a slice and half a second a slice, so that it is killed half-way.
SLOW_IMPORT = """
import time
from exchange import importer
importer.SLICE_ROWS = 1
_write = importer.Importer._write_batch
def _slow_write(self, *args):
    _write(self, *args)
    time.sleep(0.5)
importer.Importer._write_batch = _slow_write
"""


@pytest.fixture
def shared_db(request, transactional_db):
    """A database this test and a worker process both see: SQLite's in a file (`file_db`)."""
    if connection.vendor == "sqlite":
        return request.getfixturevalue("file_db")
    return None


def test_a_worker_killed_mid_import_leaves_nothing_written_once_a_worker_starts_again(shared_db, tmp_path, settings):
    """The issue's case end to end: an office's import confirmed, its worker killed (`kill -9`) half-way.
    The next worker fails the task, then the job (exchange.services.import_jobs_recover), and what the
    import had written is gone: on SQLite undone from its undo log, on PostgreSQL never committed."""
    settings.MEDIA_ROOT = tmp_path / "media"
    media = {"MEDIA_ROOT": str(settings.MEDIA_ROOT)}
    world = make_world()
    upload = SimpleUploadedFile("book.xlsx", write_xlsx(tmp_path / "book.xlsx", valid_sheets()).read_bytes())
    job = import_job_create(institution=world.institution, upload=upload, by=world.admin, language="en")
    database = WorkerDatabase(tmp_path)
    previewer = database.start_worker("--batch", "--interval", "0", "--worker-id", "previewer", **media)
    assert previewer.finish() == 0, previewer.output
    job.refresh_from_db()
    assert job.state == ImportJob.State.PREVIEWED, job.report
    import_job_confirm(job=job, by=world.admin)
    before = counts()
    events_before = set(AuditEvent.objects.values_list("pk", flat=True))

    killed = database.start_worker(
        "--interval", "0.1", "--worker-id", "killed-mid-import", TEST_WORKER_SETUP=SLOW_IMPORT, **media
    )
    try:
        if database.vendor == "sqlite":  # slices committed, each with its undo
            killed.wait_for(lambda: ImportUndo.objects.exists())
            assert counts() != before
        else:  # one transaction, the server's to roll back when the connection goes
            killed.wait_for(lambda: ImportJob.objects.filter(pk=job.pk, started_at__isnull=False).exists())
            time.sleep(1.5)
    finally:
        killed.kill()

    restarted = database.start_worker("--batch", "--interval", "0", "--worker-id", "restarted", **media)
    assert restarted.finish() == 0, restarted.output
    assert "On start: 1 task(s) and 1 import job(s) of stopped workers marked failed." in restarted.output
    job.refresh_from_db()
    assert job.state == ImportJob.State.IMPORT_FAILED
    assert "stopped before it finished" in job.report["problems"][0]["message"]
    after = counts()
    # What the import wrote is gone; the audit trail keeps its start and its failure.
    assert after[:2] + after[3:] == before[:2] + before[3:]
    events = AuditEvent.objects.exclude(pk__in=events_before).order_by("pk").values_list("event", flat=True)
    assert list(events)[-1] == f"import_job.{ImportJob.State.IMPORT_FAILED}"
    assert set(events) <= {"import_job.import_started", f"import_job.{ImportJob.State.IMPORT_FAILED}"}
    assert not ImportUndo.objects.exists()
    [task] = DBTaskResult.objects.filter(task_path="exchange.tasks.run_import_job")
    assert task.status == TaskResultStatus.FAILED
    assert "(killed-mid-import) stopped before the task finished" in task.traceback
