"""Investment reports (投资报送): what a project completed and the funds it has, by date.

Append-only like progress reports, so that a bulletin for a past period can be
computed from the reports dated on or before its end. Amounts are 万元 as exact
decimals. A report carries the whole picture of the year so far (本月完成投资,
本年累计完成投资, 到位资金, 实际开工时间); what a person leaves out is derived from the
project's previous report of the same year, so a bulletin only ever needs the
latest report.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import Index, and_, insert, select
from sqlalchemy.engine import Engine
from sqlmodel import Field, SQLModel

from engine.actions import BadInput, resolve_project
from engine.models import utcnow


class InvestmentReport(SQLModel, table=True):
    """One project's investment report (投资报送), append-only."""

    __tablename__ = "investment_report"
    __table_args__ = (Index("ix_investment_project_date", "project_id", "report_date"),)

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="project.id")
    report_date: date = Field(description="报送日期 (the figures stand as of this date)")
    month_amount: Decimal = Field(default=Decimal(0), max_digits=18, decimal_places=2,
                                  description="本月完成投资（万元）")
    ytd_amount: Decimal = Field(default=Decimal(0), max_digits=18, decimal_places=2,
                                description="本年累计完成投资（万元）")
    funds_in_place: Decimal = Field(default=Decimal(0), max_digits=18, decimal_places=2,
                                    description="本年到位资金（万元）")
    actual_start: date | None = Field(default=None, description="实际开工（复工）时间")
    note: str = ""
    reporter: str = Field(default="", max_length=64)
    created_at: datetime = Field(default_factory=utcnow)


IR = InvestmentReport.__table__  # type: ignore[attr-defined]

_AMOUNT = re.compile(r"^\s*([0-9][0-9,]*(?:\.[0-9]+)?)\s*(亿元|亿|万元|万)?\s*$")


def parse_amount(text: str | None, what: str) -> Decimal | None:
    """'1234.5' or '1234.5万' (万元), '3.2亿' (亿元, = 32000 万元); None when not given."""
    if text is None or str(text).strip() == "":
        return None
    match = _AMOUNT.match(str(text))
    if not match:
        raise BadInput(f"{what}: {text!r} is not an amount in 万元 like 1200 or 3.5亿")
    try:
        value = Decimal(match.group(1).replace(",", ""))
    except InvalidOperation:
        raise BadInput(f"{what}: {text!r} is not an amount") from None
    if match.group(2) in ("亿", "亿元"):
        value *= 10_000
    return value.quantize(Decimal("0.01"))


@dataclass
class Recorded:
    project: str
    report_date: date
    month_amount: Decimal
    ytd_amount: Decimal
    funds_in_place: Decimal
    actual_start: date | None


def record_investment(engine: Engine, code: str, *, report_date: date,
                      month_amount: Decimal | None = None, ytd_amount: Decimal | None = None,
                      funds_in_place: Decimal | None = None, actual_start: date | None = None,
                      note: str = "", reporter: str = "") -> Recorded:
    """Append a report; missing figures come from the previous report of the same year.

    Given only this month's amount, the year to date is the previous one plus it; given
    only the year to date, this month's is the difference; funds in place and the start
    carry forward.
    """
    if month_amount is None and ytd_amount is None and funds_in_place is None \
            and actual_start is None:
        raise BadInput("give at least one of --month-amount, --ytd, --funds, --started")
    if actual_start is not None and actual_start > report_date:
        raise BadInput(f"start date {actual_start} is after the report date {report_date}")
    with engine.begin() as conn:
        project = resolve_project(conn, code)
        first = date(report_date.year, 1, 1)
        prev = conn.execute(
            select(IR).where(and_(IR.c.project_id == project.id, IR.c.report_date >= first,
                                  IR.c.report_date <= report_date))
            .order_by(IR.c.report_date.desc(), IR.c.id.desc()).limit(1)).first()
        prev_ytd = prev.ytd_amount if prev is not None else Decimal(0)
        same_month = prev is not None and (prev.report_date.month == report_date.month)
        if ytd_amount is None:
            base = prev_ytd - (prev.month_amount if same_month else Decimal(0))
            ytd_amount = base + (month_amount or Decimal(0)) if month_amount is not None \
                else prev_ytd
        if month_amount is None:
            base = prev_ytd - (prev.month_amount if same_month else Decimal(0))
            month_amount = max(ytd_amount - base, Decimal(0))
        if ytd_amount < month_amount:
            raise BadInput(f"year to date {ytd_amount} 万元 is less than this month's "
                           f"{month_amount} 万元")
        if funds_in_place is None:
            funds_in_place = prev.funds_in_place if prev is not None else Decimal(0)
        if actual_start is None and prev is not None:
            actual_start = prev.actual_start
        conn.execute(insert(IR).values(
            project_id=project.id, report_date=report_date, month_amount=month_amount,
            ytd_amount=ytd_amount, funds_in_place=funds_in_place, actual_start=actual_start,
            note=note, reporter=reporter, created_at=utcnow()))
    return Recorded(code, report_date, month_amount, ytd_amount, funds_in_place, actual_start)
