"""The long-lived service: APScheduler 3.x jobs from config.yaml, catch-up, clean stop.

Jobs live in APScheduler's memory job store, rebuilt from config.yaml at every start:
several schedulers must not share a persistent job store (duplicate or missed runs),
and what already ran is in our database anyway. Whether a night still has to run is
decided from there (:mod:`engine.service.once`), not from APScheduler's misfire bookkeeping:

- on start, each once-per-night job whose last scheduled time passed while the
  service was down runs once, for that time's date, if that was within the grace
  (``scheduler.catch_up_grace_hours``) and the night is not done;
- a job that stood by because another process held the lock looks again after
  the lock expiry, until the grace is over (a second machine covers a first one
  that died mid-run);
- SIGTERM / SIGINT stop the job in progress after its current chunk; it records
  itself as interrupted, and the next start runs that night again.

One worker thread runs the jobs one after another, in the order of :data:`JOBS`.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers import SchedulerNotRunningError
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import select

from engine.config import Config
from engine.service.jobs import JOBS, alert_admins, missing
from engine.service.logs import event
from engine.service.once import JobContext, Outcome, execute, finished
from engine.service.settings import cron_trigger
from engine.store.tables import J as JOB_RUNS
from engine.store.tables import R

ONE_MICROSECOND = timedelta(microseconds=1)
LOOKBACK = timedelta(days=8)  # how far back a start looks for a missed night


def trigger_for(config: Config, job: str) -> BaseTrigger | None:
    """The job's trigger in the configured timezone, None when it is switched off."""
    sched = config.scheduler
    if job == "outbox_retry":
        minutes = sched.outbox_retry_minutes
        return IntervalTrigger(minutes=minutes, timezone=config.zone) if minutes else None
    expr = sched.cron(job)
    return cron_trigger(expr, config.zone) if expr else None


def previous_fire(trigger: BaseTrigger, now: datetime, window: timedelta) -> datetime | None:
    """The trigger's last fire time in (now − window, now], or None."""
    span = timedelta(seconds=1)
    while True:
        span = min(span, window)
        fire = trigger.get_next_fire_time(None, now - span)
        if fire is not None and fire <= now:
            while (after := trigger.get_next_fire_time(fire, fire + ONE_MICROSECOND)) \
                    and after <= now:
                fire = after
            return fire
        if span >= window:
            return None
        span *= 4


# -- deciding what a start owes -----------------------------------------------------------
@dataclass(frozen=True)
class StartDecision:
    """What to do on start for one job: a named reason, and the night it is about."""

    reason: str  # catch_up | done | missed | never_ran | nothing_due
    night: date | None = None
    fire_time: datetime | None = None


def decide_on_start(last_fire: datetime | None, now: datetime, grace: timedelta,
                    done: bool, ever_ran: bool) -> StartDecision:
    """Pure: run the last missed night once if within the grace; else say it was missed.

    A first start (the job never ran) is not a missed night.
    """
    if last_fire is None:
        return StartDecision("nothing_due")
    night = last_fire.date()
    if done:
        return StartDecision("done", night, last_fire)
    if now - last_fire <= grace:
        return StartDecision("catch_up", night, last_fire)
    return StartDecision("missed" if ever_ran else "never_ran", night, last_fire)


def _night_state(ctx: JobContext, job: str, night: date) -> tuple[bool, bool]:
    """(is that night done, did this job ever finish a night)."""
    spec = JOBS[job]
    with ctx.engine.connect() as conn:
        done = finished(conn, job, night, evaluates=spec.evaluates) is not None
        ever = conn.execute(select(JOB_RUNS.c.job).where(
            JOB_RUNS.c.job == job, JOB_RUNS.c.status == "ok").limit(1)).first() is not None
        if not ever and spec.evaluates:
            ever = conn.execute(select(R.c.id).where(
                R.c.job == job, R.c.status == "ok").limit(1)).first() is not None
    return done, ever


# -- the service ----------------------------------------------------------------------------
@dataclass
class Service:
    """The scheduler, its triggers, and the context its jobs run in."""

    ctx: JobContext
    scheduler: BlockingScheduler
    triggers: dict[str, BaseTrigger] = field(default_factory=dict)

    @property
    def grace(self) -> timedelta:
        return timedelta(hours=self.ctx.config.scheduler.catch_up_grace_hours)

    def now(self) -> datetime:
        return datetime.now(self.ctx.config.zone)


def build(ctx: JobContext) -> Service:
    """A BlockingScheduler with every configured job whose code is installed."""
    config = ctx.config
    grace_s = max(1, int(config.scheduler.catch_up_grace_hours * 3600))
    scheduler = BlockingScheduler(
        timezone=config.zone, executors={"default": ThreadPoolExecutor(1)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": grace_s})
    service = Service(ctx, scheduler)
    for name in JOBS:
        trigger = trigger_for(config, name)
        if trigger is None:
            event("job_off", job=name)
            continue
        why = missing(name, config)
        if why is not None:
            event("job_not_available", job=name, reason=why)
            continue
        service.triggers[name] = trigger
        scheduler.add_job(fire, trigger, args=[service, name], id=name, name=name)
    return service


def fire(service: Service, job: str) -> Outcome:
    """A scheduled fire: the night is the date of the fire time it stands for."""
    spec = JOBS[job]
    now = service.now()
    night = now.date()
    if spec.per_night:
        last = previous_fire(service.triggers[job], now, max(service.grace, timedelta(hours=1)))
        night = last.date() if last else night
    return _attempt(service, job, night, "scheduled")


def recheck(service: Service, job: str, night: date, why: str) -> Outcome:
    """Look again at a night this process stood by for (the holder may have died)."""
    return _attempt(service, job, night, why)


def _attempt(service: Service, job: str, night: date, why: str) -> Outcome:
    outcome = execute(service.ctx, JOBS[job], night, why)
    if outcome.holder is not None and JOBS[job].per_night:
        _plan_recheck(service, job, night, why)
    return outcome


def _plan_recheck(service: Service, job: str, night: date, why: str) -> None:
    fire_time = previous_fire(service.triggers[job], service.now(), LOOKBACK)
    deadline = (fire_time or service.now()) + service.grace
    when = service.now() + timedelta(seconds=service.ctx.config.scheduler.lock.expiry_seconds)
    if when > deadline or service.ctx.stop.is_set():
        event("gave_up", job=job, as_of=night, reason="the lock was held until the grace ended")
        return
    service.scheduler.add_job(recheck, DateTrigger(when), args=[service, job, night, why],
                              id=f"recheck-{job}", replace_existing=True,
                              misfire_grace_time=None)


def plan_catch_up(service: Service) -> list[StartDecision]:
    """On start: queue the missed nights (nightly first), report the ones beyond grace."""
    now = service.now()
    decisions = []
    for order, (job, trigger) in enumerate(service.triggers.items()):
        if not JOBS[job].per_night:
            continue
        last = previous_fire(trigger, now, max(LOOKBACK, service.grace))
        done, ever = (False, False) if last is None else _night_state(service.ctx, job,
                                                                      last.date())
        decision = decide_on_start(last, now, service.grace, done, ever)
        decisions.append(decision)
        event("on_start", job=job, decision=decision.reason, as_of=decision.night,
              scheduled=decision.fire_time.isoformat() if decision.fire_time else None)
        if decision.reason == "catch_up":
            service.scheduler.add_job(
                recheck, DateTrigger(now), args=[service, job, decision.night, "catch_up"],
                id=f"catch-up-{order}-{job}", misfire_grace_time=None)
        elif decision.reason == "missed" and job == "nightly" and decision.night:
            alert_admins(service.ctx, "missed", decision.night,
                         f"scheduled {decision.fire_time:%Y-%m-%d %H:%M}, beyond the "
                         f"{service.ctx.config.scheduler.catch_up_grace_hours:g} h grace")
    return decisions


@contextmanager
def stop_on_signals(ctx: JobContext, on_stop: Any = None) -> Iterator[None]:
    """SIGTERM / SIGINT ask the job in progress to stop after its chunk (then ``on_stop``)."""

    def handler(signum: int, _frame: Any) -> None:
        if ctx.stop.is_set():
            return
        ctx.stop.set()
        event("stopping", logging.WARNING, signal=signal.Signals(signum).name,
              reason="the run in progress finishes its current chunk and records itself")
        if on_stop is not None:
            threading.Thread(target=on_stop, name="lights-stop", daemon=True).start()

    old = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, previous in old.items():
            signal.signal(sig, previous)


def _shutdown(scheduler: BlockingScheduler) -> None:
    """From the stop thread: wait until the scheduler runs, then stop it and its worker."""
    for _ in range(200):
        if scheduler.running:
            with suppress(SchedulerNotRunningError):
                scheduler.shutdown(wait=True)
            return
        time.sleep(0.05)


def serve(ctx: JobContext) -> None:
    """Run the service until SIGTERM / SIGINT."""
    service = build(ctx)
    with stop_on_signals(ctx, lambda: _shutdown(service.scheduler)):
        plan_catch_up(service)
        event("scheduler_started", jobs=",".join(service.triggers) or "none",
              timezone=ctx.config.timezone)
        if not ctx.stop.is_set():
            service.scheduler.start()
        with ctx.busy:  # the job in progress has recorded how it ended
            pass
    event("scheduler_stopped")


def run_once(ctx: JobContext, job: str, night: date | None = None) -> Outcome:
    """``lights scheduler --once JOB``: the same path as a scheduled fire, for today."""
    with stop_on_signals(ctx):
        return execute(ctx, JOBS[job], night or ctx.config.today(), "once")
