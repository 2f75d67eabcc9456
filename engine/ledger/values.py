"""Cell values as ledgers write them → typed values; pure functions, no database.

Each parser takes what a cell holds (text from a CSV, or the number, date or text
openpyxl read) and returns the value, None for a blank cell, or raises
:class:`Invalid` with a reason code (worded in :mod:`engine.ledger.words`).

Every text is compared after Unicode NFKC normalisation (full-width digits and
punctuation become ASCII: ２０２６／１０／３１ → 2026/10/31) and with stray spaces
removed; names keep their own characters and only lose spaces at the ends.

The percent rule (one rule for every progress column): a number with ``%`` is a
percentage (60% = 60%, 1% = 1%); a number without it is a percentage when it is above
1 (60 = 60%) and a fraction from 0 to 1 (0.6 = 60%, 1 = 100%). So 1% must be written
with its ``%``. A cell Excel formats as a percentage holds the fraction and reads the
same (0.6 shown as 60% is 60%).

Months (:func:`month_day`): a planned date may name only a month (2026年10月, 2026-10,
2026/10, 2026.10), as node ledgers often do; :mod:`engine.ledger.columns` says which
columns allow it and which day it stands for. Elsewhere a month is refused
(``date_month``), as is a day without its year (10月底, 10月31日: ``date_no_year``).
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from rules.calendar import PauseWindow

MIN_YEAR, MAX_YEAR = 1990, 2100
CENT = Decimal("0.01")
UNIT_FACTORS: dict[str, Decimal] = {"万元": Decimal(1), "亿元": Decimal(10000),
                                    "元": Decimal("0.0001")}
_CELL_UNITS = {"万元": "万元", "万": "万元", "亿元": "亿元", "亿": "亿元", "元": "元"}


class Invalid(ValueError):
    """A cell that cannot be read; ``why`` names the reason, ``params`` fill its words."""

    def __init__(self, why: str, **params: Any) -> None:
        super().__init__(why)
        self.why = why
        self.params = params


# Characters no ledger value holds: C0 and C1 controls (NUL, ESC, CR, LF …), DEL, line and
# paragraph separators and the direction controls (U+202E turns a line round). A note
# (备注) may hold line breaks (Alt+Enter in an Excel cell); nothing else may.
_CONTROL_RE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_CONTROL_IN_LINES_RE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_CONTROL_NAMES = {"\x00": "NUL", "\x1b": "ESC", "\r": "CR", "\n": "LF", "\t": "TAB",
                  "\x7f": "DEL", "\u202e": "RLO", "\u202d": "LRO", "\u2028": "LS",
                  "\u2029": "PS"}


def control_character(text: str, lines: bool = False) -> str | None:
    """The first control character inside ``text`` (its name, as U+001B ESC), or None.
    Spaces and line breaks at the ends do not count (they are stripped); ``lines``
    allows line breaks inside (a note)."""
    found = (_CONTROL_IN_LINES_RE if lines else _CONTROL_RE).search(text.strip())
    if found is None:
        return None
    ch = found.group()
    name = _CONTROL_NAMES.get(ch)
    return f"U+{ord(ch):04X}" + (f" {name}" if name else "")


def squeeze(value: Any) -> str:
    """NFKC, every whitespace removed: the form in which values and headers compare."""
    return "".join(unicodedata.normalize("NFKC", str(value)).split())


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _number_text(value: float | int) -> str:
    """A number as it should read as text (1001.0 → 1001)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def text(value: Any) -> str | None:
    """A name, unit or person: spaces at the ends removed, nothing else changed."""
    if is_blank(value):
        return None
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _number_text(value)
    return unquote(str(value).strip())


def unquote(text: str) -> str:
    """'=abc → =abc: the quote our CSV export puts before text Excel would run."""
    if text.startswith("'") and text[1:2] in ("=", "+", "-", "@"):
        return text[1:]
    return text


def code(value: Any) -> str | None:
    """A project code: full-width letters and digits normalised, spaces removed."""
    if is_blank(value):
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _number_text(value)
    return squeeze(value) or None


_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def email(value: Any) -> str | None:
    if is_blank(value):
        return None
    found = squeeze(value)
    if not _EMAIL_RE.match(found):
        raise Invalid("email")
    return found


# -- dates ------------------------------------------------------------------------
_DATE_RE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
_COMPACT_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_TIME_RE = re.compile(r"[T\s]+\d{1,2}:\d{2}(:\d{2}(\.\d*)?)?\s*$")
_EXCEL_EPOCH = date(1899, 12, 30)


def _checked(year: int, month: int, day: int) -> date:
    try:
        found = date(year, month, day)
    except ValueError:
        raise Invalid("date") from None
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise Invalid("date_year", lo=MIN_YEAR, hi=MAX_YEAR)
    return found


def day(value: Any) -> date | None:
    """2026-10-31, 2026/10/31, 2026.10.31, 2026年10月31日, 20261031, an Excel date cell,
    or an Excel date serial that lost its date format (46326); a time of day is dropped."""
    if is_blank(value):
        return None
    if isinstance(value, datetime):
        return _checked(value.year, value.month, value.day)
    if isinstance(value, date):
        return _checked(value.year, value.month, value.day)
    if isinstance(value, int | float) and not isinstance(value, bool):
        if float(value).is_integer() and 10000 <= value <= 99999:
            found = _EXCEL_EPOCH + timedelta(days=int(value))
            return _checked(found.year, found.month, found.day)
        if float(value).is_integer():
            value = str(int(value))
        else:
            raise _not_a_date(value)
    found = squeeze(_TIME_RE.sub("", unicodedata.normalize("NFKC", str(value))))
    match = _DATE_RE.match(found) or _COMPACT_RE.match(found)
    if not match:
        raise _not_a_date(found)
    return _checked(*(int(g) for g in match.groups()))


# -- months -----------------------------------------------------------------------
# 2026年10月, 2026-10, 2026/10, 2026.10, and 2026年10月份/月底/月末/月底前 (底, 末: its end).
_MONTH_RE = re.compile(r"^(\d{4})([-/.年])(\d{1,2})(?:月(份|底前?|末前?)?)?$")
# A day or a month without its year: 10月, 10月底, 10月31日, 10/31.
_NO_YEAR_RE = re.compile(
    r"^\d{1,2}(?:月(?:\d{1,2}日?|份|底|末|初|上旬|中旬|下旬)?前?|[-/]\d{1,2})$")
_DECIMALS_RE = re.compile(r"\.(0*)(#*)")


def _shown_number(value: float, number_format: str | None) -> str:
    """A number as Excel shows it: with the decimals its format fixes (2026.1 as "0.00"
    shows 2026.10), else in its shortest form (2026.1)."""
    section = re.sub(r'"[^"]*"|[\\_*].', "", (number_format or "").split(";")[0])
    decimals = _DECIMALS_RE.search(section)
    if decimals is None or not decimals.group(1):
        return repr(float(value))
    fixed, optional = len(decimals.group(1)), len(decimals.group(2))
    shown = f"{value:.{fixed + optional}f}"
    return shown[:len(shown) - optional] + shown[len(shown) - optional:].rstrip("0")


def month_of(value: Any, number_format: str | None = None) -> tuple[int, int, bool] | None:
    """(year, month, says its end) of a cell that names a month and no day, else None.

    A number cell reads as Excel shows it (2026.10 formatted "0.00" is October). 2026.1
    is refused (``month_ambiguous``), typed or a number: Excel shows the number 2026.10
    as 2026.1, so it may be October as well as January. A date cell is a full date.
    """
    if is_blank(value) or isinstance(value, bool | date):
        return None
    if isinstance(value, int | float):
        if float(value).is_integer():
            return None  # a year alone, a serial or 20261031: not a month
        found = _shown_number(value, number_format)
    else:
        found = squeeze(value)
    match = _MONTH_RE.match(found)
    if match is None:
        return None
    year, sep, month, suffix = match.groups()
    if sep == "." and month == "1":
        raise Invalid("month_ambiguous", year=year)
    return int(year), int(month), bool(suffix) and suffix[0] in "底末"


def last_day(year: int, month: int) -> date:
    """The month's last day (a deadline given as the month)."""
    return date(year, month, calendar.monthrange(year, month)[1])


def month_day(value: Any, number_format: str | None = None, *, end: bool) -> date | None:
    """The day a month or a longer period stands for: its last with ``end`` (a deadline:
    时间节点 means "by then") or when the cell says 底/末, else its first; None when it
    is neither (see :func:`period_of` for 旬, quarters, halves and 年底)."""
    found = month_of(value, number_format)
    if found is None:
        span = period_of(value)
        return None if span is None else span[1 if end else 0]
    year, month, says_end = found
    first = _checked(year, month, 1)
    if not (end or says_end):
        return first
    return last_day(year, month)


# 2026年10月上旬/中旬/下旬/初; 2026年底/年末/年内/全年/上半年/下半年; 2026年三季度/第3季度/
# 三季度末, 2026Q3; each may end in 前 (by then). And a full date ending in 前/之前/以前.
_PERIOD_RE = re.compile(
    r"^(\d{4})年?(?:(\d{1,2})月(上旬|中旬|下旬|初)|(年?底|年?末|年内|全年|上半年|下半年)"
    r"|第?([一二三四1-4])季度(?:末|底)?|[Qq]([1-4]))(?:之|以)?前?$")
_BEFORE_RE = re.compile(r"(?:之|以)?前$")
_QUARTER = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_TEN_DAYS = {"上旬": (1, 10), "初": (1, 10), "中旬": (11, 20), "下旬": (21, 31)}  # 31: its end
_OF_YEAR = {"底": (12, 12), "年底": (12, 12), "末": (12, 12), "年末": (12, 12),
            "年内": (1, 12), "全年": (1, 12), "上半年": (1, 6), "下半年": (7, 12)}


def period_of(value: Any) -> tuple[date, date] | None:
    """(first day, last day) of the period a text names without naming a day: a part of
    a month (上旬 1–10, 中旬 11–20, 下旬 21–end), a quarter, a half year, the year's end
    (年底: December) or the year; a full date followed by 前 (by then) is that day.
    None for anything else (a month is :func:`month_of`'s)."""
    if not isinstance(value, str):
        return None
    found = squeeze(value)
    match = _PERIOD_RE.match(found)
    if match is None:
        if _BEFORE_RE.search(found):
            stripped = _BEFORE_RE.sub("", found)
            if _DATE_RE.match(stripped) or _COMPACT_RE.match(stripped):
                day_ = day(stripped)
                return (day_, day_) if day_ else None
        return None
    year_text, month_text, tens, of_year, quarter, q = match.groups()
    year = int(year_text)
    _checked(year, 1, 1)
    if month_text:
        month = int(month_text)
        first = _checked(year, month, 1)
        lo, hi = _TEN_DAYS[tens]
        return first.replace(day=lo), last_day(year, month) if hi == 31 else first.replace(day=hi)
    if of_year:
        lo, hi = _OF_YEAR[of_year]
        return date(year, lo, 1), last_day(year, hi)
    n = _QUARTER[quarter or q]
    return date(year, 3 * n - 2, 1), last_day(year, 3 * n)


def _not_a_date(value: Any) -> Invalid:
    """Why a value is not a date: a month where a day is needed, no year, or neither."""
    try:
        if month_of(value) is not None or period_of(value) is not None:
            return Invalid("date_month")
    except Invalid:
        return Invalid("date_month")
    if isinstance(value, str) and _NO_YEAR_RE.match(value):
        return Invalid("date_no_year")
    return Invalid("date")


def shows_month(value: Any, number_format: str | None) -> bool:
    """A date cell on the 1st whose format shows only its month (yyyy"年"m"月", mmm-yy):
    how Excel stores a month typed into it. A planned date reads it as the month shown."""
    if not isinstance(value, date) or value.day != 1 or not number_format:
        return False
    shown = re.sub(r'"[^"]*"|\\.|\[[^]]*\]', "", number_format.split(";")[0]).lower()
    return "y" in shown and "m" in shown and "d" not in shown


# -- amounts and numbers --------------------------------------------------------------
_AMOUNT_RE = re.compile(r"^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(万元|万|亿元|亿|元)?$")


def amount(value: Any, unit: str | None = None) -> Decimal | None:
    """An amount in 万元 (2 decimals, rounded half up). A unit in the cell (3000万元,
    1.5亿元, 1.5亿) wins over the header's (总投资（亿元）); with neither it is 万元."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise Invalid("amount")
    if isinstance(value, int | float | Decimal):
        number = Decimal(str(value))
    else:
        found = squeeze(value).replace(",", "").replace("，", "")
        match = _AMOUNT_RE.match(found)
        if not match:
            raise Invalid("amount")
        number = Decimal(match.group(1))
        if match.group(2):
            unit = _CELL_UNITS[match.group(2)]
    try:
        result = (number * UNIT_FACTORS[unit or "万元"]).quantize(CENT, ROUND_HALF_UP)
    except InvalidOperation:
        raise Invalid("amount") from None
    if result < 0:
        raise Invalid("negative")
    return result


def format_matters(number_format: str) -> bool:
    """True for a number format that changes how a cell reads here: a percentage, a
    date shown as its month, fixed decimals (2026.10). Any other reads as no format
    (the .xlsx reader looks up only the cells whose format matters)."""
    section = re.sub(r'"[^"]*"|[\\_*].', "", number_format.split(";")[0])
    decimals = _DECIMALS_RE.search(section)
    return (_is_percent_format(number_format) or bool(decimals and decimals.group(1))
            or shows_month(date(2000, 1, 1), number_format))


def _is_percent_format(number_format: str | None) -> bool:
    """True for an Excel format that scales by 100 (a % outside quotes)."""
    if not number_format or "%" not in number_format:
        return False
    return "%" in re.sub(r'"[^"]*"|\\.', "", number_format)


_NUMBER_RE = re.compile(r"^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(%)?$")


def percent(value: Any, number_format: str | None = None) -> float | None:
    """A percentage by the one rule in this module's docstring; 0 to 100."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise Invalid("percent")
    if isinstance(value, int | float):
        number = float(value)
        points = number * 100 if _is_percent_format(number_format) or 0 <= number <= 1 \
            else number
    else:
        match = _NUMBER_RE.match(squeeze(value))
        if not match:
            raise Invalid("percent")
        number = float(match.group(1))
        points = number if match.group(2) or not 0 <= number <= 1 else number * 100
    points = round(points, 6) + 0.0  # 0.333 * 100 → 33.3, and -0.0 → 0.0
    if points < 0:
        raise Invalid("percent_negative")
    if points > 100:
        raise Invalid("percent_over", points=f"{points:g}")
    return points


def integer(value: Any) -> int | None:
    if is_blank(value):
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        if float(value).is_integer():
            return int(value)
        raise Invalid("integer")
    found = squeeze(value)
    if not re.fullmatch(r"[+-]?\d+(\.0*)?", found):
        raise Invalid("integer")
    return int(float(found))


def weight(value: Any) -> float | None:
    if is_blank(value):
        return None
    try:
        number = float(value) if isinstance(value, int | float) else float(squeeze(value))
    except ValueError:
        raise Invalid("number") from None
    if number < 0 or number != number:
        raise Invalid("negative")
    return number


_TRUE = {"是", "y", "yes", "true", "1", "√", "✓", "室外"}
_FALSE = {"否", "n", "no", "false", "0", "×", "x", "室内"}


def boolean(value: Any) -> bool | None:
    if is_blank(value):
        return None
    if isinstance(value, bool):
        return value
    found = squeeze(_number_text(value) if isinstance(value, int | float) else value).lower()
    if found in _TRUE:
        return True
    if found in _FALSE:
        return False
    raise Invalid("bool")


def pause(value: Any) -> str | None:
    """Winter pause windows of a project: '11-01..03-31' (several by commas) or 'none'."""
    if is_blank(value):
        return None
    found = squeeze(value).replace("，", ",").replace("~", "..").replace("至", "..")
    if found.lower() in ("none", "无", "不停工"):
        return "none"
    try:
        for part in found.split(","):
            PauseWindow.parse(part)
    except ValueError:
        raise Invalid("pause") from None
    return found


# -- fixed choices --------------------------------------------------------------------
_SUFFIXES = ("重点项目", "项目", "重点", "类")


def choice(value: Any, options: Mapping[str, str]) -> str | None:
    """The code for a fixed value written as its code or label in either language.

    ``options`` maps squeezed, lower-cased spellings to codes; a trailing 项目/重点/类
    is ignored (省级重点项目 = 省级, 产业类 = 产业).
    """
    if is_blank(value):
        return None
    found = squeeze(value).lower()
    if found in options:
        return options[found]
    for suffix in _SUFFIXES:
        if found.endswith(suffix) and found.removesuffix(suffix) in options:
            return options[found.removesuffix(suffix)]
    raise Invalid("choice")
