"""WorkCalendar: half-open counts, 调休, holidays, pause windows, extension, estimates."""

from __future__ import annotations

import re
from datetime import date, timedelta

import chinese_calendar
import pytest

from rules.calendar import PauseWindow, WorkCalendar
from rules.reasons import calendar_warning

D = date
WINTER = (PauseWindow.parse("11-15..03-31"),)


def official(first: date, last: date) -> int:
    """Official working days in [first, last], both included, from chinese_calendar."""
    return len(chinese_calendar.get_workdays(first, last)) if last >= first else 0


@pytest.fixture
def cal() -> WorkCalendar:
    return WorkCalendar("china")


# -- count: half-open [start, end) ----------------------------------------------------
@pytest.mark.parametrize(
    ("start", "end", "china", "weekdays"),
    [
        pytest.param(D(2026, 6, 1), D(2026, 6, 1), 0, 0, id="empty-span"),
        pytest.param(D(2026, 6, 1), D(2026, 6, 2), 1, 1, id="one-monday"),
        pytest.param(D(2026, 6, 1), D(2026, 6, 8), 5, 5, id="monday-to-monday"),
        pytest.param(D(2026, 6, 6), D(2026, 6, 8), 0, 0, id="weekend-only"),
        pytest.param(D(2026, 6, 8), D(2026, 6, 1), 0, 0, id="end-before-start"),
        pytest.param(D(2026, 2, 14), D(2026, 2, 15), 1, 0, id="make-up-saturday-02-14"),
        pytest.param(D(2026, 2, 28), D(2026, 3, 1), 1, 0, id="make-up-saturday-02-28"),
        pytest.param(D(2026, 2, 16), D(2026, 2, 24), 0, 6, id="spring-festival"),
        pytest.param(D(2026, 10, 1), D(2026, 10, 8), 0, 5, id="national-day-week"),
        pytest.param(D(2026, 9, 28), D(2026, 10, 12), 6, 10, id="across-national-day"),
        pytest.param(D(2026, 1, 1), D(2027, 1, 1), 248, 261, id="all-of-2026"),
        pytest.param(D(2025, 12, 29), D(2026, 1, 5), 4, 5, id="across-new-year"),
    ],
)
def test_count(start, end, china, weekdays):
    assert WorkCalendar("china").count(start, end) == china
    assert WorkCalendar("weekdays").count(start, end) == weekdays
    if end > start:  # the hand numbers, checked against the official schedule
        assert official(start, end - timedelta(1)) == china


@pytest.mark.parametrize("month", range(1, 13), ids=lambda m: f"2026-{m:02d}")
def test_count_matches_the_official_schedule_every_month(cal, month):
    first = D(2026, month, 1)
    nxt = D(2026 + month // 12, month % 12 + 1, 1)
    assert cal.count(first, nxt) == official(first, nxt - timedelta(1))


def test_counts_add_up_across_a_split_point(cal):
    a, b, c = D(2025, 12, 15), D(2026, 2, 18), D(2026, 10, 6)
    assert cal.count(a, b) + cal.count(b, c) == cal.count(a, c) == official(a, c - timedelta(1))


# -- single days ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("day", "china", "weekdays"),
    [
        pytest.param(D(2026, 2, 14), True, False, id="sat-02-14-make-up"),
        pytest.param(D(2026, 2, 28), True, False, id="sat-02-28-make-up"),
        pytest.param(D(2026, 2, 15), False, False, id="sunday"),
        pytest.param(D(2026, 2, 16), False, True, id="spring-festival-monday"),
        pytest.param(D(2026, 10, 1), False, True, id="national-day"),
        pytest.param(D(2026, 10, 7), False, True, id="national-day-last"),
        pytest.param(D(2026, 10, 8), True, True, id="after-national-day"),
        pytest.param(D(2026, 10, 10), True, False, id="sat-10-10-make-up"),
        pytest.param(D(2026, 6, 19), False, True, id="dragon-boat"),
        pytest.param(D(2026, 6, 18), True, True, id="ordinary-thursday"),
    ],
)
def test_is_working_day(day, china, weekdays):
    assert WorkCalendar("china").is_working_day(day) is china
    assert WorkCalendar("weekdays").is_working_day(day) is weekdays
    assert chinese_calendar.is_workday(day) is china


# -- pause windows ------------------------------------------------------------------------
def test_pause_window_parse_and_text():
    w = PauseWindow.parse("11-15..03-31")
    assert (w.start, w.end) == ((11, 15), (3, 31))
    assert str(w) == "11-15..03-31"
    assert PauseWindow.parse(" 7-1 .. 8-31 ") == PauseWindow((7, 1), (8, 31))
    assert str(PauseWindow.parse("7-1..8-31")) == "07-01..08-31"
    assert PauseWindow.parse("02-29..03-01").start == (2, 29)  # valid in leap years


@pytest.mark.parametrize(
    "text",
    ["13-01..03-31", "abc", "", "11-15", "11-15..03-32", "11-15..02-30", "11-15..03-31..04-01",
     "11/15..03/31", "11-15-01..03-31", "xx-15..03-31", "11-15..", "..03-31"],
)
def test_pause_window_parse_rejects_bad_text(text):
    with pytest.raises(ValueError, match=re.escape(repr(text))):
        PauseWindow.parse(text)


@pytest.mark.parametrize(
    ("window", "day", "inside"),
    [
        ("11-15..03-31", D(2026, 11, 14), False),
        ("11-15..03-31", D(2026, 11, 15), True),
        ("11-15..03-31", D(2026, 12, 31), True),
        ("11-15..03-31", D(2027, 1, 1), True),
        ("11-15..03-31", D(2026, 3, 31), True),
        ("11-15..03-31", D(2026, 4, 1), False),
        ("11-15..03-31", D(2026, 7, 1), False),
        ("07-01..08-31", D(2026, 6, 30), False),
        ("07-01..08-31", D(2026, 7, 1), True),
        ("07-01..08-31", D(2026, 8, 31), True),
        ("07-01..08-31", D(2026, 9, 1), False),
        ("07-01..08-31", D(2026, 1, 1), False),
    ],
    ids=lambda v: str(v),
)
def test_pause_window_contains(window, day, inside):
    assert PauseWindow.parse(window).contains(day) is inside


def test_count_skips_a_pause_across_new_year(cal):
    start, end = D(2025, 11, 1), D(2026, 4, 11)
    # counted: 2025-11-03..14 (10 working days) and 2026-04-01..10 (Apr 6 is Qingming)
    want = official(D(2025, 11, 1), D(2025, 11, 14)) + official(D(2026, 4, 1), D(2026, 4, 10))
    assert want == 10 + 7
    assert cal.count(start, end, WINTER) == want
    assert cal.count(start, end) == official(start, end - timedelta(1))  # no pause: all
    assert cal.count(D(2025, 11, 15), D(2026, 4, 1), WINTER) == 0


def test_two_pause_windows(cal):
    pause = (PauseWindow.parse("11-15..03-31"), PauseWindow.parse("07-20..08-10"))
    start, end = D(2026, 7, 1), D(2026, 9, 1)
    want = official(D(2026, 7, 1), D(2026, 7, 19)) + official(D(2026, 8, 11), D(2026, 8, 31))
    assert cal.count(start, end, pause) == want
    assert cal.count(start, end, WINTER) == official(start, end - timedelta(1))


# -- building the table on demand ----------------------------------------------------------
def test_cover_extends_forwards_and_backwards():
    cal = WorkCalendar("china")
    cal.cover([D(2025, 6, 1)])
    # later, then earlier than what was built; pause tables survive the rebuilds
    assert cal.count(D(2025, 11, 1), D(2026, 4, 11), WINTER) == 17
    assert cal.count(D(2025, 12, 1), D(2026, 3, 2)) == official(D(2025, 12, 1), D(2026, 3, 1))
    assert cal.count(D(2024, 12, 2), D(2025, 1, 6)) == official(D(2024, 12, 2), D(2025, 1, 5))
    assert cal.count(D(2024, 11, 1), D(2025, 4, 1), WINTER) == official(
        D(2024, 11, 1), D(2024, 11, 14))
    assert cal.is_working_day(D(2024, 2, 4))  # a make-up Sunday in 2024
    assert cal.count(D(2025, 11, 1), D(2026, 4, 11), WINTER) == 17
    assert cal.estimated_years == set()


def test_cover_ignores_nothing_and_none():
    cal = WorkCalendar("china")
    cal.cover([])
    cal.cover([None])  # type: ignore[list-item]
    assert cal.count(D(2026, 6, 1), D(2026, 6, 8)) == 5


def test_first_of_january_after_the_table(cal):
    cal.cover([D(2026, 5, 1)])
    assert cal.count(D(2026, 12, 28), D(2027, 1, 1)) == 4  # end exclusive: no 2027 needed
    assert cal.estimated_years == set()
    assert cal.is_working_day(D(2027, 1, 1)) is False  # New Year, guessed
    assert cal.estimated_years == {2027}


# -- years the official schedule does not cover -------------------------------------------
def test_official_years_are_not_estimated_nor_warned():
    cal = WorkCalendar("china")
    cal.cover([D(2025, 1, 1), D(2026, 12, 31)])
    assert cal.count(D(2025, 1, 1), D(2027, 1, 1)) == official(D(2025, 1, 1),
                                                               D(2026, 12, 31))
    assert cal.estimated_years == set()


def test_estimated_year_is_recorded_once():
    cal = WorkCalendar("china")
    cal.cover([D(2027, 3, 1)])
    assert cal.estimated_years == {2027}
    cal.cover([D(2026, 3, 1)])  # rebuilding 2026..2027 does not warn again for 2027
    assert cal.count(D(2027, 1, 4), D(2027, 1, 11)) == 5
    assert cal.estimated_years == {2027}


@pytest.mark.parametrize(
    ("fallback", "new_year_works", "how"),
    [
        pytest.param("guess", False, "guessed statutory holidays", id="guess"),
        pytest.param("weekdays", True, "Monday–Friday", id="weekdays"),
    ],
)
def test_fallback_for_2027(fallback, new_year_works, how):
    cal = WorkCalendar("china", fallback=fallback)
    assert cal.is_working_day(D(2027, 1, 1)) is new_year_works  # a Friday
    assert cal.count(D(2027, 1, 1), D(2027, 1, 8)) == (5 if new_year_works else 4)
    assert cal.estimated_years == {2027}
    assert re.search(f"2027.*{how}", calendar_warning(sorted(cal.estimated_years), fallback, "en"))


def test_weekdays_calendar_never_estimates():
    cal = WorkCalendar("weekdays")
    assert cal.count(D(2027, 1, 1), D(2028, 1, 1)) == 261
    assert cal.estimated_years == set()
