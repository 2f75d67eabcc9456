"""Milestones as columns: the statements a run reads and writes them with.

Written once per run for the database's dialect and run on the DBAPI cursor, so no
statement is compiled per chunk and no row becomes a Python object beyond a tuple of
numbers: dates come back packed two to an integer, the state as a small code, the
project's winter pause as a flag (its override text only where there is one).

SQLite reads each chunk inside the chunk's write transaction (BEGIN IMMEDIATE), by
key from the last id. PostgreSQL streams the whole range through a server-side
cursor on a reading connection, and each write is guarded by the state and rules it
was read with (a manual action in between wins; the run skips that milestone).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import numpy as np

from engine.store.tables import M, P, T
from rules.calendar import Pause
from rules.columns import LIGHTS, NA, Columns
from rules.lights import OPEN_STATES

SHIFT = 25  # bits per packed date
MASK = (1 << SHIFT) - 1
PG_OFFSET = 100_000  # PostgreSQL day numbers are shifted so that 0 means "no date"


def _state_case(column: str) -> str:
    whens = " ".join(f"WHEN '{light.value}' THEN {i}" for i, light in enumerate(LIGHTS))
    return f"CAST(CASE {column} {whens} ELSE 255 END AS BIGINT)"


def civil_to_days(v: np.ndarray) -> np.ndarray:
    """yyyymmdd integers to day numbers since 1970-01-01 (0: NA)."""
    y, m, d = v // 10000, (v // 100) % 100, v % 100
    y = y - (m <= 2)
    era = y // 400
    yoe = y - era * 400
    doy = (153 * np.where(m > 2, m - 3, m + 9) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return np.where(v == 0, NA, era * 146097 + doe - 719468)


@dataclass(slots=True)
class Batch:
    """One chunk as read: ids, stored state codes and rules, and the rules' facts."""

    ids: np.ndarray
    state: np.ndarray
    rules: np.ndarray  # object: the stored light_rules
    cols: Columns

    def __len__(self) -> int:
        return len(self.ids)


class PauseRows:
    """Each distinct winter pause as a row of the day table; row 0 is no pause."""

    def __init__(self, default: Pause, parse: Callable[[str], Pause]) -> None:
        self.pauses: list[Pause] = [()]
        self._parse = parse
        self._default = self.row(default)
        self._overrides: dict[str, int] = {}

    def row(self, pause: Pause) -> int:
        if pause not in self.pauses:
            self.pauses.append(pause)
        return self.pauses.index(pause)

    def rows(self, site: np.ndarray, overrides: Sequence[str | None]) -> np.ndarray:
        """The pause row of each milestone: site works of outdoor projects pause."""
        out = np.where(site, self._default, 0).astype(np.int64)
        for i in np.flatnonzero(site).tolist():
            text = overrides[i]
            if text is not None and text.strip() != "":
                r = self._overrides.get(text)
                if r is None:
                    r = self._overrides[text] = self.row(self._parse(text))
                out[i] = r
        return out


class Statements:
    """The SQL of a run for one dialect, written once."""

    def __init__(self, dialect: Any, site_kinds: Sequence[str]) -> None:
        self.dialect = dialect.name
        self.pg = self.dialect == "postgresql"
        q = dialect.identifier_preparer.quote
        ph = "%s" if self.pg else "?"
        self.ph = ph
        self._date_of = self._pg_days if self.pg else civil_to_days
        kinds = sorted(site_kinds)
        self.kinds = tuple(kinds)
        site = (f"CAST(CASE WHEN p.outdoor AND m.kind IN ({', '.join([ph] * len(kinds))}) "
                f"THEN 1 ELSE 0 END AS BIGINT)" if kinds else "0")

        def day(column: str) -> str:
            if self.pg:
                return f"coalesce(({column} - DATE '1970-01-01') + {PG_OFFSET}, 0)::bigint"
            return f"coalesce(CAST(replace({column}, '-', '') AS INTEGER), 0)"

        states = ", ".join(f"'{s}'" for s in OPEN_STATES)
        self.columns = (
            f"m.id, ({day('m.planned_date')} | ({day('m.planned_start')} << {SHIFT})), "
            f"({day('m.actual_date')} | ({day('m.last_report_date')} << {SHIFT}) | "
            f"({_state_case('m.state')} << {2 * SHIFT}) | ({site} << {2 * SHIFT + 8})), "
            f"m.percent, m.light_rules, p.winter_pause")
        hint = "" if self.pg else " NOT INDEXED"
        self.source = (f"FROM {q(M.name)} AS m{hint} JOIN {q(P.name)} AS p "
                       f"ON p.id = m.project_id")
        self.open = f"m.state IN ({states}) AND p.status = 'active'"
        self.keyset = (f"SELECT {self.columns} {self.source} WHERE m.id > {ph} AND m.id <= {ph} "
                       f"AND {self.open} ORDER BY m.id LIMIT {ph}")
        self.ranged = (f"SELECT {self.columns} {self.source} WHERE m.id > {ph} AND m.id <= {ph} "
                       f"AND {self.open} ORDER BY m.id")
        self.names = (f"SELECT m.id, p.code, m.name FROM {q(M.name)} AS m JOIN {q(P.name)} AS p "
                      f"ON p.id = m.project_id WHERE m.id IN ")
        cols = ["milestone_id", "run_id", "trigger", "from_state", "to_state", "as_of", "rules",
                "reason", "numbers", "actor", "created_at"]
        self.audit_columns = cols
        self.insert_audit = (f"INSERT INTO {q(T.name)} ({', '.join(q(c) for c in cols)}) "
                             f"VALUES ({', '.join([ph] * len(cols))})")
        self.copy_audit = f"COPY {q(T.name)} ({', '.join(q(c) for c in cols)}) FROM STDIN"
        self.move = (f"UPDATE {q(M.name)} SET state = {ph}, state_since = {ph}, reason = {ph}, "
                     f"light_rules = {ph}, light_facts = {ph}, updated_at = {ph} WHERE id = {ph}")
        self.keep = (f"UPDATE {q(M.name)} SET reason = {ph}, light_rules = {ph}, "
                     f"light_facts = {ph}, updated_at = {ph} WHERE id = {ph}")
        # PostgreSQL: a chunk's lights are copied into a temporary table (COPY formats
        # them in C; array parameters were dumped element by element in Python), then one
        # statement guarded by what was read writes them, telling which milestones it changed.
        self.pg_lit = ("CREATE TEMPORARY TABLE IF NOT EXISTS lights_lit (id bigint, "
                       "old_state text, old_rules text, state text, reason text, rules text, "
                       "facts text) ON COMMIT DROP")
        self.pg_update = (
            f"UPDATE {q(M.name)} AS m SET state = v.state, "
            f"state_since = CASE WHEN v.state = m.state THEN m.state_since ELSE %s END, "
            f"reason = v.reason, light_rules = v.rules, light_facts = v.facts::json, "
            f"updated_at = %s FROM lights_lit AS v WHERE m.id = v.id AND m.state = v.old_state "
            f"AND m.light_rules = v.old_rules RETURNING m.id")
        self.bind_day = self._bind(M.c.state_since.type, dialect)
        self.bind_time = self._bind(M.c.updated_at.type, dialect)

    @staticmethod
    def _bind(type_: Any, dialect: Any) -> Any:
        """The column type's own conversion (SQLite stores dates and times as text)."""
        proc = type_.dialect_impl(dialect).bind_processor(dialect)
        return proc if proc is not None else (lambda v: v)

    @staticmethod
    def _pg_days(v: np.ndarray) -> np.ndarray:
        return np.where(v == 0, NA, v - PG_OFFSET)

    def params(self, *head: Any) -> tuple[Any, ...]:
        """The statement's parameters: the site kinds come first (in the columns)."""
        return (*self.kinds, *head)

    # -- reading ----------------------------------------------------------------------
    def batch(self, rows: Sequence[tuple[Any, ...]], pauses: PauseRows) -> Batch:
        """Rows as read by :attr:`columns` into arrays."""
        n = len(rows)
        ids, p1, p2, pct, rules, wp = zip(*rows, strict=True) if n else ((),) * 6
        a = np.fromiter(p1, dtype=np.int64, count=n)
        b = np.fromiter(p2, dtype=np.int64, count=n)
        site = ((b >> (2 * SHIFT + 8)) & 1).astype(bool)
        cols = Columns(
            planned_date=self._date_of(a & MASK),
            planned_start=self._date_of((a >> SHIFT) & MASK),
            percent=np.fromiter(pct, dtype=np.float64, count=n),
            actual_date=self._date_of(b & MASK),
            last_report=self._date_of((b >> SHIFT) & MASK),
            pause=pauses.rows(site, wp))
        stored = np.empty(n, dtype=object)
        stored[:] = rules
        return Batch(np.fromiter(ids, dtype=np.int64, count=n),
                     ((b >> (2 * SHIFT)) & 255).astype(np.int16), stored, cols)

    def read_after(self, cursor: Any, after: int, upto: int, limit: int,
                   pauses: PauseRows) -> Batch:
        """The next chunk by key (SQLite, in the chunk's own transaction)."""
        cursor.execute(self.keyset, self.params(after, upto, limit))
        return self.batch(cursor.fetchall(), pauses)

    def read_ids(self, cursor: Any, ids: Sequence[int], pauses: PauseRows) -> Batch:
        """These milestones (PostgreSQL: any number, one array; SQLite: up to 32,766)."""
        if self.pg:
            sql = f"SELECT {self.columns} {self.source} WHERE m.id = ANY(%s) AND {self.open} " \
                  f"ORDER BY m.id"
            cursor.execute(sql, self.params(list(ids)))
        else:
            sql = (f"SELECT {self.columns} {self.source} WHERE m.id IN "
                   f"({', '.join([self.ph] * len(ids))}) AND {self.open} ORDER BY m.id")
            cursor.execute(sql, self.params(*ids))
        return self.batch(cursor.fetchall(), pauses)

    def stream(self, cursor: Any, after: int, upto: int, limit: int,
               pauses: PauseRows) -> Iterator[Batch]:
        """Every chunk of a range through one server-side cursor (PostgreSQL)."""
        cursor.itersize = limit
        cursor.execute(self.ranged, self.params(after, upto))
        while True:
            rows = cursor.fetchmany(limit)
            if not rows:
                return
            yield self.batch(rows, pauses)

    def names_of(self, cursor: Any, ids: Sequence[int]) -> dict[int, tuple[str, str]]:
        """Project code and milestone name of a few milestones (moves shown to people)."""
        out: dict[int, tuple[str, str]] = {}
        if self.pg:
            cursor.execute(self.names + "(SELECT unnest(%s::bigint[]))", (list(ids),))
            return {mid: (code, name) for mid, code, name in cursor.fetchall()}
        for i in range(0, len(ids), 500):
            part = list(ids[i:i + 500])
            cursor.execute(self.names + f"({', '.join([self.ph] * len(part))})", part)
            out.update({mid: (code, name) for mid, code, name in cursor.fetchall()})
        return out

    # -- writing ---------------------------------------------------------------------
    def write(self, cursor: Any, moves: Iterable[tuple[Any, ...]],
              kept: Iterable[tuple[Any, ...]], audits: Iterable[tuple[Any, ...]]) -> None:
        """executemany (SQLite), in the caller's transaction; each row's parameters in
        the order of :attr:`move`, :attr:`keep` and :attr:`insert_audit`."""
        cursor.executemany(self.move, moves)
        cursor.executemany(self.keep, kept)
        cursor.executemany(self.insert_audit, audits)

    def write_guarded(self, cursor: Any, as_of: date, now: datetime,
                      rows: list[tuple[Any, ...]]) -> set[int]:
        """PostgreSQL: update where state and rules are still as read; the ids updated.

        ``rows``: (id, old_state, old_rules, state, reason, rules, facts).
        """
        if not rows:
            return set()
        cursor.execute(self.pg_lit)
        cursor.execute("TRUNCATE lights_lit")  # an earlier chunk of this transaction's
        with cursor.copy("COPY lights_lit FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(self.pg_update, (as_of, now))
        return {r[0] for r in cursor.fetchall()}

    def insert_audits(self, cursor: Any, audits: list[tuple[Any, ...]]) -> None:
        """Audit rows (milestone, run, trigger, from, to, as of, rules, reason, findings,
        actor, at: Python values) in the caller's transaction: COPY on PostgreSQL."""
        if self.pg:
            self.copy_audits(cursor, audits)
            return
        cursor.executemany(self.insert_audit, [
            (*a[:5], self.bind_day(a[5]), *a[6:10], self.bind_time(a[10])) for a in audits])

    def copy_audits(self, cursor: Any, audits: list[tuple[Any, ...]]) -> None:
        """PostgreSQL: the audit rows by COPY."""
        if not audits:
            return
        with cursor.copy(self.copy_audit) as copy:
            for row in audits:
                copy.write_row(row)

