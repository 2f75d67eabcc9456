"""Working days: the official Chinese calendar (调休 included) or plain Monday–Friday.

Counting working days between two dates is O(1): a cumulative table is built once per
calendar for the years in play. The winter pause (most outdoor works stop from
mid-November to March) gets its own table per window, counting only the working days
outside it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from typing import Literal

CalendarKind = Literal["china", "weekdays"]
Fallback = Literal["guess", "weekdays"]


@dataclass(frozen=True, slots=True)
class PauseWindow:
    """A yearly window, e.g. 11-15 to 03-31, that may span the new year."""

    start: tuple[int, int]
    end: tuple[int, int]

    @classmethod
    def parse(cls, text: str) -> PauseWindow:
        """Parse ``"11-15..03-31"``; raise ValueError with the text on a bad value."""
        try:
            first, last = (part.strip() for part in text.split(".."))
            start = tuple(int(x) for x in first.split("-"))
            end = tuple(int(x) for x in last.split("-"))
            for month, day in (start, end):
                date(2024, month, day)  # a leap year accepts 02-29
        except (ValueError, TypeError) as exc:
            raise ValueError(f"not a window like 11-15..03-31: {text!r}") from exc
        return cls(start, end)  # type: ignore[arg-type]

    def __str__(self) -> str:
        return f"{self.start[0]:02d}-{self.start[1]:02d}..{self.end[0]:02d}-{self.end[1]:02d}"

    def contains(self, day: date) -> bool:
        md = (day.month, day.day)
        if self.start <= self.end:
            return self.start <= md <= self.end
        return md >= self.start or md <= self.end


Pause = tuple[PauseWindow, ...]
"""The pause that applies to a milestone: empty for indoor works."""


def _official_workday(day: date) -> bool | None:
    """The official schedule's answer, or None where it is not published yet."""
    import chinese_calendar

    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return None


def _days_of(year: int) -> list[date]:
    start = date(year, 1, 1)
    return [start + timedelta(i) for i in range((date(year + 1, 1, 1) - start).days)]


# Both schedules are the installed libraries' data: worked out once a year per process,
# not for every calendar (each run, import and bulletin makes one; ~10 ms a year).
@cache
def _official_year(year: int) -> tuple[bool, ...] | None:
    """The official working days of ``year``, or None where it is not published yet."""
    if _official_workday(date(year, 1, 1)) is None:
        return None
    return tuple(bool(_official_workday(day)) for day in _days_of(year))


@cache
def _guessed_year(year: int) -> tuple[bool, ...]:
    """The working days of a year not published yet, from its statutory holidays."""
    import holidays

    guess = holidays.China(years=[year])
    return tuple(guess.is_working_day(day) for day in _days_of(year))


class WorkCalendar:
    """Working-day arithmetic over a range of years, extended on demand."""

    def __init__(self, kind: CalendarKind = "china", fallback: Fallback = "guess") -> None:
        self.kind = kind
        self.fallback = fallback
        # Years the official schedule does not cover yet, estimated by ``fallback``: data
        # for the caller to report (the run's summary, the import's), never a warning.
        self.estimated_years: set[int] = set()
        self._first_year = 0
        self._last_year = -1
        self._base = 0
        self._workday: list[bool] = []
        self._cum: list[int] = []
        self._cum_paused: dict[Pause, list[int]] = {}
        self._cum_outside: dict[Pause, list[int]] = {}

    # -- building ---------------------------------------------------------------
    def cover(self, days: Iterable[date]) -> None:
        """Make sure the table spans every year of ``days``.

        Only those years: padding with the year after would estimate (and warn about)
        a year no milestone touches. ``count`` may still end on 1 January of the year
        after the last one, since its end is exclusive.
        """
        years = {d.year for d in days if d is not None}
        if not years:
            return
        first, last = min(years), max(years)
        if self._workday and first >= self._first_year and last <= self._last_year:
            return
        if self._workday:
            first, last = min(first, self._first_year), max(last, self._last_year)
        self._build(first, last)

    def _build(self, first_year: int, last_year: int) -> None:
        start = date(first_year, 1, 1)
        ndays = (date(last_year + 1, 1, 1) - start).days
        days = [start + timedelta(i) for i in range(ndays)]
        workday: list[bool] = [d.weekday() < 5 for d in days]
        if self.kind == "china":
            workday = self._china_workdays(first_year, last_year)
        cum = [0] * (ndays + 1)
        for i, flag in enumerate(workday):
            cum[i + 1] = cum[i] + flag
        self._first_year, self._last_year = first_year, last_year
        self._base = start.toordinal()
        self._workday, self._cum = workday, cum
        self._cum_paused, self._cum_outside = {}, {}

    def _china_workdays(self, first_year: int, last_year: int) -> list[bool]:
        out: list[bool] = []
        for year in range(first_year, last_year + 1):
            official = _official_year(year)
            if official is not None:
                out.extend(official)
                continue
            self.estimated_years.add(year)
            out.extend(_guessed_year(year) if self.fallback == "guess"
                       else [d.weekday() < 5 for d in _days_of(year)])
        return out

    # -- queries ----------------------------------------------------------------
    def _index(self, day: date) -> int:
        i = day.toordinal() - self._base
        if i < 0 or i > len(self._workday):
            self.cover([day])
            i = day.toordinal() - self._base
        return i

    def is_working_day(self, day: date) -> bool:
        i = self._index(day)
        if i == len(self._workday):
            self.cover([day])
        return self._workday[i]

    def count(self, start: date, end: date, pause: Pause = ()) -> int:
        """Working days in ``[start, end)``, skipping the pause windows; 0 if end <= start."""
        if end <= start:
            return 0
        i, j = self._index(start), self._index(end)
        cum = self._cum_paused.get(pause) if pause else self._cum
        if cum is None:
            cum = self._paused_table(pause)
        return cum[j] - cum[i]

    def days_outside(self, start: date, end: date, pause: Pause = ()) -> int:
        """Calendar days in ``[start, end)`` outside the pause windows; 0 if end <= start."""
        if end <= start:
            return 0
        if not pause:
            return (end - start).days
        i, j = self._index(start), self._index(end)
        cum = self._cum_outside.get(pause)
        if cum is None:
            self._paused_table(pause)
            cum = self._cum_outside[pause]
        return cum[j] - cum[i]

    def _paused_table(self, pause: Pause) -> list[int]:
        base = date.fromordinal(self._base)
        cum = [0] * (len(self._workday) + 1)
        outside = [0] * (len(self._workday) + 1)
        for i, flag in enumerate(self._workday):
            open_day = not any(w.contains(base + timedelta(i)) for w in pause)
            cum[i + 1] = cum[i] + (flag and open_day)
            outside[i + 1] = outside[i] + open_day
        self._cum_paused[pause] = cum
        self._cum_outside[pause] = outside
        return cum
