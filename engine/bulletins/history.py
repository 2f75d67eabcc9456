"""The programme as it stood at a date, read from the append-only history.

A bulletin for a past period must not change when later things happen, so nothing
here reads a milestone's *current* state or date:

- a milestone's light at a date is the ``to_state`` of its last transition dated on
  or before it (``planned`` when it had none);
- its planned date at a date is the ``old_date`` of the first re-plan recorded after
  it, else its current planned date;
- a project counts from the day its ledger row was entered (``created_at``, in the
  configured timezone) or from its first record dated on or before the date;
- a project's investment figures are those of its latest report dated on or before
  the date within the same year.

Each piece is an expression over a milestone row (an indexed correlated subquery), so
the rates are computed by GROUP BY in the database.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Date, and_, cast, func, literal, or_, select, type_coerce
from sqlalchemy.sql import ColumnElement, Subquery

from engine.bulletins.scope import WHOLE, Scope
from engine.investment import latest_reports
from engine.store.tables import IR, REPORTS, M, P, T


def cutoff(as_of: date, zone: ZoneInfo) -> datetime:
    """The end of ``as_of`` in the configured timezone (an aware timestamp)."""
    return datetime.combine(as_of + timedelta(days=1), time(0), tzinfo=zone)


def entered_by(as_of: date, zone: ZoneInfo) -> ColumnElement[bool]:
    """Projects that were part of the programme's history at the end of ``as_of``.

    Entered in the ledger by then, or with a record dated on or before it (an
    investment report, a progress report, a move): a ledger imported today with last
    month's reports counts in last month's bulletin, and a project added next month
    does not change this month's.
    """
    reported = select(IR.c.id).where(IR.c.project_id == P.c.id, IR.c.report_date <= as_of)
    progress = (select(REPORTS.c.id).select_from(REPORTS.join(M, M.c.id == REPORTS.c.milestone_id))
                .where(M.c.project_id == P.c.id, REPORTS.c.report_date <= as_of))
    moved = (select(T.c.id).select_from(T.join(M, M.c.id == T.c.milestone_id))
             .where(M.c.project_id == P.c.id, T.c.as_of <= as_of))
    return or_(P.c.created_at < cutoff(as_of, zone), reported.exists(), progress.exists(),
               moved.exists())


def last_transition_id(as_of: date) -> ColumnElement[int]:
    """Per milestone row: the id of its last transition dated on or before ``as_of``.

    Correlated subqueries that walk the (milestone_id, id) index backwards: a join on a
    grouped subquery instead is scanned once per milestone by SQLite (quadratic).
    """
    return (select(T.c.id).where(T.c.milestone_id == M.c.id, T.c.as_of <= as_of)
            .order_by(T.c.id.desc()).limit(1).correlate(M).scalar_subquery())


def planned_before_replan(as_of: date, dialect: str) -> ColumnElement[Any]:
    """Per milestone row: its planned date before its first re-plan after ``as_of``."""
    first = T.alias("first_replan")
    old = first.c.numbers[(0, "numbers", "old_date")].as_string()
    old_date: Any = cast(old, Date) if dialect == "postgresql" else old
    return (select(old_date).where(first.c.milestone_id == M.c.id, first.c.trigger == "replan",
                                   first.c.as_of > as_of)
            .order_by(first.c.id).limit(1).correlate(M).scalar_subquery())


def latest_progress(as_of: date) -> ColumnElement[int]:
    """Per milestone row: the id of its progress report then, the latest report date on
    or before ``as_of`` (a report filed late for an earlier day does not win), the last
    filed of that day."""
    return (select(REPORTS.c.id)
            .where(REPORTS.c.milestone_id == M.c.id, REPORTS.c.report_date <= as_of)
            .order_by(REPORTS.c.report_date.desc(), REPORTS.c.id.desc()).limit(1)
            .correlate(M).scalar_subquery())


class AsOf:
    """The expressions for one date: a milestone's state and planned date then."""

    def __init__(self, as_of: date, dialect: str, zone: ZoneInfo,
                 scope: Scope = WHOLE) -> None:
        self.as_of = as_of
        self.dialect = dialect
        self.zone = zone
        self.scope = scope
        self.transition_id = last_transition_id(as_of)
        then = T.alias("state_then")
        state = (select(then.c.to_state).where(then.c.id == self.transition_id)
                 .correlate(M).scalar_subquery())
        self.state: ColumnElement[str] = func.coalesce(state, literal("planned"))
        planned = func.coalesce(planned_before_replan(as_of, dialect), M.c.planned_date)
        self.planned: ColumnElement[date] = type_coerce(planned, Date)

    def milestones(self) -> Any:
        """Milestones joined with their project (the expressions above read per row)."""
        return M.join(P, P.c.id == M.c.project_id)

    def entered(self) -> ColumnElement[bool]:
        """Projects in scope that were part of the programme at the date."""
        return and_(entered_by(self.as_of, self.zone), self.scope.clause())

    def later(self) -> ColumnElement[bool]:
        """Projects in scope entered after the date (not counted)."""
        return and_(~entered_by(self.as_of, self.zone), self.scope.clause())

    def start_nodes(self, kinds: list[str], words: list[str]) -> ColumnElement[bool]:
        """Nodes that mark a start of works (开工) or a resumption (复工)."""
        clauses: list[Any] = [M.c.kind.in_(kinds)] if kinds else []
        clauses += [M.c.name.contains(word, autoescape=True) for word in words]
        return or_(*clauses) if clauses else literal(False)

    def latest_investment(self) -> Subquery:
        """Each project's latest investment report of the year, dated on or before as_of."""
        return latest_reports(self.as_of)

    def reported_start(self) -> Subquery:
        """The earliest start (开工/复工) of the year each project reported by as_of."""
        first = date(self.as_of.year, 1, 1)
        return (select(IR.c.project_id, func.min(IR.c.actual_start).label("started_on"))
                .where(and_(IR.c.report_date <= self.as_of, IR.c.actual_start >= first,
                            IR.c.actual_start <= self.as_of))
                .group_by(IR.c.project_id).subquery("started_at"))
