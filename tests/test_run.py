"""The nightly run on real databases: lights, audit trail, idempotence, replay, chunks."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from engine import actions
from engine.evaluation.run import RunRefused, run
from engine.store.models import Milestone, ReplayLight, Run, Transition
from tests.builders import add_milestone, add_project

AS_OF = date(2026, 11, 23)


def _programme(engine) -> dict[str, int]:
    """One project with a milestone of each situation, as of 2026-11-23."""
    pid = add_project(engine, "P1", outdoor=False)
    ids = {
        # 23 days overdue at 60%: red.
        "late": add_milestone(engine, pid, "开工", date(2026, 10, 31),
                              planned_start=date(2026, 3, 2), percent=60,
                              last_report_date=date(2026, 11, 20)),
        # Well ahead: green.
        "ahead": add_milestone(engine, pid, "主体完工", date(2026, 12, 31),
                               planned_start=date(2026, 6, 1), percent=95,
                               last_report_date=date(2026, 11, 20)),
        # Future start: planned.
        "future": add_milestone(engine, pid, "竣工", date(2027, 9, 30),
                                planned_start=date(2027, 3, 1)),
        # Finished two days late: done_late.
        "finished": add_milestone(engine, pid, "施工许可", date(2026, 5, 31),
                                  planned_start=date(2026, 3, 1), percent=100,
                                  actual_date=date(2026, 6, 2),
                                  last_report_date=date(2026, 6, 2)),
    }
    return ids


def _milestone(engine, mid: int) -> Milestone:
    with Session(engine) as s:
        return s.get(Milestone, mid)


def _count(engine, model) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(model)).scalar_one()


def test_first_run_lights_every_milestone_and_audits_each_move(engine, config):
    ids = _programme(engine)
    summary = run(engine, config, AS_OF)

    assert {k: _milestone(engine, v).state for k, v in ids.items()} == {
        "late": "red", "ahead": "green", "future": "planned", "finished": "done_late"}
    late = _milestone(engine, ids["late"])
    assert late.reason.startswith("计划2026年10月31日完成，已逾期23天，进度60%")
    assert late.light_rules.split(",")[0] == "overdue"
    assert late.state_since == AS_OF
    # planned → planned is no move; three moves, each with its audit row.
    assert summary.moves == 3
    assert summary.moves_by_trigger == {"miss": 1, "start": 1, "finish_late": 1}
    assert summary.counts["red"] == 1 and summary.counts["done_late"] == 1
    with Session(engine) as s:
        audit = s.exec(select(Transition).where(Transition.milestone_id == ids["late"])).one()[0]
        recorded = s.get(Run, summary.run_id)
    assert (audit.from_state, audit.to_state, audit.trigger) == ("planned", "red", "miss")
    assert audit.run_id == summary.run_id and audit.as_of == AS_OF
    assert audit.numbers[0]["numbers"]["days_late"] == 23
    assert "已逾期23天" in audit.reason
    assert recorded.status == "ok" and recorded.moves == 3 and recorded.counts["red"] == 1


def test_second_run_for_the_same_date_moves_nothing(engine, config):
    _programme(engine)
    run(engine, config, AS_OF)
    audits = _count(engine, Transition)
    again = run(engine, config, AS_OF)
    assert again.moves == 0
    assert _count(engine, Transition) == audits
    assert again.counts == run(engine, config, AS_OF).counts


def test_next_night_updates_the_numbers_without_a_move(engine, config):
    ids = _programme(engine)
    run(engine, config, AS_OF)
    audits = _count(engine, Transition)
    nxt = run(engine, config, date(2026, 11, 24))
    assert nxt.moves == 0 and _count(engine, Transition) == audits
    late = _milestone(engine, ids["late"])
    assert late.state == "red" and "已逾期24天" in late.reason
    assert late.state_since == AS_OF  # red since the first night


def test_a_finished_milestone_never_turns_red(engine, config):
    ids = _programme(engine)
    run(engine, config, AS_OF)
    run(engine, config, date(2027, 1, 15))
    assert _milestone(engine, ids["finished"]).state == "done_late"


def test_an_earlier_date_is_refused_and_replay_leaves_history_alone(engine, config):
    ids = _programme(engine)
    actions.record_progress(engine, config, str(ids["ahead"]), 40,
                            report_date=date(2026, 10, 1))
    run(engine, config, AS_OF)
    with pytest.raises(RunRefused):
        run(engine, config, date(2026, 10, 15))
    audits, before = _count(engine, Transition), _milestone(engine, ids["ahead"])

    replay = run(engine, config, date(2026, 10, 15), replay=True)

    assert _count(engine, Transition) == audits
    assert _milestone(engine, ids["ahead"]).model_dump() == before.model_dump()
    with Session(engine) as s:
        lights = {r.milestone_id: r for r in s.exec(
            select(ReplayLight).where(ReplayLight.run_id == replay.run_id)).scalars()}
    # On 2026-10-15 'late' was not yet due, but nothing was reported by then (0%
    # against ~90% expected): red for the lag, not for being overdue.
    assert lights[ids["finished"]].light == "done_late"
    assert lights[ids["late"]].light == "red"
    assert lights[ids["late"]].rules.split(",")[0] == "schedule_lag"
    # The replay reads the report of 2026-10-01 (40%), not today's 95%.
    ahead = lights[ids["ahead"]].facts
    assert any(f["numbers"].get("percent") == 40 for f in ahead)
    # A replay does not count as the latest run.
    run(engine, config, AS_OF)


def test_dry_run_reports_moves_and_writes_nothing(engine, config):
    ids = _programme(engine)
    summary = run(engine, config, AS_OF, dry_run=True)
    assert {(m.milestone_id, m.to_state) for m in summary.moved} >= {(ids["late"], "red")}
    assert summary.counts["red"] == 1
    assert _milestone(engine, ids["late"]).state == "planned"
    assert _count(engine, Transition) == 0 and _count(engine, Run) == 0


def test_suspended_projects_are_not_evaluated(engine, config):
    ids = _programme(engine)
    actions.suspend(engine, config, "P1", reason="资金未到位", actor="李秘书", project=True)
    summary = run(engine, config, AS_OF)
    assert summary.evaluated == 0
    assert _milestone(engine, ids["late"]).state == "suspended"


def test_chunks_cover_everything_and_an_interrupted_run_resumes(engine, config):
    config.run.chunk_size = 100
    pid = add_project(engine, "BIG")
    for i in range(250):
        add_milestone(engine, pid, f"节点{i}", date(2026, 11, 1), planned_start=date(2026, 1, 5))
    seen: list[tuple[int, int]] = []
    calls = iter([False, True])
    first = run(engine, config, AS_OF, progress=lambda d, t: seen.append((d, t)),
                should_stop=lambda: next(calls, True))
    assert first.status == "interrupted" and first.evaluated == 100
    assert seen == [(100, 250)]
    second = run(engine, config, AS_OF)
    assert second.status == "ok" and second.moves == 150
    assert _count(engine, Transition) == 250  # every milestone moved exactly once
    with Session(engine) as s:
        states = s.exec(select(Milestone.state).distinct()).all()
    assert [tuple(r) for r in states] == [("red",)]


def test_stages_see_each_chunks_moves_in_its_transaction(engine, config):
    ids = _programme(engine)
    seen = []

    def stage(conn, chunk):
        seen.append((chunk.run_id, sorted(m.milestone_id for m in chunk.moves)))
        # Inside the chunk's transaction the moves are already visible.
        state = conn.execute(select(Milestone.state).where(Milestone.id == ids["late"])).scalar()
        assert state == "red"

    summary = run(engine, config, AS_OF, stages=[stage])
    assert seen == [(summary.run_id, sorted([ids["late"], ids["ahead"], ids["finished"]]))]


def test_a_failing_stage_rolls_its_chunk_back_and_marks_the_run_failed(engine, config):
    ids = _programme(engine)

    def broken(conn, chunk):
        raise RuntimeError("outbox full")

    with pytest.raises(RuntimeError):
        run(engine, config, AS_OF, stages=[broken])
    assert _milestone(engine, ids["late"]).state == "planned"
    assert _count(engine, Transition) == 0
    with Session(engine) as s:
        failed = s.exec(select(Run)).one()[0]
    assert failed.status == "failed" and "outbox full" in failed.error


def test_replay_takes_the_latest_report_by_date_not_by_filing_order(engine, config):
    ids = _programme(engine)
    ref = str(ids["ahead"])
    actions.record_progress(engine, config, ref, 70, report_date=date(2026, 10, 10))
    # Filed afterwards, for an earlier date: the 2026-10-10 report still wins.
    actions.record_progress(engine, config, ref, 20, report_date=date(2026, 9, 1))
    replay = run(engine, config, date(2026, 10, 15), replay=True)
    with Session(engine) as s:
        light = s.exec(select(ReplayLight).where(ReplayLight.run_id == replay.run_id,
                                                 ReplayLight.milestone_id == ids["ahead"])).one()[0]
    assert any(f["numbers"].get("percent") == 70 for f in light.facts)


def test_winter_pause_applies_to_site_work_only(engine, config):
    """A permit due in December on an outdoor project is not paused; its site works are."""
    pid = add_project(engine, "W1", outdoor=True)
    permit = add_milestone(engine, pid, "施工许可", date(2026, 12, 20), kind="construction_permit",
                           planned_start=date(2026, 9, 1), percent=60,
                           last_report_date=date(2026, 11, 10))
    works = add_milestone(engine, pid, "主体完工", date(2027, 6, 30), kind="structure",
                          planned_start=date(2026, 9, 1), percent=45,
                          last_report_date=date(2026, 11, 10))
    run(engine, config, date(2026, 12, 15))
    permit_row, works_row = _milestone(engine, permit), _milestone(engine, works)
    # The permit's expected progress kept growing through the pause: ~94% expected at
    # 60% (and it is due soon, and quiet for 35 days: paperwork has no winter break).
    assert permit_row.state == "red"
    assert permit_row.light_rules == "schedule_lag,due_soon,stale_report"
    # The site works froze at 11-15 (45% expected, as on 11-14) and nobody reports
    # from a closed site: 35 days quiet, but only 5 outside the pause.
    assert works_row.state == "green"
    assert "stale_report" not in works_row.light_rules


def test_years_without_an_official_calendar_are_named_in_the_summary(engine, config):
    pid = add_project(engine, "Y1", outdoor=False)
    add_milestone(engine, pid, "开工", date(2026, 12, 31), planned_start=date(2026, 11, 2))
    assert run(engine, config, AS_OF).warnings == []  # 2026 is covered officially
    add_milestone(engine, pid, "竣工", date(2027, 9, 30), planned_start=date(2026, 12, 1))
    summary = run(engine, config, AS_OF)
    assert summary.estimated_years == [2027]
    assert summary.warnings == ["2027年的官方节假日安排尚未发布："
                                "这些年份的工作日按预测的法定节假日估算，不含调休"]
    with Session(engine) as s:
        assert s.get(Run, summary.run_id).warnings == summary.warnings
