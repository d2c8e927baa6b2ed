"""The worker's heartbeat: a row per worker, refreshed from a thread of its own (docs/decisions/0059)."""

import logging
import time
from collections.abc import Callable

import pytest
from django.db import OperationalError

from ops.models import WorkerHeartbeat
from ops.worker import Heartbeat
from tests.ops.tasks import NAPS, nap


def wait_for(condition: Callable[[], bool], timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "waited in vain"
        time.sleep(0.01)


@pytest.mark.django_db
def test_a_beat_writes_the_workers_row_then_refreshes_it():
    heartbeat = Heartbeat("w-one", every=15)
    heartbeat.beat()
    first = WorkerHeartbeat.objects.get(worker_id="w-one")
    assert (first.hostname, first.pid) == (heartbeat.hostname, heartbeat.pid)
    assert first.started_at == heartbeat.started_at
    heartbeat.beat()
    again = WorkerHeartbeat.objects.get(worker_id="w-one")
    assert again.seen_at > first.seen_at
    assert again.started_at == first.started_at


# A thread of the heartbeat's own writes through its own connection: the test's data must be committed.
@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_thread_beats_until_it_is_stopped():
    heartbeat = Heartbeat("w-thread", every=0.02)
    heartbeat.start()
    wait_for(lambda: heartbeat.beats >= 3)
    heartbeat.stop()
    assert heartbeat._thread is not None and not heartbeat._thread.is_alive()
    beats = heartbeat.beats
    time.sleep(0.1)
    assert heartbeat.beats == beats
    assert WorkerHeartbeat.objects.filter(worker_id="w-thread").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_beat_that_meets_a_locked_database_is_logged_and_the_next_one_written(caplog):
    heartbeat = Heartbeat("w-locked", every=0.02)
    real_beat = heartbeat.beat
    calls = {"n": 0}

    def beat() -> None:
        calls["n"] += 1
        if calls["n"] == 1:
            raise OperationalError("database is locked")
        real_beat()

    heartbeat.beat = beat  # type: ignore[method-assign]
    with caplog.at_level(logging.WARNING, logger="ops.worker"):
        heartbeat.start()
        wait_for(lambda: heartbeat.beats >= 2)
        heartbeat.stop()
    assert "The worker's heartbeat could not be written (database is locked); trying again at the next beat." in [
        r.getMessage() for r in caplog.records
    ]
    assert WorkerHeartbeat.objects.filter(worker_id="w-locked").exists()


@pytest.mark.django_db(transaction=True)
def test_the_worker_beats_while_a_long_task_runs(make_worker):
    nap.enqueue(0.6)
    worker = make_worker()
    beaten_at: list[float] = []
    real_beat = worker.heartbeat.beat

    def beat() -> None:
        real_beat()
        beaten_at.append(time.monotonic())

    worker.heartbeat.beat = beat  # type: ignore[method-assign]
    NAPS.clear()
    worker.serve()
    [(start, end)] = NAPS
    assert sum(start < t < end for t in beaten_at) >= 3  # every 0.05 s: about 12
    assert worker.heartbeat._thread is not None and not worker.heartbeat._thread.is_alive()
    assert WorkerHeartbeat.objects.get(worker_id=worker.worker_id).seen_at is not None
