"""Which sheet is which, where its header row is, and which column each header names.

Headers compare squeezed (NFKC, no spaces, lower case, a required-mark ``*`` dropped),
after taking off a unit (``总投资（亿元）`` → 总投资 in 亿元) or a ``(%)``, and after
turning a leading year into 年度 (``2026年计划投资`` → 年度计划投资). The header row is
the row among the first :data:`SCAN_ROWS` with the most known headers, the project code
among them: title rows above it (merged or not) and blank rows are passed over.

A header may take two rows (:func:`two_rows`): a group title merged over sub-headers
(计划投资 over 总投资 | 年度计划), with the other headers merged down over both rows.
openpyxl's streaming reader does not give merged ranges, but a merge reads as its first
cell with blanks after it, and that is enough: a sub-header's group is the title above
it or, under a blank, the nearest title to its left while the sub-headers run on.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from engine.ledger.columns import (
    BY_KEY,
    COLUMNS,
    REQUIRED_COLUMNS,
    SHEET_NAMES,
    SHEET_RECORDS,
    Column,
    SheetKind,
)
from engine.ledger.values import is_blank, squeeze

SCAN_ROWS = 30
_UNIT_RE = re.compile(r"(?:[(\[](万元|亿元|元|10kyuan|100myuan|yuan)[)\]]|(万元|亿元))$")
_UNITS = {"万元": "万元", "亿元": "亿元", "元": "元", "10kyuan": "万元", "100myuan": "亿元",
          "yuan": "元"}
_PERCENT_RE = re.compile(r"[(\[]?%[)\]]?$")
_YEAR_RE = re.compile(r"^(?:19|20)\d{2}年度?")
# Columns a sheet may carry without taking them; they are not worth a warning.
QUIET = frozenset({"seq", "light", "reason", "days_late"})
# A sub-header that names its group's own total (总投资 over 合计 | 其中：中央资金).
_TOTAL_WORDS = frozenset({"合计", "小计", "总计", "total", "subtotal"})


def column_letter(index: int) -> str:
    """A, B, …, Z, AA for a 0-based column index (as Excel labels columns)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


class AliasError(ValueError):
    """An alias in ``ledger.header_aliases`` that cannot be used."""


def split(header: Any) -> tuple[str, str | None]:
    """The squeezed header without its unit, and the unit (万元/亿元/元) if it named one."""
    found = squeeze(header).lower().strip("*:：")
    unit = None
    match = _UNIT_RE.search(found)
    if match and match.start() > 0:
        unit = _UNITS[match.group(1) or match.group(2)]
        found = found[:match.start()]
    found = _PERCENT_RE.sub("", found) or found
    year = _YEAR_RE.match(found)
    if year and year.end() < len(found):
        found = "年度" + found[year.end():].removeprefix("年度")
    return found, unit


class HeaderTable:
    """Header text → column: the built-in names and aliases plus the configured ones."""

    def __init__(self, aliases: Mapping[str, Sequence[str]] | None = None) -> None:
        self._names: dict[str, str] = {}
        for column in COLUMNS:
            for name in (column.zh, column.en, column.key, *column.aliases):
                self._add(name, column.key, builtin=True)
        for target, names in (aliases or {}).items():
            key = self.canonical(target)
            if key is None:
                raise AliasError(f"{target!r} is not a ledger column")
            for name in names:
                self._add(name, key, builtin=False)

    def _add(self, name: str, key: str, *, builtin: bool) -> None:
        base, _ = split(name)
        other = self._names.get(base)
        if other is not None and other != key:
            if builtin:
                raise AssertionError(f"header {name!r} names both {other} and {key}")
            raise AliasError(f"{name!r} already names the column {BY_KEY[other].zh}")
        self._names[base] = key

    @staticmethod
    def canonical(text: str) -> str | None:
        """The key of a column given by its key or its standard Chinese or English header."""
        base, _ = split(text)
        for column in COLUMNS:
            if base in (column.key.lower(), split(column.zh)[0], split(column.en)[0]):
                return column.key
        return None

    def match(self, header: Any) -> tuple[Column, str | None] | None:
        if is_blank(header) or not isinstance(header, str):
            return None
        base, unit = split(header)
        key = self._names.get(base)
        return (BY_KEY[key], unit) if key else None


@dataclass(frozen=True)
class Placed:
    """A recognised column of one sheet: where it is, what it is, the header as written."""

    index: int
    column: Column
    unit: str | None
    header: str
    row: int = 0  # the row its header text is on (the lower one for a sub-header)
    letter: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "letter", column_letter(self.index))


@dataclass
class Layout:
    """What a sheet is and how to read it."""

    kind: SheetKind
    header_row: int
    placed: list[Placed]
    ignored: list[str] = field(default_factory=list)
    duplicates: list[tuple[Placed, Placed]] = field(default_factory=list)

    @property
    def keys(self) -> set[str]:
        return {p.column.key for p in self.placed}

    def missing(self) -> list[str]:
        """Required columns absent from this sheet."""
        need = list(REQUIRED_COLUMNS[self.kind])
        missing = [k for k in need if k not in self.keys]
        if self.kind == "progress" and not {"percent", "completed_on"} & self.keys:
            missing.append("percent")
        return missing


@dataclass(frozen=True)
class Header:
    """A sheet's header: each column's header text and the row it is on; the data starts
    below ``last`` (the sub-header row of a two-row header, else ``row`` itself)."""

    row: int
    values: list[Any]
    rows: list[int]
    last: int


def _keys(values: Iterable[Any], table: HeaderTable) -> set[str]:
    return {m[0].key for m in map(table.match, values) if m}


def find_header(rows: Sequence[tuple[int, Sequence[Any]]],
                table: HeaderTable) -> Header | None:
    """The header among the first rows: the most known headers, the code among them; a
    row and the sub-header row below it count as one (:func:`two_rows`)."""
    best: tuple[int, Header] | None = None
    for i, (number, values) in enumerate(rows):
        header = Header(number, list(values), [number] * len(values), number)
        if i + 1 < len(rows) and rows[i + 1][0] == number + 1:
            header = two_rows(header, rows[i + 1][1], table) or header
        keys = _keys(header.values, table)
        if "code" in keys and len(keys) >= 2 and (best is None or len(keys) > best[0]):
            best = (len(keys), header)
    return best[1] if best else None


def two_rows(upper: Header, lower: Sequence[Any], table: HeaderTable) -> Header | None:
    """The header of ``upper`` completed by the row below, when that row is sub-headers:
    text only, blank under the project code (merged down over both rows), and naming a
    column, alone or with its group (a unit under its header, 亿元, counts). None when the
    row below is anything else: data, even a row that lacks its code, stays data."""
    width = max(len(upper.values), len(lower))
    up = [*upper.values, *[None] * (width - len(upper.values))]
    low = [*lower, *[None] * (width - len(lower))]
    code = next((i for i, x in enumerate(up) if _keys([x], table) == {"code"}), None)
    if code is None or not is_blank(low[code]) or \
            any(not is_blank(x) and not isinstance(x, str) for x in low):
        return None
    values, rows, named = list(up), [upper.row] * width, False
    group: Any = None
    for i, sub in enumerate(low):
        if is_blank(sub):
            group = None  # a header merged down, or the end of a group's sub-headers
            continue
        group = up[i] if not is_blank(up[i]) else group
        found = next((c for c in _candidates(group, sub) if table.match(c)), None)
        named = named or found is not None
        alone = not is_blank(up[i]) and (i + 1 == width or not is_blank(up[i + 1])
                                         or is_blank(low[i + 1]))
        if found is None and alone and table.match(up[i]):
            continue  # a note under a header of its own: the header stands
        values[i], rows[i] = found or str(sub).strip(), upper.row + 1
    return Header(upper.row, values, rows, upper.row + 1) if named else None


def _candidates(group: Any, sub: Any) -> list[str]:
    """What a sub-header may mean, most specific first: with its group's words before it
    (计划 + 开始时间) or after it (本月 + 完成投资), then alone (年度计划 under 计划投资);
    the group's unit carried over (总投资 under 计划投资（亿元）). 合计/小计 under a group
    is the group's own total."""
    sub_text = str(sub).strip()
    if is_blank(group):
        return [sub_text]
    group_text, unit = split(group)
    suffix = f"（{unit}）" if unit and split(sub_text)[1] is None else ""
    if squeeze(sub_text).lower() in _TOTAL_WORDS:
        return [group_text + suffix]
    return [group_text + sub_text + suffix, sub_text + group_text + suffix, sub_text + suffix]


def kind_by_name(name: str) -> SheetKind | None:
    found = squeeze(name).lower()
    for kind, names in SHEET_NAMES.items():
        if found in names:
            return kind
    return None


def kind_by_headers(keys: set[str]) -> SheetKind:
    if {"problem_code", "problem_title"} & keys:
        return "problems"
    if "milestone" not in keys:
        return "projects"
    if {"planned_date", "planned_start", "baseline_date", "kind"} & keys:
        return "milestones"
    return "progress" if "report_date" in keys else "milestones"


def layout(sheet_name: str, header_row: int, values: Sequence[Any],
           table: HeaderTable, rows: Sequence[int] | None = None) -> Layout:
    """Read a header row: the sheet's kind (by its name, else by its headers) and columns;
    ``rows`` gives the row each header is on when it takes two."""
    matched: list[Placed] = []
    unknown: list[str] = []
    for index, value in enumerate(values):
        hit = table.match(value)
        if hit:
            matched.append(Placed(index, hit[0], hit[1], str(value).strip(),
                                  rows[index] if rows else header_row))
        elif not is_blank(value):
            unknown.append(str(value).strip())
    kind = kind_by_name(sheet_name) or kind_by_headers({p.column.key for p in matched})
    taken = SHEET_RECORDS[kind]
    result = Layout(kind, header_row, [], unknown)
    first: dict[str, Placed] = {}
    for placed in matched:
        if placed.column.record not in taken:
            if placed.column.key not in QUIET:
                result.ignored.append(placed.header)
        elif placed.column.key in first:
            result.duplicates.append((first[placed.column.key], placed))
        else:
            first[placed.column.key] = placed
            result.placed.append(placed)
    return result
