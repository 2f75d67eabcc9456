"""Exactly one run of a scheduled job per night, however many schedulers are running.

:func:`execute` is the one path every scheduled, caught-up or ``--once`` job takes:

1. take the run lock; if another process holds it, stand by (log who holds it);
2. under the lock, look whether the night is already done: its ``job_run`` row says
   ``ok`` or, for the nightly evaluation, the Run table holds an ``ok`` nightly run
   for that as-of date; if so, stand by;
3. claim the night (a unique (job, night) row: the backstop if the lock were ever
   wrong), run the job, record how it ended, release the lock.

An interrupted or failed night is not done: the next start runs it again, and the
run itself resumes cleanly (a second evaluation of a date moves only what is left).
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from engine.config import Config
from engine.service.logs import event
from engine.store.db import writer
from engine.store.lock import LockBusy, RunLock
from engine.store.models import JobRun
from engine.store.tables import J, R, utcnow


@dataclass
class JobContext:
    """What a job needs: the database, the configuration and the stop request."""

    engine: Engine
    config: Config
    stop: threading.Event = field(default_factory=threading.Event)
    busy: threading.Lock = field(default_factory=threading.Lock)


@dataclass
class JobResult:
    """What a job function returns: how it ended and the fields worth logging."""

    status: str = "ok"  # ok | interrupted
    run_id: int | None = None
    fields: dict[str, Any] = field(default_factory=dict)


JobFunc = Callable[[JobContext, date, RunLock], JobResult]


@dataclass(frozen=True)
class JobSpec:
    name: str
    func: JobFunc
    per_night: bool = True  # exactly once per night (False: the outbox retry)
    evaluates: bool = False  # its nights are also recorded in the Run table
    on_failure: Callable[[JobContext, str, date, str], None] | None = None


@dataclass
class Outcome:
    """How one attempt ended: ok, failed, interrupted, stood_by or stopped."""

    job: str
    night: date
    status: str
    why: str = ""
    run_id: int | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    error: str = ""
    holder: str | None = None  # stood by because this process (named) held the lock
    duration_s: float = 0.0

    @property
    def success(self) -> bool:
        return self.status in ("ok", "stood_by")


def finished(conn: Connection, job: str, night: date, *, evaluates: bool) -> JobRun | None:
    """The record showing that ``job`` already finished ``night``, or None."""
    row = conn.execute(select(J).where(J.c.job == job, J.c.night == night)).first()
    if row is not None and row.status == "ok":
        return JobRun.model_validate(row._mapping)
    if evaluates:
        run_id = conn.execute(select(R.c.id).where(
            R.c.job == job, R.c.mode == "nightly", R.c.as_of == night, R.c.status == "ok")
            .order_by(R.c.id.desc()).limit(1)).scalar()
        if run_id is not None:
            return JobRun(job=job, night=night, status="ok", run_id=run_id)
    return None


def _claim(engine: Engine, job: str, night: date, owner: str) -> None:
    """Mark the night as ours; IntegrityError if another process inserted it first.

    A writer transaction (the write lock from its start), like every write.
    """
    mine = {"status": "running", "owner": owner, "started_at": utcnow(), "finished_at": None,
            "error": "", "detail": {}, "run_id": None}
    with writer(engine).begin() as conn:
        again = conn.execute(update(J).where(J.c.job == job, J.c.night == night)
                             .values(attempts=J.c.attempts + 1, **mine)).rowcount
        if not again:
            conn.execute(insert(J).values(job=job, night=night, attempts=1, **mine))


def _record(engine: Engine, outcome: Outcome, owner: str) -> None:
    with writer(engine).begin() as conn:
        conn.execute(update(J).where(J.c.job == outcome.job, J.c.night == outcome.night,
                                     J.c.owner == owner).values(
            status=outcome.status, run_id=outcome.run_id, finished_at=utcnow(),
            error=outcome.error[:2000], detail=outcome.fields))


def execute(ctx: JobContext, spec: JobSpec, night: date, why: str) -> Outcome:
    """Run ``spec`` for ``night`` once, under the run lock; never raises."""
    with ctx.busy:
        try:
            return _execute(ctx, spec, night, why)
        except Exception as exc:  # e.g. the database is unreachable: log it, keep serving
            error = f"{type(exc).__name__}: {exc}"[:2000]
            event("job_error", logging.ERROR, job=spec.name, as_of=night, why=why, error=error)
            return Outcome(spec.name, night, "failed", why, error=error)


def _execute(ctx: JobContext, spec: JobSpec, night: date, why: str) -> Outcome:
    started = time.perf_counter()
    if ctx.stop.is_set():
        return Outcome(spec.name, night, "stopped", why)
    lock = RunLock.for_config(ctx.engine, ctx.config, spec.name)
    try:
        lock.acquire()
    except LockBusy as busy:
        event("stood_by", job=spec.name, as_of=night, why=why, reason="lock_busy",
              holder=str(busy.holder))
        return Outcome(spec.name, night, "stood_by", why, holder=str(busy.holder))
    try:
        if spec.per_night:
            with ctx.engine.connect() as conn:
                done = finished(conn, spec.name, night, evaluates=spec.evaluates)
            if done is not None:
                event("stood_by", job=spec.name, as_of=night, why=why, reason="already_done",
                      run_id=done.run_id)
                return Outcome(spec.name, night, "stood_by", why, run_id=done.run_id)
            try:
                _claim(ctx.engine, spec.name, night, lock.owner)
            except IntegrityError:
                event("stood_by", job=spec.name, as_of=night, why=why, reason="claimed")
                return Outcome(spec.name, night, "stood_by", why)
        event("job_started", job=spec.name, as_of=night, why=why,
              recovered_lock_from=str(lock.recovered_from) if lock.recovered_from else None)
        outcome = _call(ctx, spec, night, why, lock)
        outcome.duration_s = round(time.perf_counter() - started, 3)
        if spec.per_night:
            _record(ctx.engine, outcome, lock.owner)
        level = {"ok": logging.INFO, "interrupted": logging.WARNING}.get(outcome.status,
                                                                          logging.ERROR)
        event("job_finished", level, job=spec.name, as_of=night, why=why, status=outcome.status,
              run_id=outcome.run_id, **outcome.fields, duration_s=outcome.duration_s,
              error=outcome.error or None)
        if outcome.status == "failed" and spec.on_failure is not None:
            spec.on_failure(ctx, spec.name, night, outcome.error)
        return outcome
    finally:
        lock.release()


def _call(ctx: JobContext, spec: JobSpec, night: date, why: str, lock: RunLock) -> Outcome:
    try:
        result = spec.func(ctx, night, lock)
    except Exception as exc:  # a job's failure is recorded and logged, never kills the service
        logging.getLogger("lights").debug("job %s failed:\n%s", spec.name,
                                          traceback.format_exc())
        run_id = None
        if spec.evaluates:  # run() marked its Run row failed: point at it
            with ctx.engine.connect() as conn:
                run_id = conn.execute(select(R.c.id).where(
                    R.c.job == spec.name, R.c.as_of == night).order_by(R.c.id.desc())
                    .limit(1)).scalar()
        return Outcome(spec.name, night, "failed", why, run_id=run_id,
                       error=f"{type(exc).__name__}: {exc}"[:2000])
    status = "interrupted" if result.status == "interrupted" else "ok"
    error = "lost the run lock" if lock.lost and status == "interrupted" else ""
    return Outcome(spec.name, night, status, why, run_id=result.run_id, fields=result.fields,
                   error=error)
