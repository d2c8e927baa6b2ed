"""Tasks the worker tests enqueue (imported by path in the worker, so they live in a module)."""

import time

from django.tasks import task

# (start, end) of each nap, on time.monotonic(): the heartbeat test compares its beats with them.
NAPS: list[tuple[float, float]] = []


@task()
def add(a: int, b: int) -> int:
    return a + b


@task()
def nap(seconds: float) -> float:
    start = time.monotonic()
    time.sleep(seconds)
    NAPS.append((start, time.monotonic()))
    return seconds
