"""Quiet hours and working days: the decision, case by case (written by hand)."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from notifications.config import parse_quiet_hours
from notifications.quiet import Timing, decide
from rules.calendar import WorkCalendar

SH = ZoneInfo("Asia/Shanghai")
NIGHT = (time(22, 0), time(7, 30))
LUNCH = (time(12, 0), time(13, 30))
CALENDAR = WorkCalendar("china")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SH)


# 2026-10-01..07 is the National Day holiday; 2026-10-10 (a Saturday) is a make-up workday.
CASES = [
    # now, window, working days only, urgent, expected reason, expected time
    ("2026-11-26 14:00", None, False, False, Timing.SEND, None),
    ("2026-11-26 14:00", NIGHT, False, False, Timing.SEND, None),
    ("2026-11-26 23:10", NIGHT, False, False, Timing.QUIET_HOURS, "2026-11-27 07:30"),
    ("2026-11-26 02:00", NIGHT, False, False, Timing.QUIET_HOURS, "2026-11-26 07:30"),
    ("2026-11-26 07:30", NIGHT, False, False, Timing.SEND, None),
    ("2026-11-26 22:00", NIGHT, False, False, Timing.QUIET_HOURS, "2026-11-27 07:30"),
    ("2026-11-26 12:10", LUNCH, False, False, Timing.QUIET_HOURS, "2026-11-26 13:30"),
    ("2026-11-26 23:10", NIGHT, False, True, Timing.URGENT, None),
    ("2026-11-28 10:00", None, True, False, Timing.NOT_A_WORKING_DAY, "2026-11-30 00:00"),
    ("2026-11-28 10:00", NIGHT, True, False, Timing.NOT_A_WORKING_DAY, "2026-11-30 07:30"),
    ("2026-11-27 23:00", NIGHT, True, False, Timing.QUIET_HOURS, "2026-11-30 07:30"),
    ("2026-11-28 10:00", NIGHT, True, True, Timing.URGENT, None),
    ("2026-09-30 22:30", NIGHT, True, False, Timing.QUIET_HOURS, "2026-10-08 07:30"),
    ("2026-10-09 23:00", NIGHT, True, False, Timing.QUIET_HOURS, "2026-10-10 07:30"),
    ("2026-11-30 09:00", NIGHT, True, False, Timing.SEND, None),
]


@pytest.mark.parametrize(("now", "window", "workdays", "urgent", "reason", "until"), CASES)
def test_when_a_message_may_go(now, window, workdays, urgent, reason, until):
    when = decide(at(now), window, working_days_only=workdays,
                  is_working_day=CALENDAR.is_working_day, urgent=urgent)
    assert when.reason is reason
    assert when.at == (at(until) if until else None)


def test_urgent_reds_wait_too_when_not_allowed_through():
    when = decide(at("2026-11-26 23:10"), NIGHT, working_days_only=False,
                  is_working_day=CALENDAR.is_working_day, urgent=True, urgent_red_now=False)
    assert when.reason is Timing.QUIET_HOURS and when.at == at("2026-11-27 07:30")


def test_the_official_calendar_is_the_one_used():
    assert not CALENDAR.is_working_day(date(2026, 10, 5))


@pytest.mark.parametrize(("text", "error"), [
    ("22:00-07:30", "is not HH:MM..HH:MM"), ("25:00..07:00", "is not HH:MM..HH:MM"),
    ("08:00..08:00", "the same time")])
def test_quiet_hours_are_refused_in_one_sentence(text, error):
    with pytest.raises(ValueError, match=error):
        parse_quiet_hours(text)
