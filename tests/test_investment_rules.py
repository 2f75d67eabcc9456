"""Investment lights: money against 序时进度 and the start of works, at their edges.

Shares of the year are counted by hand (2026 has 365 days; 14 March is day 73, so
序时进度 is exactly 20%; 26 May is day 146, 40%) or with chinese_calendar directly,
never with the code under test.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import chinese_calendar
import pytest

from engine.config import ConfigError, load_config
from rules.calendar import PauseWindow, WorkCalendar
from rules.investment import (
    PRESETS,
    InvestmentFacts,
    InvestmentParams,
    describe_investment,
    evaluate_investment,
    money_light,
    months_late,
    resolve,
    start_light,
    year_share,
)
from rules.lights import Light

MAR14 = date(2026, 3, 14)  # day 73 of 365: 20%
MAY26 = date(2026, 5, 26)  # day 146 of 365: 40%
WINTER = (PauseWindow.parse("11-15..03-31"),)


def facts(plan: str, done: str, **kw) -> InvestmentFacts:
    return InvestmentFacts(annual_plan=Decimal(plan), completed=Decimal(done), **kw)


def light(f: InvestmentFacts, day: date, preset: str = "points") -> Light | None:
    found = money_light(f, day, PRESETS[preset].params, WorkCalendar())
    return found.light if found else None


def test_share_of_the_year_in_calendar_days():
    assert year_share(date(2026, 1, 1), "calendar_days", None) == 1 / 365
    assert year_share(MAR14, "calendar_days", None) == pytest.approx(0.2)
    assert year_share(date(2026, 10, 31), "calendar_days", None) == pytest.approx(304 / 365)
    assert year_share(date(2026, 12, 31), "calendar_days", None) == 1.0
    assert year_share(date(2028, 12, 31), "calendar_days", None) == 1.0  # leap year: 366


def test_share_of_the_year_in_working_days_skips_the_winter_pause():
    def outdoor_workdays(first: date, last: date) -> int:
        return sum(not ((d.month, d.day) >= (11, 15) or (d.month, d.day) <= (3, 31))
                   for d in chinese_calendar.get_workdays(first, last))

    year = outdoor_workdays(date(2026, 1, 1), date(2026, 12, 31))
    calendar = WorkCalendar()
    # Nothing is expected before the works resume in April, and all of it by mid-November.
    assert year_share(date(2026, 3, 31), "working_days", calendar, WINTER) == 0.0
    assert year_share(date(2026, 11, 20), "working_days", calendar, WINTER) == 1.0
    assert year_share(date(2026, 6, 30), "working_days", calendar, WINTER) == pytest.approx(
        outdoor_workdays(date(2026, 4, 1), date(2026, 6, 30)) / year)
    # Indoor works follow the plain working-day calendar.
    indoor = len(chinese_calendar.get_workdays(date(2026, 1, 1), date(2026, 12, 31)))
    assert year_share(date(2026, 6, 30), "working_days", calendar) == pytest.approx(
        len(chinese_calendar.get_workdays(date(2026, 1, 1), date(2026, 6, 30))) / indoor)


@pytest.mark.parametrize(("done", "expected"), [
    ("100", Light.YELLOW),   # 20 expected, 10 done: exactly 10 points behind
    ("101", None),           # 9.9 behind
    ("0", Light.YELLOW),     # 20 behind: inside 10–30
])
def test_points_yellow_band_starts_at_ten_points(done, expected):
    assert light(facts("1000", done), MAR14) == expected


@pytest.mark.parametrize(("done", "expected"), [
    ("100", Light.YELLOW),   # 40 expected, 10 done: exactly 30 behind is still yellow
    ("99", Light.RED),       # 30.1 behind: more than 30
    ("300", Light.YELLOW),   # 10 behind
    ("301", None),
    ("500", None),           # ahead
])
def test_points_red_is_more_than_thirty_points(done, expected):
    assert light(facts("1000", done), MAY26) == expected


@pytest.mark.parametrize(("done", "expected"), [
    ("320", None),           # 32% done of 40% expected: 80% of 序时进度 is not below 80
    ("319", Light.YELLOW),   # 79.75%
    ("240", Light.YELLOW),   # 60%
    ("239", Light.RED),      # 59.75%
])
def test_relative_bands(done, expected):
    assert light(facts("1000", done), MAY26, "relative") == expected


def test_relative_waits_until_some_progress_is_expected():
    # 10 January: 2.7% expected; nothing done is not yet judged (5% floor).
    assert light(facts("1000", "0"), date(2026, 1, 10), "relative") is None
    assert light(facts("1000", "0"), date(2026, 1, 20), "relative") == Light.RED  # 5.5%


@pytest.mark.parametrize(("done", "expected"), [
    ("116", Light.YELLOW),   # plan 365: 146 days elapsed, 116 days' worth done: 30 behind
    ("117", None),           # 29 days
    ("86", Light.YELLOW),    # 60 days: not more than 60
    ("85", Light.RED),       # 61 days
])
def test_schedule_variance_in_days(done, expected):
    assert light(facts("365", done), MAY26, "schedule_variance") == expected


def test_working_days_preset_waits_for_spring():
    # 2026-03-31: 序时进度 is still 0 for outdoor works, so nothing done is not behind.
    f = facts("1000", "0", pause=WINTER)
    assert light(f, date(2026, 3, 31), "points_working_days") is None
    assert light(f, date(2026, 3, 31), "points") == Light.YELLOW  # 24.7% by the calendar


def test_no_annual_plan_no_money_light():
    assert light(facts("0", "0"), MAY26) is None
    assert evaluate_investment(facts("0", "0"), MAY26, PRESETS["points"].params) == (None, ())


@pytest.mark.parametrize(("as_of", "expected", "late"), [
    (date(2026, 6, 30), None, 0),            # still the planned month
    (date(2026, 7, 1), Light.YELLOW, 1),     # the month has passed
    (date(2026, 8, 31), Light.YELLOW, 2),
    (date(2026, 9, 1), Light.RED, 3),        # three months
    (date(2027, 1, 15), Light.RED, 7),
])
def test_start_of_works_light(as_of, expected, late):
    f = facts("0", "0", planned_start=date(2026, 6, 15))
    found = start_light(f, as_of, InvestmentParams())
    assert (found.light if found else None) == expected
    assert months_late(date(2026, 6, 15), as_of) == late


def test_a_start_on_or_before_the_date_clears_the_start_light():
    params = InvestmentParams()
    started = facts("0", "0", planned_start=date(2026, 6, 15), started_on=date(2026, 8, 20))
    assert start_light(started, date(2026, 9, 1), params) is None
    # A start reported for a later day does not count yet.
    assert start_light(started, date(2026, 8, 19), params).light == Light.YELLOW


def test_the_worst_finding_wins_and_a_judged_project_is_green():
    params = PRESETS["points"].params
    both = facts("1000", "0", planned_start=date(2026, 4, 10))
    lit, findings = evaluate_investment(both, MAY26, params)
    assert lit == Light.RED and [f.rule for f in findings] == ["investment_points",
                                                               "start_late"]
    assert evaluate_investment(facts("1000", "400"), MAY26, params) == (Light.GREEN, ())


def test_every_preset_has_a_one_line_description_in_both_languages():
    assert set(PRESETS) == {"points", "points_working_days", "relative", "schedule_variance"}
    for preset in PRESETS.values():
        for lang in ("zh", "en"):
            text = preset.description(lang)
            assert text and "\n" not in text


def test_the_preset_is_picked_in_config_and_can_be_adjusted(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert load_config(env={}).bulletins.params == PRESETS["points"].params
    (tmp_path / "config.yaml").write_text(
        "bulletins:\n  preset: relative\n  overrides: {yellow: 90}\n", encoding="utf-8")
    params = load_config(env={}).bulletins.params
    assert (params.mode, params.yellow, params.red) == ("relative", 90, 60)


@pytest.mark.parametrize(("text", "message"), [
    ("bulletins:\n  preset: strict\n",
     "config.yaml: bulletins.preset: unknown preset 'strict' (known: points, "
     "points_working_days, relative, schedule_variance) (got 'strict')"),
    ("bulletins:\n  overrides: {red: 5}\n",
     "config.yaml: bulletins.overrides: red must not be below yellow (got {'red': 5})"),
    ("bulletins:\n  overrides: {yelow: 5}\n",
     "config.yaml: bulletins.overrides: yelow: unknown key (got {'yelow': 5})"),
])
def test_a_bad_preset_is_one_sentence_naming_the_key(tmp_path, monkeypatch, text, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "config.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(env={})
    assert str(err.value) == message


def test_resolve_applies_overrides_to_the_preset():
    assert resolve("points", {"basis": "working_days"}).basis == "working_days"
    assert resolve("points").basis == "calendar_days"


def test_reasons_in_both_languages():
    f = money_light(facts("1000", "700"), date(2026, 10, 31), PRESETS["points"].params)
    assert describe_investment(f.rule, f.numbers, "zh") == (
        "序时进度83.3%，累计完成700万元（70.0%），落后13.3个百分点")
    assert describe_investment(f.rule, f.numbers, "en") == (
        "70.0% of the annual plan completed (700 10k yuan) against 83.3% expected, "
        "13.3 points behind")
    s = start_light(facts("0", "0", planned_start=date(2026, 4, 30)), date(2026, 10, 31),
                    InvestmentParams())
    assert describe_investment(s.rule, s.numbers, "zh") == (
        "计划2026年4月开工（复工），已过6个月仍未开工")
    assert describe_investment(s.rule, s.numbers, "en") == (
        "planned to start in Apr 2026, not started 6 month(s) later")


def test_days_are_whole_days_of_the_basis():
    f = money_light(facts("365", "85"), MAY26, PRESETS["schedule_variance"].params)
    assert f.numbers["days_behind"] == 61
    assert MAY26 - timedelta(days=61) == date(2026, 3, 26)
