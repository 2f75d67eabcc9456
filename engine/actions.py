"""What people do to a milestone between runs: report progress, suspend, re-plan.

Each action is one transaction: the change, its audit row, and an immediate
re-evaluation of the milestone (through the same Evaluator as the nightly run), so
the light is right at once and every move is recorded with who made it and why.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.engine import Engine

from engine.config import Config
from engine.evaluation.evaluator import Move
from engine.evaluation.lifecycle import fire
from engine.evaluation.relight import relight
from engine.store.db import writer
from engine.store.lookups import BadInput, evaluation_date, resolve_milestone, resolve_project
from engine.store.tables import FACT_COLUMNS, REPORTS, M, P, T, utcnow
from rules.lights import OPEN_STATES


@dataclass
class ActionResult:
    milestone_id: int
    moves: list[Move]


def _move(conn: Connection, row: Any, trigger: str, as_of: date, actor: str, reason: str,
          numbers: dict[str, Any] | None = None) -> Move:
    state = fire(row.state, trigger)
    conn.execute(update(M).where(M.c.id == row.id).values(
        state=state, state_since=as_of, reason=reason, light_rules=trigger,
        light_facts=[], updated_at=utcnow()))
    conn.execute(insert(T).values(
        milestone_id=row.id, trigger=trigger, from_state=row.state, to_state=state,
        as_of=as_of, rules=f"manual:{trigger}", reason=reason,
        numbers=[{"rule": f"manual:{trigger}", "numbers": numbers or {}}], actor=actor,
        created_at=utcnow()))
    return Move(row.id, row.code, row.name, row.state, state, trigger, reason)


def record_progress(engine: Engine, config: Config, ref: str, percent: float | None, *,
                    report_date: date | None = None, completed_on: date | None = None,
                    note: str = "", reporter: str = "") -> ActionResult:
    """Append a progress report (or a completion) and light the milestone again."""
    if completed_on is not None:
        percent = 100.0 if percent is None else percent
    if percent is None:
        raise BadInput("percent: give a percentage (0–100) or a completion date")
    if not 0 <= percent <= 100:
        raise BadInput(f"percent: {percent:g} is not between 0 and 100")
    with writer(engine).begin() as conn:
        row = resolve_milestone(conn, ref)
        day = report_date or completed_on or config.today()
        if completed_on is not None and completed_on > config.today():
            raise BadInput(f"completion date {completed_on} is in the future")
        if day > config.today():  # as the ledger import: a report from the future would win
            raise BadInput(f"report date {day} is after today ({config.today()})",
                           f"报送日期 {day} 晚于今天（{config.today()}）")
        conn.execute(insert(REPORTS).values(
            milestone_id=row.id, report_date=day, percent=percent, completed_on=completed_on,
            note=note, reporter=reporter, created_at=utcnow()))
        values: dict[str, Any] = {"updated_at": utcnow()}
        if row.last_report_date is None or day >= row.last_report_date:
            values.update(percent=percent, last_report_date=day)
        if completed_on is not None:
            values["actual_date"] = completed_on
        conn.execute(update(M).where(M.c.id == row.id).values(**values))
        moves = relight(conn, config, [row.id], evaluation_date(conn, config, None),
                         actor=reporter).moves
    return ActionResult(row.id, moves)


def suspend(engine: Engine, config: Config, ref: str, *, reason: str, actor: str = "",
            project: bool = False) -> list[Move]:
    """Suspend a milestone, or every open milestone of a project (and the project)."""
    with writer(engine).begin() as conn:
        as_of = evaluation_date(conn, config, None)
        rows = _targets(conn, ref, project)
        moves = [_move(conn, r, "suspend", as_of, actor, reason) for r in rows
                 if r.state in OPEN_STATES]
        if project:
            conn.execute(update(P).where(P.c.code == ref).values(status="suspended",
                                                                  updated_at=utcnow()))
        elif not moves:
            fire(rows[0].state, "suspend")  # raises RefusedMove with the state
    return moves


def resume(engine: Engine, config: Config, ref: str, *, reason: str, actor: str = "",
           project: bool = False) -> list[Move]:
    """Resume suspended work; each milestone is lit again at once."""
    with writer(engine).begin() as conn:
        as_of = evaluation_date(conn, config, None)
        if project:
            conn.execute(update(P).where(P.c.code == ref).values(status="active",
                                                                  updated_at=utcnow()))
        rows = _targets(conn, ref, project)
        moves: list[Move] = []
        for r in rows:
            if r.state == "suspended" or not project:
                moves.append(_move(conn, r, "resume", as_of, actor, reason))
                moves += relight(conn, config, [r.id], as_of, actor=actor).moves
    return moves


def replan(engine: Engine, config: Config, ref: str, new_date: date, *, reason: str,
           new_start: date | None = None, actor: str = "") -> list[Move]:
    """Move the planned date (the baseline stays), record why, light it again."""
    if not reason.strip():
        raise BadInput("reason: a re-plan needs a reason")
    with writer(engine).begin() as conn:
        row = resolve_milestone(conn, ref)
        start = new_start or row.planned_start
        if start is not None and new_date < start:
            raise BadInput(f"planned date {new_date} is before the planned start {start}")
        as_of = evaluation_date(conn, config, None)
        numbers = {"old_date": row.planned_date.isoformat(), "new_date": new_date.isoformat()}
        move = _move(conn, row, "replan", as_of, actor, reason, numbers)
        conn.execute(update(M).where(M.c.id == row.id).values(
            planned_date=new_date, planned_start=start))
        return [move, *relight(conn, config, [row.id], as_of, actor=actor).moves]


def cancel(engine: Engine, config: Config, ref: str, *, reason: str,
           actor: str = "") -> list[Move]:
    with writer(engine).begin() as conn:
        row = resolve_milestone(conn, ref)
        return [_move(conn, row, "cancel", evaluation_date(conn, config, None), actor, reason)]


def reopen(engine: Engine, config: Config, ref: str, *, reason: str,
           actor: str = "") -> list[Move]:
    """Take back a finish or a cancellation; the completion date is cleared."""
    with writer(engine).begin() as conn:
        row = resolve_milestone(conn, ref)
        as_of = evaluation_date(conn, config, None)
        move = _move(conn, row, "reopen", as_of, actor, reason)
        conn.execute(update(M).where(M.c.id == row.id).values(actual_date=None))
        return [move, *relight(conn, config, [row.id], as_of, actor=actor).moves]


def _targets(conn: Connection, ref: str, project: bool) -> list[Any]:
    if not project:
        return [resolve_milestone(conn, ref)]
    proj = resolve_project(conn, ref)
    return conn.execute(select(*FACT_COLUMNS).select_from(M.join(P))
                        .where(M.c.project_id == proj.id).order_by(M.c.seq, M.c.id)).all()

