"""The development mail backend: a line in the log for each mail, the mail itself in a private file.

Django's console backend prints every mail whole into the worker's log, and the mails this product
sends carry live links (a new account's set-password link, an expert's signed review link): a
log line copied into a ticket or a chat would hand over the account or the review. This backend
logs who a mail is to, its subject and that it was not sent, never its body. A developer still
needs the link to try a new account on a first look, so the whole message is written to its own
file under `var/mail/` (the folder 0700, each file 0600: readable by the account that runs the
server only), where it is read on purpose rather than seen in passing.

Not for production: mail is not delivered at all (the project's deploy check refuses the console
backend when DEBUG is off).
"""

import logging
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage
from django.utils import timezone
from django.utils.crypto import get_random_string

logger = logging.getLogger(__name__)

FOLDER_MODE = 0o700
FILE_MODE = 0o600


class LoggedMailBackend(BaseEmailBackend):
    """Logs one line per mail (to, subject, not sent) and writes the message to `directory`.

    `directory` (an option in MAILERS) defaults to `var/mail` under the project."""

    def __init__(self, *args: Any, directory: str | Path | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.directory = Path(directory) if directory else Path(settings.BASE_DIR) / "var" / "mail"
        self._lock = threading.Lock()

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        count = 0
        for message in email_messages:
            if not message.recipients():
                continue
            where = self._write(message)
            logger.warning(
                "Mail not sent (development mail backend): to %s, subject %r; the whole message is in %s",
                ", ".join(message.recipients()),
                str(message.subject),
                where,
            )
            count += 1
        return count

    def _write(self, message: EmailMessage) -> Path:
        with self._lock:
            self.directory.mkdir(parents=True, exist_ok=True)
            os.chmod(self.directory, FOLDER_MODE)
            stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
            path = self.directory / f"{stamp}-{get_random_string(8)}.eml"
            # Created with its mode, never readable by others even for a moment.
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
            with os.fdopen(descriptor, "wb") as stream:
                stream.write(message.message().as_bytes())
        return path
