"""The nightly run: read in bulk → evaluate → move → write in bulk, chunk by chunk.

Open milestones are read in id-ordered chunks as columns, evaluated by the rules'
array forms, moved by the state machine's table where the light changes, and written
back only where the light, the rules or the numbers changed: one transaction per
chunk, the state change and its audit row together (engine/evaluation/chunks.py).
Work per night grows with the number of milestones read and the changes written,
never with round trips; a second run for the same date writes nothing. On PostgreSQL
``workers`` processes may share the range (engine/evaluation/workers.py).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Connection, and_, func, insert, select, update
from sqlalchemy.engine import Engine

from engine.config import Config
from engine.evaluation.evaluator import Evaluator, Move, Stage, facts_json
from engine.evaluation.loop import Part, Progress, WorkerFailed, chunk_loop, row_by_row_warning
from engine.store.db import read_only, writer
from engine.store.lookups import count_lights, latest_as_of
from engine.store.tables import FACT_COLUMNS, REPLAY, REPORTS, M, P, R, utcnow
from rules.lights import Light
from rules.reasons import calendar_warning


class RunRefused(Exception):
    """A run for a date earlier than the latest one, without --replay."""

    def __init__(self, as_of: date, latest: date) -> None:
        super().__init__(f"as-of {as_of} is before the latest run ({latest})")
        self.as_of, self.latest = as_of, latest


class RunAhead(Exception):
    """A run dated more than ``run.max_days_ahead`` days past today, without --force."""

    def __init__(self, as_of: date, today: date, days: int) -> None:
        super().__init__(f"as-of {as_of} is more than {days} days after today ({today})")
        self.as_of, self.today, self.days = as_of, today, days


@dataclass
class RunSummary:
    as_of: date
    mode: str
    run_id: int | None = None
    status: str = "ok"
    evaluated: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    moves_by_trigger: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    estimated_years: list[int] = field(default_factory=list)
    calendar_fallback: str = "guess"
    duration_s: float = 0.0
    dry_run: bool = False
    moved: list[Move] = field(default_factory=list)
    notices: dict[str, int] = field(default_factory=dict)  # engine.nightly.notices

    @property
    def moves(self) -> int:
        return sum(self.moves_by_trigger.values())

    def as_json(self) -> dict[str, Any]:
        return {"as_of": self.as_of.isoformat(), "mode": self.mode, "run_id": self.run_id,
                "status": self.status, "dry_run": self.dry_run, "evaluated": self.evaluated,
                "counts": self.counts, "moves": self.moves,
                "moves_by_trigger": self.moves_by_trigger, "warnings": self.warnings,
                "estimated_years": self.estimated_years, "notices": self.notices,
                "duration_s": round(self.duration_s, 3)}


def _calendar_warnings(summary: RunSummary, evaluator: Evaluator, config: Config) -> None:
    """Name the years whose working days were estimated (in the configured language)."""
    years = sorted(evaluator.calendar.estimated_years)
    if not years or years == summary.estimated_years:
        return
    fallback = config.calendar.uncovered_years
    if summary.estimated_years:  # more years found mid-run: one warning names them all
        summary.warnings.remove(calendar_warning(summary.estimated_years, fallback, config.lang))
    summary.estimated_years, summary.calendar_fallback = years, fallback
    summary.warnings.append(calendar_warning(years, fallback, config.lang))


def _fresh_statistics(conn: Connection) -> None:
    """On PostgreSQL, refresh the planner's statistics of the tables a run reads.

    After a bulk import the planner may still believe the tables empty and read each
    chunk through the state index and a sort (seconds a chunk) instead of the primary
    key. ANALYZE samples the tables: a fraction of a second, once a night.
    """
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("ANALYZE milestone, project")


def run(engine: Engine, config: Config, as_of: date | None = None, *, dry_run: bool = False,
        replay: bool = False, mode: str = "nightly", job: str = "", guard: bool = False,
        progress: Progress | None = None,
        should_stop: Callable[[], bool] | None = None,
        stages: Sequence[Stage] = (),
        beat: Callable[[Connection], None] | None = None, workers: int = 1) -> RunSummary:
    """Evaluate every open milestone as of ``as_of`` (default: today in the timezone).

    ``stages`` run inside each chunk's transaction, after its writes (not on a dry run
    or a replay). ``beat`` (the run lock's heartbeat) too, last: the lock is renewed in
    the run's own write transactions, never beside them. With ``guard`` (a date a
    person typed: ``lights run --as-of`` without --force), a date more than
    ``run.max_days_ahead`` days past today is refused (RunAhead); a dry run or a replay
    writes no lights and may look ahead.
    """
    today = config.today()
    as_of = as_of or today
    ahead = config.run.max_days_ahead
    if guard and not (dry_run or replay) and (as_of - today).days > ahead:
        raise RunAhead(as_of, today, ahead)
    started = time.perf_counter()
    summary = RunSummary(as_of=as_of, mode="replay" if replay else mode, dry_run=dry_run)
    with engine.connect() as conn:
        latest = latest_as_of(conn)
    if latest is not None and as_of < latest and not replay:
        raise RunRefused(as_of, latest)
    if replay:
        return _replay(engine, config, as_of, summary, started)

    from engine.evaluation.chunks import Night  # numpy: only for a run

    evaluator = Evaluator(config, as_of)
    night = Night(engine, config, as_of, evaluator, names=dry_run)
    if night.row_by_row:
        summary.warnings.append(row_by_row_warning(night.row_by_row, config.lang))
    chunks = read_only(engine) if dry_run else writer(engine)
    with chunks.begin() as conn:
        _fresh_statistics(conn)
        scope = night.scope(conn)
        _calendar_warnings(summary, evaluator, config)
        if not dry_run:
            summary.run_id = conn.execute(insert(R).values(
                as_of=as_of, mode=mode, job=job, status="running", started_at=utcnow(),
                counts={}, moves_by_trigger={}, warnings=summary.warnings)).inserted_primary_key[0]
            if beat is not None:
                beat(conn)
    part = Part()
    try:
        if workers > 1 and engine.dialect.name == "postgresql":
            from engine.evaluation.workers import in_workers

            part = in_workers(engine, config, as_of, scope, workers, summary.run_id,
                              dry_run=dry_run, stages=stages, beat=beat, should_stop=should_stop)
            evaluator.calendar.estimated_years.update(part.estimated_years)
        else:
            chunk_loop(engine, night, as_of, summary.run_id, part, dry_run=dry_run,
                       stages=stages, beat=beat, should_stop=should_stop, progress=progress,
                       total=scope.total)
        if part.error:
            raise WorkerFailed(part.error)
        summary.status, summary.evaluated, summary.moved = part.status, part.evaluated, part.moved
        summary.moves_by_trigger = dict(part.triggers)
        _calendar_warnings(summary, evaluator, config)
        with chunks.begin() as conn:
            summary.counts = count_lights(conn)
            if dry_run:
                for m in summary.moved:
                    summary.counts[m.from_state] -= 1
                    summary.counts[m.to_state] += 1
            summary.duration_s = time.perf_counter() - started
            if not dry_run:
                conn.execute(update(R).where(R.c.id == summary.run_id).values(
                    status=summary.status, finished_at=utcnow(), evaluated=part.evaluated,
                    moves=summary.moves, counts=summary.counts,
                    moves_by_trigger=summary.moves_by_trigger, warnings=summary.warnings))
    except BaseException as exc:  # the chunks committed so far stay: record them
        summary.status, summary.evaluated = "failed", part.evaluated
        summary.moves_by_trigger = dict(part.triggers)
        if summary.run_id is not None:
            try:
                with writer(engine).begin() as conn:
                    conn.execute(update(R).where(R.c.id == summary.run_id).values(
                        status="failed", finished_at=utcnow(), evaluated=part.evaluated,
                        moves=summary.moves, moves_by_trigger=summary.moves_by_trigger,
                        error=f"{type(exc).__name__}: {exc}"[:2000]))
            except Exception:  # left "running": the next run marks it abandoned
                pass
        raise
    finally:
        night.close()
    return summary


def _replay(engine: Engine, config: Config, as_of: date, summary: RunSummary,
            started: float) -> RunSummary:
    """Evaluate as of a past date from the reports dated on or before it.

    The result goes to ReplayLight rows under a replay Run; milestones and the audit
    trail are not touched.
    """
    evaluator = Evaluator(config, as_of)
    where = M.c.state.notin_([Light.CANCELLED.value, Light.SUSPENDED.value])
    # The report with the latest date on or before as_of (a report filed late for an
    # earlier date must not win); the last filed among those of that date.
    last_day = (select(REPORTS.c.milestone_id, func.max(REPORTS.c.report_date).label("day"))
                .where(REPORTS.c.report_date <= as_of)
                .group_by(REPORTS.c.milestone_id).subquery())
    latest_report = (select(REPORTS.c.milestone_id, func.max(REPORTS.c.id).label("rid"))
                     .join(last_day, and_(last_day.c.milestone_id == REPORTS.c.milestone_id,
                                          last_day.c.day == REPORTS.c.report_date))
                     .group_by(REPORTS.c.milestone_id).subquery())
    with writer(engine).begin() as conn:
        evaluator.cover(conn, where)
        _calendar_warnings(summary, evaluator, config)
        summary.run_id = conn.execute(insert(R).values(
            as_of=as_of, mode="replay", status="running", started_at=utcnow(), counts={},
            moves_by_trigger={}, warnings=summary.warnings)).inserted_primary_key[0]
        rows = conn.execute(
            select(*FACT_COLUMNS, REPORTS.c.percent.label("then_percent"),
                   REPORTS.c.report_date.label("then_report"))
            .select_from(M.join(P).outerjoin(latest_report, latest_report.c.milestone_id == M.c.id)
                         .outerjoin(REPORTS, REPORTS.c.id == latest_report.c.rid))
            .where(where)).all()
        counts: Counter[str] = Counter({light.value: 0 for light in Light})
        out = []
        for row in rows:
            verdict = evaluator.verdict(row, row.then_percent or 0.0, row.then_report)
            counts[verdict.light.value] += 1
            out.append({"run_id": summary.run_id, "milestone_id": row.id,
                        "light": verdict.light.value, "rules": verdict.rule_ids,
                        "facts": facts_json(verdict)})
        if out:
            conn.execute(insert(REPLAY), out)
        summary.evaluated = len(out)
        summary.counts = dict(counts)
        summary.duration_s = time.perf_counter() - started
        conn.execute(update(R).where(R.c.id == summary.run_id).values(
            status="ok", finished_at=utcnow(), evaluated=len(out), counts=summary.counts))
    return summary
