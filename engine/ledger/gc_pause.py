"""The garbage collector paused while a ledger is read or imported.

A ledger of 100,000 milestones is millions of small objects (cells, records, rows to
write) that all live until the import ends and make no reference cycles: the
collector's passes found nothing and, each pass longer than the last, took about 40%
of reading the ledger. Paused for the work, and set back as it was after it (what
little the work leaves behind is collected then).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
