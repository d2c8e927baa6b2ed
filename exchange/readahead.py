"""Reading a large sheet in a second process while this one checks and writes its rows.

An import is two kinds of work of about the same size: parsing the workbook's XML into rows, and
checking and writing those rows. On a machine with two cores they can run side by side: a child
process opens the same file, streams the sheet's rows and sends them in batches through a bounded
queue (so memory stays bounded), together with the problems of form it found on the way.
The child is started with "spawn", which is safe whatever threads the parent runs. It only reads
cells: it sets Django up with no app at all, from the few settings a reader consults, handed over
by the parent (`READER_SETTINGS`), so it loads no model, no database backend and no pypinyin: 40 MB
before its rows instead of 85, and the two processes' memory counts together (issue 15, decision
71). Starting it still costs a fraction of a second, so only large sheets are read this way. A
child whose parent is gone (killed with the worker) stops at its next batch instead of waiting
forever on the full queue, so no reading process, nor multiprocessing's resource tracker that
waits for it, is left behind.
"""

import multiprocessing
import os
import queue as queue_module
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.conf import settings
from django.utils import translation

from core.sheets.cells import Notices, Problem

if TYPE_CHECKING:
    # Not imported at run time: the spawned child imports this module before it sets Django up, and
    # exchange.workbook only after (decision 63).
    from exchange.workbook import Row

ROWS_PER_MESSAGE = 1000
MESSAGES_AHEAD = 4  # at most this many batches wait in the queue: memory stays bounded
WAIT_SECONDS = 5
PARENT_CHECK_SECONDS = 1  # how often a child waiting on a full queue looks whether its parent lives
# What reading a sheet consults of the settings: the languages and their catalogues (the problems'
# sentences), and the limits of what a file may hold (core.sheets.xlsx.Limits).
READER_SETTINGS = (
    "USE_I18N",
    "LANGUAGE_CODE",
    "LOCALE_PATHS",
    "USE_TZ",
    "TIME_ZONE",
    "IMPORT_MAX_CELL_CHARS",
    "IMPORT_MAX_LINE_CHARS",
    "IMPORT_MAX_EXPANDED_MB",
    "IMPORT_MAX_SHARED_STRINGS_MB",
)


class ReadAheadFailed(Exception):
    """The reading process ended without finishing the sheet."""


def read_ahead(path: str | Path, sheet: str, problems: list[Problem], notices: Notices) -> Iterator["Row"]:
    """The rows of one exchange sheet, read by a child process; its problems of form go to
    `problems`, the rows it skipped with a notice to `notices`."""
    context = multiprocessing.get_context("spawn")
    channel: Any = context.Queue(maxsize=MESSAGES_AHEAD)
    child = context.Process(
        target=_read_sheet,
        args=(str(path), sheet, reader_settings(), translation.get_language(), channel, os.getpid()),
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


def reader_settings() -> dict[str, Any]:
    """The settings the reading process is set up with: this process's (an override in force too)."""
    values = {name: getattr(settings, name) for name in READER_SETTINGS if hasattr(settings, name)}
    # The languages' names are lazy translations, which the child has no use for.
    values["LANGUAGES"] = [(code, code) for code, _name in settings.LANGUAGES]
    return values


def set_up_reader(values: dict[str, Any]) -> None:
    """Sets Django up in a process that only reads sheets: no app, so no model and no database.
    Not `django.setup()`: of what it does, translations need only the (empty) app registry ready,
    and its logging configuration and URL prefix would load 8 MB of modules nothing here uses."""
    settings.configure(**values, INSTALLED_APPS=[])
    apps.populate(settings.INSTALLED_APPS)


def _send(channel: Any, message: Any, parent: int) -> None:
    """Puts a message on the queue, waiting while it is full, as long as the parent is alive."""
    while True:
        try:
            channel.put(message, timeout=PARENT_CHECK_SECONDS)
            return
        except queue_module.Full:
            if os.getppid() != parent:  # the parent died: this process was handed to another
                os._exit(0)


def _read_sheet(path: str, sheet: str, values: dict[str, Any], language: str | None, channel: Any, parent: int) -> None:
    set_up_reader(values)
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
