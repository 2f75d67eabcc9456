"""The night, read top to bottom: lock → run(stages) → follow-ups → compose → dispatch → summary.

`lights run`, `lights demo` and the scheduler's nightly job all call :func:`nightly`,
so a step added here runs on every path. The run writes tonight's moves and, in the
same chunk transactions, the notices they cause (:func:`stages`). After it, each step
is one write transaction of its own that also renews the run lock
(:meth:`RunLock.beat`): the lock is never renewed beside the night's writes, on
another connection waiting for SQLite's write lock. What the notices came to
(follow-ups planned, digests composed or held, sent, failed) is in
``RunSummary.notices``; what needs a person's eye is in ``RunSummary.warnings``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlalchemy.engine import Engine

from engine.config import Config
from engine.evaluation.evaluator import Stage
from engine.evaluation.run import Progress, RunSummary, run
from engine.problems import night as problems
from engine.store.db import read_only, writer
from engine.store.lock import RunLock, close_abandoned_runs
from notifications.dispatch import dispatch
from notifications.parts import compose_pending
from notifications.plan import Planner, coverage, plan_stage
from notifications.render import TemplateProblem
from notifications.transports.base import Transport


def stages(config: Config) -> list[Stage]:
    """The steps that run inside each chunk's transaction, after its moves."""
    notices = plan_stage(config)
    return [notices] if notices is not None else []


def nightly(engine: Engine, config: Config, as_of: date | None = None, *,
            mode: str = "nightly", job: str = "", guard: bool = False,
            lock: RunLock | None = None, progress: Progress | None = None,
            should_stop: Callable[[], bool] | None = None,
            transport: Transport | None = None, workers: int = 1) -> RunSummary:
    """Evaluate every open milestone as of ``as_of``, then everything that follows.

    Takes the run lock (LockBusy names the holder if another run has it), unless the
    caller holds it already and passes it as ``lock`` (the scheduler's job). The run
    stops after the chunk in progress when ``should_stop`` says so or the lock is lost.
    ``workers``: split the evaluation across processes (PostgreSQL; see
    engine.evaluation.workers).
    """
    own_lock = lock is None
    if lock is None:
        lock = RunLock.for_config(engine, config, job or mode).acquire()
    try:
        close_abandoned_runs(engine, lock)
        summary = run(engine, config, as_of, mode=mode, job=job, guard=guard,
                      progress=progress, should_stop=lock.should_stop(should_stop),
                      stages=stages(config), beat=lock.beat, workers=workers)
        if summary.status != "ok":  # stopped half way: the next night finishes it
            return summary
        problems.after_run(engine, config, summary)  # late problems climb their ladder
        if config.notices.enabled:
            summary.notices = notices(engine, config, summary, lock, transport)
        return summary
    finally:
        if own_lock:
            lock.release()


def replay(engine: Engine, config: Config, as_of: date | None, *,
           mode: str = "manual") -> RunSummary:
    """Light an earlier date into a separate result (no moves, no notices), under the lock."""
    with RunLock.for_config(engine, config, mode) as lock:
        close_abandoned_runs(engine, lock)
        return run(engine, config, as_of, replay=True, mode=mode)


def notices(engine: Engine, config: Config, summary: RunSummary, lock: RunLock,
            transport: Transport | None = None) -> dict[str, int]:
    """Follow-ups → compose → dispatch, after the run's moves and their notices.

    Follow-ups are what time alone brings (ladder steps by days held, reminders,
    recoveries past the anti-flap window); composing turns every pending notice into
    one digest per person (held as a storm when too many); dispatch sends them when
    ``notices.send_after_run`` is on. A broken template keeps the notices pending.
    """
    with writer(engine).begin() as conn:
        followups = Planner(config, summary.as_of, summary.run_id).followups(conn)
        lock.beat(conn)
    out = {"followups": followups.notices}
    try:  # rendered outside the write lock, written in one short transaction
        composed = compose_pending(engine, config, summary.as_of, beat=lock.beat)
    except TemplateProblem as exc:  # the run is not undone
        summary.warnings.append(f"notices: {exc} (notices kept pending; fix it, then lights "
                                f"send)")
        return out
    out.update(notices=composed.notices, messages=composed.messages, held=composed.held)
    with read_only(engine).connect() as conn:
        gaps = coverage(conn, config)
    summary.warnings += [f"notices: {problem} ({n} milestone{'s' if n != 1 else ''})"
                         for problem, n in sorted(gaps.items())]
    summary.warnings += [f"notices: {w}" for w in composed.warnings]
    if composed.storm:
        summary.warnings.append(f"notices: storm: {composed.held} digests held for "
                                f"confirmation (lights send --confirm)")
    if config.notices.send_after_run:
        sent = dispatch(engine, config, transport)
        out.update(sent=sent.sent, failed=sent.failed, deferred=sent.deferred)
        if sent.failed:
            summary.warnings.append(f"notices: {sent.failed} deliveries failed "
                                    f"(lights notices --status failed)")
    return out
