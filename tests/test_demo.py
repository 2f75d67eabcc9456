"""The bundled demo programme and the benchmark's synthetic programme."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from bench.synthetic import BENCH_AS_OF, generate
from engine.config import DEFAULT_KINDS, load_config
from engine.demo import (
    DEMO_AS_OF,
    DEMO_CODES,
    DemoInfo,
    build_demo,
    is_demo_only,
    reset_database,
)
from engine.evaluation.run import run
from engine.migrations import create_database
from engine.store.tables import (
    CATEGORIES,
    LEVELS,
    REPORTS,
    M,
    P,
    R,
    T,
)

KIND_ORDER = {code: i for i, (code, _, _) in enumerate(DEFAULT_KINDS)}
APPROVALS = {"approval", "land", "planning_permit", "eia", "construction_permit", "start"}


def _sqlite(path) -> Engine:
    return create_database(f"sqlite:///{path}")


@pytest.fixture(scope="module")
def demo_lit(tmp_path_factory) -> Iterator[tuple[Engine, DemoInfo, dict[str, int]]]:
    """One demo database on SQLite, lit as of DEMO_AS_OF: the engine, what build_demo
    said and the run's counts."""
    engine = _sqlite(tmp_path_factory.mktemp("demo") / "demo.db")
    info = build_demo(engine)
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(tmp_path_factory.mktemp("cwd"))  # no ./config.yaml: built-in defaults
        config = load_config(env={})
    counts = run(engine, config, DEMO_AS_OF).counts
    yield engine, info, counts
    engine.dispose()


@pytest.fixture(scope="module")
def demo(demo_lit) -> Engine:
    """One demo database, lit as of DEMO_AS_OF, shared by the read-only tests below."""
    return demo_lit[0]


def _rows(engine: Engine, table, *order) -> list:
    with engine.connect() as conn:
        return conn.execute(select(table).order_by(*order)).all()


def test_demo_ledger_covers_the_programme(demo):
    projects = _rows(demo, P, P.c.id)
    assert len(projects) >= 100
    assert {p.code for p in projects} == DEMO_CODES
    assert {p.category for p in projects} == set(CATEGORIES)
    assert {p.level for p in projects} == set(LEVELS)
    assert {p.nature for p in projects} == {"new", "continuing"}
    assert {p.outdoor for p in projects} == {True, False}
    assert len({p.region for p in projects}) >= 10
    assert len({p.name for p in projects}) == len(projects)
    for p in projects:
        assert p.status == "active"
        assert 5_000 <= p.total_investment <= 500_000
        assert 0 < p.annual_plan < p.total_investment
        assert p.leader and p.secretary and p.department and p.owner_company
        for email in (p.leader_email, p.secretary_email, p.department_email):
            assert email.endswith(".example"), email  # reserved: never a real mailbox
    assert any("副市长" in p.leader for p in projects)


def test_demo_milestones_follow_the_life_of_a_project(demo):
    projects = {p.id: p for p in _rows(demo, P, P.c.id)}
    by_project = defaultdict(list)
    for m in _rows(demo, M, M.c.project_id, M.c.seq):
        by_project[m.project_id].append(m)
    assert set(by_project) == set(projects)
    for pid, nodes in by_project.items():
        assert 6 <= len(nodes) <= 10
        assert [m.seq for m in nodes] == list(range(1, len(nodes) + 1))
        order = [KIND_ORDER[m.kind] for m in nodes if m.kind != "custom"]
        assert order == sorted(order), [m.kind for m in nodes]
        if projects[pid].nature == "continuing":
            assert not APPROVALS & {m.kind for m in nodes}
        starts = [m.planned_start for m in nodes]
        assert starts == sorted(starts)
        assert nodes[-1].planned_date.year in (2026, 2027)
        for m in nodes:
            assert m.planned_start <= m.planned_date
            assert m.baseline_date == m.planned_date
            assert m.owner and m.owner_email.endswith(".example")
    kinds = {m.kind for nodes in by_project.values() for m in nodes}
    assert kinds == {code for code, _, _ in DEFAULT_KINDS}


def test_demo_progress_is_consistent_with_its_reports(demo):
    reports = defaultdict(list)
    for r in _rows(demo, REPORTS, REPORTS.c.milestone_id, REPORTS.c.report_date, REPORTS.c.id):
        reports[r.milestone_id].append(r)
    assert reports
    for m in _rows(demo, M, M.c.id):
        mine = reports.get(m.id, [])
        assert all(r.report_date <= DEMO_AS_OF for r in mine)
        assert len({r.report_date for r in mine}) == len(mine)
        assert [r.percent for r in mine] == sorted(r.percent for r in mine)
        if not mine:
            assert (m.percent, m.last_report_date, m.actual_date) == (0, None, None)
            continue
        latest = mine[-1]
        assert m.percent == latest.percent
        assert m.last_report_date == latest.report_date
        assert m.actual_date == latest.completed_on
        if m.actual_date is not None:
            assert m.percent == 100 and m.actual_date <= DEMO_AS_OF
        else:
            assert m.percent < 100
            assert all(r.completed_on is None for r in mine)


def test_demo_lights_a_realistic_mix(demo):
    states = Counter(m.state for m in _rows(demo, M, M.c.id))
    total = sum(states.values())
    share = {state: n / total for state, n in states.items()}
    for light in ("red", "yellow", "green", "done", "done_late", "planned"):
        assert states[light] > 0, states
    assert 0.03 <= share["red"] <= 0.25, states
    assert 0.02 <= share["yellow"] <= 0.25, states
    assert share["green"] + share["done"] > 0.5, states
    assert share["done_late"] < share["done"] / 3, states
    assert 0.05 <= share["planned"] <= 0.4, states
    # A few projects are clearly the worst: several red nodes each.
    reds = Counter(m.project_id for m in _rows(demo, M, M.c.id) if m.state == "red")
    assert sum(n >= 3 for n in reds.values()) >= 3
    # Every light explains itself.
    assert all(m.reason and m.light_rules for m in _rows(demo, M, M.c.id))


def _snapshot(engine: Engine) -> tuple[list, list, list]:
    return (_rows(engine, P, P.c.id), _rows(engine, M, M.c.id),
            _rows(engine, REPORTS, REPORTS.c.id))


def test_demo_is_the_same_every_time(tmp_path):
    first, second = _sqlite(tmp_path / "a.db"), _sqlite(tmp_path / "b.db")
    info = build_demo(first)
    assert build_demo(second) == info
    assert info.projects == len(DEMO_CODES) and info.milestones and info.reports
    assert _snapshot(first) == _snapshot(second)
    with first.connect() as conn:
        assert conn.execute(select(func.count()).select_from(REPORTS)).scalar() == info.reports


def test_demo_needs_an_empty_database(tmp_path):
    engine = _sqlite(tmp_path / "demo.db")
    build_demo(engine)
    with pytest.raises(ValueError, match="empty"):
        build_demo(engine)


def test_demo_database_can_be_told_from_real_data_and_rebuilt(tmp_path, config):
    engine = _sqlite(tmp_path / "demo.db")
    assert is_demo_only(engine)  # empty
    build_demo(engine)
    run(engine, config, DEMO_AS_OF)
    assert is_demo_only(engine)
    reset_database(engine)
    with engine.connect() as conn:
        for table in (P, M, REPORTS, R, T):
            assert conn.execute(select(func.count()).select_from(table)).scalar() == 0
    build_demo(engine)

    real = _sqlite(tmp_path / "real.db")
    build_demo(real)
    with real.begin() as conn:
        conn.execute(P.insert().values(code="HRB-2026-001", name="真实项目", region="南岗区",
                                       department="市发改委"))
    assert not is_demo_only(real)
    with pytest.raises(ValueError, match="not the demo"):
        reset_database(real)
    with real.connect() as conn:
        assert conn.execute(select(func.count()).select_from(P)).scalar() == len(DEMO_CODES) + 1


def test_demo_lights_the_same_on_each_database(engine, config, demo_lit):
    """PostgreSQL (when reachable) lights the demo exactly as SQLite does (the reference:
    the module's demo on a SQLite file, built and lit once)."""
    _, reference_info, reference_counts = demo_lit
    assert build_demo(engine) == reference_info
    assert run(engine, config, DEMO_AS_OF).counts == reference_counts


def test_synthetic_programme_for_the_benchmark(tmp_path, config):
    engine = _sqlite(tmp_path / "bench.db")
    generate(engine, 2000)
    projects, milestones, reports = _snapshot(engine)
    assert 1800 <= len(milestones) <= 2200
    assert 200 <= len(projects) <= 300
    assert len({p.region for p in projects}) >= 30
    assert len({p.department for p in projects}) >= 40
    assert {p.category for p in projects} == set(CATEGORIES)
    assert {m.kind for m in milestones} == {code for code, _, _ in DEFAULT_KINDS}
    assert all(r.report_date <= BENCH_AS_OF for r in reports)
    per_milestone = Counter(r.milestone_id for r in reports)
    assert set(per_milestone.values()) == {1}
    started = {m.id for m in milestones if m.last_report_date is not None}
    assert started == set(per_milestone)

    summary = run(engine, config, BENCH_AS_OF)
    assert summary.evaluated == len(milestones)
    for light in ("red", "yellow", "green", "done", "done_late", "planned"):
        assert summary.counts[light] > 0, summary.counts
    assert summary.counts["green"] + summary.counts["done"] > len(milestones) / 2


def test_synthetic_programme_is_seeded(tmp_path):
    a, b, c = (_sqlite(tmp_path / f"{x}.db") for x in "abc")
    for engine, seed in ((a, 7), (b, 7), (c, 8)):
        generate(engine, 300, seed=seed)

    def plan(engine: Engine) -> list:
        with engine.connect() as conn:
            return conn.execute(select(M.c.project_id, M.c.name, M.c.planned_start,
                                       M.c.planned_date, M.c.percent, M.c.actual_date,
                                       M.c.last_report_date).order_by(M.c.id)).all()

    assert plan(a) == plan(b)
    assert plan(a) != plan(c)
