"""Encryption of backup files (docs/decisions/0053-backups-encrypted-with-a-passphrase.md): AES-GCM in chunks under a key derived
from a passphrase with Scrypt, through pyca `cryptography`; and the backups' refusals (BackupError)."""

import getpass
import hmac
import os
import secrets
import struct
import sys
import unicodedata
from pathlib import Path
from typing import IO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from django.utils.translation import gettext as _

MIN_PASSPHRASE = 12


class BackupError(Exception):
    """A refusal or a failure, as a sentence an administrator can act on."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- Encryption -----------------------------------------------------------------------------------
#
# header = MAGIC · version · log2(n) · r · p · chunk size · salt(16) · nonce prefix(4) · check(32)
# Scrypt(passphrase, salt) gives 64 bytes: an AES-256-GCM key and a key for `check`, an HMAC of the
# header's parameters that tells a wrong passphrase (or a damaged header) from a damaged body.
# The body is the plaintext in chunks of `chunk size`, each sealed on its own: nonce = prefix ·
# chunk index, associated data = the whole header · chunk index · last-chunk flag. Chunks cannot be
# reordered, dropped, cut off at the end or moved to another file without failing authentication.

MAGIC = b"POSTDOC-OFFICE-BACKUP-AESGCM\n"
ENCRYPTION_VERSION = 1
CHUNK_SIZE = 1 << 20  # 1 MiB of plaintext per chunk: memory stays bounded whatever the file's size
TAG_SIZE = 16
SCRYPT_LOG_N, SCRYPT_R, SCRYPT_P = 17, 8, 1  # 128 MiB and about 0.3 s per derivation
_PARAMS = struct.Struct(">BBBBI16s4s")
HEADER_SIZE = len(MAGIC) + _PARAMS.size + 32


def _derive(passphrase: str, salt: bytes, log_n: int, r: int, p: int) -> tuple[bytes, bytes]:
    secret = unicodedata.normalize("NFC", passphrase).encode("utf-8")
    material = Scrypt(salt=salt, length=64, n=2**log_n, r=r, p=p).derive(secret)
    return material[:32], material[32:]


def _aad(header: bytes, index: int, last: bool) -> bytes:
    return header + struct.pack(">QB", index, 1 if last else 0)


class EncryptingWriter:
    """A file-like sink that encrypts what is written to it into `raw`; `finish()` seals the last chunk."""

    def __init__(self, raw: IO[bytes], passphrase: str) -> None:
        salt, self._prefix = secrets.token_bytes(16), secrets.token_bytes(4)
        key, check_key = _derive(passphrase, salt, SCRYPT_LOG_N, SCRYPT_R, SCRYPT_P)
        params = MAGIC + _PARAMS.pack(
            ENCRYPTION_VERSION, SCRYPT_LOG_N, SCRYPT_R, SCRYPT_P, CHUNK_SIZE, salt, self._prefix
        )
        self._header = params + hmac.digest(check_key, params, "sha256")
        self._aead, self._raw, self._buffer, self._index = AESGCM(key), raw, bytearray(), 0
        raw.write(self._header)

    def write(self, data: bytes) -> int:
        self._buffer += data
        # A full chunk is sealed only once more data follows it: the last chunk is sealed by finish().
        while len(self._buffer) > CHUNK_SIZE:
            self._seal(bytes(self._buffer[:CHUNK_SIZE]), last=False)
            del self._buffer[:CHUNK_SIZE]
        return len(data)

    def finish(self) -> None:
        self._seal(bytes(self._buffer), last=True)
        self._buffer.clear()

    def _seal(self, plain: bytes, *, last: bool) -> None:
        nonce = self._prefix + struct.pack(">Q", self._index)
        self._raw.write(self._aead.encrypt(nonce, plain, _aad(self._header, self._index, last)))
        self._index += 1


class DecryptingReader:
    """Reads the plaintext of an encrypted backup; every chunk is authenticated before it is given out."""

    def __init__(self, raw: IO[bytes], passphrase: str) -> None:
        header = _read_exact(raw, HEADER_SIZE)
        if len(header) < HEADER_SIZE or not header.startswith(MAGIC):
            raise BackupError(_("The file is not an encrypted backup of this product, or it is cut short."))
        params, check = header[:-32], header[-32:]
        version, log_n, r, p, chunk, salt, prefix = _PARAMS.unpack(params[len(MAGIC) :])
        # Bounds, so that a crafted header cannot ask for gigabytes of memory before the check.
        if version != ENCRYPTION_VERSION or not (10 <= log_n <= 20 and 1 <= r <= 16 and 1 <= p <= 4):
            raise BackupError(
                _("The encrypted backup's header is damaged or from a newer version; nothing was restored.")
            )
        if not 1024 <= chunk <= 64 << 20:
            raise BackupError(_("The encrypted backup's header is damaged; nothing was restored."))
        key, check_key = _derive(passphrase, salt, log_n, r, p)
        if not hmac.compare_digest(hmac.digest(check_key, params, "sha256"), check):
            raise BackupError(
                _("The passphrase does not open this backup (or the file's header is damaged); nothing was restored.")
            )
        self._raw, self._header, self._prefix, self._chunk = raw, header, prefix, chunk
        self._aead, self._index, self._plain, self._done = AESGCM(key), 0, memoryview(b""), False
        self._next = _read_exact(raw, chunk + TAG_SIZE)

    def read(self, size: int = -1) -> bytes:
        while not self._plain and not self._done:
            self._open_next()
        if size < 0:
            size = len(self._plain)
        out, self._plain = bytes(self._plain[:size]), self._plain[size:]
        return out

    def drain(self) -> None:
        """Reads to the end, so that every chunk up to the last is authenticated."""
        while not self._done:
            self._open_next()
        self._plain = memoryview(b"")

    def _open_next(self) -> None:
        sealed = self._next
        if len(sealed) < TAG_SIZE:
            raise BackupError(_("The encrypted backup is cut short (its last part is missing); nothing was restored."))
        self._next = _read_exact(self._raw, self._chunk + TAG_SIZE)
        last = not self._next
        nonce = self._prefix + struct.pack(">Q", self._index)
        try:
            plain = self._aead.decrypt(nonce, sealed, _aad(self._header, self._index, last))
        except InvalidTag:
            raise BackupError(
                _(
                    "The encrypted backup is damaged or was altered (part %(part)s fails its authentication, "
                    "or the file is cut short); nothing was restored."
                )
                % {"part": self._index + 1}
            ) from None
        self._index += 1
        self._plain, self._done = memoryview(plain), last


def _read_exact(raw: IO[bytes], size: int) -> bytes:
    parts, missing = [], size
    while missing:
        part = raw.read(missing)
        if not part:
            break
        parts.append(part)
        missing -= len(part)
    return b"".join(parts)


def is_encrypted(path: Path) -> bool:
    with path.open("rb") as file:
        return file.read(len(MAGIC)) == MAGIC


PASSPHRASE_VARIABLE = "BACKUP_PASSPHRASE"  # noqa: S105 (the variable's name)


def read_passphrase(*, confirm: bool) -> str:
    """The passphrase from the environment, or asked on the terminal (twice when `confirm`), never
    from the command line, where other users of the machine and the shell's history would see it."""
    passphrase = os.environ.get(PASSPHRASE_VARIABLE)
    if passphrase:
        if confirm:
            check_new_passphrase(passphrase)
        return passphrase
    if not sys.stdin.isatty():
        raise BackupError(
            _("No terminal to ask the passphrase on: set the environment variable %(variable)s.")
            % {"variable": PASSPHRASE_VARIABLE}
        )
    for _attempt in range(3):
        passphrase = getpass.getpass(_("Backup passphrase: "))
        if not confirm:
            return passphrase
        try:
            check_new_passphrase(passphrase)
        except BackupError as error:
            sys.stderr.write(error.message + "\n")
            continue
        if passphrase == getpass.getpass(_("The same passphrase again: ")):
            return passphrase
        sys.stderr.write(_("The two passphrases differ; try again.") + "\n")
    raise BackupError(_("No passphrase was set; no backup was written."))


def check_new_passphrase(passphrase: str) -> None:
    if len(passphrase) < MIN_PASSPHRASE:
        raise BackupError(
            _("Choose a passphrase of %(n)s characters or more (a few words are best).") % {"n": MIN_PASSPHRASE}
        )
