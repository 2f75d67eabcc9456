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

import ctypes
import hashlib
import os
import sys
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path

from notifications.transports.base import Refused, TemporaryFailure


def _on(path: Path, call: Callable[[int], object]) -> None:
    """``call`` on a descriptor of ``path`` (a file or a directory), opened for it."""
    fd = os.open(path, os.O_RDONLY)
    try:
        call(fd)
    finally:
        os.close(fd)


def fsync_directory(directory: Path) -> None:
    """Make a rename in ``directory`` durable (POSIX: the directory's entry is data too)."""
    _on(directory, os.fsync)


def _syncfs() -> ctypes._CFuncPtr | None:  # type: ignore[name-defined]
    """Linux's syncfs(2), which Python's os module lacks; None elsewhere."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        call = ctypes.CDLL(None, use_errno=True).syncfs
    except (OSError, AttributeError):
        return None
    call.argtypes, call.restype = [ctypes.c_int], ctypes.c_int
    return call


SYNCFS = _syncfs()


def sync_files(directory: Path, paths: list[Path]) -> None:
    """Put the written ``paths`` (all in ``directory``) on the disk: one syncfs of the
    directory's file system where there is one, else an fsync of each."""
    if SYNCFS is None:
        for path in paths:
            _on(path, os.fsync)
        return

    def syncfs(fd: int) -> None:
        if SYNCFS(fd) != 0:
            err = ctypes.get_errno()
            raise OSError(err, os.strerror(err), str(directory))

    _on(directory, syncfs)


class FileTransport:
    name = "files"
    replaces = True  # sent twice, a message is one file: outcomes may wait for flush()

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory)
        self._ready = False
        self._written: list[tuple[Path, Path]] = []  # (temporary, final) since flush()

    def open(self) -> None:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            self._ready = True
        except OSError as exc:
            raise TemporaryFailure(f"cannot create {self.directory}: {exc.strerror}") from None

    def path_for(self, message: EmailMessage) -> Path:
        """``YYYYMMDD-<hash of the Message-ID>.eml``, by the message's Date header (a
        message we built carries both, unparsed: see OutgoingMessage)."""
        message_id, when = getattr(message, "message_id", None), getattr(message, "date", None)
        if message_id is None:
            message_id = str(message["Message-ID"])
            when = message["Date"].datetime if message["Date"] else None
        digest = hashlib.sha256(message_id.encode()).hexdigest()[:16]
        day = when.strftime("%Y%m%d") if when else "undated"
        return self.directory / f"{day}-{digest}.eml"

    def send(self, message: EmailMessage, sender: str, recipients: list[str]) -> Refused:
        """Write the message under its temporary name; it counts once :meth:`flush`ed."""
        if not self._ready:
            self.open()
        path = self.path_for(message)
        tmp = path.with_suffix(".tmp")
        try:
            with open(tmp, "wb") as f:
                f.write(message.as_bytes())
        except OSError as exc:
            raise TemporaryFailure(f"cannot write {path}: {exc.strerror}") from None
        self._written.append((tmp, path))
        return {}

    def flush(self) -> None:
        """Make the messages written since the last flush durable, then give them their
        names (renamed only once on the disk), then flush the directory."""
        if not self._written:
            return
        written, self._written = self._written, []
        sync_files(self.directory, [tmp for tmp, _ in written])
        for tmp, path in written:
            os.replace(tmp, path)
        fsync_directory(self.directory)

    def close(self) -> None:
        self.flush()

    def describe(self) -> str:
        return f"files in {self.directory.resolve()}"
