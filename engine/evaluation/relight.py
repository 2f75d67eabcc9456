"""Light some milestones again at once: the one path manual actions, the web, an undo
and the ledger import take, through the same evaluation as the night.

:func:`light_unwritten` lights milestones a ledger import is about to insert, by the
same columns, so that each is written once, with its light, instead of inserted and
then updated (on PostgreSQL the update cost as much as the insert).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, select

from engine.config import Config
from engine.evaluation.evaluator import Evaluator, Move
from engine.store.tables import FACT_COLUMNS, M, P
from rules.lights import OPEN_STATES

# Milestones lit per batch by columns: a ledger import relights 100,000 in 20 statements
# of each kind instead of 200 (each PostgreSQL update scans the table once), within
# SQLite's 32,766 parameters.
BATCH = 5000


@dataclass(slots=True)
class Relit:
    """What :func:`relight` did: the moves, and the calendar years it had to estimate."""

    moves: list[Move]
    estimated_years: list[int]


def relight(conn: Connection, config: Config, ids: Iterable[int], as_of: date, *,
            actor: str = "", run_id: int | None = None) -> Relit:
    """Light these milestones again as of ``as_of``, in the caller's transaction.

    Closed milestones (and those of suspended or cancelled projects) are left as they
    are. Manual actions and the ledger import call it so that a change shows its light
    at once, moved and audited as the night would. Each one is written, its numbers
    and reason brought up to date, moved or not.
    """
    from engine.evaluation.chunks import ColumnEvaluator, has_array_forms  # numpy: on use

    ids = list(ids)
    moves: list[Move] = []
    if has_array_forms(config):
        columns = ColumnEvaluator(config, as_of, conn.dialect)
        for start in range(0, len(ids), BATCH):
            batch = columns.read_ids(conn, ids[start:start + BATCH])
            if len(batch):
                moves.extend(columns.apply(conn, batch, run_id=run_id, actor=actor, every=True,
                                           names=True))
        return Relit(moves, sorted(columns.calendar.estimated_years))
    evaluator = Evaluator(config, as_of)
    for start in range(0, len(ids), 500):  # bound the IN list
        rows = conn.execute(select(*FACT_COLUMNS).select_from(M.join(P)).where(
            M.c.id.in_(ids[start:start + 500]), M.c.state.in_(OPEN_STATES),
            P.c.status == "active").order_by(M.c.id)).all()
        evaluator.calendar.cover([d for r in rows for d in (r.planned_start, r.planned_date)
                                  if d] + [as_of])
        chunk_moves, updates, audits = evaluator.changes(rows)
        evaluator.write(conn, run_id, updates, audits, actor=actor)
        moves.extend(chunk_moves)
    return Relit(moves, sorted(evaluator.calendar.estimated_years))


@dataclass(slots=True)
class Unwritten:
    """A new milestone, its id drawn but not yet inserted, and the facts its light
    depends on (its project's as they will stand)."""

    id: int
    project: str
    name: str
    planned_start: date | None
    planned_date: date
    percent: float
    actual_date: date | None
    last_report: date | None
    site: bool  # a site work (config.site_work_kinds) of an outdoor project
    pause: str | None  # the project's own winter pause, if it has one


@dataclass(slots=True)
class FirstLights:
    """What :func:`light_unwritten` found: each milestone's light columns to insert it
    with, the audit rows of its move (written with :func:`write_audits` once the
    milestones are), the moves, and the calendar years it had to estimate."""

    values: dict[int, dict[str, Any]]
    audits: list[tuple[Any, ...]]
    moves: list[Move]
    estimated_years: list[int]


def light_unwritten(conn: Connection, config: Config, new: list[Unwritten], as_of: date, *,
                    actor: str = "", run_id: int | None = None) -> FirstLights | None:
    """Light new milestones before they are inserted, as :func:`relight` would light
    them right after (the same rules, reasons, findings and moves); None when a
    configured rule has no array form (then insert them and relight)."""
    from engine.evaluation.chunks import ColumnEvaluator, has_array_forms  # numpy: on use

    if not has_array_forms(config):
        return None
    columns = ColumnEvaluator(config, as_of, conn.dialect)
    lit = FirstLights({}, [], [], [])
    for start in range(0, len(new), BATCH):
        part = new[start:start + BATCH]
        batch = columns.batch_of(
            [m.id for m in part], [m.planned_start for m in part],
            [m.planned_date for m in part], [m.percent for m in part],
            [m.actual_date for m in part], [m.last_report for m in part],
            [m.site for m in part], [m.pause for m in part])
        values, audits, moves = columns.first_lights(batch, run_id=run_id, actor=actor)
        named = {m.id: m for m in part}
        lit.values.update(values)
        lit.audits += audits
        lit.moves += [Move(m.milestone_id, named[m.milestone_id].project,
                           named[m.milestone_id].name, m.from_state, m.to_state, m.trigger,
                           m.reason) for m in moves]
    lit.estimated_years = sorted(columns.calendar.estimated_years)
    return lit


def write_audits(conn: Connection, config: Config, audits: list[tuple[Any, ...]]) -> None:
    """The audit rows of :class:`FirstLights`, once their milestones are inserted."""
    from engine.evaluation.columns import Statements  # numpy: on use

    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        Statements(conn.dialect, sorted(config.site_work_kinds)).insert_audits(cursor, audits)
    finally:
        cursor.close()
