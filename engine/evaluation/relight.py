"""Light some milestones again at once: the one path manual actions, the web, an undo
and the ledger import take, through the same evaluation as the night."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

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
