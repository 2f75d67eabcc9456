"""Reading what a person typed into a form: one clear sentence when it cannot be used.

Dates are read by the ledgers' own reader (2026-10-31, 2026/10/31, 2026年10月31日 …), so
that a date means the same whether it came in a workbook or a form. Every failure is a
:class:`FormError` naming the field; the page shows it beside the form and nothing is
written.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from engine.ledger.values import Invalid
from engine.ledger.values import day as read_day
from engine.ledger.values import percent as read_percent

MAX_TEXT = 2000


class FormError(Exception):
    """A field that cannot be used: ``key`` is the words' key, ``field`` the input."""

    def __init__(self, field: str, key: str, **values: Any) -> None:
        super().__init__(f"{field}: {key}")
        self.field, self.key, self.values = field, key, values


def text(form: Any, field: str, *, required: bool = False, limit: int = MAX_TEXT) -> str:
    value = str(form.get(field) or "").strip()
    if required and not value:
        raise FormError(field, "form.required")
    if len(value) > limit:
        raise FormError(field, "form.too_long", n=limit)
    return value


def percent(form: Any, field: str, *, required: bool = True) -> float | None:
    raw = str(form.get(field) or "").strip()
    if not raw:
        if required:
            raise FormError(field, "form.required")
        return None
    try:  # the ledger's one percent rule, as on the command line: 60%, 60 or 0.6
        return read_percent(raw)
    except Invalid:
        raise FormError(field, "form.percent") from None


def day(form: Any, field: str, *, required: bool = False) -> date | None:
    raw = str(form.get(field) or "").strip()
    if not raw:
        if required:
            raise FormError(field, "form.required")
        return None
    try:
        return read_day(raw)
    except Invalid:
        raise FormError(field, "form.date") from None


def integer(form: Any, field: str, *, lo: int, hi: int, default: int | None = None) -> int:
    raw = str(form.get(field) or "").strip()
    if not raw and default is not None:
        return default
    if not raw.isdigit() or not lo <= int(raw) <= hi:
        raise FormError(field, "form.integer", lo=lo, hi=hi)
    return int(raw)
