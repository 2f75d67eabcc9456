"""The default milestone rules as array arithmetic: a chunk of milestones at once.

The same decisions and the same numbers as :mod:`rules.milestone`, computed over
columns (numpy arrays, one element per milestone) instead of one row at a time.
Dates are day numbers (days since 1970-01-01, :data:`NA` for none); working days come
from a cumulative working-day array indexed by day, one row per winter pause, so
every count is two lookups and a subtraction. ``tests/test_columns.py`` proves the
lights, rules, numbers and reasons equal the per-row rules' on the rule edge cases,
the demo and a random programme.

A rule takes part only if it has an array form here (:data:`ARRAY_RULES`); a chain
with a rule that has none is evaluated row by row (:func:`missing_forms`).

Rounding follows Python's ``round`` exactly (numpy rounds differently at halves): the
few values within a hair of a half are rounded again by Python.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from string import Formatter
from typing import Any

import numpy as np

from rules.calendar import Pause, WorkCalendar
from rules.lights import SEVERITY, Light
from rules.milestone import (
    DueSoonParams,
    FinishedParams,
    OverdueParams,
    ScheduleLagParams,
    StaleReportParams,
)
from rules.reasons import _EN_UNITS, _SEPARATOR, TEMPLATES, _number, format_day
from rules.registry import RuleParams

NA = -(1 << 40)
"""The day number of a date that is not there (no start, no report, not finished)."""
EPOCH = date(1970, 1, 1).toordinal()
LIGHTS: tuple[Light, ...] = tuple(Light)
CODE = {light: i for i, light in enumerate(LIGHTS)}
VALUES: tuple[str, ...] = tuple(light.value for light in LIGHTS)  # by code, as stored
SEV = np.array([SEVERITY[light] for light in LIGHTS], dtype=np.int8)
DONE_CODES = np.array([light in (Light.DONE, Light.DONE_LATE) for light in LIGHTS])
Array = np.ndarray


def day_number(day: date | None) -> int:
    return NA if day is None else day.toordinal() - EPOCH


def day_of(number: int) -> date:
    return date.fromordinal(number + EPOCH)


# -- working days as arrays ------------------------------------------------------------
@dataclass(slots=True)
class DayTable:
    """Cumulative working days (and calendar days outside the pause) by day number.

    Row 0 counts with no pause; row k with ``pauses[k]``. ``cum[k, i]`` is the number
    of counted days in ``[first, first + i)``, so a count over ``[a, b)`` is
    ``cum[k, b - first] - cum[k, a - first]``, as in :class:`WorkCalendar`.
    """

    first: int
    cum: Array
    outside: Array
    pauses: list[Pause]

    @property
    def last(self) -> int:
        """The last day number a count may end on (exclusive end, one past the table)."""
        return self.first + self.cum.shape[1] - 1

    @classmethod
    def build(cls, calendar: WorkCalendar, pauses: Sequence[Pause], first_year: int,
              last_year: int) -> DayTable:
        """The tables for whole years, from the calendar (which records estimated years).

        ``pauses[0]`` must be ``()``: row 0 counts without a pause.
        """
        calendar.cover([date(first_year, 1, 1), date(last_year, 12, 31)])
        start = date(first_year, 1, 1)
        n = (date(last_year + 1, 1, 1) - start).days
        days = [start + timedelta(i) for i in range(n)]
        work = np.fromiter((calendar.is_working_day(d) for d in days), dtype=bool, count=n)
        md = np.fromiter((d.month * 100 + d.day for d in days), dtype=np.int32, count=n)
        rows = list(pauses) or [()]
        cum = np.zeros((len(rows), n + 1), dtype=np.int32)
        outside = np.zeros((len(rows), n + 1), dtype=np.int32)
        for k, pause in enumerate(rows):
            open_day = np.ones(n, dtype=bool)
            for w in pause:
                lo, hi = w.start[0] * 100 + w.start[1], w.end[0] * 100 + w.end[1]
                inside = (md >= lo) & (md <= hi) if lo <= hi else (md >= lo) | (md <= hi)
                open_day &= ~inside
            np.cumsum(work & open_day, out=cum[k, 1:])
            np.cumsum(open_day, out=outside[k, 1:])
        return cls(start.toordinal() - EPOCH, cum, outside, list(rows))

    def covers(self, lo: int, hi: int, pauses: int) -> bool:
        """Whether counts may look up every day from ``lo`` to ``hi`` (inclusive, plus one
        past ``hi``) with ``pauses`` pause rows."""
        return self.first <= lo and hi < self.last and pauses <= len(self.pauses)

    def count(self, start: Array, end: Array, pause: Array) -> Array:
        """Working days in ``[start, end)`` skipping each row's pause; 0 if end <= start."""
        return self._diff(self.cum, start, end, pause)

    def days_outside(self, start: Array, end: Array, pause: Array) -> Array:
        """Calendar days in ``[start, end)`` outside each row's pause; 0 if end <= start."""
        return self._diff(self.outside, start, end, pause)

    def _diff(self, table: Array, start: Array, end: Array, pause: Array) -> Array:
        top = table.shape[1] - 1
        valid = end > start
        i = np.clip(start - self.first, 0, top)
        j = np.clip(end - self.first, 0, top)
        return np.where(valid, table[pause, j] - table[pause, i], 0)


# -- a chunk's facts -----------------------------------------------------------------
@dataclass(slots=True)
class Columns:
    """The facts of a chunk of milestones, one array element per milestone."""

    planned_date: Array  # int64 day numbers
    planned_start: Array  # NA: none
    percent: Array  # float64
    actual_date: Array
    last_report: Array
    pause: Array  # int: row of the DayTable (0: no pause)

    def __len__(self) -> int:
        return len(self.planned_date)

    def needed_days(self, as_of: int) -> tuple[int, int]:
        """The first and last day number the rules may look up."""
        lo, hi = as_of, as_of
        for column in (self.planned_start, self.planned_date, self.last_report):
            present = column[column != NA]
            if present.size:
                lo, hi = min(lo, int(present.min())), max(hi, int(present.max()))
        return lo, hi


def columns_of(facts: Sequence[Any], pauses: list[Pause]) -> Columns:
    """Columns from per-row :class:`~rules.milestone.MilestoneFacts` (tests, few rows).

    A pause not yet in ``pauses`` (which starts with ``()``) is appended to it.
    """
    def pause_row(pause: Pause) -> int:
        if pause not in pauses:
            pauses.append(pause)
        return pauses.index(pause)

    return Columns(
        planned_date=np.array([day_number(f.planned_date) for f in facts], dtype=np.int64),
        planned_start=np.array([day_number(f.planned_start) for f in facts], dtype=np.int64),
        percent=np.array([float(f.percent) for f in facts], dtype=np.float64),
        actual_date=np.array([day_number(f.actual_date) for f in facts], dtype=np.int64),
        last_report=np.array([day_number(f.last_report) for f in facts], dtype=np.int64),
        pause=np.array([pause_row(f.pause) for f in facts], dtype=np.int64))


@dataclass(slots=True)
class ArrayContext:
    as_of: int
    table: DayTable


def py_round(x: Array, ndigits: int) -> Array:
    """``round(v, ndigits)`` for each element, exactly as Python rounds."""
    scale = 10.0 ** ndigits
    scaled = x * scale
    out = np.rint(scaled) / scale
    frac = scaled - np.floor(scaled)
    near = np.abs(frac - 0.5) < (1e-6 if ndigits <= 3 else 1e-3)
    if near.any():
        idx = np.flatnonzero(near)
        out[idx] = [round(float(v), ndigits) for v in x[idx]]
    return out


# -- the rules ---------------------------------------------------------------------------
@dataclass(slots=True)
class Found:
    """One rule over a chunk: where it fired, the light it asks for, its numbers.

    ``numbers`` keeps the per-row rules' key order; ``optional`` marks keys present
    only where their mask is true (e.g. ``paused_days``); a scalar is the same for all.
    """

    rule: str
    fired: Array
    light: Array
    numbers: dict[str, Any]
    optional: dict[str, Array] = field(default_factory=dict)


ArrayRule = Callable[[Columns, ArrayContext, Any], Found]
ARRAY_RULES: dict[str, ArrayRule] = {}
DATE_KEYS = ("date", "report", "start")


def array_form(name: str) -> Callable[[ArrayRule], ArrayRule]:
    """Register the array form of the registered rule ``name``."""
    def register(func: ArrayRule) -> ArrayRule:
        ARRAY_RULES[name] = func
        return func
    return register


def missing_forms(chain: Sequence[tuple[str, RuleParams]]) -> list[str]:
    """The configured rules that have no array form (evaluated row by row instead)."""
    return [name for name, _ in chain if name not in ARRAY_RULES]


def _light(n: int, light: Light) -> Array:
    return np.full(n, CODE[light], dtype=np.int8)


@array_form("finished")
def finished(c: Columns, ctx: ArrayContext, p: FinishedParams) -> Found:
    fired = (c.actual_date != NA) & (c.actual_date <= ctx.as_of)
    late = c.actual_date - c.planned_date
    light = np.where(late > 0, CODE[Light.DONE_LATE], CODE[Light.DONE]).astype(np.int8)
    return Found("finished", fired, light, {"planned_date": c.planned_date,
                                            "actual_date": c.actual_date,
                                            "days_late": np.maximum(late, 0)})


@array_form("overdue")
def overdue(c: Columns, ctx: ArrayContext, p: OverdueParams) -> Found:
    late = ctx.as_of - c.planned_date
    return Found("overdue", late > p.grace_days, _light(len(c), Light.RED),
                 {"planned_date": c.planned_date, "days_late": late, "percent": c.percent})


def expected_percent(c: Columns, ctx: ArrayContext) -> Array:
    """序时进度 for each milestone (see :func:`rules.milestone.expected_percent`)."""
    start = np.where(c.planned_start != NA, c.planned_start, c.planned_date)
    after = c.planned_date + 1
    total = ctx.table.count(start, after, c.pause)
    elapsed = ctx.table.count(start, np.minimum(ctx.as_of, after), c.pause)
    share = 100.0 * elapsed / np.where(total == 0, 1, total)
    return np.where(total == 0, np.where(ctx.as_of > c.planned_date, 100.0, 0.0), share)


@array_form("schedule_lag")
def schedule_lag(c: Columns, ctx: ArrayContext, p: ScheduleLagParams) -> Found:
    started = (c.planned_start == NA) | (ctx.as_of > c.planned_start)
    applies = started & (ctx.as_of <= c.planned_date)
    expected = expected_percent(c, ctx)
    lag = py_round(expected - c.percent, 9)
    red = applies & (lag >= p.red_points) if p.red_points is not None else np.zeros(len(c), bool)
    yellow = (applies & ~red & (lag >= p.yellow_points) if p.yellow_points is not None
              else np.zeros(len(c), bool))
    light = np.where(red, CODE[Light.RED], CODE[Light.YELLOW]).astype(np.int8)
    return Found("schedule_lag", red | yellow, light,
                 {"expected": py_round(expected, 1), "percent": c.percent,
                  "lag": py_round(lag, 1)})


@array_form("due_soon")
def due_soon(c: Columns, ctx: ArrayContext, p: DueSoonParams) -> Found:
    applies = (ctx.as_of <= c.planned_date) & (c.percent < p.min_percent)
    start = np.full(len(c), ctx.as_of + 1)
    end = c.planned_date + 1
    left = ctx.table.count(start, end, c.pause)
    fired = applies & (left <= p.working_days)
    paused = np.where(c.pause != 0, ctx.table.count(start, end, np.zeros_like(c.pause)) - left, 0)
    return Found("due_soon", fired, _light(len(c), Light.YELLOW),
                 {"planned_date": c.planned_date, "working_days_left": left,
                  "percent": c.percent, "min_percent": p.min_percent,
                  "paused_working_days": paused},
                 {"paused_working_days": paused != 0})


@array_form("stale_report")
def stale_report(c: Columns, ctx: ArrayContext, p: StaleReportParams) -> Found:
    has_start = c.planned_start != NA
    since = np.where(c.last_report != NA, c.last_report, c.planned_start)
    gate = np.where(has_start, c.planned_start, since)
    applies = (since != NA) & ~(ctx.as_of < gate)
    counted_from = np.maximum(c.last_report, c.planned_start)  # NA is below every day
    as_of = np.full(len(c), ctx.as_of)
    fired = applies & (ctx.table.days_outside(counted_from, as_of, c.pause) > p.days)
    quiet = ctx.as_of - since
    paused = quiet - ctx.table.days_outside(since, as_of, c.pause)
    return Found("stale_report", fired, _light(len(c), Light.YELLOW),
                 {"last_report": c.last_report, "days_quiet": quiet, "limit": p.days,
                  "paused_days": paused},
                 {"paused_days": paused != 0})


# -- combining ----------------------------------------------------------------------------
NOT_STARTED, ON_TRACK = -1, -2


@dataclass(slots=True)
class Outcome:
    """A chunk's verdicts: each milestone's light, and its findings as a combination.

    ``combo[i]`` indexes ``combos``: the findings of milestone ``i``, worst first, as
    indices into ``found`` (the chain's rules, then not_started and on_track).
    """

    light: Array
    combo: Array
    combos: list[tuple[int, ...]]
    rule_ids: list[str]
    found: list[Found]
    sig: Array  # the findings' signature: equal signatures, equal rules and lights

    def rules_of(self) -> Array:
        """Each milestone's rule ids as stored (``light_rules``), as an object array."""
        return np.array(self.rule_ids, dtype=object)[self.combo]


def evaluate(c: Columns, ctx: ArrayContext, chain: Sequence[tuple[str, RuleParams]]) -> Outcome:
    """Apply the chain's rules to every milestone (see :func:`rules.milestone.evaluate`)."""
    n = len(c)
    found = [ARRAY_RULES[name](c, ctx, params) for name, params in chain]
    # A signature per milestone: the rules that fired with their lights (4 bits each,
    # in chain order), or the finish that ends evaluation (below -2), or nothing.
    sig = np.zeros(n, dtype=np.int64)
    done = np.zeros(n, dtype=np.int64)
    for k, f in enumerate(found):
        ends = f.fired & DONE_CODES[f.light] & (done == 0)
        done[ends] = k * 16 + f.light[ends].astype(np.int64) + 3
        sig |= np.where(f.fired, f.light.astype(np.int64) + 1, 0) << (4 * k)
    started = (c.planned_start == NA) | ~(ctx.as_of < c.planned_start)
    sig = np.where(done > 0, -done, np.where(sig == 0, np.where(started, ON_TRACK, NOT_STARTED),
                                             sig))
    found.append(Found("not_started", np.zeros(n, bool), _light(n, Light.PLANNED),
                       {"planned_start": c.planned_start, "planned_date": c.planned_date}))
    found.append(Found("on_track", np.zeros(n, bool), _light(n, Light.GREEN),
                       {"planned_date": c.planned_date,
                        "expected": py_round(expected_percent(c, ctx), 1),
                        "percent": c.percent}))
    keys, combo = np.unique(sig, return_inverse=True)
    combos: list[tuple[int, ...]] = []
    lights: list[int] = []
    for key in keys.tolist():
        order, light = _decode(key, len(chain))
        combos.append(order)
        lights.append(light)
    rule_ids = [",".join(found[i].rule for i in order) for order in combos]
    light = np.array(lights, dtype=np.int8)[combo.reshape(-1)]
    return Outcome(light, combo.reshape(-1), combos, rule_ids, found, sig)


def numbers_differ(now: Outcome, before: Outcome) -> Array:
    """Where a milestone's findings (rules, lights or numbers) differ between two
    evaluations of the same columns (e.g. tonight and the previous night)."""
    differ = now.sig != before.sig
    for k, (a, b) in enumerate(zip(now.found, before.found, strict=True)):
        member = np.isin(now.combo, [c for c, order in enumerate(now.combos) if k in order])
        if not member.any():
            continue
        for key, value in a.numbers.items():
            other = b.numbers[key]
            if isinstance(value, np.ndarray):
                differ |= member & (value != other)
        for key, mask in a.optional.items():
            differ |= member & (mask != b.optional[key])
    return differ


def _decode(key: int, chain_len: int) -> tuple[tuple[int, ...], int]:
    """A signature's findings, worst first (stable: chain order among equals), and light."""
    if key == NOT_STARTED:
        return (chain_len,), CODE[Light.PLANNED]
    if key == ON_TRACK:
        return (chain_len + 1,), CODE[Light.GREEN]
    if key < 0:
        k, light = divmod(-key - 3, 16)
        return (k,), light
    fired = [(k, ((key >> (4 * k)) & 15) - 1) for k in range(chain_len)
             if (key >> (4 * k)) & 15]
    fired.sort(key=lambda kl: -int(SEV[kl[1]]))
    return tuple(k for k, _ in fired), fired[0][1]


# -- the stored numbers and the words -------------------------------------------------
class Texts:
    """JSON text of findings and reason words for chosen milestones, exactly as the
    per-row path stores and renders them (``facts_json`` + ``json.dumps``,
    :func:`rules.reasons.describe_all`).

    Work is per distinct value: a column's texts are made once per value in it (a day,
    a percent) and spread with numpy, then each row is one ``%`` or ``format``.
    """

    def __init__(self) -> None:
        self._cache: dict[tuple[str, type, Any], str] = {}
        self._formats: dict[tuple[str, str], tuple[str, list[str]]] = {}

    def column(self, kind: str, values: Array | Any, n: int) -> list[str]:
        """The texts of one column: ``kind`` is iso, day:zh, day:en, pct, num, json or str."""
        if not isinstance(values, np.ndarray):
            return [self._text(kind, values)] * n
        if n == 0:
            return []
        uniq, inv = np.unique(values, return_inverse=True)
        texts = np.array([self._text(kind, v) for v in uniq.tolist()], dtype=object)
        return texts[inv.reshape(-1)].tolist()

    def _text(self, kind: str, v: Any) -> str:
        key = (kind, type(v), v)  # 54 and 54.0 are equal keys, but not the same JSON
        text = self._cache.get(key)
        if text is None:
            text = self._cache[key] = _TEXT[kind](v)
        return text

    # -- per finding ------------------------------------------------------------------
    def json_parts(self, f: Found, rows: Array) -> list[str]:
        """Each row's finding as the JSON text ``json.dumps`` gives its stored dict."""
        n = len(rows)
        cols, keys, masks = [], [], []
        for key, value in f.numbers.items():
            vals = value[rows] if isinstance(value, np.ndarray) else value
            if key.endswith(DATE_KEYS):
                cols.append(self.column("iso", vals, n))
            else:
                cols.append(self.column("json", vals, n))
            keys.append(key)
            masks.append(f.optional[key][rows] if key in f.optional else None)
        # One %-template per light and per set of optional keys present.
        variant = f.light[rows].astype(np.int64)
        for b, mask in enumerate(m for m in masks if m is not None):
            variant = variant | (mask.astype(np.int64) << (8 + b))
        out: list[str] = [""] * n
        for v in np.unique(variant).tolist():
            where = np.flatnonzero(variant == v)
            present, b = [], 0
            for mask in masks:
                if mask is None:
                    present.append(True)
                else:
                    present.append(bool((v >> (8 + b)) & 1))
                    b += 1
            light = LIGHTS[v & 255].value
            body = ", ".join(f'"{k}": %s' for k, p in zip(keys, present, strict=True) if p)
            template = f'{{"rule": "{f.rule}", "light": "{light}", "numbers": {{{body}}}}}'
            picked = [col for col, p in zip(cols, present, strict=True) if p]
            idx = where.tolist()
            for pos, row in zip(idx, zip(*[[c[i] for i in idx] for c in picked], strict=True),
                                strict=True):
                out[pos] = template % row
        return out

    def reason_parts(self, f: Found, rows: Array, lang: str) -> list[str]:
        """Each row's finding in words (:func:`rules.reasons.describe`)."""
        fmt, fields = self._format(f.rule, lang)
        n = len(rows)
        words = {name: self._words(f, name, rows, lang, n) for name in fields}
        return [fmt.format(*row) for row in zip(*(words[k] for k in fields), strict=True)] \
            if fields else [fmt] * n

    def _format(self, rule: str, lang: str) -> tuple[str, list[str]]:
        """The rule's template with its fields numbered, and their names in order."""
        key = (rule, lang)
        if key not in self._formats:
            parts, fields = [], []
            for literal, name, spec, conv in Formatter().parse(TEMPLATES[rule][lang]):
                parts.append(literal.replace("{", "{{").replace("}", "}}"))
                if name is not None:
                    fields.append(name)
                    parts.append("{" + str(len(fields) - 1) + (f"!{conv}" if conv else "")
                                 + (f":{spec}" if spec else "") + "}")
            self._formats[key] = ("".join(parts), fields)
        return self._formats[key]

    def _words(self, f: Found, name: str, rows: Array, lang: str, n: int) -> list[str]:
        """One word of the template for each row (see :func:`rules.reasons._words`)."""
        def value(key: str, absent: Any = None) -> Array | Any:
            if key not in f.numbers:
                return absent
            v = f.numbers[key]
            v = v[rows] if isinstance(v, np.ndarray) else v
            if key in f.optional:
                v = np.where(f.optional[key][rows], v, 0)
            return v

        if name in f.numbers:
            v = value(name)
            if name.endswith(DATE_KEYS):
                return self.column(f"day:{lang}", v, n)
            if name in ("percent", "expected", "min_percent"):
                return self.column("pct", v, n)
            is_float = v.dtype.kind == "f" if isinstance(v, np.ndarray) else isinstance(v, float)
            return self.column("num" if is_float else "str", v, n)
        base, _, suffix = name.rpartition("_")
        if suffix == "en" and base in _EN_UNITS and base in f.numbers:
            return self.column(f"unit:{_EN_UNITS[base]}", value(base), n)
        derived = _DERIVED.get(name)
        if derived is None:
            raise KeyError(name)
        source, kind = derived
        return self.column(kind, value(source, 0), n)


def _unit(unit: str) -> Callable[[Any], str]:
    return lambda x: f"{int(x)} {unit}" + ("" if int(x) == 1 else "s")


def _json(v: Any) -> str:
    if isinstance(v, bool) or v is None:
        return {True: "true", False: "false", None: "null"}[v]
    return repr(v) if isinstance(v, float) else str(v)


_TEXT: dict[str, Callable[[Any], str]] = {
    "iso": lambda v: "null" if v == NA else f'"{day_of(v).isoformat()}"',
    "day:zh": lambda v: format_day(None if v == NA else day_of(v), "zh"),
    "day:en": lambda v: format_day(None if v == NA else day_of(v), "en"),
    "pct": lambda v: f"{_number(float(v))}%",
    "num": lambda v: _number(v),
    "str": str,
    "json": _json,
    "paused_zh": lambda p: f"，冬季停工{int(p)}天不计" if p else "",
    "paused_en": lambda p: f", {int(p)} winter-pause days not counted" if p else "",
    "paused_wd_zh": lambda p: f"（停工期内{int(p)}个工作日不计）" if p else "",
    "paused_wd_en": lambda p: (f" ({int(p)} working days in the winter pause not counted)"
                               if p else ""),
    "late_zh": lambda x: f"，逾期{int(x)}天" if x else "",
    "late_en": lambda x: f", {_unit('day')(x)} late" if x else "",
    **{f"unit:{u}": _unit(u) for u in set(_EN_UNITS.values())},
}
# Words derived from a number: the word's name → (the number, the text kind).
_DERIVED = {"paused_zh": ("paused_days", "paused_zh"), "paused_en": ("paused_days", "paused_en"),
            "paused_wd_zh": ("paused_working_days", "paused_wd_zh"),
            "paused_wd_en": ("paused_working_days", "paused_wd_en"),
            "late_zh": ("days_late", "late_zh"), "late_en": ("days_late", "late_en")}


def render(outcome: Outcome, rows: Array, texts: Texts, lang: str | None
           ) -> tuple[list[str], list[str]]:
    """(JSON text of the findings, reason in ``lang``) for each of ``rows``, in order.

    With ``lang`` None the reasons are left empty (work proportional to change).
    """
    n = len(rows)
    facts: list[str] = [""] * n
    reasons: list[str] = [""] * n
    combo = outcome.combo[rows]
    sep = _SEPARATOR[lang] if lang else ""
    for c in np.unique(combo).tolist():
        where = np.flatnonzero(combo == c)
        sub = rows[where]
        order = outcome.combos[c]
        positions = where.tolist()
        jparts = [texts.json_parts(outcome.found[k], sub) for k in order]
        if len(order) == 1:
            for pos, part in zip(positions, jparts[0], strict=True):
                facts[pos] = f"[{part}]"
        else:
            for pos, parts in zip(positions, zip(*jparts, strict=True), strict=True):
                facts[pos] = "[" + ", ".join(parts) + "]"
        if lang:
            rparts = [texts.reason_parts(outcome.found[k], sub, lang) for k in order]
            if len(order) == 1:
                for pos, part in zip(positions, rparts[0], strict=True):
                    reasons[pos] = part
            else:
                for pos, parts in zip(positions, zip(*rparts, strict=True), strict=True):
                    reasons[pos] = sep.join(parts)
    return facts, reasons
