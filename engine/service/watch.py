"""What the runs say: recent runs for ``lights runs``, the watchdog for ``lights check``.

The watchdog is for a monitoring system to call: it is healthy when the nightly run
for the night it expects has finished, and the latest nightly attempt did not fail
or stop half-way. The night it expects is the date of the nightly schedule's last
fire time, ``scheduler.check_slack_hours`` ago (time for the run itself); without a
nightly schedule (cron users), yesterday: the last nightly run is then at most a day old.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, inspect, select

from engine.config import Config
from engine.service.scheduler import LOOKBACK, previous_fire, trigger_for
from engine.store.tables import J as JOB_RUNS
from engine.store.tables import R


@dataclass(frozen=True)
class Health:
    """The watchdog's verdict and the named reason for it."""

    reason: str  # ok | never | stale | failed | interrupted
    expected: date
    last_ok: date | None = None
    run_id: int | None = None
    as_of: date | None = None
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.reason == "ok"


def judge(latest: Any, last_ok: date | None, expected: date) -> Health:
    """Pure: the latest nightly attempt (id, as_of, status, error) and the last good date."""
    if latest is not None and latest.status in ("failed", "interrupted"):
        return Health(latest.status, expected, last_ok, latest.id, latest.as_of,
                      latest.error or "")
    if last_ok is None:
        return Health("never", expected)
    if last_ok < expected:
        return Health("stale", expected, last_ok)
    return Health("ok", expected, last_ok, latest.id if latest is not None else None,
                  latest.as_of if latest is not None else None)


def expected_night(config: Config, now: datetime) -> date:
    """The latest night whose nightly run should have finished by ``now``."""
    cutoff = now - timedelta(hours=config.scheduler.check_slack_hours)
    trigger = trigger_for(config, "nightly")
    fire = previous_fire(trigger, cutoff, LOOKBACK) if trigger is not None else None
    return fire.date() if fire is not None else (now - timedelta(days=1)).date()


def check(conn: Connection, config: Config, now: datetime | None = None) -> Health:
    now = now or datetime.now(config.zone)
    nightly = (R.c.job == "nightly", R.c.mode == "nightly")
    latest = conn.execute(select(R.c.id, R.c.as_of, R.c.status, R.c.error).where(*nightly)
                          .order_by(R.c.id.desc()).limit(1)).first()
    last_ok = conn.execute(select(R.c.as_of).where(*nightly, R.c.status == "ok")
                           .order_by(R.c.as_of.desc()).limit(1)).scalar()
    return judge(latest, last_ok, expected_night(config, now))


# -- lights runs ----------------------------------------------------------------------
def _local(value: datetime | None, zone: Any) -> datetime | None:
    """Stored timestamps are UTC; naive ones come back from SQLite and PostgreSQL."""
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(zone)


def _duration(started: datetime | None, finished: datetime | None) -> float | None:
    if started is None or finished is None:
        return None
    return round((finished - started).total_seconds(), 3)


def recent_runs(conn: Connection, config: Config, last: int) -> list[dict[str, Any]]:
    """The ``last`` most recent runs, newest first: evaluations and the other jobs."""
    zone = config.zone
    rows: list[dict[str, Any]] = []
    for r in conn.execute(select(R).order_by(R.c.id.desc()).limit(last)):
        rows.append({"run": r.id, "job": r.job or r.mode, "mode": r.mode, "as_of": r.as_of,
                     "status": r.status, "started": _local(r.started_at, zone),
                     "duration_s": _duration(r.started_at, r.finished_at),
                     "evaluated": r.evaluated, "moves": r.moves, "counts": r.counts or {},
                     "error": r.error or ""})
    if inspect(conn).has_table(JOB_RUNS.name):
        # The other jobs, and nightly attempts that failed before their Run row existed
        # (one in progress has its Run row already).
        in_progress = (JOB_RUNS.c.job == "nightly") & (JOB_RUNS.c.status == "running")
        for j in conn.execute(select(JOB_RUNS).where(JOB_RUNS.c.run_id.is_(None), ~in_progress)
                              .order_by(JOB_RUNS.c.started_at.desc()).limit(last)):
            rows.append({"run": None, "job": j.job, "mode": "scheduled", "as_of": j.night,
                         "status": j.status, "started": _local(j.started_at, zone),
                         "duration_s": _duration(j.started_at, j.finished_at),
                         "evaluated": None, "moves": None, "counts": {},
                         "error": j.error or ""})
    rows.sort(key=lambda row: row["started"] or datetime.min.replace(tzinfo=UTC), reverse=True)
    return rows[:last]
