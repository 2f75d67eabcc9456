"""Investment lights (投资红黄绿灯): money against time, and the start of works.

A second rule family beside the milestone rules. It lights a *project*, not a node:

- **money against time**: 序时进度 (the investment that should have been completed
  by now) = annual planned investment × the share of the year elapsed, counted in
  calendar days or in working days outside the winter pause. How far the completed
  investment is behind it is measured in percentage points of the annual plan, as a
  share of 序时进度, or in days (the presets below);
- **start of works**: a project whose planned start (开工, or 复工 for a continuing
  project) month has passed without a start is yellow; after ``start_red_months``
  months it is red.

A city picks one named preset in config.yaml (``bulletins.preset``); every bulletin
prints the preset in force. The functions here are pure: facts and a date in, a
:class:`~rules.lights.Finding` out, so they can be tested by a table of cases.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Literal

from pydantic import Field, model_validator

from rules.calendar import Pause, WorkCalendar
from rules.lights import SEVERITY, Finding, Light
from rules.registry import RuleParams

Basis = Literal["calendar_days", "working_days"]
Mode = Literal["points", "relative", "days"]
ONE_DAY = timedelta(days=1)


class InvestmentParams(RuleParams):
    """The numbers of an investment preset; each may be overridden in config.yaml."""

    mode: Mode = Field("points", description="points behind, share of 序时进度, or days behind")
    basis: Basis = Field("calendar_days", description="how the share of the year is counted")
    yellow: float = Field(10, ge=0, description="points/days behind for yellow; % of 序时进度 "
                                                "below which it is yellow (relative)")
    red: float = Field(30, ge=0, description="more points/days behind than this: red; % of "
                                             "序时进度 below which it is red (relative)")
    min_expected: float = Field(0, ge=0, le=100,
                                description="no money light before 序时进度 reaches this % of "
                                            "the annual plan")
    start_yellow_months: int = Field(1, ge=1, description="months after the planned start "
                                                          "month for yellow")
    start_red_months: int = Field(3, ge=1, description="months after it for red")

    @model_validator(mode="after")
    def _ordered(self) -> InvestmentParams:
        if self.mode == "relative" and self.red > self.yellow:
            raise ValueError("relative mode: red (a lower share of 序时进度) must not be above "
                             "yellow")
        if self.mode != "relative" and self.red < self.yellow:
            raise ValueError("red must not be below yellow")
        if self.start_red_months < self.start_yellow_months:
            raise ValueError("start_red_months must not be below start_yellow_months")
        return self


@dataclass(frozen=True, slots=True)
class Preset:
    name: str
    params: InvestmentParams
    zh: str
    en: str

    def description(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


PRESETS: dict[str, Preset] = {}


def preset(name: str, zh: str, en: str, **params: Any) -> Preset:
    """Register a named preset with its one-line description in both languages."""
    if name in PRESETS:
        raise ValueError(f"investment preset {name!r} is registered twice")
    PRESETS[name] = Preset(name, InvestmentParams(**params), zh, en)
    return PRESETS[name]


preset("points",
       "落后序时进度10至30个百分点黄灯，超过30个百分点红灯（序时按日历天）；"
       "计划开工月份已过未开工黄灯，满3个月红灯",
       "10 to 30 points behind 序时进度 yellow, more than 30 red (calendar days); "
       "planned start month passed without a start yellow, 3 months red",
       mode="points", basis="calendar_days", yellow=10, red=30)
preset("points_working_days",
       "落后序时进度10至30个百分点黄灯，超过30个百分点红灯（序时按工作日，冬季停工期不计）；"
       "开工同上",
       "10 to 30 points behind 序时进度 yellow, more than 30 red (working days, winter pause "
       "not counted); start of works as above",
       mode="points", basis="working_days", yellow=10, red=30)
preset("relative",
       "完成不足序时进度的80%黄灯，不足60%红灯（序时达到年度计划5%后评价）；开工同上",
       "below 80% of 序时进度 yellow, below 60% red (once 序时进度 reaches 5% of the annual "
       "plan); start of works as above",
       mode="relative", basis="calendar_days", yellow=80, red=60, min_expected=5)
preset("schedule_variance",
       "投资进度滞后序时进度30天及以上黄灯，超过60天红灯（按日历天）；开工同上",
       "investment 30 days or more behind 序时进度 yellow, more than 60 days red "
       "(calendar days); start of works as above",
       mode="days", basis="calendar_days", yellow=30, red=60)

DEFAULT_PRESET = "points"


def resolve(name: str, overrides: dict[str, Any] | None = None) -> InvestmentParams:
    """A preset's parameters with the configured overrides applied (validated)."""
    base = PRESETS[name].params
    if not overrides:
        return base
    return InvestmentParams.model_validate({**base.model_dump(), **overrides})


# -- facts ---------------------------------------------------------------------------
@dataclass(slots=True)
class InvestmentFacts:
    """What the investment rules may know about a project as of a date (万元)."""

    annual_plan: Decimal
    completed: Decimal  # completed this year to date (本年累计完成投资)
    planned_start: date | None = None  # planned date of this year's start/resume node
    started_on: date | None = None  # reported or finished start, on or before the date
    pause: Pause = ()


def year_days(day: date, basis: Basis, calendar: WorkCalendar | None,
              pause: Pause = ()) -> tuple[int, int]:
    """(days elapsed through ``day`` inclusive, days in the year), in the basis' units.

    Working days skip the winter pause for outdoor works: in a year whose pause is
    11-15..03-31, 序时进度 does not grow before April or after mid-November.
    """
    first, after = date(day.year, 1, 1), date(day.year + 1, 1, 1)
    if basis == "calendar_days":
        return (day - first).days + 1, (after - first).days
    if calendar is None:
        raise ValueError("the working-days basis needs a calendar")
    return calendar.count(first, day + ONE_DAY, pause), calendar.count(first, after, pause)


def year_share(day: date, basis: Basis, calendar: WorkCalendar | None,
               pause: Pause = ()) -> float:
    """The share of the year elapsed at the end of ``day`` (0 to 1)."""
    elapsed, total = year_days(day, basis, calendar, pause)
    return elapsed / total if total else 0.0


def _month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def months_late(planned: date, as_of: date) -> int:
    """Whole months since the planned start month: a June start missing on 1 July is 1."""
    return max(_month_index(as_of) - _month_index(planned), 0)


# -- the rules --------------------------------------------------------------------------
def money_light(f: InvestmentFacts, as_of: date, p: InvestmentParams,
                calendar: WorkCalendar | None = None) -> Finding | None:
    """Completed investment against 序时进度; None with no annual plan or below the bands."""
    if f.annual_plan <= 0:
        return None
    elapsed, total = year_days(as_of, p.basis, calendar, f.pause)
    share = elapsed / total if total else 0.0
    plan = float(f.annual_plan)
    completed = float(f.completed)
    expected_pct = 100.0 * share
    completion_pct = 100.0 * completed / plan
    numbers: dict[str, Any] = {
        "annual_plan": plan, "expected": round(plan * share, 2),
        "expected_pct": round(expected_pct, 1), "completed": completed,
        "completion_pct": round(completion_pct, 1)}
    if expected_pct <= 0 or expected_pct < p.min_expected:
        return None
    if p.mode == "relative":
        ratio = round(100.0 * completion_pct / expected_pct, 9)
        numbers["ratio"] = round(ratio, 1)
        light = (Light.RED if ratio < p.red else Light.YELLOW if ratio < p.yellow else None)
    else:
        behind = round(expected_pct - completion_pct, 9)
        numbers["behind"] = round(behind, 1)
        if p.mode == "days":  # in days of the basis, without the detour through percent
            behind = round(elapsed - completed * total / plan, 9)
            numbers["days_behind"] = round(behind)
        light = (Light.RED if behind > p.red else Light.YELLOW if behind >= p.yellow else None)
    if light is None:
        return None
    return Finding(f"investment_{p.mode}", light, numbers)


def start_light(f: InvestmentFacts, as_of: date, p: InvestmentParams) -> Finding | None:
    """The planned start month passed without a start: yellow; N months later: red."""
    if f.planned_start is None or (f.started_on is not None and f.started_on <= as_of):
        return None
    late = months_late(f.planned_start, as_of)
    if late >= p.start_red_months:
        light = Light.RED
    elif late >= p.start_yellow_months:
        light = Light.YELLOW
    else:
        return None
    return Finding("start_late", light, {"planned_start": f.planned_start,
                                         "months_late": late})


def evaluate_investment(f: InvestmentFacts, as_of: date, p: InvestmentParams,
                        calendar: WorkCalendar | None = None) -> tuple[Light | None,
                                                                      tuple[Finding, ...]]:
    """The project's investment light and its findings, worst first.

    Green when a rule could judge it and none fired; None (shown as "—") for a project
    with neither an annual plan nor a start planned this year.
    """
    findings = [x for x in (money_light(f, as_of, p, calendar), start_light(f, as_of, p))
                if x is not None]
    if findings:
        findings.sort(key=lambda x: -SEVERITY[x.light])
        return findings[0].light, tuple(findings)
    if f.annual_plan > 0 or f.planned_start is not None:
        return Light.GREEN, ()
    return None, ()


# -- reasons -------------------------------------------------------------------------------
TEXTS: dict[str, dict[str, str]] = {
    "investment_points": {
        "zh": "序时进度{expected_pct}，累计完成{completed}万元（{completion_pct}），"
              "落后{behind}个百分点",
        "en": "{completion_pct} of the annual plan completed ({completed} 10k yuan) against "
              "{expected_pct} expected, {behind} points behind",
    },
    "investment_relative": {
        "zh": "累计完成{completed}万元（{completion_pct}），仅为序时进度{expected_pct}的{ratio}",
        "en": "{completion_pct} completed ({completed} 10k yuan), only {ratio} of the "
              "{expected_pct} expected",
    },
    "investment_days": {
        "zh": "累计完成{completed}万元（{completion_pct}），滞后序时进度{days_behind}天",
        "en": "{completion_pct} completed ({completed} 10k yuan), {days_behind} days behind "
              "序时进度",
    },
    "start_late": {
        "zh": "计划{planned_month}开工（复工），已过{months_late}个月仍未开工",
        "en": "planned to start in {planned_month}, not started {months_late} month(s) later",
    },
}
_PCT = {"expected_pct", "completion_pct", "ratio"}


def _num(value: float) -> str:
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def describe_investment(rule: str, numbers: dict[str, Any], lang: str) -> str:
    """One investment finding in words, in ``lang``."""
    words: dict[str, str] = {}
    for key, value in numbers.items():
        if key in _PCT:
            words[key] = f"{float(value):.1f}%"
        elif key == "planned_start":
            day = date.fromisoformat(value) if isinstance(value, str) else value
            words["planned_month"] = (f"{day.year}年{day.month}月" if lang == "zh"
                                      else day.strftime("%b %Y"))
        elif isinstance(value, float):
            words[key] = _num(value)
        else:
            words[key] = str(value)
    return TEXTS[rule][lang].format_map(words)
