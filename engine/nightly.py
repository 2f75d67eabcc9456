"""The night's work in one place: evaluate → plan notices → deliver.

`lights run`, `lights demo` and the scheduler's nightly job all call :func:`nightly`,
so a stage added here (the notices outbox, delivery) runs on every path.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlalchemy.engine import Engine

from engine.config import Config
from engine.evaluation.evaluator import Stage
from engine.evaluation.run import Progress, RunSummary, run
from engine.problems import night as problems
from engine.store.lock import under_run_lock
from notifications.night import after_run, notices_stage


def stages(config: Config) -> list[Stage]:
    """The steps that run inside each chunk's transaction, after its moves."""
    return [*notices_stage(config)]


@under_run_lock  # one run at a time: a second one is refused, naming the holder
def nightly(engine: Engine, config: Config, as_of: date | None = None, *,
            dry_run: bool = False, replay: bool = False, mode: str = "nightly", job: str = "",
            guard: bool = False, progress: Progress | None = None,
            should_stop: Callable[[], bool] | None = None) -> RunSummary:
    """Evaluate every open milestone, then everything that follows from the moves."""
    summary = run(engine, config, as_of, dry_run=dry_run, replay=replay, mode=mode, job=job,
                  guard=guard, progress=progress, should_stop=should_stop,
                  stages=() if dry_run or replay else stages(config))
    if not (dry_run or replay):
        problems.after_run(engine, config, summary)  # late problems climb their ladder
        after_run(engine, config, summary)  # time-based notices, digests, delivery
    return summary
