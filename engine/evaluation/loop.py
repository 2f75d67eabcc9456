"""The chunk loop of a run: one range of ids, one transaction a chunk, into a Part.

A single run calls it over every open milestone; each worker of a run split across
processes (workers.py) over its own range.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.engine import Engine

from engine.evaluation.evaluator import Chunk, Move, Stage
from engine.store.db import let_others_write, read_only, writer

Progress = Callable[[int, int], None]


class WorkerFailed(Exception):
    """A worker process of a run failed; the message is its error."""


@dataclass
class Part:
    """What one range of a run did (all of it, or one worker's share)."""

    evaluated: int = 0
    triggers: Counter[str] = field(default_factory=Counter)
    moved: list[Move] = field(default_factory=list)
    status: str = "ok"
    estimated_years: set[int] = field(default_factory=set)
    error: str = ""

    def add(self, other: Part) -> None:
        self.evaluated += other.evaluated
        self.triggers.update(other.triggers)
        self.moved.extend(other.moved)
        self.estimated_years |= other.estimated_years
        if other.status != "ok":
            self.status = other.status
        self.error = self.error or other.error


def chunk_loop(engine: Engine, night: Any, as_of: date, run_id: int | None, part: Part, *,
               dry_run: bool, stages: Sequence[Stage], beat: Callable[[Connection], None] | None,
               should_stop: Callable[[], bool] | None, progress: Progress | None = None,
               total: int = 0) -> None:
    """Evaluate a night's range chunk by chunk, one transaction each, into ``part``."""
    chunks = read_only(engine) if dry_run else writer(engine)
    size = night.config.run.chunk_size
    while True:
        if should_stop is not None and should_stop():
            part.status = "interrupted"
            break
        with chunks.begin() as conn:
            step = night.step(conn, size, run_id=run_id, write=not dry_run)
            if step is None:
                break
            if not dry_run:
                chunk_info = Chunk(run_id, as_of, step.moves)
                for stage in stages:
                    stage(conn, chunk_info)
                if beat is not None:
                    beat(conn)
        part.evaluated += step.count
        part.triggers.update(step.triggers)
        if dry_run:
            part.moved.extend(step.moves)
        else:
            let_others_write(engine)
        if progress is not None:
            progress(part.evaluated, total)


def row_by_row_warning(rules: list[str], lang: str) -> str:
    """Say which configured rules keep the run row by row (and so slower)."""
    names = "、".join(rules) if lang == "zh" else ", ".join(rules)
    if lang == "zh":
        return f"规则 {names} 没有数组形式：本次逐行评估（较慢）"
    return f"rule {names} has no array form: this run was evaluated row by row (slower)"
