"""A run's chunks by columns: read, evaluate as arrays, move in bulk, write what changed.

:class:`ColumnEvaluator` evaluates a chunk as columns (numpy arrays, the rules'
array forms in :mod:`rules.columns`) and writes only what changed: a milestone whose
light, rules and numbers stay is not written, its findings not rendered. :class:`Night`
walks a run's id range chunk by chunk (row by row through
:class:`~engine.evaluation.evaluator.Evaluator` when a configured rule has no array
form). Kept apart from :mod:`engine.evaluation.evaluator` so that a command that
only reads never imports numpy.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from itertools import repeat
from operator import attrgetter
from typing import Any

import numpy as np
from sqlalchemy import Connection, func, select

from engine.config import Config
from engine.evaluation.columns import Batch, PauseRows, Statements
from engine.evaluation.evaluator import Evaluator, Move, pause_of
from engine.evaluation.lifecycle import EVALUATION_MOVES, MOVE_TABLE, RefusedMove
from engine.store.bulk import JsonText
from engine.store.tables import FACT_COLUMNS, M, P, R, utcnow
from rules import columns as C
from rules.calendar import WorkCalendar
from rules.lights import OPEN_STATES


# -- by columns ----------------------------------------------------------------------
def _move_arrays() -> tuple[list[str], np.ndarray, np.ndarray]:
    """The state machine's evaluation moves as arrays over light codes: the trigger
    index for (state, light) and the destination for (state, trigger); -1: refused."""
    names = sorted({t for t in EVALUATION_MOVES.values()})
    n = len(C.LIGHTS)
    trigger = np.full((n, n), -1, dtype=np.int16)
    dest = np.full((n, len(names)), -1, dtype=np.int16)
    for (state, light), name in EVALUATION_MOVES.items():
        trigger[C.CODE[C.Light(state)], C.CODE[C.Light(light)]] = names.index(name)
    for (state, name), to in MOVE_TABLE.items():
        if name in names:
            dest[C.CODE[C.Light(state)], names.index(name)] = C.CODE[C.Light(to)]
    return names, trigger, dest


TRIGGERS, TRIGGER_OF, DEST_OF = _move_arrays()
TRIGGER_NAME = np.array(TRIGGERS, dtype=object)
VALUE_OF = np.array(C.VALUES, dtype=object)


@dataclass(slots=True)
class Decided:
    """A chunk's evaluation: the rows that move (with their trigger and destination)
    and the rows written without a move."""

    outcome: C.Outcome
    moved: np.ndarray  # row positions
    trigger: np.ndarray  # trigger index of each moved row
    to: np.ndarray  # destination code of each moved row
    kept: np.ndarray  # row positions written with their light unchanged


class ColumnEvaluator:
    """Evaluates chunks as columns as of one date and writes what changed.

    One per run (or relight): its statements are written once, its day table and
    texts are kept across chunks and only grow when a chunk needs more years or a new
    winter pause.
    """

    def __init__(self, config: Config, as_of: date, dialect: Any,
                 calendar: WorkCalendar | None = None) -> None:
        self.config = config
        self.as_of = as_of
        self.day = C.day_number(as_of)
        self.calendar = calendar or config.new_calendar()
        self.chain = config.rule_chain
        self.sql = Statements(dialect, sorted(config.site_work_kinds))
        default = config.winter_pause.pause
        self.pauses = PauseRows(default, lambda text: pause_of(True, text, default))
        self.table: C.DayTable | None = None
        self.texts = C.Texts()
        self.previous: int | None = None  # day number of the previous run (see decide)

    def since(self, previous: date | None) -> None:
        """The date the stored numbers are as of: the previous run's, if it finished."""
        self.previous = None if previous is None else C.day_number(previous)
        if previous is not None:
            self.cover(previous, previous)

    def cover(self, first: date, last: date) -> None:
        """Build the day table for every year from ``first`` to ``last`` (and as_of)."""
        years = [first.year, last.year, self.as_of.year]
        self._build(min(years), max(years))

    def _build(self, first_year: int, last_year: int) -> None:
        if self.table is not None:
            first_year = min(first_year, C.day_of(self.table.first).year)
            last_year = max(last_year, C.day_of(self.table.last - 1).year)
        self.table = C.DayTable.build(self.calendar, self.pauses.pauses, first_year, last_year)

    def _ensure(self, cols: C.Columns) -> C.DayTable:
        lo, hi = cols.needed_days(self.day)
        table = self.table
        if table is None or not table.covers(lo, hi, len(self.pauses.pauses)):
            self._build(C.day_of(lo).year, C.day_of(hi).year)
        assert self.table is not None
        return self.table

    def decide(self, batch: Batch, *, every: bool = False) -> Decided:
        """Evaluate a chunk; ``every``: write every row (a relight), else only the rows
        whose light, rules or numbers changed (the night).

        The stored numbers are not read: they are those of the previous run's date
        (``previous``), each run having written every milestone whose numbers moved.
        So a milestone's numbers changed tonight when its findings as of that date
        differ from tonight's, which is array arithmetic again. With no such date (a
        first run, or after a run that did not finish) every finding that moves with
        time is written.
        """
        table = self._ensure(batch.cols)
        outcome = C.evaluate(batch.cols, C.ArrayContext(self.day, table), self.chain)
        moving = outcome.light != batch.state
        moved = np.flatnonzero(moving)
        state, light = batch.state[moved], outcome.light[moved]
        trigger = TRIGGER_OF[state, light]
        if (trigger < 0).any():
            i = int(np.flatnonzero(trigger < 0)[0])
            raise RefusedMove(C.LIGHTS[state[i]].value, f"turn {C.LIGHTS[light[i]].value}")
        to = DEST_OF[state, trigger]
        if every:
            return Decided(outcome, moved, trigger, to, np.flatnonzero(~moving))
        changed = outcome.rules_of() != batch.rules
        if self.previous is None:
            changed |= outcome.sig != C.NOT_STARTED  # all but a not-started plan move with time
        elif self.previous != self.day:
            before = C.evaluate(batch.cols, C.ArrayContext(self.previous, table), self.chain)
            changed |= C.numbers_differ(outcome, before)
        return Decided(outcome, moved, trigger, to, np.flatnonzero(~moving & changed))

    def apply(self, conn: Connection, batch: Batch, *, run_id: int | None = None,
              actor: str = "", write: bool = True, every: bool = False,
              names: bool = False) -> list[Move]:
        """Decide and (unless ``write`` is off) write a chunk in the caller's transaction.

        Returns the moves, with reasons; ``names`` fills in each moved milestone's
        project code and name (for people reading them), else they are empty.
        """
        d = self.decide(batch, every=every)
        ids, rules, reasons, facts, from_states, to_states, triggers = self._lit(batch, d)
        n = len(d.moved)
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            written = None
            if write:
                written = self._write(cursor, batch, d, ids, rules, reasons, facts,
                                      from_states, to_states, triggers, run_id, actor)
            label = self.sql.names_of(cursor, ids[:n]) if names and n else {}
        finally:
            cursor.close()
        codes = [label.get(i, ("", ""))[0] for i in ids[:n]] if label else repeat("")
        titles = [label.get(i, ("", ""))[1] for i in ids[:n]] if label else repeat("")
        moves = list(map(Move, ids[:n], codes, titles, from_states, to_states, triggers,
                         reasons[:n]))
        if written is not None:  # changed by someone else since it was read: theirs stands
            moves = [m for m in moves if m.milestone_id in written]
        return moves

    def _lit(self, batch: Batch, d: Decided) -> tuple[list[Any], ...]:
        """A decided chunk as lists, in the order written (the moved rows, then the kept
        ones): ids, rules, reasons, findings; the moves' from- and to-states and triggers."""
        rows = np.concatenate([d.moved, d.kept])
        facts, reasons = C.render(d.outcome, rows, self.texts, self.config.lang)
        rules = d.outcome.rules_of()[rows].tolist() if len(rows) else []
        return (batch.ids[rows].tolist(), rules, reasons, facts,
                VALUE_OF[batch.state[d.moved]].tolist(), VALUE_OF[d.to].tolist(),
                TRIGGER_NAME[d.trigger].tolist())

    def _write(self, cursor: Any, batch: Batch, d: Decided, ids: list[int], rules: list[str],
               reasons: list[str], facts: list[str], from_states: list[str],
               to_states: list[str], triggers: list[str], run_id: int | None,
               actor: str) -> set[int] | None:
        """Write the moves, the kept rows and the audit; on PostgreSQL the ids written
        (the guard may skip some), elsewhere None (all of them)."""
        now = utcnow()
        n = len(d.moved)
        sql = self.sql
        if sql.pg:
            both = np.concatenate([d.moved, d.kept])
            old_rules = batch.rules[both].tolist()
            old_states = VALUE_OF[batch.state[both]].tolist()
            written = sql.write_guarded(cursor, self.as_of, now, list(zip(
                ids, old_states, old_rules, to_states + old_states[n:], reasons, rules, facts,
                strict=True)))
            sql.copy_audits(cursor, [
                row for row in zip(ids[:n], repeat(run_id), triggers, from_states, to_states,
                                   repeat(self.as_of), rules[:n], reasons[:n], facts[:n],
                                   repeat(actor), repeat(now))
                if row[0] in written])
            return written
        day, stamp = sql.bind_day(self.as_of), sql.bind_time(now)
        sql.write(cursor,
                  zip(to_states, repeat(day), reasons[:n], rules[:n], facts[:n], repeat(stamp),
                      ids[:n]),
                  zip(reasons[n:], rules[n:], facts[n:], repeat(stamp), ids[n:]),
                  zip(ids[:n], repeat(run_id), triggers, from_states, to_states, repeat(day),
                      rules[:n], reasons[:n], facts[:n], repeat(actor), repeat(stamp)))
        return None

    def batch_of(self, ids: list[int], planned_start: list[date | None],
                 planned_date: list[date], percent: list[float],
                 actual_date: list[date | None], last_report: list[date | None],
                 site: list[bool], pauses: list[str | None]) -> Batch:
        """Milestones not yet written (planned, no rules yet) as a chunk, from the facts
        :attr:`Statements.columns` would read once they are: each project's own winter
        pause (``pauses``) counts for its site works (``site``) as the run counts it."""
        def days(values: list[date | None]) -> np.ndarray:
            return np.fromiter((C.day_number(d) for d in values), dtype=np.int64,
                               count=len(values))

        n = len(ids)
        flags = np.array(site, dtype=bool)
        cols = C.Columns(planned_date=days(planned_date),
                         planned_start=days(planned_start),
                         percent=np.array(percent, dtype=np.float64),
                         actual_date=days(actual_date), last_report=days(last_report),
                         pause=self.pauses.rows(flags, pauses))
        rules = np.empty(n, dtype=object)
        rules[:] = [""] * n
        return Batch(np.array(ids, dtype=np.int64),
                     np.full(n, C.CODE[C.Light("planned")], dtype=np.int16), rules, cols)

    def first_lights(self, batch: Batch, *, run_id: int | None, actor: str
                     ) -> tuple[dict[int, dict[str, Any]], list[tuple[Any, ...]], list[Move]]:
        """Light milestones about to be inserted as :meth:`apply` would light them once
        they were (every row, with its reason and findings): the values to insert each
        with, the audit rows of the moves (see :meth:`Statements.insert_audits`), the moves."""
        d = self.decide(batch, every=True)
        ids, rules, reasons, facts, from_states, to_states, triggers = self._lit(batch, d)
        n = len(d.moved)
        states = to_states + VALUE_OF[batch.state[d.kept]].tolist()
        values = {mid: {"state": state, "reason": reason, "light_rules": rule,
                        "light_facts": JsonText(fact),
                        **({"state_since": self.as_of} if i < n else {})}
                  for i, (mid, state, reason, rule, fact)
                  in enumerate(zip(ids, states, reasons, rules, facts, strict=True))}
        now = utcnow()
        audits = list(zip(ids[:n], repeat(run_id), triggers, from_states, states[:n],
                          repeat(self.as_of), rules[:n], reasons[:n], facts[:n], repeat(actor),
                          repeat(now)))
        moves = list(map(Move, ids[:n], repeat(""), repeat(""), from_states, states[:n],
                         triggers, reasons[:n]))
        return values, audits, moves

    def read_ids(self, conn: Connection, ids: list[int]) -> Batch:
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            return self.sql.read_ids(cursor, ids, self.pauses)
        finally:
            cursor.close()


def has_array_forms(config: Config) -> bool:
    """Whether every configured rule can be evaluated as columns."""
    return not C.missing_forms(config.rule_chain)


# -- a night's chunks --------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Scope:
    """What a run covers: how many open milestones, the days their rules may look up,
    their ids ``(after, upto]``, and the date the stored numbers are as of."""

    total: int
    first_day: date
    last_day: date
    after: int
    upto: int
    previous: date | None

    def split(self, parts: int) -> list[tuple[int, int]]:
        """The id range in ``parts`` consecutive ranges ``(after, upto]``."""
        width = max(1, -(-(self.upto - self.after) // parts))
        return [(lo, min(lo + width, self.upto))
                for lo in range(self.after, self.upto, width)]


@dataclass(slots=True)
class Step:
    """One chunk of a run: how many milestones it evaluated, its moves, and how many
    moves each trigger made."""

    count: int
    moves: list[Move]
    triggers: Counter[str]


class Night:
    """The chunks of one run, by columns (or row by row for a rule without an array
    form), from id ``after`` (exclusive) to ``upto`` (inclusive).

    On SQLite each chunk is read inside its own write transaction; on PostgreSQL the
    range streams through one server-side cursor on a connection of its own, and the
    writes are guarded (see :mod:`engine.evaluation.columns`).
    """

    def __init__(self, engine: Any, config: Config, as_of: date, evaluator: Evaluator, *,
                 names: bool = False) -> None:
        self.engine = engine
        self.config = config
        self.evaluator = evaluator
        self.names = names
        self.columns = (ColumnEvaluator(config, as_of, engine.dialect, evaluator.calendar)
                        if has_array_forms(config) else None)
        self.after, self.upto = 0, 0
        self._reader: Any = None
        self._stream: Any = None

    @property
    def row_by_row(self) -> list[str]:
        """The configured rules without an array form (the run is then row by row)."""
        return C.missing_forms(self.config.rule_chain)

    def scope(self, conn: Connection) -> Scope:
        """Count the open milestones, cover their years, find their ids and the previous
        run's date (see :meth:`ColumnEvaluator.decide`)."""
        where = (M.c.state.in_(OPEN_STATES), P.c.status == "active")
        total, lo_start, lo_date, hi_date, lo_id, hi_id = conn.execute(
            select(func.count(), func.min(M.c.planned_start), func.min(M.c.planned_date),
                   func.max(M.c.planned_date), func.min(M.c.id), func.max(M.c.id))
            .select_from(M.join(P)).where(*where)).one()
        days = [d for d in (lo_start, lo_date, hi_date, self.evaluator.as_of) if d is not None]
        last = conn.execute(select(R.c.as_of, R.c.status).where(R.c.mode != "replay")
                            .order_by(R.c.id.desc()).limit(1)).first()
        scope = Scope(int(total or 0), min(days), max(days), (lo_id or 1) - 1, hi_id or 0,
                      last.as_of if last is not None and last.status == "ok" else None)
        self.adopt(scope)
        return scope

    def adopt(self, scope: Scope) -> None:
        """Take a scope found by :meth:`scope` (a worker's, from the run that started it)."""
        self.evaluator.calendar.cover([scope.first_day, scope.last_day])
        if self.columns is not None:
            self.columns.cover(scope.first_day, scope.last_day)
            self.columns.since(scope.previous)
        self.after, self.upto = scope.after, scope.upto

    def limit(self, after: int, upto: int) -> None:
        """Evaluate only ids in ``(after, upto]`` (a worker's range)."""
        self.after, self.upto = max(self.after, after), min(self.upto, upto)

    def step(self, conn: Connection, size: int, *, run_id: int | None,
             write: bool) -> Step | None:
        """Evaluate (and write) the next chunk in the caller's transaction; None at the end."""
        if self.columns is None:
            return self._rows(conn, size, run_id, write)
        batch = self._next(conn, size)
        if batch is None:
            return None
        moves = self.columns.apply(conn, batch, run_id=run_id, write=write, names=self.names)
        return Step(len(batch), moves, Counter(map(attrgetter("trigger"), moves)))

    def _next(self, conn: Connection, size: int) -> Batch | None:
        columns = self.columns
        assert columns is not None
        if columns.sql.pg:
            if self._stream is None:  # one statement: one snapshot, whatever the isolation
                self._reader = self.engine.raw_connection()
                self._reader.driver_connection.rollback()  # a fresh transaction: fresh data
                cursor = self._reader.driver_connection.cursor(name="lights_night")
                self._stream = columns.sql.stream(cursor, self.after, self.upto, size,
                                                  columns.pauses)
            batch = next(self._stream, None)
        else:
            cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
            try:
                batch = columns.sql.read_after(cursor, self.after, self.upto, size,
                                               columns.pauses)
            finally:
                cursor.close()
        if batch is None or not len(batch):
            return None
        self.after = int(batch.ids[-1])
        return batch

    def _rows(self, conn: Connection, size: int, run_id: int | None,
              write: bool) -> Step | None:
        rows = conn.execute(select(*FACT_COLUMNS).select_from(M.join(P))
                            .where(M.c.state.in_(OPEN_STATES), P.c.status == "active",
                                   M.c.id > self.after, M.c.id <= self.upto)
                            .order_by(M.c.id).limit(size)).all()
        if not rows:
            return None
        self.after = rows[-1].id
        moves, updates, audits = self.evaluator.changes(rows)
        if write:
            self.evaluator.write(conn, run_id, updates, audits)
        return Step(len(rows), moves, Counter(m.trigger for m in moves))

    def close(self) -> None:
        if self._reader is not None:
            self._stream = None
            self._reader.close()
            self._reader = None
