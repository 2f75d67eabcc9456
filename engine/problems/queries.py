"""Reading problems: the list with filters, one problem with its history, the open
problems of some projects (for notices), and the rates by unit and period.

Rows are plain dicts with the JSON keys of ``lights problem list --format json``
(states, levels and results as codes; the CLI and the notices put the words on them).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from sqlalchemy import Connection, select

from engine.config import Config
from engine.problems.actions import calendar_for, resolve
from engine.store.tables import PB, PBE, M, P
from rules.calendar import WorkCalendar
from rules.problems import OPEN_STATES, ProblemDates, Rates, rates, working_days_late

_COLUMNS = (PB, P.c.code.label("project"), P.c.name.label("project_name"),
            P.c.region.label("region"), P.c.department.label("department"),
            M.c.name.label("milestone"))
_FROM = PB.join(P, P.c.id == PB.c.project_id).outerjoin(M, M.c.id == PB.c.milestone_id)


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def as_dict(row: Any, config: Config, calendar: WorkCalendar, as_of: date) -> dict[str, Any]:
    """One problem as the list shows it (the JSON keys of ``problem list``)."""
    ladder = config.problems.ladder
    # late while the lead unit owes its answer (a replied one waits for the check)
    owing = row.state in ("in_progress", "extension_requested")
    late = working_days_late(calendar, row.due_date, as_of) if owing else 0
    step = ladder[row.step].step if row.step is not None and row.step < len(ladder) else None
    return {
        "code": row.code, "project": row.project, "project_name": row.project_name,
        "milestone": row.milestone, "title": row.title, "description": row.description,
        "category": row.category, "level": row.level, "lead": row.lead,
        "assist": list(row.assist or []), "state": row.state, "deadline": _iso(row.deadline),
        "due_date": _iso(row.due_date), "assist_due": _iso(row.assist_due), "step": step,
        "overdue_days": late, "raised_on": _iso(row.raised_on), "raised_by": row.raised_by,
        "assigned_on": _iso(row.assigned_on), "replied_on": _iso(row.replied_on),
        "closed_on": _iso(row.closed_on), "result": row.result or None,
        "result_reason": row.result_reason, "extension_to": _iso(row.extension_to),
        "raise_proposed_on": _iso(row.raise_proposed_on), "region": row.region,
        "department": row.department, "state_since": _iso(row.state_since),
    }


def _calendar(config: Config, rows: list[Any], as_of: date) -> WorkCalendar:
    return calendar_for(config, as_of, *(r.due_date for r in rows))


def list_problems(conn: Connection, config: Config, as_of: date, *, state: str | None = None,
                  level: str | None = None, unit: str | None = None, overdue: bool = False,
                  project: str | None = None, region: str | None = None,
                  open_only: bool = False) -> list[dict[str, Any]]:
    """The problems, filtered: ``unit`` matches the lead or a helping unit; ``overdue``:
    open with the time limit passed. Ordered by deadline, then code."""
    query = select(*_COLUMNS).select_from(_FROM)
    if state:
        query = query.where(PB.c.state == state)
    if open_only or overdue:
        query = query.where(PB.c.state.in_(OPEN_STATES))
    if level:
        query = query.where(PB.c.level == level)
    if project:
        query = query.where(P.c.code == project)
    if region:
        query = query.where(P.c.region == region)
    if overdue:
        query = query.where(PB.c.due_date < as_of)
    rows = conn.execute(query.order_by(PB.c.deadline.is_(None), PB.c.deadline, PB.c.code)).all()
    if unit:
        unit = unit.strip()
        rows = [r for r in rows if r.lead == unit or unit in (r.assist or [])]
    cal = _calendar(config, rows, as_of)
    return [as_dict(r, config, cal, as_of) for r in rows]


def show_problem(conn: Connection, config: Config, code: str, as_of: date) -> dict[str, Any]:
    """One problem and its whole history (every event, oldest first)."""
    problem_id = resolve(conn, config, code, lock=False).id
    row = conn.execute(select(*_COLUMNS).select_from(_FROM).where(PB.c.id == problem_id)).one()
    out = as_dict(row, config, _calendar(config, [row], as_of), as_of)
    events = conn.execute(select(PBE).where(PBE.c.problem_id == problem_id)
                          .order_by(PBE.c.id)).all()
    out["history"] = [{"as_of": e.as_of.isoformat(), "event": e.trigger,
                       "from": e.from_state, "to": e.to_state, "by": e.actor, "unit": e.unit,
                       "text": e.text, "numbers": e.numbers or {}, "run_id": e.run_id}
                      for e in events]
    return out


def open_problems(conn: Connection, config: Config, project_ids: Iterable[int],
                  as_of: date) -> dict[int, list[dict[str, Any]]]:
    """The open problems of each project (for the notices and the board), by deadline."""
    ids = sorted(set(project_ids))
    out: dict[int, list[dict[str, Any]]] = defaultdict(list)
    rows: list[Any] = []
    for start in range(0, len(ids), 500):
        rows += conn.execute(
            select(*_COLUMNS, PB.c.project_id.label("pid")).select_from(_FROM)
            .where(PB.c.project_id.in_(ids[start:start + 500]), PB.c.state.in_(OPEN_STATES))
            .order_by(PB.c.deadline.is_(None), PB.c.deadline, PB.c.code)).all()
    cal = _calendar(config, rows, as_of)
    for r in rows:
        out[r.pid].append(as_dict(r, config, cal, as_of))
    return dict(out)


# -- rates -------------------------------------------------------------------------------
GroupBy = Literal["lead", "region", "department", "level", "all"]


@dataclass(frozen=True, slots=True)
class UnitRates:
    """One unit's figures in a period, and its place in the ranking (1 = best)."""

    unit: str
    rates: Rates
    rank: int = 0

    def as_json(self) -> dict[str, Any]:
        r = self.rates
        return {"unit": self.unit, "rank": self.rank, "due": r.due, "closed": r.closed,
                "closed_on_time": r.on_time, "raised": r.raised,
                "raised_closed": r.raised_closed, "overdue_open": r.overdue,
                "closing_rate": r.closing_rate, "on_time_rate": r.on_time_rate,
                "cancel_rate": r.cancel_rate}


def _rank_key(u: UnitRates) -> tuple[float, float, float, int, str]:
    r = u.rates
    return (-(r.on_time_rate if r.on_time_rate is not None else -1),
            -(r.closing_rate if r.closing_rate is not None else -1),
            -(r.cancel_rate if r.cancel_rate is not None else -1), r.overdue, u.unit)


def problem_rates(conn: Connection, start: date, end: date, *,
                  by: GroupBy = "lead") -> list[UnitRates]:
    """办结率 (closed ÷ due), 按期办结率 (closed on time ÷ due), 销号率 (closed ÷ raised)
    and 逾期未办结 over ``[start, end]``, per ``by`` (主办单位, region, the project's
    责任单位, level, or ``all`` for one line), ranked best first: on-time rate, then
    closing rate, then cancel rate, then fewer overdue. Withdrawn problems do not count.

    From the problems' dates only, so a past month gives the same figures later; a
    problem reopened after the period's end counts as it stood then only in so far as
    its closing date is kept (a reopened problem's closing is taken back).
    """
    key = {"lead": PB.c.lead, "region": P.c.region, "department": P.c.department,
           "level": PB.c.level}.get(by)
    cols = [PB.c.raised_on, PB.c.due_date, PB.c.closed_on]
    query = (select(*cols, (key if key is not None else PB.c.lead).label("k"))
             .select_from(PB.join(P, P.c.id == PB.c.project_id))
             .where(PB.c.state != "withdrawn", PB.c.raised_on <= end))
    groups: dict[str, list[ProblemDates]] = defaultdict(list)
    for row in conn.execute(query):
        name = "" if key is None else row.k
        groups[name].append(ProblemDates(row.raised_on, row.due_date, row.closed_on))
    units = [UnitRates(name, rates(items, start, end)) for name, items in groups.items()]
    units = [u for u in units if u.rates.due or u.rates.raised or u.rates.overdue]
    units.sort(key=_rank_key)
    return [UnitRates(u.unit, u.rates, i + 1) for i, u in enumerate(units)]
