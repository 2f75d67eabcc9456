"""Dates for planning the demo: winter-aware spans, and deadlines as people write them."""

from __future__ import annotations

import calendar as calendar_module
from bisect import bisect_left
from datetime import date, timedelta
from functools import lru_cache

from rules.calendar import Pause, PauseWindow, WorkCalendar

ONE_DAY = timedelta(days=1)


# -- dates --------------------------------------------------------------------------
def _window(year: int, w: PauseWindow) -> tuple[date, date]:
    """The window starting in ``year`` (it may end the next year)."""

    def day(y: int, md: tuple[int, int]) -> date:
        return date(y, md[0], min(md[1], 28 if md[0] == 2 and y % 4 else md[1]))

    start = day(year, w.start)
    return start, day(year + (w.end < w.start), w.end)


class Winters:
    """The windows of a winter pause from 2000 to 2060 as day ordinals, for fast lookups.

    Overlapping windows are merged, so starts and ends are both in order.
    """

    __slots__ = ("ends", "starts")

    def __init__(self, pause: Pause) -> None:
        spans: list[list[int]] = []
        for a, b in sorted(_window(year, w) for w in pause for year in range(2000, 2061)):
            if spans and a.toordinal() <= spans[-1][1] + 1:
                spans[-1][1] = max(spans[-1][1], b.toordinal())
            else:
                spans.append([a.toordinal(), b.toordinal()])
        self.starts = [a for a, _ in spans]
        self.ends = [b for _, b in spans]


NO_WINTER = Winters(())


@lru_cache(maxsize=64)
def winters(pause: Pause) -> Winters:
    return Winters(pause) if pause else NO_WINTER


def pause_around(day: date, w: Winters) -> tuple[date, date] | None:
    """The pause window containing ``day``, if any."""
    d = day.toordinal()
    i = bisect_left(w.ends, d)
    if i < len(w.starts) and w.starts[i] <= d:
        return date.fromordinal(w.starts[i]), date.fromordinal(w.ends[i])
    return None


def last_winter_end(before: date, w: Winters) -> date | None:
    """The end of the last pause window ending before ``before``."""
    i = bisect_left(w.ends, before.toordinal()) - 1
    return date.fromordinal(w.ends[i]) if i >= 0 else None


def span_back(end: date, days: int, w: Winters) -> date:
    """The start of a span ending on ``end`` with ``days`` days outside the pause.

    A span reaching back over a winter starts after it instead when only a few of
    its days would fall before it: nobody plans to begin a node just before the stop.
    """
    starts, ends = w.starts, w.ends
    if not starts:
        return end - timedelta(days=days - 1)
    last = cur = end.toordinal()
    j = bisect_left(ends, cur)  # the first window ending on or after ``end``
    if j < len(starts) and starts[j] <= cur:
        cur = starts[j] - 1
    j -= 1  # the windows before ``cur``, walking back
    left = days
    while True:
        free = cur - ends[j] if j >= 0 else left
        if free >= left:
            start = cur - left + 1
            break
        left -= free
        cur = starts[j] - 1
        j -= 1
    k = j + 1  # the first window after the start
    if k < len(starts) and starts[k] <= last and starts[k] - start < max(10, days // 3):
        start = ends[k] + 1
    return date.fromordinal(start)


def span_forward(start: date, days: int, w: Winters) -> date:
    """The end of a span starting on ``start`` with ``days`` days outside the pause."""
    starts, ends = w.starts, w.ends
    if not starts:
        return start + timedelta(days=days - 1)
    cur = start.toordinal()
    i = bisect_left(ends, cur)
    if i < len(starts) and starts[i] <= cur:
        cur = ends[i] + 1
        i += 1
    left = days
    while True:
        free = starts[i] - cur if i < len(starts) else left
        if free >= left:
            return date.fromordinal(cur + left - 1)
        left -= free
        cur = ends[i] + 1
        i += 1


@lru_cache(maxsize=1024)
def _last_day(year: int, month: int) -> int:
    return calendar_module.monthrange(year, month)[1]


def _month_end(day: date) -> date:
    return day.replace(day=_last_day(day.year, day.month))


def nice_floor(day: date) -> date:
    """The 10th, 20th or month end on or before ``day``: how deadlines are written."""
    if day.day == _last_day(day.year, day.month):
        return day
    if day.day >= 20:
        return day.replace(day=20)
    if day.day >= 10:
        return day.replace(day=10)
    return day.replace(day=1) - ONE_DAY


def nice_ceil(day: date) -> date:
    """The 10th, 20th or month end on or after ``day``."""
    if day.day <= 10:
        return day.replace(day=10)
    if day.day <= 20:
        return day.replace(day=20)
    return _month_end(day)


def project_pause(outdoor: bool, override: str | None, default: Pause) -> Pause:
    """The winter pause of a project, as the run reads it."""
    if not outdoor or (override or "").strip().lower() == "none":
        return ()
    if override:
        return tuple(PauseWindow.parse(part) for part in override.split(","))
    return default


def demo_calendar() -> WorkCalendar:
    """The official calendar over the years the programmes span (later years guessed)."""
    calendar = WorkCalendar("china", "guess")
    calendar.cover([date(2024, 1, 1), date(2029, 12, 31)])
    return calendar


