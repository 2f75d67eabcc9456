"""Reason texts in Chinese and English, from live findings and from stored JSON."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from rules.calendar import WorkCalendar
from rules.lights import Finding, Light
from rules.milestone import (
    Context,
    DueSoonParams,
    FinishedParams,
    MilestoneFacts,
    OverdueParams,
    ScheduleLagParams,
    StaleReportParams,
    evaluate,
)
from rules.reasons import LANGS, TEMPLATES, describe, describe_all, format_day
from rules.registry import REGISTRY

D = date

CASES = [
    pytest.param(
        "overdue", {"planned_date": D(2026, 10, 31), "days_late": 23, "percent": 60.0},
        "计划2026年10月31日完成，已逾期23天，进度60%",
        "planned for Oct 31, 2026, 23 days overdue, 60% done", id="overdue"),
    pytest.param(
        "finished", {"planned_date": D(2026, 6, 30), "actual_date": D(2026, 6, 30),
                     "days_late": 0},
        "计划2026年6月30日完成，实际2026年6月30日完成",
        "planned for Jun 30, 2026, finished Jun 30, 2026", id="finished-on-time"),
    pytest.param(
        "finished", {"planned_date": D(2026, 6, 30), "actual_date": D(2026, 7, 3),
                     "days_late": 3},
        "计划2026年6月30日完成，实际2026年7月3日完成，逾期3天",
        "planned for Jun 30, 2026, finished Jul 3, 2026, 3 days late", id="finished-late"),
    pytest.param(
        "schedule_lag", {"expected": 50.0, "percent": 40.0, "lag": 10.0},
        "序时进度50%，实际进度40%，滞后10个百分点",
        "expected 50% by now, reported 40%, 10 points behind", id="schedule-lag"),
    pytest.param(
        "schedule_lag", {"expected": 66.7, "percent": 12.5, "lag": 54.2},
        "序时进度66.7%，实际进度12.5%，滞后54.2个百分点",
        "expected 66.7% by now, reported 12.5%, 54.2 points behind", id="schedule-lag-decimals"),
    pytest.param(
        "due_soon", {"planned_date": D(2026, 6, 12), "working_days_left": 5, "percent": 50.0,
                     "min_percent": 90.0},
        "计划2026年6月12日完成，仅剩5个工作日，进度50%（低于90%）",
        "due Jun 12, 2026, 5 working days left, 50% done (below 90%)", id="due-soon"),
    pytest.param(
        "stale_report", {"last_report": D(2026, 5, 1), "days_quiet": 31, "limit": 30},
        "已31天未报送进展（应每30天至少报送一次）",
        "no progress report for 31 days (limit 30)", id="stale"),
    pytest.param(
        "stale_report", {"last_report": None, "days_quiet": 45, "limit": 30},
        "已45天未报送进展（应每30天至少报送一次）",
        "no progress report for 45 days (limit 30)", id="stale-never-reported"),
    pytest.param(
        "not_started", {"planned_start": D(2026, 8, 1), "planned_date": D(2026, 12, 31)},
        "计划2026年8月1日开始，2026年12月31日完成",
        "starts Aug 1, 2026, due Dec 31, 2026", id="not-started"),
    pytest.param(
        "on_track", {"planned_date": D(2026, 11, 23), "expected": 100.0, "percent": 0},
        "按计划推进：序时进度100%，实际进度0%，计划2026年11月23日完成",
        "on schedule: expected 100%, reported 0%, due Nov 23, 2026", id="on-track"),
]


@pytest.mark.parametrize(("rule", "numbers", "zh", "en"), CASES)
def test_describe(rule, numbers, zh, en):
    assert describe(rule, numbers) == zh  # Chinese is the default
    assert describe(rule, numbers, "zh") == zh
    assert describe(rule, numbers, "en") == en


@pytest.mark.parametrize(("rule", "numbers", "zh", "en"), CASES)
def test_iso_dates_from_stored_json_read_the_same(rule, numbers, zh, en):
    stored = json.loads(json.dumps(
        {k: v.isoformat() if isinstance(v, date) else v for k, v in numbers.items()}))
    assert describe(rule, stored, "zh") == zh
    assert describe(rule, stored, "en") == en


def test_every_rule_has_both_texts():
    """Registering a rule without its zh and en texts must fail here, not in a notice."""
    for name in [*REGISTRY, "not_started", "on_track"]:
        assert name in TEMPLATES, f"no reason text for rule {name!r}"
        for lang in LANGS:
            assert TEMPLATES[name].get(lang, "").strip(), f"{name!r} has no {lang} text"


def test_describe_all_joins_in_the_language(cal_findings):
    zh = describe_all(cal_findings, "zh")
    en = describe_all(cal_findings, "en")
    assert zh == ("计划2026年6月12日完成，已逾期38天，进度95%；"
                  "已49天未报送进展（应每30天至少报送一次）")
    assert en == ("planned for Jun 12, 2026, 38 days overdue, 95% done; "
                  "no progress report for 49 days (limit 30)")


def test_describe_all_accepts_stored_pairs(cal_findings):
    pairs = [(f.rule, {k: v.isoformat() if isinstance(v, date) else v
                       for k, v in f.numbers.items()}) for f in cal_findings]
    for lang in LANGS:
        assert describe_all(pairs, lang) == describe_all(cal_findings, lang)
    assert describe_all([], "zh") == ""
    one = Finding("schedule_lag", Light.RED, {"expected": 100.0, "percent": 60.0, "lag": 40.0})
    assert describe_all([one], "zh") == "序时进度100%，实际进度60%，滞后40个百分点"


@pytest.fixture
def cal_findings() -> tuple[Finding, ...]:
    """The findings of a real evaluation: overdue red and stale yellow."""
    chain: list[tuple[str, Any]] = [
        ("finished", FinishedParams()), ("overdue", OverdueParams()),
        ("schedule_lag", ScheduleLagParams()), ("due_soon", DueSoonParams()),
        ("stale_report", StaleReportParams())]
    facts = MilestoneFacts(planned_date=D(2026, 6, 12), planned_start=D(2026, 6, 1),
                           last_report=D(2026, 6, 1), percent=95.0)
    verdict = evaluate(facts, Context(D(2026, 7, 20), WorkCalendar("china"), chain))
    assert verdict.rule_ids == "overdue,stale_report"
    return verdict.findings


@pytest.mark.parametrize(
    ("facts", "as_of"),
    [
        pytest.param(MilestoneFacts(D(2026, 6, 12), D(2026, 6, 1), 40.0, None, D(2026, 6, 1)),
                     D(2026, 6, 8), id="yellow"),
        pytest.param(MilestoneFacts(D(2026, 6, 12), D(2026, 6, 1), 100.0, D(2026, 6, 15)),
                     D(2026, 7, 1), id="done-late"),
        pytest.param(MilestoneFacts(D(2026, 6, 12), D(2026, 6, 1), 20.0), D(2026, 6, 3),
                     id="green"),
        pytest.param(MilestoneFacts(D(2026, 6, 12), D(2026, 6, 1)), D(2026, 5, 3),
                     id="planned"),
        pytest.param(MilestoneFacts(D(2026, 6, 12), D(2026, 6, 1), 10.0), D(2026, 8, 3),
                     id="red-three-findings"),
    ],
)
def test_every_verdict_can_be_explained(facts, as_of):
    """Whatever the rules find, the texts have every number they name."""
    chain: list[tuple[str, Any]] = [(name, spec.params()) for name, spec in REGISTRY.items()]
    verdict = evaluate(facts, Context(as_of, WorkCalendar("china"), chain))
    for lang in LANGS:
        text = describe_all(verdict.findings, lang)
        assert text and "{" not in text and "None" not in text


@pytest.mark.parametrize(
    ("day", "lang", "text"),
    [
        (D(2026, 11, 23), "zh", "2026年11月23日"),
        (D(2026, 11, 23), "en", "Nov 23, 2026"),
        (D(2027, 1, 1), "zh", "2027年1月1日"),
        (None, "zh", "—"),
        (None, "en", "never"),
    ],
    ids=str,
)
def test_format_day(day, lang, text):
    assert format_day(day, lang) == text


def test_english_uses_the_singular_for_one():
    assert describe("overdue", {"planned_date": date(2026, 10, 31), "days_late": 1,
                                "percent": 60.0}, "en") == \
        "planned for Oct 31, 2026, 1 day overdue, 60% done"
    assert describe("due_soon", {"planned_date": date(2026, 11, 24), "working_days_left": 1,
                                 "percent": 50.0, "min_percent": 90}, "en") == \
        "due Nov 24, 2026, 1 working day left, 50% done (below 90%)"
    assert describe("finished", {"planned_date": date(2026, 10, 31),
                                 "actual_date": date(2026, 11, 1), "days_late": 1}, "en") == \
        "planned for Oct 31, 2026, finished Nov 1, 2026, 1 day late"
