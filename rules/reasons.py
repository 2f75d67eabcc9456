"""Reason texts: a finding's numbers in words a supervisor understands.

Kept apart from the rules so that a stored finding (rule name + numbers) can be
rendered again in either language, e.g. ``lights status --lang en`` on a database
whose reasons were written in Chinese.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from functools import cache, lru_cache
from typing import Any

from babel import Locale
from babel.dates import format_date

from rules.lights import Finding

Lang = str  # "zh" or "en"
LANGS = ("zh", "en")

_BABEL_LOCALE = {"zh": "zh_CN", "en": "en"}

TEMPLATES: dict[str, dict[Lang, str]] = {
    "finished": {
        "zh": "计划{planned_date}完成，实际{actual_date}完成{late_zh}",
        "en": "planned for {planned_date}, finished {actual_date}{late_en}",
    },
    "overdue": {
        "zh": "计划{planned_date}完成，已逾期{days_late}天，进度{percent}",
        "en": "planned for {planned_date}, {days_late_en} overdue, {percent} done",
    },
    "schedule_lag": {
        "zh": "序时进度{expected}，实际进度{percent}，滞后{lag}个百分点",
        "en": "expected {expected} by now, reported {percent}, {lag} points behind",
    },
    "due_soon": {
        "zh": "计划{planned_date}完成，仅剩{working_days_left}个工作日{paused_wd_zh}，"
              "进度{percent}（低于{min_percent}）",
        "en": "due {planned_date}, {working_days_left_en} left{paused_wd_en}, {percent} done "
              "(below {min_percent})",
    },
    "stale_report": {
        "zh": "已{days_quiet}天未报送进展（应每{limit}天至少报送一次{paused_zh}）",
        "en": "no progress report for {days_quiet_en} (limit {limit}{paused_en})",
    },
    "not_started": {
        "zh": "计划{planned_start}开始，{planned_date}完成",
        "en": "starts {planned_start}, due {planned_date}",
    },
    "on_track": {
        "zh": "按计划推进：序时进度{expected}，实际进度{percent}，计划{planned_date}完成",
        "en": "on schedule: expected {expected}, reported {percent}, due {planned_date}",
    },
}

_SEPARATOR = {"zh": "；", "en": "; "}
_PERCENT_KEYS = {"percent", "expected", "min_percent"}
_DATE_KEYS = ("date", "report", "start")
_EN_UNITS = {"days_late": "day", "days_quiet": "day", "working_days_left": "working day"}


@cache
def _locale(lang: Lang) -> Locale:
    return Locale.parse(_BABEL_LOCALE[lang])


@lru_cache(maxsize=8192)
def format_day(day: date | None, lang: Lang) -> str:
    """2026年11月23日 in Chinese, Nov 23, 2026 in English."""
    if day is None:
        return "—" if lang == "zh" else "never"
    return format_date(day, "long" if lang == "zh" else "medium", locale=_locale(lang))


def _number(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _words(numbers: Mapping[str, Any], lang: Lang) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in numbers.items():
        if key.endswith(_DATE_KEYS):
            day = date.fromisoformat(value) if isinstance(value, str) else value
            out[key] = format_day(day, lang)
        elif key in _PERCENT_KEYS:
            out[key] = f"{_number(float(value))}%"
        elif isinstance(value, float):
            out[key] = _number(value)
        else:
            out[key] = str(value)
    for key, unit in _EN_UNITS.items():
        if key in numbers:
            n = int(numbers[key])
            out[f"{key}_en"] = f"{n} {unit}" + ("" if n == 1 else "s")
    paused = int(numbers.get("paused_days") or 0)
    out["paused_zh"] = f"，冬季停工{paused}天不计" if paused else ""
    out["paused_en"] = f", {paused} winter-pause days not counted" if paused else ""
    paused_wd = int(numbers.get("paused_working_days") or 0)
    out["paused_wd_zh"] = f"（停工期内{paused_wd}个工作日不计）" if paused_wd else ""
    out["paused_wd_en"] = (f" ({paused_wd} working days in the winter pause not counted)"
                           if paused_wd else "")
    late = int(numbers.get("days_late") or 0)
    out["late_zh"] = f"，逾期{late}天" if late else ""
    out["late_en"] = f", {out['days_late_en']} late" if late else ""
    return out


def calendar_warning(years: Iterable[int], fallback: str, lang: Lang = "zh") -> str:
    """Say that working days in these years are estimated, and how."""
    listed = "、".join(map(str, years)) if lang == "zh" else ", ".join(map(str, years))
    if lang == "zh":
        how = "按预测的法定节假日" if fallback == "guess" else "按周一至周五"
        return f"{listed}年的官方节假日安排尚未发布：这些年份的工作日{how}估算，不含调休"
    how = "guessed statutory holidays" if fallback == "guess" else "Monday–Friday"
    return (f"no official holiday schedule for {listed} yet: working days there are "
            f"estimated ({how}, no make-up workdays)")


def describe(rule: str, numbers: Mapping[str, Any], lang: Lang = "zh") -> str:
    """One finding in words."""
    return TEMPLATES[rule][lang].format_map(_words(numbers, lang))


def describe_all(findings: Iterable[Finding | tuple[str, Mapping[str, Any]]],
                 lang: Lang = "zh") -> str:
    """Every finding, worst first as given, joined into the reason of a light."""
    parts = []
    for item in findings:
        rule, numbers = (item.rule, item.numbers) if isinstance(item, Finding) else item
        parts.append(describe(rule, numbers, lang))
    return _SEPARATOR[lang].join(parts)
