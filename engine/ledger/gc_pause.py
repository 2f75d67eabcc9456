"""The garbage collector paused while a ledger is read or imported.

A ledger of 100,000 milestones is millions of small objects (cells, records, rows to
write) that all live until the import ends and make no reference cycles: the
collector's passes found nothing and, each pass longer than the last, took about 40%
of reading the ledger. Paused for the work, and set back as it was after it.

``freeze``: the work makes nothing cyclic (reading a ledger does not), so what it built
is moved out of the collector's sight (``gc.freeze``) instead of examined once more in
one long pass (0.3 s for 1.5 million objects); it is freed as usual when no longer
referenced. Garbage of earlier work is collected first, so that none is frozen with it
(a short pass: the ledger is not built yet). Not after an import: its loader holds
cycles, which only the collector frees.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused(*, freeze: bool = False) -> Iterator[None]:
    enabled = gc.isenabled()
    if freeze:
        gc.collect()
    gc.disable()
    try:
        yield
    finally:
        if freeze:
            gc.freeze()
        if enabled:
            gc.enable()
