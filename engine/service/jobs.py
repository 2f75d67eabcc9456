"""The scheduler's jobs: functions ``job(ctx, night, lock) -> JobResult``.

Each runs through :func:`engine.service.once.execute` (lock, once per night, record,
log). The nightly evaluation calls :func:`engine.nightly.nightly`, the one
composition of the night's work, so it does exactly what ``lights run`` does, and
logs what its notices came to from the summary it returns. The outbox retry, the
administrators' alert and the bulletins are plain imports.

A job whose configuration lacks something (e.g. nobody to send the bulletins to) is
not scheduled, and the start says why (:func:`missing`). A module that cannot be
imported stops the scheduler at its start, like any other broken installation: it
is not skipped silently.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from engine.config import Config
from engine.nightly import nightly
from engine.service.bulletins import scheduled_bulletin, unavailable
from engine.service.logs import event
from engine.service.once import JobContext, JobResult, JobSpec
from engine.store.lock import RunLock
from notifications.alerts import alert_admins as alert_by_mail
from notifications.alerts import retry_outbox


def missing(job: str, config: Config) -> str | None:
    """Why ``job`` cannot run with this configuration, or None when it can."""
    check = NEEDS.get(job)
    return check(config) if check is not None else None


def _fields(result: Mapping[str, Any] | int | None) -> dict[str, Any]:
    if result is None:
        return {}
    if isinstance(result, Mapping):
        return {str(k): v for k, v in result.items() if isinstance(v, str | int | float | dict)}
    return {"count": result}


# -- the jobs ----------------------------------------------------------------------
def nightly_job(ctx: JobContext, night: date, lock: RunLock) -> JobResult:
    """Evaluate every open milestone as of the night, then dispatch (engine.nightly)."""
    summary = nightly(ctx.engine, ctx.config, night, mode="nightly", job="nightly", lock=lock,
                      should_stop=ctx.stop.is_set)
    counts = {light: n for light, n in summary.counts.items() if n}
    fields = {"evaluated": summary.evaluated, "moves": summary.moves, "counts": counts,
              "moves_by_trigger": summary.moves_by_trigger or None,
              "notices": summary.notices or None,
              "warnings": len(summary.warnings) or None}
    return JobResult(summary.status, summary.run_id, {k: v for k, v in fields.items()
                                                      if v is not None})


def outbox_retry_job(ctx: JobContext, night: date, lock: RunLock) -> JobResult:
    """Send the notices that wait in the outbox for a retry."""
    return JobResult(fields=_fields(retry_outbox(ctx.engine, ctx.config)))


def _bulletin(ctx: JobContext, kind: str, night: date) -> JobResult:
    return JobResult(fields=_fields(scheduled_bulletin(ctx.engine, ctx.config, kind, night)))


def weekly_summary_job(ctx: JobContext, night: date, lock: RunLock) -> JobResult:
    """The weekly summary (每周调度) of the week before ``night``."""
    return _bulletin(ctx, "week", night)


def monthly_bulletin_job(ctx: JobContext, night: date, lock: RunLock) -> JobResult:
    """The monthly bulletin (每月通报) of the month before ``night``."""
    return _bulletin(ctx, "month", night)


def quarterly_bulletin_job(ctx: JobContext, night: date, lock: RunLock) -> JobResult:
    """The quarterly settlement (季交账) of the quarter before ``night``."""
    return _bulletin(ctx, "quarter", night)


def annual_bulletin_job(ctx: JobContext, night: date, lock: RunLock) -> JobResult:
    """The annual totals (年底算总账) of the year before ``night``."""
    return _bulletin(ctx, "year", night)


# -- telling the administrators ----------------------------------------------------------
def alert_admins(ctx: JobContext, kind: str, night: date, detail: str,
                 job: str = "nightly") -> None:
    """E-mail the administrators through the outbox about a failed or missed night."""
    if not ctx.config.scheduler.alert_admins:
        return
    try:
        told = alert_by_mail(ctx.engine, ctx.config, kind, job, night, detail)
    except Exception as exc:  # the alert must not hide the failure it reports
        event("admins_not_alerted", logging.ERROR, job=job, kind=kind, as_of=night,
              reason=f"{type(exc).__name__}: {exc}")
        return
    if told:
        event("admins_alerted", logging.WARNING, job=job, kind=kind, as_of=night, told=told)
    else:
        event("admins_not_alerted", logging.WARNING, job=job, kind=kind, as_of=night,
              reason="no administrator (contact role admin) to tell")


def _on_failure(ctx: JobContext, job: str, night: date, error: str) -> None:
    alert_admins(ctx, "failed", night, error, job)


JOBS: dict[str, JobSpec] = {spec.name: spec for spec in (
    JobSpec("nightly", nightly_job, evaluates=True, on_failure=_on_failure),
    JobSpec("outbox_retry", outbox_retry_job, per_night=False),
    JobSpec("weekly_summary", weekly_summary_job),
    JobSpec("monthly_bulletin", monthly_bulletin_job),
    JobSpec("quarterly_bulletin", quarterly_bulletin_job),
    JobSpec("annual_bulletin", annual_bulletin_job),
)}

# What a job needs of the configuration: why it cannot run, or None.
NEEDS: dict[str, Callable[[Config], str | None]] = {
    "weekly_summary": unavailable, "monthly_bulletin": unavailable,
    "quarterly_bulletin": unavailable, "annual_bulletin": unavailable}
