"""Bulletin periods from the command line's words, with their neighbours."""

from __future__ import annotations

from datetime import date

import pytest

from engine.bulletins.periods import BadPeriod, containing, parse

D = date


@pytest.mark.parametrize(("kind", "text", "start", "end", "key"), [
    ("week", "2026-W47", D(2026, 11, 16), D(2026, 11, 22), "2026-W47"),
    ("week", "2026-W44", D(2026, 10, 26), D(2026, 11, 1), "2026-W44"),  # spans two months
    ("week", "2026-W01", D(2025, 12, 29), D(2026, 1, 4), "2026-W01"),   # and two years
    ("week", "2026-W53", D(2026, 12, 28), D(2027, 1, 3), "2026-W53"),   # 2026 has 53
    ("half", "2026-11-1", D(2026, 11, 1), D(2026, 11, 15), "2026-11-1"),
    ("half", "2026-11-2", D(2026, 11, 16), D(2026, 11, 30), "2026-11-2"),
    ("half", "2028-2-2", D(2028, 2, 16), D(2028, 2, 29), "2028-02-2"),   # leap February
    ("month", "2026-10", D(2026, 10, 1), D(2026, 10, 31), "2026-10"),
    ("month", "2026-2", D(2026, 2, 1), D(2026, 2, 28), "2026-02"),
    ("quarter", "2026Q3", D(2026, 7, 1), D(2026, 9, 30), "2026Q3"),
    ("quarter", "2026-q4", D(2026, 10, 1), D(2026, 12, 31), "2026Q4"),
    ("year", "2026", D(2026, 1, 1), D(2026, 12, 31), "2026"),
])
def test_parse(kind, text, start, end, key):
    period = parse(kind, text)
    assert (period.start, period.end, period.key) == (start, end, key)


@pytest.mark.parametrize(("kind", "text", "example"), [
    ("week", "2025-W53", "2026-W47"),   # 2025 has 52 weeks
    ("week", "2026-47", "2026-W47"),
    ("half", "2026-11-3", "2026-11-1"),
    ("month", "2026-13", "2026-10"),
    ("month", "十月", "2026-10"),
    ("quarter", "2026Q5", "2026Q3"),
    ("year", "26", "2026"),
])
def test_bad_periods_say_what_is_expected(kind, text, example):
    with pytest.raises(BadPeriod) as err:
        parse(kind, text)
    assert str(err.value) == f"{text!r} is not a {kind} like {example}"


def test_previous_and_next_cross_month_and_year_ends():
    assert parse("week", "2026-W01").previous().key == "2025-W52"
    assert parse("week", "2026-W53").next().key == "2027-W01"
    assert parse("half", "2026-11-1").previous().key == "2026-10-2"
    assert parse("half", "2026-12-2").next().key == "2027-01-1"
    assert parse("month", "2026-01").previous().key == "2025-12"
    assert parse("quarter", "2026Q1").previous().key == "2025Q4"
    assert parse("year", "2026").next().key == "2027"


def test_containing_a_day():
    assert containing("week", D(2026, 11, 1)).key == "2026-W44"  # a Sunday
    assert containing("half", D(2026, 11, 15)).key == "2026-11-1"
    assert containing("half", D(2026, 11, 16)).key == "2026-11-2"


def test_labels_in_both_languages():
    assert parse("week", "2026-W47").label("zh") == "2026年第47周"
    assert parse("half", "2026-11-2").label("zh") == "2026年11月下半月"
    assert parse("month", "2026-10").label("zh") == "2026年10月"
    assert parse("quarter", "2026Q3").label("zh") == "2026年第三季度"
    assert parse("month", "2026-10").label("en") == "October 2026"
    assert parse("half", "2026-11-1").label("en") == "first half of November 2026"
    assert parse("quarter", "2026Q3").label("en") == "Q3 2026"
