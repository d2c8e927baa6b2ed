"""A read-ahead child whose parent is killed (the worker, mid-import) does not stay behind, nor does
multiprocessing's resource tracker that waits for it."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.exchange.test_workbook import valid_sheets, write_xlsx

PARENT = """
import os, sys, time
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
import django
django.setup()
from exchange.readahead import read_ahead
from core.sheets.cells import Notices
rows = read_ahead(sys.argv[1], "Postdocs", [], Notices())
next(rows)
import multiprocessing
print(" ".join(str(child.pid) for child in multiprocessing.active_children()), flush=True)
time.sleep(60)  # killed long before
"""


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is gone, only not yet reaped by its new parent
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def descendants(pid: int) -> set[int]:
    """Every process below `pid` (the reading child, the resource tracker), from /proc."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def test_the_reading_child_exits_when_its_parent_is_killed(tmp_path: Path) -> None:
    sheets = valid_sheets()
    header, first = sheets["Postdocs"][0], sheets["Postdocs"][1]
    number = header.index("postdoc_no")
    # Enough rows that the child fills the bounded queue and waits on it.
    sheets["Postdocs"] = [header] + [[*first[:number], f"BH{n:06d}", *first[number + 1 :]] for n in range(30_000)]
    path = write_xlsx(tmp_path / "big.xlsx", sheets)
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT, str(path)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    try:
        started = [int(pid) for pid in parent.stdout.readline().split()]  # type: ignore[union-attr]
        assert started, "the read-ahead child did not start"
        time.sleep(1)  # the child fills the queue
        children = sorted(descendants(parent.pid))
        assert set(started) <= set(children) and len(children) >= 2  # the reader and the resource tracker
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=10)
        deadline = time.monotonic() + 15
        while any(alive(pid) for pid in children) and time.monotonic() < deadline:
            time.sleep(0.2)
        left = [pid for pid in children if alive(pid)]
        assert not left, f"processes outlived their killed parent: {left}"
    finally:
        if parent.poll() is None:
            parent.kill()
