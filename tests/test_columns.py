"""The rules by columns give exactly what the rules row by row give.

Lights, rule ids, stored numbers (as JSON text) and reasons in both languages, on the
rule edge cases, on the demo programme, and on a random programme of 100,000
milestones; the state machine's table against the machine; and the run itself when a
rule has no array form, and when nothing changed.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from sqlalchemy import func, select, update

from engine.config import load_config
from engine.demo import DEMO_AS_OF, build_demo
from engine.evaluation import lifecycle
from engine.evaluation.chunks import DEST_OF, TRIGGER_OF, TRIGGERS
from engine.evaluation.evaluator import facts_json, pause_of
from engine.evaluation.run import run
from engine.migrations import create_database
from engine.store.models import Run, Transition
from engine.store.tables import FACT_COLUMNS, M, P
from rules import columns as C
from rules.calendar import PauseWindow, WorkCalendar
from rules.lights import Light
from rules.milestone import (
    Context,
    DueSoonParams,
    FinishedParams,
    MilestoneFacts,
    OverdueParams,
    ScheduleLagParams,
    StaleReportParams,
    evaluate,
)
from rules.reasons import describe_all
from rules.registry import REGISTRY, RuleParams, rule
from tests.builders import add_milestone, add_project
from tests.test_rules import EVALUATE_CASES

D = date
WINTER = (PauseWindow.parse("11-15..03-31"),)
TWO_WINDOWS = (PauseWindow.parse("12-01..12-31"), PauseWindow.parse("01-10..02-28"))
DEFAULT_CHAIN: list[tuple[str, RuleParams]] = [
    ("finished", FinishedParams()), ("overdue", OverdueParams()),
    ("schedule_lag", ScheduleLagParams()), ("due_soon", DueSoonParams()),
    ("stale_report", StaleReportParams())]
CHAINS = {
    "default": DEFAULT_CHAIN,
    "reordered": [DEFAULT_CHAIN[i] for i in (4, 3, 2, 1, 0)],
    "finish-last": [DEFAULT_CHAIN[i] for i in (1, 2, 3, 4, 0)],
    "city": [("finished", FinishedParams()), ("overdue", OverdueParams(grace_days=3)),
             ("schedule_lag", ScheduleLagParams(yellow_points=None, red_points=25.5)),
             ("due_soon", DueSoonParams(working_days=10, min_percent=80.5)),
             ("stale_report", StaleReportParams(days=14))],
    "no-finished-no-lag": [("overdue", OverdueParams()), ("due_soon", DueSoonParams()),
                           ("stale_report", StaleReportParams(days=7))],
}


def per_row(facts: list[MilestoneFacts], as_of: date, chain: Any,
            calendar: WorkCalendar) -> list[tuple[str, str, str, str, str]]:
    out = []
    ctx = Context(as_of, calendar, chain)
    for f in facts:
        v = evaluate(f, ctx)
        out.append((v.light.value, v.rule_ids, json.dumps(facts_json(v)),
                    describe_all(v.findings, "zh"), describe_all(v.findings, "en")))
    return out


def by_columns(facts: list[MilestoneFacts], as_of: date, chain: Any,
               calendar: WorkCalendar) -> list[tuple[str, str, str, str, str]]:
    pauses: list[Any] = [()]
    cols = C.columns_of(facts, pauses)
    day = C.day_number(as_of)
    lo, hi = cols.needed_days(day)
    table = C.DayTable.build(calendar, pauses, C.day_of(lo).year, C.day_of(hi).year)
    outcome = C.evaluate(cols, C.ArrayContext(day, table), chain)
    rows = np.arange(len(facts))
    texts = C.Texts()
    stored, zh = C.render(outcome, rows, texts, "zh")
    _, en = C.render(outcome, rows, texts, "en")
    lights = [C.VALUES[c] for c in outcome.light.tolist()]
    return list(zip(lights, outcome.rules_of().tolist(), stored, zh, en, strict=True))


def assert_same(facts: list[MilestoneFacts], as_of: date, chain: Any = DEFAULT_CHAIN) -> None:
    """Both paths on the same facts; the first difference is shown with its facts."""
    want = per_row(facts, as_of, chain, WorkCalendar("china"))
    got = by_columns(facts, as_of, chain, WorkCalendar("china"))
    for f, w, g in zip(facts, want, got, strict=True):
        assert g == w, f"{f} as of {as_of}"


# -- the rule edge cases ---------------------------------------------------------------
@pytest.mark.parametrize("chain", list(CHAINS), ids=str)
def test_the_evaluate_cases_of_the_rules(chain):
    for case in EVALUATE_CASES:
        facts, as_of = case.values[0], case.values[1]
        assert_same([facts], as_of, CHAINS[chain])


def edge_facts() -> list[MilestoneFacts]:
    """Every combination of the values at the rules' edges, around holidays and pauses."""
    out = []
    planned = [D(2026, 10, 9), D(2026, 10, 1), D(2026, 11, 14), D(2026, 11, 16),
               D(2026, 12, 31), D(2027, 1, 4), D(2026, 4, 3), D(2026, 2, 24)]
    for pd in planned:
        for start in (None, pd - timedelta(days=40), pd, pd - timedelta(days=200)):
            for percent in (0.0, 9.99, 22.8, 60.0, 89.99, 90.0, 100.0):
                for report in (None, pd - timedelta(days=31), pd - timedelta(days=3)):
                    for actual in (None, pd, pd + timedelta(days=2)):
                        for pause in ((), WINTER, TWO_WINDOWS):
                            out.append(MilestoneFacts(planned_date=pd, planned_start=start,
                                                      percent=percent, actual_date=actual,
                                                      last_report=report, pause=pause))
    return out


EDGES = edge_facts()


@pytest.mark.parametrize("as_of", [D(2026, 9, 30), D(2026, 10, 8), D(2026, 11, 14),
                                   D(2026, 11, 15), D(2026, 11, 20), D(2026, 12, 31),
                                   D(2027, 1, 1), D(2026, 4, 1)], ids=str)
def test_edges_on_the_official_calendar(as_of):
    assert_same(EDGES, as_of)


@pytest.mark.parametrize("chain", ["city", "no-finished-no-lag", "reordered"], ids=str)
def test_edges_with_other_chains(chain):
    assert_same(EDGES[::3], D(2026, 11, 20), CHAINS[chain])


def test_float_noise_at_the_band_edge():
    """32.8 expected - 22.8 reported is 9.999999999999996: Python's round makes it 10."""
    facts = [MilestoneFacts(planned_date=D(2026, 6, 12), planned_start=D(2026, 6, 1),
                            percent=p, last_report=D(2026, 6, 1)) for p in (22.8, 22.9, 2.8)]
    for day in range(1, 13):
        assert_same(facts, D(2026, 6, day))


def test_python_rounding_at_halves():
    values = np.array([0.25, 0.35, 2.675, 32.849999999999994, -0.05, 1e-9, 99.95, 12.345])
    assert C.py_round(values, 1).tolist() == [round(float(v), 1) for v in values]
    assert C.py_round(values, 9).tolist() == [round(float(v), 9) for v in values]


# -- the demo and a random programme ---------------------------------------------------
def facts_of_rows(rows: list[Any], site_work: frozenset[str],
                  default: Any) -> list[MilestoneFacts]:
    return [MilestoneFacts(planned_date=r.planned_date, planned_start=r.planned_start,
                           percent=r.percent, actual_date=r.actual_date,
                           last_report=r.last_report_date,
                           pause=pause_of(r.outdoor and r.kind in site_work, r.winter_pause,
                                          default)) for r in rows]


def test_the_demo_programme(tmp_path):
    config = load_config(env={})
    engine = create_database(f"sqlite:///{tmp_path / 'demo.db'}")
    build_demo(engine)
    with engine.connect() as conn:
        rows = conn.execute(select(*FACT_COLUMNS).select_from(M.join(P))).all()
    engine.dispose()
    facts = facts_of_rows(rows, config.site_work_kinds, config.winter_pause.pause)
    for as_of in (DEMO_AS_OF, DEMO_AS_OF + timedelta(days=45), D(2026, 3, 31)):
        assert_same(facts, as_of, config.rule_chain)


def random_facts(n: int, seed: int = 11) -> list[MilestoneFacts]:
    rng = random.Random(seed)
    pauses = [(), (), WINTER, WINTER, TWO_WINDOWS, (PauseWindow.parse("11-01..02-28"),)]
    percents = [0.0, 5.0, 9.99, 10.0, 22.8, 29.99, 30.0, 50.0, 89.99, 90.0, 95.0, 100.0]
    base = D(2025, 6, 1)
    out = []
    for _ in range(n):
        pd = base + timedelta(days=rng.randrange(0, 900))
        start = None if rng.random() < 0.2 else pd - timedelta(days=rng.randrange(0, 400))
        pct = rng.choice(percents) if rng.random() < 0.5 else round(rng.uniform(0, 100), 1)
        report = None if rng.random() < 0.3 else (start or pd) + timedelta(
            days=rng.randrange(-30, 300))
        actual = None if rng.random() < 0.7 else pd + timedelta(days=rng.randrange(-30, 60))
        out.append(MilestoneFacts(planned_date=pd, planned_start=start, percent=pct,
                                  actual_date=actual, last_report=report,
                                  pause=rng.choice(pauses)))
    return out


@pytest.fixture(scope="module")
def programme() -> list[MilestoneFacts]:
    return random_facts(100_000)


def test_a_random_programme_of_100000(programme):
    assert_same(programme, D(2026, 11, 20))


def test_a_random_programme_with_a_city_chain(programme):
    assert_same(programme[:20_000], D(2027, 3, 15), CHAINS["city"])


def test_numbers_differ_exactly_where_the_stored_numbers_would(programme):
    """The run writes a milestone when its findings differ from the previous night's:
    the array comparison agrees with comparing the stored JSON texts."""
    facts = programme[:30_000]
    calendar = WorkCalendar("china")
    pauses: list[Any] = [()]
    cols = C.columns_of(facts, pauses)
    table = C.DayTable.build(calendar, pauses, 2024, 2028)
    rows = np.arange(len(facts))
    for before, now in ((D(2026, 11, 20), D(2026, 11, 23)), (D(2026, 12, 31), D(2027, 1, 4)),
                        (D(2026, 3, 1), D(2026, 3, 2))):
        a = C.evaluate(cols, C.ArrayContext(C.day_number(before), table), DEFAULT_CHAIN)
        b = C.evaluate(cols, C.ArrayContext(C.day_number(now), table), DEFAULT_CHAIN)
        texts_a, _ = C.render(a, rows, C.Texts(), None)
        texts_b, _ = C.render(b, rows, C.Texts(), None)
        stored_differ = np.array(texts_a, dtype=object) != np.array(texts_b, dtype=object)
        assert (C.numbers_differ(b, a) == stored_differ).all()


# -- the state machine as a table -----------------------------------------------------
def test_the_move_table_agrees_with_the_machine_on_every_pair():
    for state in Light:
        for trigger in lifecycle.MACHINE.events:
            try:
                expected: str | None = lifecycle.fire(state.value, trigger)
            except lifecycle.RefusedMove:
                expected = None
            assert lifecycle.MOVE_TABLE.get((state.value, trigger)) == expected, (state, trigger)


def test_the_bulk_moves_agree_with_trigger_for_and_fire():
    for state in Light:
        for light in Light:
            code = TRIGGER_OF[C.CODE[state], C.CODE[light]]
            try:
                trigger: str | None = lifecycle.trigger_for(state.value, light.value)
            except lifecycle.RefusedMove:
                trigger = None
            assert (TRIGGERS[code] if code >= 0 else None) == trigger, (state, light)
            if trigger is not None:
                assert C.VALUES[DEST_OF[C.CODE[state], code]] == lifecycle.fire(state.value,
                                                                                 trigger)


# -- the run -------------------------------------------------------------------------
class QuietParams(RuleParams):
    days: int = 20


def _quiet_site(f: Any, ctx: Any, p: QuietParams) -> Any:
    """A custom rule with no array form (as a city might add one)."""
    from rules.lights import Finding

    quiet = None if f.last_report is None else (ctx.as_of - f.last_report).days
    if quiet is None or quiet <= p.days:
        return None
    return Finding("stale_report", Light.YELLOW,
                   {"last_report": f.last_report, "days_quiet": quiet, "limit": p.days})


@pytest.fixture
def quiet_site_rule():
    """Registered for this test only: the registry is the process's, and other tests
    (every rule has its reason texts) read all of it."""
    rule("quiet_site", QuietParams)(_quiet_site)
    yield
    REGISTRY.pop("quiet_site", None)


def _small_programme(engine) -> None:
    pid = add_project(engine, "P1", outdoor=True)
    for i, facts in enumerate(random_facts(300, seed=5)):
        add_milestone(engine, pid, f"节点{i}", facts.planned_date, kind="structure",
                      planned_start=facts.planned_start, percent=facts.percent,
                      actual_date=facts.actual_date, last_report_date=facts.last_report)


def _lights(engine) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(
            M.c.id, M.c.state, M.c.light_rules, M.c.reason, M.c.light_facts).order_by(M.c.id))]


def test_a_rule_without_an_array_form_runs_row_by_row_and_says_so(tmp_path, monkeypatch,
                                                                  quiet_site_rule):
    monkeypatch.chdir(tmp_path)
    plain = load_config(env={})
    custom = load_config(env={}, overrides={("rules",): [
        {"rule": "finished"}, {"rule": "overdue"}, {"rule": "quiet_site", "days": 30}]})
    same = load_config(env={}, overrides={("rules",): [{"rule": "finished"},
                                                      {"rule": "overdue"}]})
    one = create_database(f"sqlite:///{tmp_path / 'one.db'}")
    two = create_database(f"sqlite:///{tmp_path / 'two.db'}")
    for engine in (one, two):
        _small_programme(engine)
    as_of = D(2026, 11, 20)
    rows = run(one, custom, as_of)
    assert any("quiet_site" in w and "逐行" in w for w in rows.warnings)
    assert plain.rule_chain != custom.rule_chain
    columns = run(two, same, as_of)
    assert not any("逐行" in w for w in columns.warnings)
    # Without the custom rule's own findings, both paths light the same.
    want = {r[0]: r[1:] for r in _lights(one) if "stale_report" not in r[2]}
    got = {r[0]: r[1:] for r in _lights(two) if r[0] in want}
    assert got == want


def test_a_night_with_nothing_changed_writes_nothing(engine, config):
    _small_programme(engine)
    run(engine, config, D(2026, 11, 20))
    mark = datetime(2000, 1, 1, tzinfo=UTC)  # a written row gets the time of writing
    with engine.begin() as conn:
        conn.execute(update(M).values(updated_at=mark))
    again = run(engine, config, D(2026, 11, 20))
    assert again.moves == 0
    assert _written(engine, mark) == set()
    with engine.connect() as conn:
        rows = conn.execute(select(*FACT_COLUMNS).select_from(M.join(P))).all()
    run(engine, config, D(2026, 11, 23))
    # Written exactly: the open milestones whose light, rules or numbers moved.
    facts = facts_of_rows(rows, config.site_work_kinds, config.winter_pause.pause)
    cal = WorkCalendar("china")
    before = per_row(facts, D(2026, 11, 20), config.rule_chain, cal)
    after = per_row(facts, D(2026, 11, 23), config.rule_chain, cal)
    changed = {r.id for r, b, a in zip(rows, before, after, strict=True)
               if b[:3] != a[:3] and r.state in ("planned", "green", "yellow", "red")}
    assert changed and _written(engine, mark) == changed


def _written(engine, mark: datetime) -> set[int]:
    with engine.connect() as conn:
        return {r.id for r in conn.execute(select(M.c.id, M.c.updated_at))
                if r.updated_at.replace(tzinfo=UTC) > mark}


def test_workers_split_a_run_into_ranges_and_add_up_on_postgresql(pg_url, config):
    engine = create_database(pg_url)
    try:
        _small_programme(engine)
        with engine.connect() as conn:
            rows = conn.execute(select(*FACT_COLUMNS).select_from(M.join(P))
                                .order_by(M.c.id)).all()
        config.run.chunk_size = 100
        summary = run(engine, config, D(2026, 11, 20), workers=3)
        facts = facts_of_rows(rows, config.site_work_kinds, config.winter_pause.pause)
        want = per_row(facts, D(2026, 11, 20), config.rule_chain, WorkCalendar("china"))
        with engine.connect() as conn:
            got = {r.id: (r.state, r.light_rules, r.reason) for r in conn.execute(
                select(M.c.id, M.c.state, M.c.light_rules, M.c.reason))}
            runs = conn.execute(select(Run.id, Run.evaluated, Run.moves)).all()
            audits = conn.execute(select(func.count()).select_from(Transition)).scalar()
        assert [got[r.id] for r in rows] == [(w[0], w[1], w[3]) for w in want]
        assert runs == [(summary.run_id, len(rows), summary.moves)] and audits == summary.moves
        assert summary.status == "ok" and summary.evaluated == len(rows)
    finally:
        engine.dispose()
