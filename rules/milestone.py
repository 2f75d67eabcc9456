"""The default milestone colour rules (节点红黄绿灯规则).

Each rule reads a milestone's facts as of a date and either stays silent or returns
a :class:`Finding` with the numbers a supervisor needs to understand it. The worst
light among the findings wins (:func:`evaluate`).

Definitions used throughout (documented in config.yaml too):

- *expected percent* (序时进度) = working days elapsed since the planned start,
  not counting the as-of day, / working days from the planned start to the planned
  date inclusive. It reaches 100% the day after the planned date. For outdoor works
  the winter pause counts in neither.
- *days late* are calendar days after the planned date.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from pydantic import Field, model_validator

from rules.calendar import Pause, WorkCalendar
from rules.lights import SEVERITY, Finding, Light, Verdict
from rules.registry import REGISTRY, RuleParams, rule

ONE_DAY = timedelta(days=1)


@dataclass(slots=True)
class MilestoneFacts:
    """What the rules may know about a milestone."""

    planned_date: date
    planned_start: date | None = None
    percent: float = 0.0
    actual_date: date | None = None
    last_report: date | None = None
    pause: Pause = ()


@dataclass(slots=True)
class Context:
    as_of: date
    calendar: WorkCalendar
    rules: list[tuple[str, RuleParams]] = field(default_factory=list)


# -- 1. finished ---------------------------------------------------------------
class FinishedParams(RuleParams):
    pass


@rule("finished", FinishedParams)
def finished(f: MilestoneFacts, ctx: Context, p: FinishedParams) -> Finding | None:
    """Finished on or before the planned date: done; after it: done_late."""
    if f.actual_date is None or f.actual_date > ctx.as_of:
        return None
    late = (f.actual_date - f.planned_date).days
    light = Light.DONE_LATE if late > 0 else Light.DONE
    return Finding("finished", light, {"planned_date": f.planned_date,
                                       "actual_date": f.actual_date, "days_late": max(late, 0)})


# -- 2. overdue ----------------------------------------------------------------
class OverdueParams(RuleParams):
    grace_days: int = Field(0, ge=0, description="calendar days after the planned date before red")


@rule("overdue", OverdueParams)
def overdue(f: MilestoneFacts, ctx: Context, p: OverdueParams) -> Finding | None:
    """Open and past its planned date by more than the grace days: red."""
    late = (ctx.as_of - f.planned_date).days
    if late <= p.grace_days:
        return None
    return Finding("overdue", Light.RED, {"planned_date": f.planned_date, "days_late": late,
                                          "percent": f.percent})


# -- 3. behind 序时进度 ----------------------------------------------------------
class ScheduleLagParams(RuleParams):
    yellow_points: float | None = Field(10, gt=0, description="lag for yellow; null: off")
    red_points: float | None = Field(30, gt=0, description="lag for red; null: off")

    @model_validator(mode="after")
    def _ordered(self) -> ScheduleLagParams:
        if self.yellow_points and self.red_points and self.red_points < self.yellow_points:
            raise ValueError("red_points must not be below yellow_points")
        return self


def expected_percent(f: MilestoneFacts, ctx: Context) -> float:
    """序时进度: the share of the working days from start to planned date already past."""
    start = f.planned_start or f.planned_date
    total = ctx.calendar.count(start, f.planned_date + ONE_DAY, f.pause)
    if total == 0:
        return 100.0 if ctx.as_of > f.planned_date else 0.0
    elapsed = ctx.calendar.count(start, min(ctx.as_of, f.planned_date + ONE_DAY), f.pause)
    return 100.0 * elapsed / total


@rule("schedule_lag", ScheduleLagParams)
def schedule_lag(f: MilestoneFacts, ctx: Context, p: ScheduleLagParams) -> Finding | None:
    """Reported progress behind 序时进度 by the yellow or red band.

    Only up to the planned date: after it the expected progress is 100% and the
    overdue rule speaks (with its grace days), so this would repeat it.
    """
    if f.planned_start is not None and ctx.as_of <= f.planned_start:
        return None
    if ctx.as_of > f.planned_date:
        return None
    expected = expected_percent(f, ctx)
    # Rounded so that float noise cannot keep a lag of exactly the band out of it
    # (32.8 expected - 22.8 reported is 9.999999999999996 in binary floating point).
    lag = round(expected - f.percent, 9)
    if p.red_points is not None and lag >= p.red_points:
        light = Light.RED
    elif p.yellow_points is not None and lag >= p.yellow_points:
        light = Light.YELLOW
    else:
        return None
    return Finding("schedule_lag", light, {"expected": round(expected, 1),
                                           "percent": f.percent, "lag": round(lag, 1)})


# -- 4. due soon ---------------------------------------------------------------
class DueSoonParams(RuleParams):
    working_days: int = Field(5, ge=0, description="due within this many working days")
    min_percent: float = Field(90, ge=0, le=100, description="progress below this: yellow")


@rule("due_soon", DueSoonParams)
def due_soon(f: MilestoneFacts, ctx: Context, p: DueSoonParams) -> Finding | None:
    """Due within N working days with progress below the minimum: yellow.

    Working days inside the winter pause of paused site works are not left to work
    in: a site closed until 03-31 with a deadline of 04-03 has three days, and hears
    it during the pause, not on 04-01. The finding says how many were not counted.
    """
    if ctx.as_of > f.planned_date or f.percent >= p.min_percent:
        return None
    window = (ctx.as_of + ONE_DAY, f.planned_date + ONE_DAY)
    left = ctx.calendar.count(*window, f.pause)
    if left > p.working_days:
        return None
    numbers = {"planned_date": f.planned_date, "working_days_left": left,
               "percent": f.percent, "min_percent": p.min_percent}
    paused = ctx.calendar.count(*window) - left if f.pause else 0
    if paused:
        numbers["paused_working_days"] = paused
    return Finding("due_soon", Light.YELLOW, numbers)


# -- 5. stale report -----------------------------------------------------------
class StaleReportParams(RuleParams):
    days: int = Field(30, ge=1, description="calendar days without a progress report")


@rule("stale_report", StaleReportParams)
def stale_report(f: MilestoneFacts, ctx: Context, p: StaleReportParams) -> Finding | None:
    """Started, and no progress report for more than N days: yellow.

    Silence before the planned start does not count: the N days run from the later
    of the last report and the planned start (a report filed before the start must
    not make the node stale on its first day). ``days_quiet`` is the true number of
    days since the last report (since the start if there was none). Days inside the
    winter pause of paused site works do not count either: the site is closed.
    """
    since = f.last_report or f.planned_start
    if since is None or ctx.as_of < (f.planned_start or since):
        return None
    counted_from = max(d for d in (f.last_report, f.planned_start) if d is not None)
    if ctx.calendar.days_outside(counted_from, ctx.as_of, f.pause) <= p.days:
        return None
    quiet = (ctx.as_of - since).days
    numbers = {"last_report": f.last_report, "days_quiet": quiet, "limit": p.days}
    paused = quiet - ctx.calendar.days_outside(since, ctx.as_of, f.pause)
    if paused:
        numbers["paused_days"] = paused
    return Finding("stale_report", Light.YELLOW, numbers)


# -- combining ------------------------------------------------------------------
def evaluate(f: MilestoneFacts, ctx: Context) -> Verdict:
    """Apply the configured rules in order; the worst light wins.

    A finish ends evaluation: a finished milestone is done or done_late whatever
    else is true. With no finding the milestone is green (``on_track``), or planned
    (``not_started``) while its start has not come; both carry their numbers too.
    """
    findings: list[Finding] = []
    for name, params in ctx.rules:
        found = REGISTRY[name].func(f, ctx, params)
        if found is None:
            continue
        if found.light in (Light.DONE, Light.DONE_LATE):
            return Verdict(found.light, (found,))
        findings.append(found)
    if findings:
        # Worst first (stable: rule order among equals), so the reason leads with it.
        findings.sort(key=lambda x: -SEVERITY[x.light])
        return Verdict(findings[0].light, tuple(findings))
    if f.planned_start is not None and ctx.as_of < f.planned_start:
        return Verdict(Light.PLANNED, (Finding("not_started", Light.PLANNED, {
            "planned_start": f.planned_start, "planned_date": f.planned_date}),))
    return Verdict(Light.GREEN, (Finding("on_track", Light.GREEN, {
        "planned_date": f.planned_date, "expected": round(expected_percent(f, ctx), 1),
        "percent": f.percent}),))
