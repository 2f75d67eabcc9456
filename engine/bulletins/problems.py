"""The bulletin's problems section (问题办理情况): 办结率, 按期办结率, 销号率 and the overdue
problems by unit, from the problem list (issue #13).

The arithmetic is the problem list's own (:func:`rules.problems.rates`, over the
problems' dates only, so a past month's figures do not change); this module picks the
problems of the bulletin's scope and groups them by 主办单位, region and department (the
combined score weighs a region's or a department's 办结率).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Connection, select

from engine.bulletins.rates import Rate
from engine.bulletins.scope import Scope
from engine.store.tables import PB, P
from rules.problems import ProblemDates, Rates, rates

GROUPS = ("lead", "region", "department")


@dataclass
class ProblemFigures:
    """The scope's problems in the period and in the one before, by group."""

    now: Rates
    before: Rates
    groups: dict[str, dict[str, Rates]] = field(default_factory=dict)  # lead, region, …
    before_groups: dict[str, dict[str, Rates]] = field(default_factory=dict)

    def overdue_by_lead(self) -> list[tuple[str, int]]:
        """主办单位 holding problems past their time limit, most first."""
        found = [(name, r.overdue) for name, r in self.groups["lead"].items() if r.overdue]
        return sorted(found, key=lambda kv: (-kv[1], kv[0]))


def closing(r: Rates | None) -> Rate | None:
    """办结率 as a Rate (closed ÷ due)."""
    return None if r is None else Rate.of(r.closed, r.due)


def rate_of(r: Rates, code: str) -> Rate | None:
    """办结率 (closed), 按期办结率 (closed_on_time), 销号率 (cleared) as Rates."""
    return {"closed": Rate.of(r.closed, r.due), "closed_on_time": Rate.of(r.on_time, r.due),
            "cleared": Rate.of(r.raised_closed, r.raised)}.get(code)


def problem_figures(conn: Connection, scope: Scope, period: tuple[date, date],
                    previous: tuple[date, date]) -> ProblemFigures | None:
    """The rates over ``period`` and ``previous`` (inclusive), None without any problem
    raised by the period's end (an office that does not keep a problem list)."""
    query = (select(PB.c.raised_on, PB.c.due_date, PB.c.closed_on, PB.c.lead, P.c.region,
                    P.c.department)
             .select_from(PB.join(P, P.c.id == PB.c.project_id))
             .where(PB.c.state != "withdrawn", PB.c.raised_on <= period[1], scope.clause()))
    rows = conn.execute(query).all()
    if not rows:
        return None
    dates = [ProblemDates(r.raised_on, r.due_date, r.closed_on) for r in rows]
    out = ProblemFigures(rates(dates, *period), rates(dates, *previous))
    for key in GROUPS:
        grouped: dict[str, list[ProblemDates]] = defaultdict(list)
        for r, d in zip(rows, dates, strict=True):
            grouped[getattr(r, key)].append(d)
        out.groups[key] = {name: rates(items, *period) for name, items in grouped.items()}
        out.before_groups[key] = {name: rates(items, *previous)
                                  for name, items in grouped.items()}
    return out
