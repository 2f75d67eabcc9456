"""Figures that contradict each other, flagged in the bulletin instead of printed as facts.

An office that reads "6.33 亿元 invested" next to "not started for 7 months" must know
that one of the two is wrong before it publishes either. Two checks, each naming the
project (and node) so that the unit can correct its report:

- ``invest_no_start``: investment completed this year while the start of works (开工/
  复工) planned on or before the date has not happened;
- ``done_at_zero``: a node finished by the date whose progress then was reported as 0%.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, func, select

from engine.bulletins.history import AsOf, latest_progress
from engine.bulletins.rates import FINISHED, Snapshot
from engine.store.tables import REPORTS, M, P


@dataclass(frozen=True)
class Check:
    kind: str  # invest_no_start | done_at_zero
    project: str
    project_name: str
    region: str
    department: str
    milestone: str = ""
    numbers: dict[str, Any] = field(default_factory=dict)


def months_between(first: date, last: date) -> int:
    """Whole months from ``first`` to ``last`` (03-31 to 10-31: 7)."""
    months = (last.year - first.year) * 12 + last.month - first.month
    return max(months - (last.day < first.day), 0)


def data_checks(conn: Connection, at: AsOf, now: Snapshot) -> list[Check]:
    """Every inconsistency of the figures as of the date, projects in code order."""
    out: list[Check] = []
    for p in now.projects:
        f = p.figures
        if (f.completed > 0 and p.planned_start is not None and p.planned_start <= at.as_of
                and p.started_on is None):
            out.append(Check("invest_no_start", p.code, p.name, p.groups["region"],
                             p.groups["department"], numbers={
                                 "completed": Decimal(f.completed),
                                 "planned_start": p.planned_start,
                                 "months": months_between(p.planned_start, at.as_of)}))
    percent = func.coalesce(REPORTS.c.percent, M.c.percent)
    query = (select(P.c.code, P.c.name.label("project_name"), P.c.region, P.c.department,
                    M.c.name, M.c.actual_date)
             .select_from(at.milestones()
                          .outerjoin(REPORTS, REPORTS.c.id == latest_progress(at.as_of)))
             .where(at.entered(), at.state.in_(FINISHED), percent <= 0)
             .order_by(P.c.code, M.c.seq, M.c.id))
    for row in conn.execute(query):
        out.append(Check("done_at_zero", row.code, row.project_name, row.region,
                         row.department, row.name, {"actual_date": row.actual_date}))
    out.sort(key=lambda c: (c.project, c.kind, c.milestone))
    return out
