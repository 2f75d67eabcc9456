"""The file transport: each message an .eml file in a directory (default ./outbox).

What the demo uses, and the default when no SMTP server is configured: a person can
open the files in any mail client. The file name comes from the Message-ID, so a
message written again after a crash replaces its file instead of adding one; it is
written to a temporary name first, flushed to the disk (fsync), renamed, and the
directory flushed too, before the dispatcher marks it sent: a power cut cannot lose a
message recorded as sent, nor leave a half-written file. The directory is flushed
once for the messages the dispatcher sent since the last time (:meth:`flush`, called
before it writes their outcomes): a message written again after a crash replaces
itself, so the outcomes of a batch may be written together.
"""

from __future__ import annotations

import hashlib
import os
from email.message import EmailMessage
from pathlib import Path

from notifications.transports.base import Refused, TemporaryFailure


def fsync_directory(directory: Path) -> None:
    """Make a rename in ``directory`` durable (POSIX: the directory's entry is data too)."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class FileTransport:
    name = "files"
    replaces = True  # sent twice, a message is one file: outcomes may wait for flush()

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory)
        self._ready = False
        self._unflushed = False  # renamed into the directory since its last fsync

    def open(self) -> None:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            self._ready = True
        except OSError as exc:
            raise TemporaryFailure(f"cannot create {self.directory}: {exc.strerror}") from None

    def path_for(self, message: EmailMessage) -> Path:
        digest = hashlib.sha256(str(message["Message-ID"]).encode()).hexdigest()[:16]
        day = message["Date"].datetime.strftime("%Y%m%d") if message["Date"] else "undated"
        return self.directory / f"{day}-{digest}.eml"

    def send(self, message: EmailMessage, sender: str, recipients: list[str]) -> Refused:
        if not self._ready:
            self.open()
        path = self.path_for(message)
        tmp = path.with_suffix(".tmp")
        try:
            with open(tmp, "wb") as f:
                f.write(message.as_bytes())
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
            self._unflushed = True
        except OSError as exc:
            raise TemporaryFailure(f"cannot write {path}: {exc.strerror}") from None
        return {}

    def flush(self) -> None:
        """Make the messages renamed since the last flush durable (one directory fsync)."""
        if self._unflushed:
            fsync_directory(self.directory)
            self._unflushed = False

    def close(self) -> None:
        self.flush()

    def describe(self) -> str:
        return f"files in {self.directory.resolve()}"
