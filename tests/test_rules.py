"""The colour rules at their edges, on the real Chinese working-day calendar.

Expected numbers are written out by hand or counted with ``chinese_calendar`` directly,
never with the calendar code under test.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import chinese_calendar
import pytest

from engine.config import load_config
from rules.calendar import PauseWindow, WorkCalendar
from rules.lights import Finding, Light, Verdict
from rules.milestone import (
    Context,
    DueSoonParams,
    FinishedParams,
    MilestoneFacts,
    OverdueParams,
    ScheduleLagParams,
    StaleReportParams,
    evaluate,
    expected_percent,
)
from rules.reasons import describe_all
from rules.registry import REGISTRY

D = date
WINTER = (PauseWindow.parse("11-15..03-31"),)

DEFAULT_CHAIN = [
    ("finished", FinishedParams()),
    ("overdue", OverdueParams()),
    ("schedule_lag", ScheduleLagParams()),
    ("due_soon", DueSoonParams()),
    ("stale_report", StaleReportParams()),
]


# -- independent working-day counts ---------------------------------------------------
def workdays(first: date, last: date) -> int:
    """Official working days in [first, last], both included (chinese_calendar itself)."""
    if last < first:
        return 0
    return len(chinese_calendar.get_workdays(first, last))


def in_winter(day: date) -> bool:
    return (day.month, day.day) >= (11, 15) or (day.month, day.day) <= (3, 31)


def outdoor_workdays(first: date, last: date) -> int:
    if last < first:
        return 0
    return sum(not in_winter(d) for d in chinese_calendar.get_workdays(first, last))


def mon_fri(first: date, last: date) -> int:
    return sum((first + timedelta(i)).weekday() < 5 for i in range((last - first).days + 1))


# -- helpers -------------------------------------------------------------------------
@pytest.fixture
def cal() -> WorkCalendar:
    return WorkCalendar("china")


def ctx(as_of: date, calendar: WorkCalendar, chain: list[Any] | None = None) -> Context:
    return Context(as_of, calendar, DEFAULT_CHAIN if chain is None else chain)


def apply(name: str, facts: MilestoneFacts, as_of: date, calendar: WorkCalendar,
          **params: Any) -> Finding | None:
    """One rule alone, with its parameters as a city would write them in config.yaml."""
    spec = REGISTRY[name]
    p = spec.params(**params)
    return spec.func(facts, Context(as_of, calendar, [(name, p)]), p)


def test_default_chain_is_what_load_config_gives(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no ./config.yaml: the built-in defaults
    assert load_config(path=None, env={}).rule_chain == DEFAULT_CHAIN


def test_the_spans_the_tables_rely_on():
    """The hand-written numbers below, checked against the official schedule."""
    assert workdays(D(2026, 6, 1), D(2026, 6, 12)) == 10  # two plain weeks in June
    assert workdays(D(2026, 6, 1), D(2026, 6, 7)) == 5
    assert workdays(D(2026, 6, 8), D(2026, 6, 12)) == 5
    assert chinese_calendar.is_workday(D(2026, 2, 14))  # Saturday, make-up workday
    assert chinese_calendar.is_workday(D(2026, 2, 28))  # Saturday, make-up workday
    assert not any(chinese_calendar.is_workday(D(2026, 10, d)) for d in range(1, 8))


# -- finished ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("actual", "as_of", "light", "days_late"),
    [
        pytest.param(D(2026, 6, 30), D(2026, 7, 15), Light.DONE, 0, id="on-the-planned-date"),
        pytest.param(D(2026, 6, 20), D(2026, 7, 15), Light.DONE, 0, id="early"),
        pytest.param(D(2026, 7, 1), D(2026, 7, 15), Light.DONE_LATE, 1, id="one-day-late"),
        pytest.param(D(2026, 10, 8), D(2026, 10, 8), Light.DONE_LATE, 100,
                     id="late-counted-in-calendar-days"),
        pytest.param(D(2026, 7, 20), D(2026, 7, 15), None, None,
                     id="finish-after-the-as-of-date-is-not-seen"),
    ],
)
def test_finished(cal, actual, as_of, light, days_late):
    facts = MilestoneFacts(planned_date=D(2026, 6, 30), actual_date=actual, percent=100)
    found = apply("finished", facts, as_of, cal)
    if light is None:
        assert found is None
        return
    assert found == Finding("finished", light, {
        "planned_date": D(2026, 6, 30), "actual_date": actual, "days_late": days_late})


# -- overdue -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("as_of", "grace", "days_late"),
    [
        pytest.param(D(2026, 6, 29), 0, None, id="due-tomorrow"),
        pytest.param(D(2026, 6, 30), 0, None, id="due-today-not-red"),
        pytest.param(D(2026, 7, 1), 0, 1, id="one-day-overdue"),
        pytest.param(D(2026, 7, 2), 2, None, id="grace-2-exactly-on-threshold"),
        pytest.param(D(2026, 7, 3), 2, 3, id="grace-2-one-day-past"),
        pytest.param(D(2026, 7, 5), 0, 5, id="weekend-days-count"),
    ],
)
def test_overdue(cal, as_of, grace, days_late):
    facts = MilestoneFacts(planned_date=D(2026, 6, 30), planned_start=D(2026, 6, 1),
                           percent=60.0)
    found = apply("overdue", facts, as_of, cal, grace_days=grace)
    if days_late is None:
        assert found is None
    else:
        assert found == Finding("overdue", Light.RED, {
            "planned_date": D(2026, 6, 30), "days_late": days_late, "percent": 60.0})


def test_overdue_across_national_day_counts_calendar_days(cal):
    facts = MilestoneFacts(planned_date=D(2026, 9, 30), percent=80.0)
    found = apply("overdue", facts, D(2026, 10, 8), cal)
    assert found is not None and found.numbers["days_late"] == 8


# -- schedule_lag (序时进度) ------------------------------------------------------------
# Planned 2026-06-01 (Mon) .. 2026-06-12 (Fri): 10 working days. On Monday 06-08, five
# of them are past (the as-of day itself does not count): expected 50%.
LAG_FACTS = {"planned_start": D(2026, 6, 1), "planned_date": D(2026, 6, 12)}


@pytest.mark.parametrize(
    ("percent", "params", "light", "lag"),
    [
        pytest.param(40.0, {}, Light.YELLOW, 10.0, id="lag-exactly-yellow_points"),
        pytest.param(40.1, {}, None, None, id="lag-just-below-yellow_points"),
        pytest.param(20.0, {}, Light.RED, 30.0, id="lag-exactly-red_points"),
        pytest.param(20.1, {}, Light.YELLOW, 29.9, id="lag-just-below-red_points"),
        pytest.param(0.0, {}, Light.RED, 50.0, id="nothing-done"),
        pytest.param(60.0, {}, None, None, id="ahead-of-schedule"),
        pytest.param(40.0, {"yellow_points": None}, None, None, id="yellow-band-off"),
        pytest.param(20.0, {"yellow_points": None}, Light.RED, 30.0, id="yellow-off-red-on"),
        pytest.param(0.0, {"red_points": None}, Light.YELLOW, 50.0, id="red-band-off"),
        pytest.param(0.0, {"yellow_points": None, "red_points": None}, None, None,
                     id="both-bands-off"),
        pytest.param(44.0, {"yellow_points": 5, "red_points": 5}, Light.RED, 6.0,
                     id="equal-bands-red-wins"),
    ],
)
def test_schedule_lag_bands(cal, percent, params, light, lag):
    facts = MilestoneFacts(**LAG_FACTS, percent=percent)
    found = apply("schedule_lag", facts, D(2026, 6, 8), cal, **params)
    if light is None:
        assert found is None
    else:
        assert found == Finding("schedule_lag", light,
                                {"expected": 50.0, "percent": percent, "lag": lag})


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        pytest.param(D(2026, 5, 29), 0.0, id="before-start"),
        pytest.param(D(2026, 6, 1), 0.0, id="start-day"),
        pytest.param(D(2026, 6, 2), 10.0, id="second-day"),
        pytest.param(D(2026, 6, 6), 50.0, id="saturday"),
        pytest.param(D(2026, 6, 8), 50.0, id="monday-weekend-added-nothing"),
        pytest.param(D(2026, 6, 12), 90.0, id="due-day-itself-not-counted"),
        pytest.param(D(2026, 6, 13), 100.0, id="day-after-due"),
        pytest.param(D(2026, 9, 1), 100.0, id="long-after"),
    ],
)
def test_expected_percent_plain_weeks(cal, as_of, expected):
    facts = MilestoneFacts(**LAG_FACTS)
    assert expected_percent(facts, Context(as_of, cal)) == pytest.approx(expected)


def test_schedule_lag_silent_on_the_start_day(cal):
    facts = MilestoneFacts(**LAG_FACTS, percent=0.0)
    assert apply("schedule_lag", facts, D(2026, 6, 1), cal) is None


def test_schedule_lag_without_start_never_fires(cal):
    """No planned start: the whole span is the due day, and after it overdue speaks."""
    facts = MilestoneFacts(planned_date=D(2026, 6, 12), percent=50.0)
    assert apply("schedule_lag", facts, D(2026, 6, 12), cal) is None
    assert apply("schedule_lag", facts, D(2026, 6, 13), cal) is None


def test_schedule_lag_stops_at_the_planned_date_so_grace_days_hold(cal):
    """Past the planned date only `overdue` lights red, and its grace days are honoured."""
    facts = MilestoneFacts(planned_date=D(2026, 6, 12), planned_start=D(2026, 6, 1),
                           percent=50.0, last_report=D(2026, 6, 12))
    on_due = apply("schedule_lag", facts, D(2026, 6, 12), cal)
    assert on_due is not None and on_due.light == Light.RED  # 9 of 10 days gone at 50%
    assert apply("schedule_lag", facts, D(2026, 6, 13), cal) is None
    chain = [("overdue", OverdueParams(grace_days=3)), ("schedule_lag", ScheduleLagParams())]
    within_grace = evaluate(facts, ctx(D(2026, 6, 15), cal, chain))
    assert within_grace.light == Light.GREEN
    assert evaluate(facts, ctx(D(2026, 6, 16), cal, chain)).light == Light.RED


@pytest.mark.parametrize(
    ("percent", "light"),
    [
        pytest.param(22.8, Light.YELLOW, id="lag-10-despite-float-noise"),
        pytest.param(2.8, Light.RED, id="lag-30-despite-float-noise"),
        pytest.param(22.9, None, id="lag-9.9"),
    ],
)
def test_schedule_lag_band_edge_is_not_lost_to_float_noise(cal, percent, light):
    """A 125-working-day node with 41 days past expects 32.8%: lag 10 is yellow.

    (32.8 - 22.8 is 9.999999999999996 in floating point.)
    """
    days = chinese_calendar.get_workdays(D(2026, 3, 2), D(2026, 12, 31))
    start, planned, as_of = days[0], days[124], days[41]
    assert workdays(start, planned) == 125 and workdays(start, as_of - timedelta(1)) == 41
    found = apply("schedule_lag", MilestoneFacts(planned, start, percent), as_of, cal)
    assert (found.light if found else None) == light
    if found:
        assert found.numbers["expected"] == 32.8


def test_expected_percent_across_spring_festival_and_make_up_days(cal):
    """2026-02-02 .. 2026-03-13 spans the Spring Festival holiday and two make-up Saturdays."""
    start, planned = D(2026, 2, 2), D(2026, 3, 13)
    total = workdays(start, planned)
    for as_of in (D(2026, 2, 14), D(2026, 2, 15), D(2026, 2, 20), D(2026, 2, 24),
                  D(2026, 3, 1), D(2026, 3, 2)):
        elapsed = workdays(start, as_of - timedelta(1))
        got = expected_percent(MilestoneFacts(planned, start), Context(as_of, cal))
        assert got == pytest.approx(100 * elapsed / total), as_of
    # by hand: the make-up Saturday 02-14 counts, the holiday week after it does not
    feb14 = expected_percent(MilestoneFacts(planned, start), Context(D(2026, 2, 14), cal))
    feb15 = expected_percent(MilestoneFacts(planned, start), Context(D(2026, 2, 15), cal))
    feb24 = expected_percent(MilestoneFacts(planned, start), Context(D(2026, 2, 24), cal))
    assert feb14 < feb15 == feb24


# -- due_soon ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("as_of", "percent", "params", "left"),
    [
        pytest.param(D(2026, 6, 5), 50.0, {}, 5, id="exactly-5-working-days-left"),
        pytest.param(D(2026, 6, 4), 50.0, {}, None, id="6-working-days-left"),
        pytest.param(D(2026, 6, 6), 50.0, {}, 5, id="saturday-still-5-left"),
        pytest.param(D(2026, 6, 5), 90.0, {}, None, id="percent-exactly-min_percent"),
        pytest.param(D(2026, 6, 5), 89.9, {}, 5, id="percent-just-below-min_percent"),
        pytest.param(D(2026, 6, 12), 50.0, {}, 0, id="due-today"),
        pytest.param(D(2026, 6, 13), 50.0, {}, None, id="past-due-is-overdue-business"),
        pytest.param(D(2026, 6, 4), 50.0, {"working_days": 6}, 6, id="window-6"),
        pytest.param(D(2026, 6, 11), 50.0, {"working_days": 0}, None, id="window-0-day-before"),
        pytest.param(D(2026, 6, 12), 50.0, {"working_days": 0}, 0, id="window-0-due-day"),
        pytest.param(D(2026, 6, 5), 95.0, {"min_percent": 100}, 5, id="min-percent-100"),
    ],
)
def test_due_soon(cal, as_of, percent, params, left):
    facts = MilestoneFacts(planned_date=D(2026, 6, 12), planned_start=D(2026, 6, 1),
                           percent=percent)
    found = apply("due_soon", facts, as_of, cal, **params)
    if left is None:
        assert found is None
    else:
        assert found == Finding("due_soon", Light.YELLOW, {
            "planned_date": D(2026, 6, 12), "working_days_left": left, "percent": percent,
            "min_percent": params.get("min_percent", 90)})


@pytest.mark.parametrize(
    ("planned", "as_of", "china_left", "weekday_left"),
    [
        # Mon-Fri 02-09..13 plus the make-up Saturday 02-14
        pytest.param(D(2026, 2, 14), D(2026, 2, 6), 6, 5, id="make-up-saturday-02-14"),
        # 02-24..27, the make-up Saturday 02-28, and 03-02
        pytest.param(D(2026, 3, 2), D(2026, 2, 23), 6, 5, id="make-up-saturday-02-28"),
        # 10-01..07 is the National Day holiday: only 10-08 and 10-09 remain
        pytest.param(D(2026, 10, 9), D(2026, 9, 30), 2, 7, id="national-day-holiday"),
    ],
)
def test_due_soon_counts_official_working_days(planned, as_of, china_left, weekday_left):
    assert workdays(as_of + timedelta(1), planned) == china_left
    assert mon_fri(as_of + timedelta(1), planned) == weekday_left
    facts = MilestoneFacts(planned_date=planned, percent=10.0)
    for kind, left in (("china", china_left), ("weekdays", weekday_left)):
        found = apply("due_soon", facts, as_of, WorkCalendar(kind))
        if left <= 5:
            assert found is not None and found.numbers["working_days_left"] == left, kind
        else:
            assert found is None, kind


# -- stale_report --------------------------------------------------------------------
@pytest.mark.parametrize(
    ("start", "report", "as_of", "quiet"),
    [
        pytest.param(D(2026, 4, 1), D(2026, 5, 1), D(2026, 5, 31), None, id="exactly-30-days"),
        pytest.param(D(2026, 4, 1), D(2026, 5, 1), D(2026, 6, 1), 31, id="31-days"),
        pytest.param(D(2026, 5, 1), None, D(2026, 5, 31), None,
                     id="never-reported-30-days-after-start"),
        pytest.param(D(2026, 5, 1), None, D(2026, 6, 1), 31,
                     id="never-reported-counted-from-start"),
        pytest.param(D(2026, 7, 1), None, D(2026, 6, 15), None, id="not-started-yet"),
        pytest.param(D(2026, 7, 1), D(2026, 1, 5), D(2026, 6, 15), None,
                     id="not-started-old-report"),
        pytest.param(None, None, D(2026, 6, 15), None, id="no-start-no-report"),
        pytest.param(None, D(2026, 5, 1), D(2026, 6, 1), 31, id="no-start-old-report"),
        # silence before the planned start does not count against the node
        pytest.param(D(2026, 5, 1), D(2026, 3, 1), D(2026, 5, 2), None,
                     id="report-before-start-first-day"),
        pytest.param(D(2026, 5, 1), D(2026, 3, 1), D(2026, 5, 31), None,
                     id="report-before-start-30-days-in"),
        pytest.param(D(2026, 5, 1), D(2026, 3, 1), D(2026, 6, 1), 92,
                     id="report-before-start-31-days-in"),
    ],
)
def test_stale_report(cal, start, report, as_of, quiet):
    facts = MilestoneFacts(planned_date=D(2026, 12, 31), planned_start=start,
                           last_report=report, percent=20.0)
    found = apply("stale_report", facts, as_of, cal, days=30)
    if quiet is None:
        assert found is None
    else:
        assert found == Finding("stale_report", Light.YELLOW,
                                {"last_report": report, "days_quiet": quiet, "limit": 30})


def test_stale_report_limit_is_configurable(cal):
    facts = MilestoneFacts(planned_date=D(2026, 12, 31), planned_start=D(2026, 4, 1),
                           last_report=D(2026, 6, 1), percent=20.0)
    assert apply("stale_report", facts, D(2026, 6, 8), cal, days=7) is None
    assert apply("stale_report", facts, D(2026, 6, 9), cal, days=7) is not None


# -- evaluate: the whole default chain -------------------------------------------------
def _case(as_of: date, light: Light, rules: str, numbers: dict[str, Any] | None = None,
          **facts: Any) -> tuple[MilestoneFacts, date, Light, str, dict[str, Any]]:
    base: dict[str, Any] = {"planned_start": D(2026, 6, 1), "planned_date": D(2026, 6, 12),
                            "last_report": D(2026, 6, 1)}
    return MilestoneFacts(**{**base, **facts}), as_of, light, rules, numbers or {}


EVALUATE_CASES = [
    pytest.param(*_case(D(2026, 6, 3), Light.GREEN, "on_track",
                        {"planned_date": D(2026, 6, 12), "expected": 20.0, "percent": 25.0},
                        percent=25.0), id="green-carries-on_track-numbers"),
    pytest.param(*_case(D(2026, 6, 12), Light.YELLOW, "due_soon",
                        {"working_days_left": 0}, percent=85.0),
                 id="due-today-yellow-not-red"),
    pytest.param(*_case(D(2026, 6, 12), Light.GREEN, "on_track", percent=95.0),
                 id="due-today-nearly-done-green"),
    pytest.param(*_case(D(2026, 6, 11), Light.GREEN, "on_track", percent=92.0),
                 id="due-tomorrow-green"),
    pytest.param(*_case(D(2026, 6, 13), Light.RED, "overdue",
                        {"days_late": 1, "percent": 95.0}, percent=95.0),
                 id="one-day-overdue-red"),
    # Past its date the lag is not repeated: overdue says it (100% expected).
    pytest.param(*_case(D(2026, 6, 13), Light.RED, "overdue",
                        {"days_late": 1, "percent": 60.0}, percent=60.0),
                 id="overdue-and-far-behind"),
    pytest.param(*_case(D(2026, 7, 20), Light.RED, "overdue,stale_report",
                        {"days_late": 38}, percent=95.0),
                 id="overdue-red-plus-stale-yellow"),
    pytest.param(*_case(D(2026, 6, 10), Light.RED, "schedule_lag,due_soon,stale_report",
                        {"percent": 10.0}, percent=10.0, planned_start=D(2026, 4, 1),
                        last_report=D(2026, 4, 1)), id="three-findings"),
    pytest.param(*_case(D(2026, 6, 8), Light.YELLOW, "schedule_lag,due_soon",
                        {"lag": 10.0}, percent=40.0), id="two-yellows"),
    pytest.param(*_case(D(2026, 6, 8), Light.RED, "schedule_lag,due_soon",
                        {"lag": 50.0}, percent=0.0), id="red-lag-beats-yellow-due-soon"),
    pytest.param(*_case(D(2026, 7, 20), Light.DONE, "finished", {"days_late": 0},
                        percent=100.0, actual_date=D(2026, 6, 12)),
                 id="finished-on-planned-date-done"),
    pytest.param(*_case(D(2026, 7, 20), Light.DONE_LATE, "finished", {"days_late": 1},
                        percent=100.0, actual_date=D(2026, 6, 13)),
                 id="finished-one-day-late"),
    pytest.param(*_case(D(2026, 7, 20), Light.DONE_LATE, "finished", {"days_late": 18},
                        percent=30.0, actual_date=D(2026, 6, 30), last_report=None),
                 id="finishing-wins-over-red-and-stale"),
    pytest.param(*_case(D(2026, 5, 20), Light.PLANNED, "not_started",
                        {"planned_start": D(2026, 6, 1), "planned_date": D(2026, 6, 12)},
                        last_report=None), id="start-in-future-planned"),
    pytest.param(*_case(D(2026, 6, 1), Light.GREEN, "on_track", {"expected": 0.0},
                        last_report=None), id="start-day-green"),
]


@pytest.mark.parametrize(("facts", "as_of", "light", "rules", "numbers"), EVALUATE_CASES)
def test_evaluate(cal, facts, as_of, light, rules, numbers):
    verdict = evaluate(facts, ctx(as_of, cal))
    assert verdict.light == light
    assert verdict.rule_ids == rules
    assert all(f.light.severity <= light.severity for f in verdict.findings)
    first = verdict.findings[0].numbers
    assert {k: first[k] for k in numbers} == numbers


def test_worst_light_wins_whatever_the_rule_order(cal):
    facts = MilestoneFacts(planned_date=D(2026, 6, 12), planned_start=D(2026, 6, 1),
                           last_report=D(2026, 6, 1), percent=95.0)
    reordered = [DEFAULT_CHAIN[i] for i in (4, 3, 2, 1, 0)]
    verdict = evaluate(facts, ctx(D(2026, 7, 20), cal, reordered))
    assert verdict.light == Light.RED
    # The findings are listed worst first, whatever the configured order.
    assert verdict.rule_ids == "overdue,stale_report"


def test_finish_wins_even_when_checked_last(cal):
    facts = MilestoneFacts(planned_date=D(2026, 6, 12), planned_start=D(2026, 6, 1),
                           percent=40.0, actual_date=D(2026, 7, 1))
    reordered = [DEFAULT_CHAIN[i] for i in (1, 2, 3, 4, 0)]
    verdict = evaluate(facts, ctx(D(2026, 7, 20), cal, reordered))
    assert verdict == Verdict(Light.DONE_LATE, (Finding("finished", Light.DONE_LATE, {
        "planned_date": D(2026, 6, 12), "actual_date": D(2026, 7, 1), "days_late": 19}),))


def test_only_the_configured_rules_run(cal):
    """A city that switched overdue off: a late node with good progress stays green."""
    facts = MilestoneFacts(planned_date=D(2026, 6, 12), planned_start=D(2026, 6, 1),
                           last_report=D(2026, 6, 10), percent=95.0)
    chain = [c for c in DEFAULT_CHAIN if c[0] != "overdue"]
    assert evaluate(facts, ctx(D(2026, 6, 15), cal, chain)).light == Light.GREEN
    assert evaluate(facts, ctx(D(2026, 6, 15), cal)).light == Light.RED


def test_green_expected_matches_an_independent_count(cal):
    start, planned, as_of = D(2026, 9, 1), D(2026, 10, 30), D(2026, 10, 12)
    facts = MilestoneFacts(planned_date=planned, planned_start=start, percent=60.0,
                           last_report=D(2026, 10, 9))
    verdict = evaluate(facts, ctx(as_of, cal))
    want = 100 * workdays(start, D(2026, 10, 11)) / workdays(start, planned)
    assert verdict.light == Light.GREEN
    assert verdict.findings[0].numbers["expected"] == round(want, 1)


# -- winter pause --------------------------------------------------------------------
OUTDOOR = {"planned_start": D(2025, 9, 1), "planned_date": D(2026, 5, 29)}


@pytest.mark.parametrize(
    "as_of",
    [D(2025, 11, 15), D(2025, 11, 20), D(2025, 12, 31), D(2026, 1, 10), D(2026, 3, 31),
     D(2026, 4, 1)],
    ids=str,
)
def test_outdoor_expected_frozen_in_winter(cal, as_of):
    facts = MilestoneFacts(**OUTDOOR, pause=WINTER)
    total = outdoor_workdays(OUTDOOR["planned_start"], OUTDOOR["planned_date"])
    before_pause = workdays(D(2025, 9, 1), D(2025, 11, 14))
    assert expected_percent(facts, Context(as_of, cal)) == pytest.approx(
        100 * before_pause / total)


def test_outdoor_expected_grows_again_after_the_pause(cal):
    facts = MilestoneFacts(**OUTDOOR, pause=WINTER)
    total = outdoor_workdays(OUTDOOR["planned_start"], OUTDOOR["planned_date"])
    frozen = expected_percent(facts, Context(D(2026, 1, 10), cal))
    april_10 = expected_percent(facts, Context(D(2026, 4, 10), cal))
    assert april_10 > frozen
    assert april_10 == pytest.approx(
        100 * outdoor_workdays(D(2025, 9, 1), D(2026, 4, 9)) / total)
    assert expected_percent(facts, Context(D(2026, 5, 30), cal)) == 100.0


def test_indoor_expected_keeps_growing_in_winter(cal):
    facts = MilestoneFacts(**OUTDOOR, pause=())
    total = workdays(OUTDOOR["planned_start"], OUTDOOR["planned_date"])
    nov = expected_percent(facts, Context(D(2025, 11, 20), cal))
    jan = expected_percent(facts, Context(D(2026, 1, 10), cal))
    assert nov < jan
    assert jan == pytest.approx(100 * workdays(D(2025, 9, 1), D(2026, 1, 9)) / total)


def test_winter_pause_keeps_an_outdoor_node_green(cal):
    """Same progress in March for a node started in November: outdoor fine, indoor red."""
    facts = {"planned_start": D(2025, 11, 3), "planned_date": D(2026, 6, 30),
             "percent": 10.0, "last_report": D(2026, 3, 16)}
    as_of = D(2026, 3, 20)
    outdoor = evaluate(MilestoneFacts(**facts, pause=WINTER), ctx(as_of, cal))
    indoor = evaluate(MilestoneFacts(**facts, pause=()), ctx(as_of, cal))
    # 2025-11-03..14 are the only counted days before the thaw
    want = 100 * 10 / outdoor_workdays(D(2025, 11, 3), D(2026, 6, 30))
    assert outdoor.light == Light.GREEN
    assert outdoor.findings[0].numbers["expected"] == round(want, 1)
    indoor_want = 100 * workdays(D(2025, 11, 3), D(2026, 3, 19)) / workdays(
        D(2025, 11, 3), D(2026, 6, 30))
    assert indoor.light == Light.RED
    assert indoor.rule_ids == "schedule_lag"
    assert indoor.findings[0].numbers["expected"] == round(indoor_want, 1)


def test_node_entirely_inside_the_pause(cal):
    """No counted working day at all: 0% until the planned date, then 100%."""
    facts = MilestoneFacts(planned_start=D(2025, 12, 1), planned_date=D(2026, 1, 30),
                           pause=WINTER)
    assert expected_percent(facts, Context(D(2026, 1, 30), cal)) == 0.0
    assert expected_percent(facts, Context(D(2026, 1, 31), cal)) == 100.0


# -- years without an official schedule ----------------------------------------------------
def test_2026_alone_raises_no_calendar_warning(cal):
    """A node due on the last day of 2026 must not make the engine estimate 2027."""
    facts = MilestoneFacts(planned_date=D(2026, 12, 31), planned_start=D(2026, 12, 1),
                           percent=89.0, last_report=D(2026, 12, 20))
    verdict = evaluate(facts, ctx(D(2026, 12, 31), cal))
    assert verdict.light == Light.YELLOW  # due today, below 90%
    assert cal.estimated_years == set()


def test_2027_is_estimated_with_a_warning_naming_it(cal):
    facts = MilestoneFacts(planned_date=D(2027, 1, 29), planned_start=D(2026, 12, 1),
                           percent=50.0, last_report=D(2027, 1, 4))
    verdict = evaluate(facts, ctx(D(2027, 1, 5), cal))
    assert verdict.light == Light.GREEN
    assert cal.estimated_years == {2027}
    # guessed statutory holiday: 2027-01-01 is off; the rest of the span is Mon-Fri
    total = workdays(D(2026, 12, 1), D(2026, 12, 31)) + mon_fri(D(2027, 1, 1), D(2027, 1, 29)) - 1
    elapsed = workdays(D(2026, 12, 1), D(2026, 12, 31)) + 1  # + Monday 01-04
    assert verdict.findings[0].numbers["expected"] == round(100 * elapsed / total, 1)


def test_2027_with_weekdays_fallback_uses_monday_to_friday():
    cal = WorkCalendar("china", fallback="weekdays")
    facts = MilestoneFacts(planned_date=D(2027, 1, 29), planned_start=D(2027, 1, 1))
    got = expected_percent(facts, Context(D(2027, 1, 5), cal))
    # Friday 01-01 and Monday 01-04 are past, of the 21 weekdays in January to the 29th
    assert mon_fri(D(2027, 1, 1), D(2027, 1, 29)) == 21
    assert got == pytest.approx(100 * 2 / 21)


def test_outdoor_pause_frozen_across_new_year_into_2027(cal):
    facts = MilestoneFacts(planned_start=D(2026, 9, 1), planned_date=D(2027, 5, 31),
                           pause=WINTER)
    nov = expected_percent(facts, Context(D(2026, 11, 20), cal))
    jan = expected_percent(facts, Context(D(2027, 1, 10), cal))
    may = expected_percent(facts, Context(D(2027, 5, 3), cal))
    assert nov == jan < may


@pytest.mark.parametrize(
    ("as_of", "planned", "left", "paused"),
    [
        # Closed until 03-31: 04-01, 04-02, 04-03 are all the working days left, so the
        # yellow comes during the pause, not on 04-01...
        pytest.param(D(2026, 3, 20), D(2026, 4, 3), 3, 7, id="in-the-pause-3-left"),
        pytest.param(D(2026, 3, 10), D(2026, 4, 3), 3, 15, id="weeks-before-its-end"),
        # ...and before it begins (11-15), only the days up to it are left to work.
        pytest.param(D(2026, 11, 10), D(2026, 11, 27), 3, 10, id="the-pause-ahead"),
        pytest.param(D(2026, 3, 20), D(2026, 4, 10), 7, 7, id="enough-days-after-it"),
    ],
)
def test_due_soon_does_not_count_the_winter_pause(cal, as_of, planned, left, paused):
    facts = MilestoneFacts(planned_date=planned, percent=20.0, pause=WINTER)
    found = apply("due_soon", facts, as_of, cal)
    assert workdays(as_of + timedelta(1), planned) == left + paused
    # Indoor works (no pause) are not warned: every one of those days is theirs.
    assert apply("due_soon", MilestoneFacts(planned_date=planned, percent=20.0), as_of,
                 cal) is None
    if left > 5:
        assert found is None
        return
    assert found is not None
    assert (found.numbers["working_days_left"], found.numbers["paused_working_days"]) == \
        (left, paused)
    assert describe_all([(found.rule, found.numbers)], "zh") == (
        f"计划{planned.year}年{planned.month}月{planned.day}日完成，仅剩{left}个工作日"
        f"（停工期内{paused}个工作日不计），进度20%（低于90%）")
