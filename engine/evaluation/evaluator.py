"""Evaluate milestones as of a date and write what changed: the one path every light takes.

The night evaluates by columns (:mod:`engine.evaluation.chunks`); :class:`Evaluator`
is the same row by row, for a configured rule without an array form.
:mod:`engine.evaluation.relight` is how every caller outside the nightly loop (manual
actions, the ledger import) lights a set of milestones again at once, through the
same code as the night.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, bindparam, func, insert, select, update

from engine.config import Config
from engine.evaluation.lifecycle import fire, trigger_for
from engine.store.tables import M, P, T, utcnow
from rules.calendar import Pause, PauseWindow, WorkCalendar
from rules.lights import Verdict
from rules.milestone import Context, MilestoneFacts, evaluate
from rules.reasons import describe_all


@dataclass(slots=True)
class Move:
    milestone_id: int
    project: str
    milestone: str
    from_state: str
    to_state: str
    trigger: str
    reason: str



@dataclass(slots=True)
class Chunk:
    """What one chunk of a run changed, handed to the stages that follow it.

    In a night's run its moves name the milestone by id only (``project`` and
    ``milestone`` are empty): the stages read what they need in bulk.
    """

    run_id: int | None
    as_of: date
    moves: list[Move]


Stage = Callable[[Connection, Chunk], None]
"""A step run inside each chunk's transaction after its moves are written (e.g. the
notices outbox): what it writes commits or rolls back together with the moves."""


# -- facts ------------------------------------------------------------------------
@lru_cache(maxsize=256)
def pause_of(outdoor: bool, override: str | None, default: Pause) -> Pause:
    if not outdoor:
        return ()
    if override is None or override.strip() == "":
        return default
    if override.strip().lower() == "none":
        return ()
    return tuple(PauseWindow.parse(part) for part in override.split(","))


def facts_json(verdict: Verdict) -> list[dict[str, Any]]:
    """Findings as stored: JSON-safe, dates as ISO strings."""
    return [{"rule": f.rule, "light": f.light.value,
             "numbers": {k: v.isoformat() if isinstance(v, date) else v
                         for k, v in f.numbers.items()}}
            for f in verdict.findings]


class Evaluator:
    """Evaluates chunks of milestone rows as of one date and writes what changed."""

    def __init__(self, config: Config, as_of: date, calendar: WorkCalendar | None = None) -> None:
        self.config = config
        self.as_of = as_of
        self.calendar = calendar or config.new_calendar()
        self.ctx = Context(as_of, self.calendar, config.rule_chain)
        self.default_pause = config.winter_pause.pause
        self.site_work = config.site_work_kinds

    def cover(self, conn: Connection, where: Any) -> None:
        """Build the working-day table for every year the milestones span."""
        lo_start, lo_date, hi_date = conn.execute(
            select(func.min(M.c.planned_start), func.min(M.c.planned_date),
                   func.max(M.c.planned_date)).select_from(M.join(P)).where(where)).one()
        days = [d for d in (lo_start, lo_date, hi_date, self.as_of) if d is not None]
        self.calendar.cover(days)

    def verdict(self, row: Any, percent: float, last_report: date | None) -> Verdict:
        facts = MilestoneFacts(
            planned_date=row.planned_date, planned_start=row.planned_start, percent=percent,
            actual_date=row.actual_date, last_report=last_report,
            pause=pause_of(row.outdoor and row.kind in self.site_work, row.winter_pause,
                         self.default_pause))
        return evaluate(facts, self.ctx)

    def changes(self, rows: Iterable[Any]) -> tuple[list[Move], list[dict[str, Any]],
                                                     list[dict[str, Any]]]:
        """(moves, milestone updates, audit rows) for the rows whose light or findings
        changed (the stored findings are decoded and compared: the slow way)."""
        lang = self.config.lang
        moves: list[Move] = []
        updates: list[dict[str, Any]] = []
        audits: list[dict[str, Any]] = []
        for row in rows:
            verdict = self.verdict(row, row.percent, row.last_report_date)
            stored = facts_json(verdict)
            light = verdict.light.value
            if light == row.state and stored == row.light_facts:
                continue
            reason = describe_all(verdict.findings, lang)
            state = row.state
            if light != state:
                trigger = trigger_for(state, light)
                state = fire(state, trigger)
                moves.append(Move(row.id, row.code, row.name, row.state, state, trigger, reason))
                audits.append({"milestone_id": row.id, "trigger": trigger,
                               "from_state": row.state, "to_state": state, "as_of": self.as_of,
                               "rules": verdict.rule_ids, "reason": reason, "numbers": stored})
            updates.append({"b_id": row.id, "b_state": state, "b_moved": light != row.state,
                            "b_reason": reason, "b_rules": verdict.rule_ids, "b_facts": stored})
        return moves, updates, audits

    def write(self, conn: Connection, run_id: int | None, updates: list[dict[str, Any]],
              audits: list[dict[str, Any]], actor: str = "") -> None:
        """Write the chunk's changes: executemany, in the caller's transaction."""
        now = utcnow()
        moved = [u for u in updates if u["b_moved"]]
        kept = [u for u in updates if not u["b_moved"]]
        if moved:
            conn.execute(
                update(M).where(M.c.id == bindparam("b_id")).values(
                    state=bindparam("b_state"), state_since=self.as_of,
                    reason=bindparam("b_reason"), light_rules=bindparam("b_rules"),
                    light_facts=bindparam("b_facts"), updated_at=now),
                moved)
        if kept:
            conn.execute(
                update(M).where(M.c.id == bindparam("b_id")).values(
                    reason=bindparam("b_reason"), light_rules=bindparam("b_rules"),
                    light_facts=bindparam("b_facts"), updated_at=now),
                kept)
        if audits:
            conn.execute(insert(T), [{**a, "run_id": run_id, "actor": actor, "created_at": now}
                                     for a in audits])
