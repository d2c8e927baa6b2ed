from typing import Any

import pytest

from ops.worker import Backoff, ResilientWorker


@pytest.fixture
def make_worker(settings: Any) -> Any:
    """A worker that runs what is ready, then stops (batch), and waits only hundredths of a second."""
    settings.WORKER_HEARTBEAT_SECONDS = 0.05
    settings.WORKER_STALE_SECONDS = 1

    def make(**options: Any) -> ResilientWorker:
        worker = ResilientWorker(
            **{
                "queue_names": ["default"],
                "interval": 0,
                "batch": True,
                "backend_name": "default",
                "startup_delay": False,
                "max_tasks": None,
                "worker_id": "worker-under-test",
                "excluded_queue_names": [],
                **options,
            }
        )
        worker.backoff = Backoff(first=0.01, ceiling=0.02)
        return worker

    return make
