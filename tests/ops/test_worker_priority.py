"""The task worker yields the CPU to the web server: it lowers its own priority by WORKER_NICE."""

from typing import Any

from ops.management.commands import worker


def test_the_worker_lowers_its_priority_by_the_setting(settings: Any, monkeypatch: Any) -> None:
    asked: list[int] = []
    monkeypatch.setattr(worker.os, "nice", lambda n: asked.append(n) or n)
    settings.WORKER_NICE = 10
    worker.lower_priority()
    settings.WORKER_NICE = 0
    worker.lower_priority()
    assert asked == [10]  # and 0 leaves the priority alone


def test_a_refused_priority_change_is_no_reason_to_stop(settings: Any, monkeypatch: Any, caplog: Any) -> None:
    def refuse(n: int) -> int:
        raise PermissionError("not permitted")

    monkeypatch.setattr(worker.os, "nice", refuse)
    settings.WORKER_NICE = 5
    worker.lower_priority()
    assert "Could not lower the worker's priority by 5" in caplog.text
