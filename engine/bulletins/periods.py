"""Bulletin periods: a week, a half month, a month, a quarter or a year as dates.

The cadence of the practice (每周调度, 半月汇总, 每月通报, 季交账, 年底算总账). Each
period is an inclusive [start, end] date range and knows the one before it (for
the movement in the rankings) and the one after it (for the nodes due next).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

Kind = Literal["week", "half", "month", "quarter", "year", "campaign"]
KINDS: tuple[Kind, ...] = ("week", "half", "month", "quarter", "year")  # --week … --year
ONE_DAY = timedelta(days=1)

EXAMPLES: dict[Kind, str] = {"week": "2026-W47", "half": "2026-11-1", "month": "2026-10",
                             "quarter": "2026Q3", "year": "2026"}
_PATTERNS: dict[Kind, re.Pattern[str]] = {
    "week": re.compile(r"^(\d{4})-?W(\d{1,2})$", re.IGNORECASE),
    "half": re.compile(r"^(\d{4})-(\d{1,2})-([12])$"),
    "month": re.compile(r"^(\d{4})-(\d{1,2})$"),
    "quarter": re.compile(r"^(\d{4})-?Q([1-4])$", re.IGNORECASE),
    "year": re.compile(r"^(\d{4})$"),
}


class BadPeriod(ValueError):
    """Text that is not a period of the kind asked for."""


def _month_end(year: int, month: int) -> date:
    return date(year + month // 12, month % 12 + 1, 1) - ONE_DAY


@dataclass(frozen=True, slots=True)
class Period:
    kind: Kind
    start: date
    end: date
    key: str  # canonical text: 2026-W47, 2026-11-1, 2026-10, 2026Q3, 2026
    name: str = ""  # a campaign's name (百日攻坚)
    before: bool = False  # the stretch before a campaign, its bulletin's comparison

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period before; for a campaign the days before it began, as many as it has
        (its bulletin compares with where things stood when it started)."""
        if self.kind == "campaign":
            return Period("campaign", self.start - timedelta(days=self.days),
                          self.start - ONE_DAY, f"{self.key}:before", self.name, True)
        return containing(self.kind, self.start - ONE_DAY)

    def next(self) -> Period:
        if self.kind == "campaign":
            return containing("month", self.end + ONE_DAY)
        return containing(self.kind, self.end + ONE_DAY)

    @property
    def ordinal(self) -> int:
        """Its number in its year (the month, the quarter, the week …): a 文号's default."""
        if self.kind == "week":
            return self.start.isocalendar().week
        if self.kind == "half":
            return 2 * self.start.month - (self.start.day == 1)
        if self.kind == "quarter":
            return (self.start.month - 1) // 3 + 1
        if self.kind == "year":
            return 1
        return self.start.month

    def label(self, lang: str) -> str:
        """2026年第47周 / 2026年11月上半月 / 2026年10月 / 2026年第三季度 / 2026年."""
        y = self.start.year
        if self.kind == "campaign":
            span = (f"{self.start.month}月{self.start.day}日至{self.end.month}月{self.end.day}日"
                    if lang == "zh" else f"{self.start:%b} {self.start.day} to "
                                         f"{self.end:%b} {self.end.day}")
            if self.before:
                return (f"{self.name}开始前（{span}）" if lang == "zh"
                        else f"before {self.name} ({span})")
            return f"{y}年{self.name}（{span}）" if lang == "zh" else f"{self.name} {y} ({span})"
        if self.kind == "week":
            iso = self.start.isocalendar()
            return (f"{iso.year}年第{iso.week}周" if lang == "zh"
                    else f"week {iso.week} of {iso.year}")
        if self.kind == "half":
            first = self.start.day == 1
            if lang == "zh":
                return f"{y}年{self.start.month}月{'上' if first else '下'}半月"
            return f"{'first' if first else 'second'} half of {self.start:%B %Y}"
        if self.kind == "month":
            return f"{y}年{self.start.month}月" if lang == "zh" else f"{self.start:%B %Y}"
        if self.kind == "quarter":
            q = (self.start.month - 1) // 3 + 1
            return f"{y}年第{'一二三四'[q - 1]}季度" if lang == "zh" else f"Q{q} {y}"
        return f"{y}年" if lang == "zh" else str(y)

    def noun(self, lang: str) -> str:
        """What a bulletin of this period is called: 周调度 … 年度总账."""
        return {"zh": {"week": "周调度通报", "half": "半月汇总通报", "month": "月度通报",
                       "quarter": "季度通报", "year": "年度通报", "campaign": "专项行动通报"},
                "en": {"week": "weekly bulletin", "half": "half-monthly bulletin",
                       "month": "monthly bulletin", "quarter": "quarterly bulletin",
                       "year": "annual bulletin", "campaign": "campaign bulletin"}}[lang][self.kind]


def containing(kind: Kind, day: date) -> Period:
    """The period of ``kind`` that contains ``day``."""
    if kind == "week":
        iso = day.isocalendar()
        start = day - timedelta(days=iso.weekday - 1)
        return Period(kind, start, start + timedelta(days=6), f"{iso.year}-W{iso.week:02d}")
    if kind == "half":
        if day.day <= 15:
            return Period(kind, day.replace(day=1), day.replace(day=15),
                          f"{day.year}-{day.month:02d}-1")
        return Period(kind, day.replace(day=16), _month_end(day.year, day.month),
                      f"{day.year}-{day.month:02d}-2")
    if kind == "month":
        return Period(kind, day.replace(day=1), _month_end(day.year, day.month),
                      f"{day.year}-{day.month:02d}")
    if kind == "quarter":
        q = (day.month - 1) // 3
        return Period(kind, date(day.year, 3 * q + 1, 1), _month_end(day.year, 3 * q + 3),
                      f"{day.year}Q{q + 1}")
    return Period(kind, date(day.year, 1, 1), date(day.year, 12, 31), str(day.year))


def campaign(name: str, first: date, last: date) -> Period:
    """A campaign's window as a period (百日攻坚 07-10 to 11-10)."""
    return Period("campaign", first, last, f"{first.isoformat()}~{last.isoformat()}", name)


def _as_ledgers_write(kind: Kind, text: str) -> Period | None:
    """The Chinese forms the ledgers accept (engine.ledger.values reads them): a month
    2026年10月 / 2026.10 / 2026/10, a quarter 2026年三季度 / 2026年第3季度, a year 2026年 /
    2026年度 / 2026年全年. None when the text is none of them for this kind."""
    from engine.ledger.values import Invalid, month_of, period_of, squeeze

    found = squeeze(text)
    try:
        if kind == "month":
            month = month_of(found)
            return None if month is None else containing("month", date(month[0], month[1], 1))
        if kind == "year":
            year = re.fullmatch(r"(\d{4})年度?", found)
            if year:
                return containing("year", date(int(year.group(1)), 1, 1))
        if kind in ("quarter", "year"):
            span = period_of(found)
            if span is not None:
                period = containing(kind, span[0])
                return period if (period.start, period.end) == span else None
    except (Invalid, ValueError):
        return None
    return None


def parse(kind: Kind, text: str) -> Period:
    """``--week 2026-W47`` … ``--year 2026`` into a period; BadPeriod with an example.
    Months, quarters and years may also be written as the ledgers write them."""
    if kind in ("month", "quarter", "year") and not _PATTERNS[kind].match(text.strip()):
        period = _as_ledgers_write(kind, text)
        if period is not None:
            return period
    match = _PATTERNS[kind].match(text.strip())
    try:
        if not match:
            raise ValueError
        nums = [int(g) for g in match.groups()]
        if kind == "week":
            first = date.fromisocalendar(nums[0], nums[1], 1)
        elif kind == "half":
            first = date(nums[0], nums[1], 1 if nums[2] == 1 else 16)
        elif kind == "month":
            first = date(nums[0], nums[1], 1)
        elif kind == "quarter":
            first = date(nums[0], 3 * nums[1] - 2, 1)
        else:
            first = date(nums[0], 1, 1)
    except ValueError:
        raise BadPeriod(f"{text!r} is not a {kind} like {EXAMPLES[kind]}") from None
    return containing(kind, first)
