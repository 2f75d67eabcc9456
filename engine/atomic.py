"""Files people asked for (an export, a bulletin) are written whole or not at all.

The content goes to a temporary file beside the target, is flushed to the disk and
renamed over the target: a full disk, a missing permission or a kill half way leaves
the old file (or none) and no truncated one. What went wrong is :class:`CannotWrite`,
which the command says in one sentence (a directory that does not exist, a full disk).
"""

from __future__ import annotations

import contextlib
import errno
import gc
import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


class CannotWrite(Exception):
    """``path`` could not be written; ``why`` is no_dir, full, denied or other (``detail``)."""

    def __init__(self, path: Path, why: str, detail: str = "") -> None:
        super().__init__(f"cannot write {path}: {detail or why}")
        self.path, self.why, self.detail = path, why, detail


def _why(exc: OSError) -> str:
    return {errno.ENOENT: "no_dir", errno.ENOTDIR: "no_dir", errno.ENOSPC: "full",
            errno.EDQUOT: "full", errno.EFBIG: "full", errno.EACCES: "denied",
            errno.EPERM: "denied", errno.EROFS: "denied"}.get(exc.errno or 0, "other")


def write_atomically(path: Path, write: Callable[[Path], T]) -> T:
    """Call ``write(temporary_path)`` (the temporary file has ``path``'s suffix), then put
    the result in place of ``path``; on any OSError nothing is left and CannotWrite says
    why."""
    path = Path(path)
    directory = path.parent
    if not directory.is_dir():
        raise CannotWrite(path, "no_dir")
    part = directory / f".{path.stem}.{os.getpid()}.part{path.suffix}"
    try:
        result = write(part)
        with open(part, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(part, path)
    except OSError as exc:
        _close_quietly(exc)
        with contextlib.suppress(OSError):
            part.unlink()
        raise CannotWrite(path, _why(exc), exc.strerror or str(exc)) from None
    except BaseException:
        with contextlib.suppress(OSError):
            part.unlink()
        raise
    with contextlib.suppress(OSError):  # the rename itself durable (best effort)
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    return result


def _close_quietly(exc: BaseException) -> None:
    """Close now what the writer left open (openpyxl's zip archive): its own close fails
    on the same full disk, and would print "Exception ignored" when the process ends."""
    hook = sys.unraisablehook
    sys.unraisablehook = lambda _unraisable: None
    try:
        seen: set[int] = set()
        chained: BaseException | None = exc
        while chained is not None and id(chained) not in seen:
            seen.add(id(chained))
            traceback.clear_frames(chained.__traceback__)
            chained = chained.__context__
        gc.collect()
    finally:
        sys.unraisablehook = hook


def write_bytes_atomically(path: Path, data: bytes) -> None:
    write_atomically(path, lambda part: part.write_bytes(data))
