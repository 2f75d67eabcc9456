"""The scheduler's jobs: importable functions ``job(ctx, night, lock) -> JobResult``.

Each runs through :func:`engine.once.execute` (lock, once per night, record, log).
The nightly evaluation calls :func:`engine.nightly.nightly`, the one composition of
the night's work, so it does exactly what ``lights run`` does.

The outbox retry, the admin alert and the bulletins reach the notices (issue #3) and
bulletins (issue #6) code through two small adapters, :mod:`engine.mail` and
:mod:`engine.scheduled_bulletins`, looked up with ``importlib`` in :data:`TARGETS`
(``module:function``, the calling convention beside each). A job whose code cannot
be imported, or whose configuration lacks something, is not scheduled and the start
says why: a broken optional module never stops the nightly run.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from engine.config import Config
from engine.nightly import nightly
from engine.service.logs import event
from engine.service.once import JobContext, JobResult, JobSpec
from engine.store.lock import RunLock

TARGETS: dict[str, str] = {
    # retry_outbox(engine, config) -> Mapping[str, int]: send what waits in the outbox
    # and is due for a retry; one query when nothing is pending.
    "outbox_retry": "notifications.alerts:retry_outbox",
    # alert_admins(engine, config, kind, job, night, detail) -> int: e-mail the
    # administrators through the outbox ("failed" or "missed"); how many were told.
    "alert_admins": "notifications.alerts:alert_admins",
    # outbox_counts(engine, night) -> Mapping[str, int] | None: the night's notices.
    "outbox_counts": "notifications.alerts:outbox_counts",
    # scheduled_bulletin(engine, config, kind, as_of) -> Mapping[str, Any] | None: make
    # (and send) the bulletin of the last complete period of `kind` before `as_of`;
    # kind is "week", "month", "quarter" or "year".
    "bulletin": "engine.service.bulletins:scheduled_bulletin",
}


def target(name: str) -> Callable[..., Any] | None:
    """The function behind ``TARGETS[name]``, or None while that code is not installed."""
    module_name, _, func_name = TARGETS[name].partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and module_name.startswith(exc.name):
            return None
        raise
    return getattr(module, func_name, None)


def missing(job: str, config: Config) -> str | None:
    """Why ``job`` cannot run here, or None when it can.

    Its code may not be installed yet, or its module's ``unavailable(config)`` may
    name what the configuration lacks (e.g. nobody to send the bulletins to).
    """
    need = NEEDS.get(job)
    if need is None:
        return None
    try:
        found = target(need)
        if found is None:
            return f"{TARGETS[need]} is not installed yet"
        lacking = getattr(importlib.import_module(found.__module__), "unavailable", None)
        return lacking(config) if lacking is not None else None
    except Exception as exc:  # a half-installed module must not stop the nightly run
        return f"{TARGETS[need]} cannot be imported: {type(exc).__name__}: {exc}"


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
              "notices": _optional("outbox_counts", ctx.engine, night),
              "warnings": len(summary.warnings) or None}
    return JobResult(summary.status, summary.run_id, {k: v for k, v in fields.items()
                                                      if v is not None})


def outbox_retry_job(ctx: JobContext, night: date, lock: RunLock) -> JobResult:
    """Send the notices that wait in the outbox for a retry."""
    return JobResult(fields=_fields(_call("outbox_retry", ctx.engine, ctx.config)))


def _bulletin(ctx: JobContext, kind: str, night: date) -> JobResult:
    return JobResult(fields=_fields(_call("bulletin", ctx.engine, ctx.config, kind, night)))


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


def _call(name: str, *args: Any) -> Any:
    func = target(name)
    if func is None:
        raise RuntimeError(f"{TARGETS[name]} is not installed")
    return func(*args)


def _optional(name: str, *args: Any) -> Any:
    """What an optional target returns, None when it is missing or fails (logs only)."""
    try:
        func = target(name)
        return func(*args) if func is not None else None
    except Exception as exc:
        event("optional_failed", logging.WARNING, target=TARGETS[name],
              reason=f"{type(exc).__name__}: {exc}")
        return None


# -- telling the administrators ----------------------------------------------------------
def alert_admins(ctx: JobContext, kind: str, night: date, detail: str,
                 job: str = "nightly") -> None:
    """E-mail the administrators through the outbox about a failed or missed night."""
    if not ctx.config.scheduler.alert_admins:
        return
    try:
        func = target("alert_admins")
        if func is None:
            event("admins_not_alerted", logging.WARNING, job=job, kind=kind, as_of=night,
                  reason=f"{TARGETS['alert_admins']} is not installed yet")
            return
        told = func(ctx.engine, ctx.config, kind, job, night, detail)
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

# The code each optional job needs (a key of TARGETS).
NEEDS: dict[str, str] = {"outbox_retry": "outbox_retry", "weekly_summary": "bulletin",
                         "monthly_bulletin": "bulletin", "quarterly_bulletin": "bulletin",
                         "annual_bulletin": "bulletin"}
