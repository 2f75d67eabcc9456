"""The bundled demo programme (演示数据): 132 key projects of a fictional city, 松江市.

:func:`build_demo` fills an empty database with the same programme every time (a
seeded ``random.Random``): projects of every category and level across twelve
districts and counties, each with 6–10 node tasks planned backwards from its deadline
(倒排工期) and the progress reports (进展报送) its units sent up to :data:`DEMO_AS_OF`.
Every milestone is left ``planned``; the run (``engine.run.run``) lights them.

How the plan is made: each project follows the life of its kind (a factory, a
building, a road or pipe line, an energy plant, indoor works) from approvals to
production; a continuing (续建) project resumes its works in spring. The nodes are
planned back from the deadline. The works of outdoor projects stop in winter
(11-15..03-31, the rules' default pause), so no node of theirs is due inside it.
Most projects are under way on the as-of date, which falls in that winter.

How progress is invented: each project has a profile (good, slow, troubled, stuck).
A node finishes at its planned date plus a slip drawn from the profile (works
slipping into the winter finish in spring); a node of the construction chain starts
after the one ahead of it has started and finishes after it has finished. An open
node reports progress in a band of 序时进度 chosen by the profile (green, slow,
far behind), or has gone quiet; a stuck project stopped part way through a node.

The pieces: :mod:`.data` (the city: districts, departments, people's names, the life of
each kind of project), :mod:`.dates` (winter-aware spans, deadlines as people write
them), :mod:`.directory` (who answers for a project), :mod:`.plan` (a project's nodes
and what happened to them); this module makes the programme and writes it.
:mod:`bench.synthetic` builds large programmes with the same functions.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import Connection, func, insert, select
from sqlalchemy.engine import Engine

from engine.config import WinterPauseConfig
from engine.demo.data import DEMO_AS_OF, TEMPLATES, Template
from engine.demo.dates import demo_calendar
from engine.demo.directory import Directory, Tables
from engine.demo.plan import PROFILE_WEIGHTS, Dice, ProjectPlan, make_project
from engine.store.db import lights_metadata, writer
from engine.store.tables import CATEGORIES, REPORTS, M, P, utcnow

__all__ = ["DEMO_AS_OF", "DEMO_CODES", "Dice", "Directory", "ProjectPlan", "Tables",
           "build_demo", "demo_calendar", "demo_plans", "insert_programme", "is_demo_only",
           "make_project", "reset_database"]

DEMO_SEED = 20261120
DEMO_PROJECT_COUNT = 132
DEMO_CODE_PREFIX = "DEMO-2026-"
DEMO_CODES: frozenset[str] = frozenset(
    f"{DEMO_CODE_PREFIX}{i:03d}" for i in range(1, DEMO_PROJECT_COUNT + 1))
"""Every project code of the demo: a database holding only these holds only the demo."""

# When the demo ledger was entered (created_at of its rows): fixed, so that two builds
# are identical. 09:00 in 松江 (UTC+8).
DEMO_ENTERED = datetime(2026, 1, 5, 1, 0, tzinfo=UTC)
REPORT_TIME = time(9, 30, tzinfo=UTC)  # reports are filed at 17:30 local time

# The demo's mix, in the spirit of a real city's list (DOMAIN.md).
DEMO_CATEGORIES = {"industrial": 46, "infrastructure": 20, "services": 22, "social": 16,
                   "livelihood": 16, "health": 12}
DEMO_LEVELS = {"provincial": 14, "city": 62, "county": 56}
DEMO_STUCK = 5  # projects stuck at a node since summer: several reds each



@dataclass(frozen=True)
class DemoInfo:
    projects: int
    milestones: int
    reports: int


# -- writing ---------------------------------------------------------------------------
def _insert(conn: Connection, table: Any, rows: list[dict[str, Any]], batch: int) -> None:
    for i in range(0, len(rows), batch):
        conn.execute(insert(table), rows[i:i + batch])


def insert_programme(engine: Engine, plans: Sequence[ProjectPlan], *, batch: int = 10_000,
                     created: datetime | None = None) -> DemoInfo:
    """Write the plans with bulk inserts (executemany), in one transaction."""
    stamp = created or utcnow()
    with writer(engine).begin() as conn:
        before = conn.execute(select(func.coalesce(func.max(P.c.id), 0))).scalar_one()
        _insert(conn, P, [plan.row for plan in plans], batch)
        project_ids = dict(conn.execute(select(P.c.code, P.c.id).where(P.c.id > before)).all())
        rows = []
        for plan in plans:
            pid = project_ids[plan.row["code"]]
            for seq, (node, out) in enumerate(zip(plan.nodes, plan.outcomes, strict=True), 1):
                owner, email = plan.owners[node.step.stage != "pre"]
                rows.append({
                    "project_id": pid, "seq": seq, "name": node.name, "kind": node.step.kind,
                    "planned_start": node.planned_start, "planned_date": node.planned_date,
                    "baseline_date": node.planned_date, "weight": 1.0, "owner": owner,
                    "owner_email": email, "percent": float(out.percent),
                    "actual_date": out.actual_date, "last_report_date": out.last_report,
                    "state": "planned", "state_since": None, "reason": "", "light_rules": "",
                    "light_facts": [], "updated_at": stamp})
        _insert(conn, M, rows, batch)
        first = min(project_ids.values(), default=before + 1)
        milestone_ids = {(pid, seq): mid for mid, pid, seq in conn.execute(
            select(M.c.id, M.c.project_id, M.c.seq).where(M.c.project_id >= first)).all()}
        reports = []
        for plan in plans:
            pid = project_ids[plan.row["code"]]
            for seq, (node, out) in enumerate(zip(plan.nodes, plan.outcomes, strict=True), 1):
                reporter = plan.owners[node.step.stage != "pre"][0]
                mid = milestone_ids[pid, seq]
                for day, percent, completed, note in out.reports:
                    reports.append({"milestone_id": mid, "report_date": day,
                                    "percent": float(percent), "completed_on": completed,
                                    "note": note, "reporter": reporter,
                                    "created_at": datetime.combine(day, REPORT_TIME)})
        _insert(conn, REPORTS, reports, batch)
    return DemoInfo(len(plans), len(rows), len(reports))


# -- the demo ----------------------------------------------------------------------------
def _quota(rng: random.Random, counts: dict[str, int]) -> list[str]:
    out = [key for key, n in counts.items() for _ in range(n)]
    rng.shuffle(out)
    return out


def demo_plans(as_of: date = DEMO_AS_OF, seed: int = DEMO_SEED) -> list[ProjectPlan]:
    """The demo programme, without touching a database."""
    rng = Dice(seed)
    directory = Directory(rng, Tables())
    calendar = demo_calendar()
    default_pause = WinterPauseConfig().pause
    categories = _quota(rng, DEMO_CATEGORIES)
    levels = _quota(rng, DEMO_LEVELS)
    # Each category's templates in turn, shuffled, so that the names vary.
    decks: dict[str, list[Template]] = {c: [] for c in CATEGORIES}
    picked = []
    for category in categories:
        if not decks[category]:
            decks[category] = rng.sample(TEMPLATES[category], len(TEMPLATES[category]))
        picked.append(decks[category].pop())
    eligible = [i for i, t in enumerate(picked) if t.outdoor and levels[i] != "county"]
    stuck = set(rng.sample(eligible, DEMO_STUCK))
    profiles = list(PROFILE_WEIGHTS)
    weights = list(PROFILE_WEIGHTS.values())
    taken: set[str] = set()
    plans = []
    for i, (category, level, template) in enumerate(zip(categories, levels, picked,
                                                        strict=True)):
        profile = "stuck" if i in stuck else rng.choices(profiles, weights)[0]
        plans.append(make_project(
            rng, directory, f"{DEMO_CODE_PREFIX}{i + 1:03d}", category, level, template,
            profile, as_of=as_of, calendar=calendar, default_pause=default_pause,
            taken=taken, created=DEMO_ENTERED))
    return plans


def build_demo(engine: Engine) -> DemoInfo:
    """Fill an empty, initialised database with the demo programme (one transaction)."""
    with engine.connect() as conn:
        if conn.execute(select(func.count()).select_from(P)).scalar_one():
            raise ValueError("the database already holds projects: the demo needs an empty one")
    return insert_programme(engine, demo_plans(), created=DEMO_ENTERED)


def is_demo_only(engine: Engine) -> bool:
    """True when every project in the database is a demo project (or there is none).

    Such a database is safe to empty and rebuild; one with any other project holds
    real data.
    """
    with engine.connect() as conn:
        return all(code in DEMO_CODES for code in conn.execute(select(P.c.code)).scalars())


def reset_database(engine: Engine) -> None:
    """Empty every Lights table of a demo database; refuses a database with real data."""
    if not is_demo_only(engine):
        raise ValueError("the database holds projects that are not the demo's")
    with writer(engine).begin() as conn:
        for table in reversed(lights_metadata().sorted_tables):
            conn.execute(table.delete())
