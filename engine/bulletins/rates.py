"""The rates (开复工率, 投资完成率, 资金到位率, 按期投产率, 节点完成率) as of a date.

Everything is computed from the history as it stood at the date (:mod:`.history`):
one query for the projects and their investment figures, one GROUP BY for the
lights, one for the nodes due in the period, one for the production nodes and one
for the start nodes. The per-project figures are then added up by programme,
region, department, category, level and nature (新建/续建): every rate is a sum over a sum, so the
groups add up exactly to the programme.

Definitions (README "Bulletins"):

- 开复工率 = projects started or resumed / projects whose start (开工) or resumption
  (复工) node is planned this year on or before the date;
- 投资完成率 = investment completed this year / annual planned investment; against
  序时进度 = completed / (annual plan × share of the year elapsed);
- 资金到位率 = funds in place this year / annual planned investment;
- 按期投产率 = production nodes due this year by the date and finished on time /
  production nodes due;
- 节点完成率 = nodes due in the period by the date and finished on time / nodes due.

Cancelled and suspended nodes are left out of the node rates. A zero denominator
gives no rate ("—"), never a division.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, case, func, select

from engine.bulletins.history import AsOf
from engine.bulletins.scope import WHOLE, Scope
from engine.config import Config
from engine.evaluation.evaluator import pause_of
from engine.store.tables import M, P, R
from rules.calendar import Pause, WorkCalendar
from rules.investment import InvestmentFacts, evaluate_investment, year_share
from rules.lights import SEVERITY, Finding, Light
from rules.reasons import calendar_warning

DIMENSIONS = ("programme", "region", "department", "category", "level", "nature")
EXCLUDED = ("cancelled", "suspended")
FINISHED = ("done", "done_late")
ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class Rate:
    """A numerator over a denominator; no value (shown "—") when the denominator is 0."""

    num: Decimal
    den: Decimal

    @classmethod
    def of(cls, num: Any, den: Any) -> Rate:
        return cls(Decimal(num), Decimal(den))

    @property
    def percent(self) -> float | None:
        if self.den == 0:
            return None
        return float(self.num * 100 / self.den)

    def text(self, digits: int = 1) -> str:
        value = self.percent
        return "—" if value is None else f"{value:.{digits}f}%"

    def key(self) -> tuple[Decimal, Decimal]:
        """Exact comparison key: equal rates are ties, however they were reached."""
        return self.num, self.den


@dataclass
class Figures:
    """What a group (the programme, a region, …) adds up to as of a date. Money: 万元."""

    projects: int = 0
    new: int = 0
    continuing: int = 0
    total_investment: Decimal = ZERO
    annual_plan: Decimal = ZERO
    completed: Decimal = ZERO  # this year to date
    expected: Decimal = ZERO  # 序时进度: annual plan × share of the year elapsed
    funds: Decimal = ZERO
    starts_planned: int = 0
    starts_done: int = 0
    nodes_due: int = 0
    nodes_on_time: int = 0
    production_due: int = 0
    production_on_time: int = 0
    lights: Counter[str] = field(default_factory=Counter)
    invest_lights: Counter[str] = field(default_factory=Counter)

    def add(self, other: Figures) -> None:
        """Add another group's figures (written out: it runs projects × dimensions times)."""
        self.projects += other.projects
        self.new += other.new
        self.continuing += other.continuing
        self.total_investment += other.total_investment
        self.annual_plan += other.annual_plan
        self.completed += other.completed
        self.expected += other.expected
        self.funds += other.funds
        self.starts_planned += other.starts_planned
        self.starts_done += other.starts_done
        self.nodes_due += other.nodes_due
        self.nodes_on_time += other.nodes_on_time
        self.production_due += other.production_due
        self.production_on_time += other.production_on_time
        for key, n in other.lights.items():
            self.lights[key] += n
        for key, n in other.invest_lights.items():
            self.invest_lights[key] += n

    @property
    def start_rate(self) -> Rate:
        return Rate.of(self.starts_done, self.starts_planned)

    @property
    def investment_rate(self) -> Rate:
        return Rate.of(self.completed, self.annual_plan)

    @property
    def schedule_rate(self) -> Rate:
        """Completed against 序时进度."""
        return Rate.of(self.completed, self.expected)

    @property
    def expected_rate(self) -> Rate:
        """序时进度 as a share of the annual plan."""
        return Rate.of(self.expected, self.annual_plan)

    @property
    def funds_rate(self) -> Rate:
        return Rate.of(self.funds, self.annual_plan)

    @property
    def production_rate(self) -> Rate:
        return Rate.of(self.production_on_time, self.production_due)

    @property
    def node_rate(self) -> Rate:
        return Rate.of(self.nodes_on_time, self.nodes_due)

    def rates(self) -> dict[str, Rate]:
        return {"start": self.start_rate, "investment": self.investment_rate,
                "schedule": self.schedule_rate, "funds": self.funds_rate,
                "production": self.production_rate, "node": self.node_rate}


@dataclass
class ProjectFigures:
    """One project as of the date: its groups, its figures and its investment light."""

    id: int
    code: str
    name: str
    groups: dict[str, str]
    leader: str
    figures: Figures
    planned_start: date | None = None
    started_on: date | None = None
    invest_light: str | None = None
    invest_findings: tuple[Finding, ...] = ()
    pause: Pause = ()


def behind(p: ProjectFigures) -> float:
    """How far the money finding puts the project behind (points), for ordering."""
    for f in p.invest_findings:
        if f.rule.startswith("investment_"):
            return float(f.numbers.get("behind", 100 - f.numbers.get("ratio", 100)))
    return 0.0


def worst_first(p: ProjectFigures) -> tuple[Any, ...]:
    """Red before yellow before green before none; then the furthest behind."""
    severity = SEVERITY[Light(p.invest_light)] if p.invest_light else -1
    return (-severity, -behind(p), p.code)


@dataclass
class Snapshot:
    """The programme as of a date for one period: figures by dimension and group."""

    as_of: date
    window: tuple[date, date]  # the nodes due in it count in 节点完成率
    groups: dict[str, dict[str, Figures]]
    projects: list[ProjectFigures]
    evaluated_on: date | None  # the latest evaluation on or before the date
    later_projects: int  # entered after the date: not counted
    warnings: list[str]

    @property
    def has_run(self) -> bool:
        return self.evaluated_on is not None

    @property
    def programme(self) -> Figures:
        return self.groups["programme"][""]


def last_run(conn: Connection, as_of: date) -> date | None:
    """The date of the latest evaluation (not a replay) on or before ``as_of``: the lights
    a bulletin shows are those of that day."""
    return conn.execute(select(func.max(R.c.as_of)).where(
        R.c.as_of <= as_of, R.c.mode != "replay",
        R.c.status.in_(["ok", "interrupted"]))).scalar_one()


def snapshot(conn: Connection, config: Config, as_of: date, window: tuple[date, date],
             calendar: WorkCalendar | None = None, scope: Scope = WHOLE) -> Snapshot:
    """Every figure of the programme (or of the scope) as of ``as_of``; the node rate
    over ``window``."""
    at = AsOf(as_of, conn.dialect.name, config.zone, scope)
    cfg = config.bulletins
    params = cfg.params
    calendar = calendar or config.new_calendar()
    year = as_of.year
    if params.basis == "working_days":
        calendar.cover([date(year, 1, 1), date(year, 12, 31)])
    default_pause = config.winter_pause.pause

    invest = at.latest_investment()
    started = at.reported_start()
    projects: dict[int, ProjectFigures] = {}
    for row in conn.execute(
            select(P.c.id, P.c.code, P.c.name, P.c.region, P.c.department, P.c.category,
                   P.c.level, P.c.nature, P.c.leader, P.c.total_investment, P.c.annual_plan,
                   P.c.outdoor, P.c.winter_pause, invest.c.ytd_amount, invest.c.funds_in_place,
                   started.c.started_on)
            .select_from(P.outerjoin(invest, invest.c.project_id == P.c.id)
                         .outerjoin(started, started.c.project_id == P.c.id))
            .where(at.entered()).order_by(P.c.code)):
        plan = Decimal(row.annual_plan or 0)
        pause = pause_of(row.outdoor, row.winter_pause, default_pause)
        share = year_share(as_of, params.basis, calendar, pause)
        fig = Figures(projects=1, new=int(row.nature == "new"),
                      continuing=int(row.nature == "continuing"),
                      total_investment=Decimal(row.total_investment or 0), annual_plan=plan,
                      completed=Decimal(row.ytd_amount or 0),
                      expected=(plan * Decimal(repr(share))).quantize(Decimal("0.01")),
                      funds=Decimal(row.funds_in_place or 0))
        groups = {"programme": "", "region": row.region, "department": row.department,
                  "category": row.category, "level": row.level, "nature": row.nature}
        projects[row.id] = ProjectFigures(row.id, row.code, row.name, groups, row.leader, fig,
                                          started_on=row.started_on, pause=pause)

    # Start nodes planned this year: the earliest per project.
    first, last = date(year, 1, 1), date(year, 12, 31)
    for pid, planned, state, actual in conn.execute(
            select(M.c.project_id, at.planned, at.state, M.c.actual_date)
            .select_from(at.milestones())
            .where(at.entered(), at.start_nodes(cfg.start_kinds, cfg.start_words),
                   at.planned >= first, at.planned <= last, at.state.notin_(["cancelled"]))
            .order_by(M.c.project_id, at.planned)):
        p = projects.get(pid)
        if p is None or p.planned_start is not None:
            continue
        p.planned_start = planned
        if state in FINISHED and p.started_on is None:
            p.started_on = min(actual or as_of, as_of)
    for p in projects.values():
        if p.planned_start is not None and p.planned_start <= as_of:
            p.figures.starts_planned = 1
            p.figures.starts_done = int(p.started_on is not None and p.started_on <= as_of)

    # Lights of every node as of the date.
    for pid, state, n in conn.execute(
            select(M.c.project_id, at.state, func.count()).select_from(at.milestones())
            .where(at.entered()).group_by(M.c.project_id, at.state)):
        projects[pid].figures.lights[state] += n

    # Nodes due in the window, and production nodes due this year, by the date.
    lo, hi = window[0], min(window[1], as_of)
    _due(conn, at, projects, lo, hi, None, "nodes")
    if cfg.production_kinds:
        _due(conn, at, projects, first, as_of, cfg.production_kinds, "production")

    # Investment lights.
    for p in projects.values():
        facts = InvestmentFacts(annual_plan=p.figures.annual_plan,
                                completed=p.figures.completed, planned_start=p.planned_start,
                                started_on=p.started_on, pause=p.pause)
        light, findings = evaluate_investment(facts, as_of, params, calendar)
        p.invest_light = light.value if light else None
        p.invest_findings = findings
        p.figures.invest_lights[p.invest_light or "none"] += 1

    groups = rollup(projects.values())
    later = conn.execute(select(func.count()).select_from(P).where(at.later())).scalar_one()
    return Snapshot(as_of, window, groups, list(projects.values()), last_run(conn, as_of),
                    later, _calendar_notes(calendar, config))


def _calendar_notes(calendar: WorkCalendar, config: Config) -> list[str]:
    """The years whose working days were estimated, said as the run says them."""
    years = sorted(calendar.estimated_years)
    return [calendar_warning(years, calendar.fallback, config.lang)] if years else []


def _due(conn: Connection, at: AsOf, projects: dict[int, ProjectFigures], lo: date, hi: date,
         kinds: list[str] | None, prefix: str) -> None:
    """Count nodes due in [lo, hi] (planned date as of the date) and those done on time."""
    if hi < lo:
        return
    on_time = func.sum(case((at.state == "done", 1), else_=0))
    query = (select(M.c.project_id, func.count(), on_time).select_from(at.milestones())
             .where(at.entered(), at.planned >= lo, at.planned <= hi,
                    at.state.notin_(list(EXCLUDED)))
             .group_by(M.c.project_id))
    if kinds is not None:
        query = query.where(M.c.kind.in_(kinds))
    for pid, due, done in conn.execute(query):
        fig = projects[pid].figures
        setattr(fig, f"{prefix}_due", due)
        setattr(fig, f"{prefix}_on_time", int(done or 0))


def rollup(projects: Iterable[ProjectFigures]) -> dict[str, dict[str, Figures]]:
    """Add the projects up by every dimension (the programme is the group "")."""
    groups: dict[str, dict[str, Figures]] = {dim: {} for dim in DIMENSIONS}
    groups["programme"][""] = Figures()
    for p in projects:
        for dim in DIMENSIONS:
            groups[dim].setdefault(p.groups[dim], Figures()).add(p.figures)
    return groups


__all__ = ["DIMENSIONS", "Figures", "ProjectFigures", "Rate", "Snapshot", "snapshot"]
