"""Which sheet is which, where its header row is, and which column each header names.

Headers compare squeezed (NFKC, no spaces, lower case, a required-mark ``*`` dropped),
after taking off a unit (``总投资（亿元）`` → 总投资 in 亿元) or a ``(%)``, and after
turning a leading year into 年度 (``2026年计划投资`` → 年度计划投资). The header row is
the row among the first :data:`SCAN_ROWS` with the most known headers, the project code
among them: title rows above it (merged or not) and blank rows are passed over.
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


def find_header(rows: Iterable[tuple[int, Sequence[Any]]],
                table: HeaderTable) -> tuple[int, Sequence[Any]] | None:
    """The header row among the first rows: the most known headers, the code among them."""
    best: tuple[int, int, Sequence[Any]] | None = None
    for number, values in rows:
        found = [table.match(v) for v in values]
        keys = {m[0].key for m in found if m}
        if "code" in keys and len(keys) >= 2 and (best is None or len(keys) > best[0]):
            best = (len(keys), number, values)
    return (best[1], best[2]) if best else None


def kind_by_name(name: str) -> SheetKind | None:
    found = squeeze(name).lower()
    for kind, names in SHEET_NAMES.items():
        if found in names:
            return kind
    return None


def kind_by_headers(keys: set[str]) -> SheetKind:
    if "milestone" not in keys:
        return "projects"
    if {"planned_date", "planned_start", "baseline_date", "kind"} & keys:
        return "milestones"
    return "progress" if "report_date" in keys else "milestones"


def layout(sheet_name: str, header_row: int, values: Sequence[Any],
           table: HeaderTable) -> Layout:
    """Read a header row: the sheet's kind (by its name, else by its headers) and columns."""
    matched: list[Placed] = []
    unknown: list[str] = []
    for index, value in enumerate(values):
        hit = table.match(value)
        if hit:
            matched.append(Placed(index, hit[0], hit[1], str(value).strip()))
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
