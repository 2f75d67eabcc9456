"""A run split across worker processes (PostgreSQL): ranges of ids, one Run, one lock.

The run that starts them has already found the scope (the days to cover, the ids, the
previous night) and written the Run row; it holds the run lock. Each worker is a
forked process that evaluates its own consecutive range of ids with its own
connections, chunk by chunk, exactly as a single run does (the same stages inside
each chunk's transaction), and hands back what it did. The run adds the parts up
into its one summary. A stop asked of the run (SIGTERM) reaches every worker, which
finishes its chunk; a worker that fails fails the run, the others' chunks staying
committed, as a single run's do.

SQLite has one writer at a time: there the run stays in one process.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.engine import Engine

from engine.config import Config
from engine.evaluation.chunks import Night, Scope
from engine.evaluation.evaluator import Evaluator, Stage
from engine.evaluation.loop import Part, chunk_loop
from engine.store.db import writer

BEAT_SECONDS = 5.0


def _worker(engine: Engine, config: Config, as_of: date, scope: Scope, span: tuple[int, int],
            run_id: int | None, dry_run: bool, stages: Sequence[Stage], stop: Any,
            results: Any) -> None:
    """One worker's range (runs in the forked process)."""
    engine.dispose(close=False)  # the parent's pooled connections stay the parent's
    part = Part()
    try:
        night = Night(engine, config, as_of, Evaluator(config, as_of), names=dry_run)
        night.adopt(scope)
        night.limit(*span)
        try:
            chunk_loop(engine, night, as_of, run_id, part, dry_run=dry_run, stages=stages,
                       beat=None, should_stop=stop.is_set)
        finally:
            night.close()
        part.estimated_years = set(night.evaluator.calendar.estimated_years)
    except BaseException as exc:  # told to the run, which fails with it
        part.status, part.error = "failed", f"{type(exc).__name__}: {exc}"[:2000]
    results.put(part)


def in_workers(engine: Engine, config: Config, as_of: date, scope: Scope, workers: int,
               run_id: int | None, *, dry_run: bool, stages: Sequence[Stage],
               beat: Callable[[Connection], None] | None,
               should_stop: Callable[[], bool] | None) -> Part:
    """Run the scope's ranges in ``workers`` processes; their parts added up."""
    ctx = multiprocessing.get_context("fork")
    stop, results = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=_worker, name=f"lights-run-{i}",
                         args=(engine, config, as_of, scope, span, run_id, dry_run, stages,
                               stop, results))
             for i, span in enumerate(scope.split(workers))]
    for proc in procs:
        proc.start()
    total, parts, last_beat = Part(), 0, time.monotonic()
    try:
        while parts < len(procs):
            try:
                total.add(results.get(timeout=0.5))
                parts += 1
            except Exception:  # queue.Empty: nobody finished in this half second
                if not any(p.is_alive() for p in procs) and results.empty():
                    total.add(Part(status="failed", error="a worker process died"))
                    break
            if should_stop is not None and should_stop():
                stop.set()
            if beat is not None and time.monotonic() - last_beat > BEAT_SECONDS:
                with writer(engine).begin() as conn:
                    beat(conn)
                last_beat = time.monotonic()
    finally:
        stop.set()
        for proc in procs:
            proc.join(timeout=60)
    return total
