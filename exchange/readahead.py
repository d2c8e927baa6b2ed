"""Reading a large sheet in a second process while this one checks and writes its rows.

An import is two kinds of work of about the same size: parsing the workbook's XML into rows, and
checking and writing those rows. On a machine with two cores they can run side by side: a child
process opens the same file, streams the sheet's rows and sends them in batches through a bounded
queue (so memory stays bounded), together with the problems of form it found on the way.
The child is started with "spawn", which is safe whatever threads the parent runs; it sets Django
up again (about half a second), so only large sheets are read this way. A child whose parent is gone
(killed with the worker) stops at its next batch instead of waiting forever on the full queue, so no
reading process, nor multiprocessing's resource tracker that waits for it, is left behind.
"""

import multiprocessing
import os
import queue as queue_module
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.utils import translation

from core.sheets.cells import Notices, Problem

if TYPE_CHECKING:
    # Not imported at run time: the spawned child imports this module before it sets Django up, and
    # exchange.workbook needs the apps loaded (the export-only sheets come from their export modules).
    from exchange.workbook import Row

ROWS_PER_MESSAGE = 1000
MESSAGES_AHEAD = 4  # at most this many batches wait in the queue: memory stays bounded
WAIT_SECONDS = 5
PARENT_CHECK_SECONDS = 1  # how often a child waiting on a full queue looks whether its parent lives


class ReadAheadFailed(Exception):
    """The reading process ended without finishing the sheet."""


def read_ahead(path: str | Path, sheet: str, problems: list[Problem], notices: Notices) -> Iterator["Row"]:
    """The rows of one exchange sheet, read by a child process; its problems of form go to
    `problems`, the rows it skipped with a notice to `notices`."""
    context = multiprocessing.get_context("spawn")
    channel: Any = context.Queue(maxsize=MESSAGES_AHEAD)
    child = context.Process(
        target=_read_sheet,
        args=(str(path), sheet, translation.get_language(), channel, os.getpid()),
        daemon=True,
        name=f"read-ahead {sheet}",
    )
    child.start()
    try:
        while True:
            try:
                message = channel.get(timeout=WAIT_SECONDS)
            except queue_module.Empty:
                if not child.is_alive():
                    raise ReadAheadFailed(sheet) from None
                continue
            if isinstance(message, Notices):  # the last message: the sheet is read
                notices.merge(message)
                return
            if isinstance(message, str):
                raise ReadAheadFailed(message)
            rows, found = message
            problems.extend(found)
            yield from rows
    finally:
        if child.is_alive():
            child.terminate()
        child.join()
        channel.close()


def _send(channel: Any, message: Any, parent: int) -> None:
    """Puts a message on the queue, waiting while it is full, as long as the parent is alive."""
    while True:
        try:
            channel.put(message, timeout=PARENT_CHECK_SECONDS)
            return
        except queue_module.Full:
            if os.getppid() != parent:  # the parent died: this process was handed to another
                os._exit(0)


def _read_sheet(path: str, sheet: str, language: str | None, channel: Any, parent: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # This process only reads cells: it never writes a name's pinyin (core.pinyin), so pypinyin,
    # which the models import, need not load its dictionary of phrases (40 MB of this process's
    # memory, beside the importing process's own copy).
    os.environ["PYPINYIN_NO_PHRASES"] = "1"
    import django

    django.setup()
    from exchange.workbook import open_workbook  # a fresh process, after django.setup(): decision 63

    if language:
        translation.activate(language)
    try:
        with open_workbook(path) as source:
            found: list[Problem] = []
            notices = Notices()
            sent = 0
            batch: list[Row] = []
            for row in source.sheets[sheet].rows(found, notices):
                batch.append(row)
                if len(batch) >= ROWS_PER_MESSAGE:
                    _send(channel, (batch, found[sent:]), parent)
                    sent, batch = len(found), []
            _send(channel, (batch, found[sent:]), parent)
        _send(channel, notices, parent)
    except Exception as error:  # the parent raises it as ReadAheadFailed; it has the report to fill
        _send(channel, f"{type(error).__name__}: {error}", parent)
