"""Investment reports (投资报送): what a project completed and the funds it has, by date.

Append-only like progress reports, so that a bulletin for a past period can be
computed from the reports dated on or before its end. Amounts are 万元 as exact
decimals. A report carries the whole picture of the year so far (本月完成投资,
本年累计完成投资, 到位资金, 实际开工时间); what a person leaves out is derived from the
project's previous report of the same year, so a bulletin only ever needs the
latest report.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.sql import Subquery

from engine.ledger.values import Invalid, amount
from engine.store.db import writer
from engine.store.lookups import BadInput, resolve_project
from engine.store.tables import IR, utcnow


def parse_amount(text: str | None, what: str) -> Decimal | None:
    """'1234.5' or '1234.5万' (万元), '3.2亿' (亿元, = 32000 万元); None when not given.
    The ledger's reading of an amount cell, so the CLI and a ledger agree."""
    try:
        return amount(text)
    except Invalid:
        raise BadInput(f"{what}: {text!r} is not an amount in 万元 like 1200 or 3.5亿") \
            from None


@dataclass
class Recorded:
    project: str
    report_date: date
    month_amount: Decimal
    ytd_amount: Decimal
    funds_in_place: Decimal
    actual_start: date | None


@dataclass(frozen=True, slots=True)
class Figures:
    """A report's four figures, complete (what a bulletin reads)."""

    month_amount: Decimal
    ytd_amount: Decimal
    funds_in_place: Decimal
    actual_start: date | None


class Inconsistent(ValueError):
    """Figures that cannot all be true: ``field`` is the one to correct, ``why`` and
    ``params`` say why (the ledger import words it in the user's language)."""

    def __init__(self, field: str, why: str, message: str, **params: str) -> None:
        super().__init__(message)
        self.field, self.why, self.params = field, why, params


def fill(prev: Any, report_date: date, *, month_amount: Decimal | None = None,
         ytd_amount: Decimal | None = None, funds_in_place: Decimal | None = None,
         actual_start: date | None = None) -> Figures:
    """The complete figures of a report, the missing ones from ``prev``.

    ``prev`` is the project's latest report of the same year dated on or before
    ``report_date`` (None for the first). Given only this month's amount, the year to
    date is the previous one plus it (a second report in the same month replaces the
    first's month); given only the year to date, this month's is the difference;
    funds in place and the start carry forward. One place for these rules: the CLI
    and the ledger import both use it.
    """
    if actual_start is not None and actual_start > report_date:
        raise Inconsistent("actual_start", "start_after_report",
                           f"start date {actual_start} is after the report date {report_date}",
                           date=report_date.isoformat())
    prev_ytd = prev.ytd_amount if prev is not None else Decimal(0)
    same_month = prev is not None and prev.report_date.month == report_date.month
    base = prev_ytd - (prev.month_amount if same_month else Decimal(0))  # before this month
    if ytd_amount is not None and ytd_amount < base:
        raise Inconsistent("ytd_amount", "ytd_below_previous",
                           f"year to date {ytd_amount} 万元 is less than the {base} 万元 "
                           f"reported on {prev.report_date} (it cannot fall within a year)",
                           ytd=f"{base:f}", date=prev.report_date.isoformat())
    if ytd_amount is None:
        ytd_amount = base + month_amount if month_amount is not None else prev_ytd
    if month_amount is None:
        month_amount = ytd_amount - base
    if ytd_amount < month_amount:
        raise Inconsistent("ytd_amount", "ytd_below_month",
                           f"year to date {ytd_amount} 万元 is less than this month's "
                           f"{month_amount} 万元", month=f"{month_amount:f}")
    if funds_in_place is None:
        funds_in_place = prev.funds_in_place if prev is not None else Decimal(0)
    if actual_start is None and prev is not None:
        actual_start = prev.actual_start
    return Figures(month_amount, ytd_amount, funds_in_place, actual_start)


def record_investment(engine: Engine, code: str, *, report_date: date,
                      month_amount: Decimal | None = None, ytd_amount: Decimal | None = None,
                      funds_in_place: Decimal | None = None, actual_start: date | None = None,
                      note: str = "", reporter: str = "") -> Recorded:
    """Append a report; missing figures come from the previous report (:func:`fill`)."""
    if month_amount is None and ytd_amount is None and funds_in_place is None \
            and actual_start is None:
        raise BadInput("give at least one of --month-amount, --ytd, --funds, --started")
    with writer(engine).begin() as conn:  # reads the previous report, then writes
        project = resolve_project(conn, code)
        first = date(report_date.year, 1, 1)
        prev = conn.execute(
            select(IR).where(and_(IR.c.project_id == project.id, IR.c.report_date >= first,
                                  IR.c.report_date <= report_date))
            .order_by(IR.c.report_date.desc(), IR.c.id.desc()).limit(1)).first()
        try:
            got = fill(prev, report_date, month_amount=month_amount, ytd_amount=ytd_amount,
                       funds_in_place=funds_in_place, actual_start=actual_start)
        except Inconsistent as exc:
            raise BadInput(str(exc)) from None
        conn.execute(insert(IR).values(
            project_id=project.id, report_date=report_date, month_amount=got.month_amount,
            ytd_amount=got.ytd_amount, funds_in_place=got.funds_in_place,
            actual_start=got.actual_start, note=note, reporter=reporter, created_at=utcnow()))
    return Recorded(code, report_date, got.month_amount, got.ytd_amount, got.funds_in_place,
                    got.actual_start)


def latest_reports(as_of: date) -> Subquery:
    """Each project's latest investment report of ``as_of``'s year dated on or before it
    (the figures that stood then: bulletins, exports and ``lights investment`` read it)."""
    first = date(as_of.year, 1, 1)
    ranked = (select(IR.c.project_id, IR.c.report_date, IR.c.month_amount, IR.c.ytd_amount,
                     IR.c.funds_in_place, IR.c.actual_start,
                     func.row_number().over(partition_by=IR.c.project_id,
                                            order_by=(IR.c.report_date.desc(),
                                                      IR.c.id.desc())).label("rn"))
              .where(and_(IR.c.report_date >= first, IR.c.report_date <= as_of))
              .subquery("ranked_ir"))
    return (select(ranked.c.project_id, ranked.c.report_date, ranked.c.month_amount,
                   ranked.c.ytd_amount, ranked.c.funds_in_place, ranked.c.actual_start)
            .where(ranked.c.rn == 1).subquery("invest_at"))
