"""Quiet hours and working days: when a message may go out, for every channel.

A pure decision over the local time, the settings and the calendar; the dispatcher
does the waiting (it sets the message's next attempt to the time returned, without
counting a try). The rules, in order:

- No quiet hours and not ``working_days_only``: SEND.
- A message with a red that is new tonight goes at once where ``urgent_red_now``:
  URGENT (only when it would otherwise have waited).
- Otherwise the earliest moment from now that is outside the quiet hours
  (``22:00..07:30`` may cross midnight) and, with ``working_days_only``, on a working
  day of the configured calendar (调休 included): SEND when that is now, else
  QUIET_HOURS or NOT_A_WORKING_DAY with that moment.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum


class Timing(StrEnum):
    SEND = "send"
    URGENT = "urgent"
    QUIET_HOURS = "quiet_hours"
    NOT_A_WORKING_DAY = "not_a_working_day"


@dataclass(frozen=True, slots=True)
class When:
    reason: Timing
    at: datetime | None = None  # when it may go (local time), for the waiting reasons

    @property
    def now(self) -> bool:
        return self.at is None


def _inside(moment: time, window: tuple[time, time]) -> bool:
    start, end = window
    if start < end:
        return start <= moment < end
    return moment >= start or moment < end  # across midnight


def _window_end(now: datetime, window: tuple[time, time]) -> datetime:
    start, end = window
    day = now.date()
    if start > end and now.time() >= start:  # 23:00 in 22:00..07:30 ends tomorrow
        day += timedelta(days=1)
    return datetime.combine(day, end, now.tzinfo)


def decide(now: datetime, window: tuple[time, time] | None, *, working_days_only: bool,
           is_working_day: Callable[[date], bool], urgent: bool = False,
           urgent_red_now: bool = True) -> When:
    """When a message may go out, seen at local time ``now``; see the module doc."""
    if window is None and not working_days_only:
        return When(Timing.SEND)
    moment, reason = now, None
    for _ in range(400):  # at most a year of holidays, each a step or two
        if window is not None and _inside(moment.time(), window):
            reason = reason or Timing.QUIET_HOURS
            moment = _window_end(moment, window)
        elif working_days_only and not is_working_day(moment.date()):
            reason = reason or Timing.NOT_A_WORKING_DAY
            moment = datetime.combine(moment.date() + timedelta(days=1), time(0), now.tzinfo)
        else:
            break
    if reason is None:
        return When(Timing.SEND)
    if urgent and urgent_red_now:
        return When(Timing.URGENT)
    return When(reason, moment)
