"""Assemble a bulletin (通报): the figures now and a period ago, rankings and lists.

The data is language-neutral (findings are kept as rule + numbers) so that one
bulletin renders in Chinese and in English alike. Nothing here reads "now": the
date of the bulletin is the end of the period, or an earlier date for a period
that has not ended yet, and every figure comes from the history as it stood then.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.engine import Engine

from engine.bulletins.checks import Check, data_checks
from engine.bulletins.config import BulletinsConfig, Campaign, Judgement, Score
from engine.bulletins.history import AsOf, latest_progress
from engine.bulletins.judge import Judged, judge
from engine.bulletins.periods import Kind, Period, containing
from engine.bulletins.problems import ProblemFigures, closing, problem_figures
from engine.bulletins.ranking import Ranked, positions, rank, top_and_bottom
from engine.bulletins.rates import (
    Figures,
    ProjectFigures,
    Rate,
    Snapshot,
    snapshot,
    worst_first,
)
from engine.bulletins.scope import WHOLE, Scope
from engine.bulletins.score import scores
from engine.config import Config
from engine.delays import latest_reasons
from engine.evaluation.evaluator import Evaluator
from engine.store.db import read_only
from engine.store.tables import REPORTS, M, P, T
from rules.investment import PRESETS, InvestmentParams, Preset
from rules.lights import Finding, Light

OPEN_STATES = ("planned", "green", "yellow", "red")
RANKED_BY = ("region", "department")
# How far ahead "nodes due next" looks: the next period, but a month after a year.
NEXT_KIND: dict[Kind, Kind] = {"week": "week", "half": "half", "month": "month",
                               "quarter": "quarter", "year": "month", "campaign": "month"}


class BulletinError(Exception):
    """A bulletin that cannot be made (a period that has not begun)."""


@dataclass
class NodeRow:
    """A node in a list of the bulletin (red nodes, nodes due next)."""

    project: str
    project_name: str
    milestone: str
    kind: str
    region: str
    department: str
    leader: str
    planned: date
    light: str
    days_late: int
    findings: list[tuple[str, dict[str, Any]]]
    stored_reason: str
    id: int = 0
    unit_reason: Any = None  # the unit's latest words as they stood (engine.delays)


@dataclass
class Bulletin:
    period: Period
    as_of: date
    previous: Period
    now: Snapshot
    before: Snapshot
    rankings: dict[str, list[Ranked]]
    top: dict[str, list[Ranked]]
    bottom: dict[str, list[Ranked]]
    red_nodes: list[NodeRow]
    due_next: list[NodeRow]
    due_until: date
    flagged: list[ProjectFigures]  # projects with a red or yellow investment light
    preset: Preset
    params: InvestmentParams
    rule_names: list[str]
    compared: bool  # the previous period had an evaluation: movement is known
    top_n: int = 5
    notes: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    scope: Scope = WHOLE
    campaign: Campaign | None = None
    rules: list[tuple[str, Any]] = field(default_factory=list)  # the node rules in force
    min_due: int = 1
    score: Score | None = None
    checks: list[Check] = field(default_factory=list)
    judged: dict[str, Judged] = field(default_factory=dict)
    judgement: Judgement = field(default_factory=Judgement)
    requirements: list[str] | None = None
    problems: ProblemFigures | None = None  # None: no problem list kept

    @property
    def partial(self) -> bool:
        return self.as_of < self.period.end

    @property
    def programme(self) -> Figures:
        return self.now.programme

    @property
    def programme_before(self) -> Figures:
        return self.before.programme


def resolve_as_of(period: Period, today: date, as_of: date | None = None) -> date:
    """The period's end, or ``as_of``/today when the period has not ended yet."""
    day = min(period.end, as_of or today)
    if day < period.start:
        raise BulletinError(f"{period.key} has not begun on {day.isoformat()}")
    return day


def build(engine: Engine | Connection, config: Config, period: Period, *,
          as_of: date | None = None, today: date | None = None, scope: Scope = WHOLE,
          campaign: Campaign | None = None) -> Bulletin:
    """The bulletin of ``period`` (of the projects in ``scope``) from the history as it
    stood at its end; with ``campaign``, its progress against the campaign's targets."""
    if isinstance(engine, Connection):
        return _build(engine, config, period, as_of, today, scope, campaign)
    with read_only(engine).connect() as conn:
        return _build(conn, config, period, as_of, today, scope, campaign)


def _build(conn: Connection, config: Config, period: Period, as_of: date | None,
           today: date | None, scope: Scope, campaign: Campaign | None) -> Bulletin:
    day = resolve_as_of(period, today or config.today(), as_of)
    if conn.dialect.name == "postgresql":
        # The correlated subqueries make PostgreSQL's cost estimates high enough to
        # JIT-compile every query: ~1 s of compiling for ~0.2 s of work at 20k milestones.
        conn.exec_driver_sql("SET LOCAL jit = off")
    previous = period.previous()
    calendar = config.new_calendar()
    now = snapshot(conn, config, day, (period.start, period.end), calendar, scope)
    before = snapshot(conn, config, previous.end, (previous.start, previous.end), calendar,
                      scope)
    compared = before.has_run
    cfg = config.bulletins
    problems = problem_figures(conn, scope, (period.start, day), (previous.start, previous.end))
    rankings: dict[str, list[Ranked]] = {}
    top: dict[str, list[Ranked]] = {}
    bottom: dict[str, list[Ranked]] = {}
    for dim in RANKED_BY:
        if dim in scope.given():
            continue  # one county's bulletin does not rank the county against itself
        closed_before = closed_now = None
        if problems is not None:
            closed_before = {k: closing(r) for k, r in problems.before_groups[dim].items()}
            closed_now = {k: closing(r) for k, r in problems.groups[dim].items()}
        prev = positions(_rank(before.groups[dim], cfg, None, closed_before))
        rankings[dim] = _rank(now.groups[dim], cfg, prev if compared else None, closed_now)
        top[dim], bottom[dim] = top_and_bottom(rankings[dim], cfg.top)
    until = containing(NEXT_KIND[period.kind], period.end + timedelta(days=1)).end
    at = AsOf(day, conn.dialect.name, config.zone, scope)
    red = _nodes(conn, at, at.state == "red")
    _explain_again(conn, config, at, red)
    said = latest_reasons(conn, [r.id for r in red], until=day)
    for r in red:
        r.unit_reason = said.get(r.id)
    red.sort(key=lambda r: (-r.days_late, r.region, r.project, r.milestone))
    due = _nodes(conn, at, at.planned > day, at.planned <= until, at.state.in_(OPEN_STATES))
    due.sort(key=lambda r: (r.planned, r.region, r.project, r.milestone))
    flagged = [p for p in now.projects if p.invest_light in ("red", "yellow")]
    flagged.sort(key=worst_first)
    bulletin = Bulletin(
        period=period, as_of=day, previous=previous, now=now, before=before,
        rankings=rankings, top=top, bottom=bottom, red_nodes=red, due_next=due,
        due_until=until, flagged=flagged, preset=PRESETS[cfg.preset], params=cfg.params,
        rule_names=[name for name, _ in config.rule_chain], compared=compared, top_n=cfg.top,
        scope=scope, campaign=campaign, rules=config.rule_chain, min_due=cfg.min_due,
        score=cfg.score, judgement=cfg.judgement, requirements=cfg.requirements,
        problems=problems)
    bulletin.checks = data_checks(conn, at, now)
    bulletin.judged = {dim: judge(rankings[dim], now.groups[dim], cfg.judgement, cfg.score)
                       for dim in rankings}
    bulletin.notes = _notes(bulletin)
    return bulletin


def _rank(groups: dict[str, Figures], cfg: BulletinsConfig,
          previous: dict[str, int | None] | None = None,
          closed: dict[str, Rate | None] | None = None) -> list[Ranked]:
    """Groups by node rate, or by the combined score when one is configured (with each
    group's 办结率 where the problem list has one)."""
    rates = {k: f.node_rate for k, f in groups.items()}
    scored = scores(groups, cfg.score, closed) if cfg.score else None
    return rank(rates, previous, cfg.min_due, scored)


def _nodes(conn: Connection, at: AsOf, *where: Any) -> list[NodeRow]:
    """Nodes matching ``where`` as they stood at the date, with their findings then."""
    then = T.alias("moved_then")
    query = (select(M.c.id, P.c.code, P.c.name.label("project_name"), M.c.name, M.c.kind,
                    P.c.region, P.c.department, P.c.leader, at.planned.label("planned"),
                    at.state.label("light"), then.c.numbers, then.c.reason)
             .select_from(at.milestones().outerjoin(then, then.c.id == at.transition_id))
             .where(at.entered(), *where))
    out = []
    for row in conn.execute(query):
        findings = [(f["rule"], f.get("numbers", {})) for f in (row.numbers or [])
                    if not str(f.get("rule", "")).startswith("manual:")]
        late = (at.as_of - row.planned).days if row.light == "red" else 0
        out.append(NodeRow(row.code, row.project_name, row.name, row.kind, row.region,
                           row.department, row.leader, row.planned, row.light,
                           max(late, 0), findings, row.reason or "", row.id))
    return out


def _explain_again(conn: Connection, config: Config, at: AsOf, rows: list[NodeRow]) -> None:
    """Each red node's reason as of the date, by the same rules, from the reports then.

    The audit row is written when a node turns red, so its numbers (days late, 序时进度)
    are those of that night; the bulletin's date needs them as of its own date. One
    query for all the listed nodes, with each one's latest progress report on or before
    the date; a node the rules no longer find red keeps the reason it turned red with.
    """
    if not rows:
        return
    query = (select(M.c.id, M.c.kind, at.planned.label("planned_date"), M.c.planned_start,
                    M.c.actual_date, P.c.outdoor, P.c.winter_pause,
                    REPORTS.c.percent.label("then_percent"),
                    REPORTS.c.report_date.label("then_report"))
             .select_from(at.milestones()
                          .outerjoin(REPORTS, REPORTS.c.id == latest_progress(at.as_of)))
             .where(at.entered(), at.state == "red"))
    evaluator = Evaluator(config, at.as_of)
    found: dict[int, list[tuple[str, dict[str, Any]]]] = {}
    for row in conn.execute(query):  # estimated calendar years: the snapshot reports them
        verdict = evaluator.verdict(row, row.then_percent or 0.0, row.then_report)
        if verdict.light == Light.RED:
            found[row.id] = [(f.rule, dict(f.numbers)) for f in verdict.findings]
    for node in rows:
        if node.id in found:
            node.findings = found[node.id]


def _notes(b: Bulletin) -> list[tuple[str, dict[str, Any]]]:
    """What a reader must know to read the figures right (keys of the words table).

    Projects entered after the date are not a note: the text of a past bulletin must
    not change when the ledger grows (the CLI says it on stderr instead).
    """
    notes: list[tuple[str, dict[str, Any]]] = []
    if b.partial:
        notes.append(("note.partial", {"as_of": b.as_of, "end": b.period.end}))
    if not b.now.has_run:
        notes.append(("note.no_run", {"as_of": b.as_of}))
    elif b.now.evaluated_on is not None and b.now.evaluated_on < b.as_of:
        notes.append(("note.evaluated_on", {"day": b.now.evaluated_on, "as_of": b.as_of}))
    if not b.compared:
        notes.append(("note.no_previous", {"end": b.previous.end}))
    for text in b.now.warnings:
        notes.append(("note.calendar", {"text": text}))
    if b.checks:
        notes.append(("note.checks", {"n": len(b.checks)}))
    return notes


def finding_pairs(findings: tuple[Finding, ...]) -> list[tuple[str, dict[str, Any]]]:
    return [(f.rule, dict(f.numbers)) for f in findings]
