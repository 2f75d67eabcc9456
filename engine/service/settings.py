"""The ``scheduler:`` section of config.yaml: when each job runs, catch-up, the run lock.

Schedules are cron expressions read in the configured timezone: five crontab fields
(minute hour day month day-of-week), or six with the seconds first. A job set to
``null`` is not scheduled.
"""

from __future__ import annotations

import re
from datetime import UTC, tzinfo

from apscheduler.triggers.cron import CronTrigger
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

CRON_FIELDS = ("minute", "hour", "day", "month", "day_of_week")


def cron_trigger(expr: str, zone: tzinfo) -> CronTrigger:
    """A CronTrigger for a crontab line (5 fields) or one with seconds first (6 fields).

    A number in the day-of-week field is refused: crontab counts Sunday as 0,
    APScheduler counts Monday as 0, and a silent shift of one day is the worst outcome.
    """
    fields = expr.split()
    if len(fields) not in (5, 6):
        raise ValueError(f"a cron expression has 5 fields (minute hour day month "
                         f"day-of-week) or 6 with seconds first, not {len(fields)}")
    names = CRON_FIELDS if len(fields) == 5 else ("second", *CRON_FIELDS)
    values = dict(zip(names, fields, strict=True))
    if re.search(r"(?<![/\d])\d", values["day_of_week"]):
        raise ValueError("write the day of week as a name (mon … sun), not a number: "
                         "crontab counts Sunday as 0, APScheduler Monday")
    if len(fields) == 5:
        values["second"] = "0"
    try:
        return CronTrigger(timezone=zone, **values)
    except ValueError as exc:
        raise ValueError(f"not a valid cron expression: {exc}") from None


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LockConfig(_Section):
    heartbeat_seconds: float = Field(10, gt=0, le=3600)
    expiry_seconds: float = Field(60, gt=0, le=86400)

    @model_validator(mode="after")
    def _expiry_outlasts_beats(self) -> LockConfig:
        if self.expiry_seconds < 3 * self.heartbeat_seconds:
            raise ValueError("expiry_seconds must be at least three heartbeats "
                             f"({3 * self.heartbeat_seconds:g} s)")
        return self


class SchedulerConfig(_Section):
    nightly: str | None = "0 2 * * *"
    outbox_retry_minutes: int | None = Field(10, ge=1, le=1440)
    weekly_summary: str | None = "0 8 * * mon"
    monthly_bulletin: str | None = "0 8 1 * *"
    quarterly_bulletin: str | None = "0 8 1 1,4,7,10 *"
    annual_bulletin: str | None = "0 8 2 1 *"
    catch_up_grace_hours: float = Field(20, ge=0, le=24 * 31)
    lock: LockConfig = Field(default_factory=LockConfig)
    log_file: str | None = None
    alert_admins: bool = True
    check_slack_hours: float = Field(3, ge=0, le=48)

    @field_validator("nightly", "weekly_summary", "monthly_bulletin", "quarterly_bulletin",
                     "annual_bulletin")
    @classmethod
    def _cron(cls, value: str | None) -> str | None:
        if value is not None:
            cron_trigger(value, UTC)
        return value

    def cron(self, job: str) -> str | None:
        """The cron expression of a cron-scheduled job, None when switched off."""
        return getattr(self, job)
