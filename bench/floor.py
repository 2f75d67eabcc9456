"""The floor: the default rules as one set-based SQL pass, to measure the run against.

What the nightly run does at least, written the fastest way SQL allows: every open
milestone's light computed in one statement over a cumulative working-day table (the
same official calendar, the default winter pause for site works of outdoor
projects), then one UPDATE of the lights that changed and one INSERT of an audit row
per move, in one transaction. No reasons, no numbers, no custom rules, no notices:
the run cannot be faster than this, so its ratio to this says what our code costs.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import text
from sqlalchemy.engine import Engine

from engine.config import Config
from engine.store.db import writer


@dataclass
class FloorPass:
    wall_s: float
    cpu_s: float
    moves: int


def _days_rows(config: Config, first: date, last: date) -> list[dict[str, int]]:
    """(day, working days before it, the same skipping the pause, open days before it)."""
    calendar = config.new_calendar()
    calendar.cover([first, last])
    pause = config.winter_pause.pause
    out, cum, cum_p, open_p = [], 0, 0, 0
    day = first
    while day <= last + timedelta(days=1):
        out.append({"d": (day - date(1970, 1, 1)).days, "cum": cum, "cum_p": cum_p,
                    "open_p": open_p})
        if day <= last:
            work = calendar.is_working_day(day)
            outside = not any(w.contains(day) for w in pause)
            cum += work
            cum_p += work and outside
            open_p += outside
        day += timedelta(days=1)
    return out


def _light_sql(pg: bool, kinds: list[str]) -> str:
    """One SELECT: id, old state, new light, for every open milestone."""
    if pg:
        def day(c: str) -> str:
            return f"({c} - DATE '1970-01-01')"
    else:
        def day(c: str) -> str:
            return f"CAST(julianday({c}) - 2440587.5 AS INTEGER)"
    site = (f"(p.outdoor AND m.kind IN ({', '.join(repr(k) for k in kinds)}) "
            f"AND coalesce(p.winter_pause, '') = '')") if kinds else "(1 = 0)"

    def cum(alias: str) -> str:
        return f"CASE WHEN f.site THEN {alias}.cum_p ELSE {alias}.cum END"

    return f"""
WITH f AS (
  SELECT m.id, m.state, m.percent AS pct, {day('m.planned_date')} AS pd,
         {day('m.planned_start')} AS ps, {day('m.actual_date')} AS ad,
         {day('m.last_report_date')} AS lr, {site} AS site
  FROM milestone m JOIN project p ON p.id = m.project_id
  WHERE m.state IN ('planned', 'green', 'yellow', 'red') AND p.status = 'active'
), g AS (
  SELECT f.*, {cum('s')} AS c_start, {cum('e')} AS c_end, {cum('n')} AS c_now,
         {cum('x')} AS c_next,
         CASE WHEN f.site THEN o.open_p ELSE o.d END AS o_from,
         CASE WHEN f.site THEN t.open_p ELSE t.d END AS o_now
  FROM f
  JOIN floor_days s ON s.d = coalesce(f.ps, f.pd)
  JOIN floor_days e ON e.d = f.pd + 1
  JOIN floor_days n ON n.d = CASE WHEN :a < f.pd + 1 THEN :a ELSE f.pd + 1 END
  JOIN floor_days x ON x.d = :a + 1
  JOIN floor_days t ON t.d = :a
  LEFT JOIN floor_days o
    ON o.d = CASE WHEN f.lr IS NULL OR f.lr < f.ps THEN f.ps ELSE f.lr END
), h AS (
  SELECT g.*, CASE WHEN c_end - c_start > 0
                   THEN 100.0 * (c_now - c_start) / (c_end - c_start) - pct ELSE 0 END AS lag
  FROM g
)
SELECT id, state,
  CASE
    WHEN ad IS NOT NULL AND ad <= :a THEN CASE WHEN ad > pd THEN 'done_late' ELSE 'done' END
    WHEN :a > pd THEN 'red'
    WHEN (ps IS NULL OR :a > ps) AND lag >= 30 THEN 'red'
    WHEN (ps IS NULL OR :a > ps) AND lag >= 10 THEN 'yellow'
    WHEN pct < 90 AND c_end - c_next <= 5 THEN 'yellow'
    WHEN coalesce(lr, ps) IS NOT NULL AND :a >= coalesce(ps, lr)
         AND o_now - o_from > 30 THEN 'yellow'
    WHEN ps IS NOT NULL AND :a < ps THEN 'planned'
    ELSE 'green'
  END AS light
FROM h"""


def floor_pass(engine: Engine, config: Config, as_of: date, *, keep: bool = True) -> FloorPass:
    """One pass as of ``as_of``; its wall and (this process's) CPU time.

    ``keep``: commit (its time counted); else roll back, leaving the data as it was.
    """
    pg = engine.dialect.name == "postgresql"
    kinds = sorted(config.site_work_kinds)
    a = (as_of - date(1970, 1, 1)).days
    wall, cpu = time.perf_counter(), time.process_time()
    with writer(engine).connect() as conn:
        trans = conn.begin()
        if pg:  # as the run does each night: without statistics PostgreSQL plans badly
            conn.execute(text("ANALYZE milestone, project"))
        lo, hi = conn.execute(text(
            "SELECT min(coalesce(planned_start, planned_date)), max(planned_date) "
            "FROM milestone")).one()
        lo = min(date.fromisoformat(str(lo)), as_of, date(as_of.year - 1, 1, 1))
        hi = max(date.fromisoformat(str(hi)), as_of)
        conn.execute(text("CREATE TEMPORARY TABLE floor_days (d INTEGER PRIMARY KEY, "
                          "cum INTEGER, cum_p INTEGER, open_p INTEGER)"))
        conn.execute(text("INSERT INTO floor_days VALUES (:d, :cum, :cum_p, :open_p)"),
                     _days_rows(config, lo, hi))
        if pg:  # a temporary table has no statistics until analysed: plans go wrong
            conn.execute(text("ANALYZE floor_days"))
        conn.execute(text("CREATE TEMPORARY TABLE floor_eval AS " + _light_sql(pg, kinds)),
                     {"a": a})
        if pg:
            conn.execute(text("ANALYZE floor_eval"))
        moves = conn.execute(text("SELECT count(*) FROM floor_eval WHERE light <> state")
                             ).scalar_one()
        day = "CAST(:day AS DATE)" if pg else ":day"
        conn.execute(text(
            f"UPDATE milestone SET state = e.light, state_since = {day}, light_rules = 'floor' "
            "FROM floor_eval AS e WHERE milestone.id = e.id AND e.light <> e.state"),
            {"day": as_of.isoformat()})
        conn.execute(text(
            "INSERT INTO transition (milestone_id, trigger, from_state, to_state, as_of, rules, "
            f"reason, numbers, actor, created_at) SELECT id, 'floor', state, light, {day}, "
            "'floor', '', '[]', 'floor', CURRENT_TIMESTAMP FROM floor_eval "
            "WHERE light <> state"), {"day": as_of.isoformat()})
        conn.execute(text("DROP TABLE floor_eval"))
        conn.execute(text("DROP TABLE floor_days"))
        if keep:
            trans.commit()
        took = FloorPass(time.perf_counter() - wall, time.process_time() - cpu, int(moves))
        if not keep:
            trans.rollback()
    return took
