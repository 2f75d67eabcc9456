"""The demo's investment reports, its month-end evaluations and its monthly bulletin.

`lights demo` builds the programme as of 2026-11-20 (:mod:`engine.demo`); a bulletin
needs more: investment reports (投资报送) month by month, and the lights as they
stood at the ends of September and October, so that October's bulletin has figures
and its rankings a movement. Everything here is deterministic (seeded by project
code) and reads only the database the demo built.

How the money is invented: each project invests along the north-east's season (little
in winter, most from May to October) at a pace that follows its nodes: a project with
nodes late by the demo date invests more slowly. Before its start of works (开工 or
复工) a project spends seven tenths of that (land, design, equipment orders). Funds in
place run somewhat ahead of or behind the spending. Reports are dated the last day of each month.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.engine import Engine

from engine.bulletins.build import build
from engine.bulletins.config import Issuer
from engine.bulletins.history import latest_progress
from engine.bulletins.periods import Period, containing
from engine.bulletins.render import render
from engine.bulletins.words import w
from engine.config import Config
from engine.evaluation.evaluator import Evaluator
from engine.store.db import writer
from engine.store.lookups import count_lights
from engine.store.tables import IR, REPORTS, M, P, R, utcnow
from rules.lights import OPEN_STATES

# Share of a year's investment done in each month (a north-eastern season).
SEASON = (0.01, 0.01, 0.03, 0.08, 0.12, 0.13, 0.13, 0.13, 0.12, 0.11, 0.08, 0.05)
HISTORY_JOB = "demo-history"


def _month_end(year: int, month: int) -> date:
    return date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)


def _wan(value: float) -> Decimal:
    return Decimal(str(round(value, 0)))


def add_investment_reports(engine: Engine, as_of: date) -> int:
    """Monthly investment reports for every project, for each month ended by ``as_of``."""
    year = as_of.year
    months = [m for m in range(1, 13) if _month_end(year, m) <= as_of]
    with engine.connect() as conn:
        projects = conn.execute(select(P.c.id, P.c.code, P.c.annual_plan)
                                .order_by(P.c.code)).all()
        late = dict(conn.execute(
            select(M.c.project_id, func.count())
            .where(M.c.planned_date < as_of,
                   or_(M.c.actual_date.is_(None), M.c.actual_date > M.c.planned_date))
            .group_by(M.c.project_id)).all())
        starts: dict[int, date] = {}
        for pid, actual in conn.execute(
                select(M.c.project_id, M.c.actual_date)
                .where(or_(M.c.kind == "start", M.c.name.contains("复工")),
                       M.c.actual_date.is_not(None))
                .order_by(M.c.project_id, M.c.actual_date)):
            starts.setdefault(pid, actual)
    rows = []
    for p in projects:
        rng = random.Random(f"invest:{p.code}")
        pace = max(0.45, min(1.1, 1.08 - 0.06 * late.get(p.id, 0))) * rng.uniform(0.9, 1.1)
        plan = float(p.annual_plan)
        started = starts.get(p.id)
        ytd = funds = 0.0
        for month in months:
            day = _month_end(year, month)
            running = started is not None and started <= day
            amount = plan * pace * SEASON[month - 1] * rng.uniform(0.8, 1.2)
            amount *= 1.0 if running else 0.7
            ytd += round(amount)
            funds = max(funds, ytd * rng.uniform(0.85, 1.25))
            rows.append({"project_id": p.id, "report_date": day,
                         "month_amount": _wan(round(amount)), "ytd_amount": _wan(ytd),
                         "funds_in_place": _wan(funds),
                         "actual_start": started if running and started.year == year
                         else None,
                         "note": "", "reporter": "", "created_at": utcnow()})
    with writer(engine).begin() as conn:
        if rows:
            conn.execute(insert(IR), rows)
    return len(rows)


def evaluate_as_it_stood(engine: Engine, config: Config, day: date) -> int:
    """A past evaluation, recorded as a run of that date, from the reports dated by then.

    What the nightly run would have written on ``day``: each open node lit by the same
    Evaluator from its latest progress report on or before ``day`` (a later finish is
    not known yet), its moves in the audit. Only for building a demo's history: a real
    programme has its nightly runs.
    """
    evaluator = Evaluator(config, day)
    where = and_(M.c.state.in_(OPEN_STATES), P.c.status == "active")
    with writer(engine).begin() as conn:
        evaluator.cover(conn, where)
        run_id = conn.execute(insert(R).values(
            as_of=day, mode="manual", job=HISTORY_JOB, status="running", started_at=utcnow(),
            counts={}, moves_by_trigger={}, warnings=[])).inserted_primary_key[0]
        rows = conn.execute(
            select(M.c.id, M.c.kind, M.c.state, M.c.planned_start, M.c.planned_date,
                   func.coalesce(REPORTS.c.percent, 0.0).label("percent"), M.c.actual_date,
                   REPORTS.c.report_date.label("last_report_date"), M.c.light_facts,
                   M.c.name, P.c.code, P.c.outdoor, P.c.winter_pause)
            .select_from(M.join(P).outerjoin(REPORTS, REPORTS.c.id == latest_progress(day)))
            .where(where).order_by(M.c.id)).all()
        moves, updates, audits = evaluator.changes(rows)
        evaluator.write(conn, run_id, updates, audits)
        conn.execute(update(R).where(R.c.id == run_id).values(
            status="ok", finished_at=utcnow(), evaluated=len(rows), moves=len(moves),
            counts=count_lights(conn)))
    return len(moves)


def prepare(engine: Engine, config: Config, as_of: date) -> Period:
    """Investment reports and the month-end evaluations the last full month's bulletin needs.

    Returns that month (October for the demo date 2026-11-20).
    """
    month = containing("month", as_of).previous()
    add_investment_reports(engine, as_of)
    for end in (month.previous().end, month.end):
        evaluate_as_it_stood(engine, config, end)
    return month


# The demo city's office, for the 红头 of its Word bulletin when config.yaml names none.
DEMO_ISSUER = Issuer(office="松江市重点项目建设领导小组办公室", number="松重项办〔{year}〕{n}号",
                     to=["各县（市）区人民政府", "市直有关部门"],
                     cc=["市委办公室", "市人大常委会办公室", "市政府办公室", "市政协办公室"])


def write_bulletin(engine: Engine, config: Config, month: Period, lang: str,
                   folder: Path = Path()) -> str:
    """Write the month's bulletin as one HTML file (./bulletin-2026-10.html) and as a
    Word 通报 beside it (./bulletin-2026-10.docx, issued on the 3rd of the next month);
    say where."""
    from engine.bulletins.word import Issue, write_docx

    made = build(engine, config, month, today=month.end)
    path = folder / f"bulletin-{month.key}.html"
    path.write_text(render(made, "html", lang), encoding="utf-8")
    docx = path.with_suffix(".docx")
    data, said = write_docx(made, lang, Issue(month.end + timedelta(days=3)),
                            config.bulletins.issuer or DEMO_ISSUER, config.bulletins.fonts)
    docx.write_bytes(data)
    return "\n".join([w("demo.bulletin", lang, label=month.label(lang), path=path),
                      w("demo.bulletin_docx", lang, path=docx), *said])
