"""Issue 12: a run that was a mistake (an as-of typo, 2062 for 2026) can be undone, and the
nights go on; a database lit only by imports refuses a run that would rewind it."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from engine.migrations import create_database
from engine.store.tables import ESC, NOTICE, OUTBOX, M, R
from tests.cli_runner import lights
from tests.test_notices_night import make_config, night, programme

TYPO = date(2062, 11, 21)


def state(engine) -> dict[str, list[tuple]]:
    """What an undo must give back: the lights with their reasons, the escalations."""
    with engine.connect() as conn:
        return {
            "milestones": [tuple(r) for r in conn.execute(select(
                M.c.id, M.c.state, M.c.state_since, M.c.reason, M.c.light_rules,
                M.c.light_facts).order_by(M.c.id))],
            "escalations": [tuple(r) for r in conn.execute(select(
                ESC.c.milestone_id, ESC.c.opened_on, ESC.c.light, ESC.c.step, ESC.c.step_name,
                ESC.c.notified, ESC.c.last_sent, ESC.c.last_label).order_by(ESC.c.milestone_id))],
        }


@pytest.fixture
def office(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    engine = create_database(f"sqlite:///{tmp_path / 'lights.db'}")
    yield engine
    engine.dispose()


def test_an_as_of_typo_is_undone_and_the_nights_go_on(office, tmp_path):
    config = make_config(tmp_path, send_after_run=False)
    (tmp_path / "config.yaml").write_text((tmp_path / "notices.yaml").read_text("utf-8"),
                                          encoding="utf-8")
    mid = programme(office, planned=date(2026, 12, 20), percent=40.0)
    night(office, config, date(2026, 11, 26))  # yellow, due soon: the secretary told
    before = state(office)
    bad = night(office, config, TYPO)
    assert bad.moves == 1 and state(office) != before
    with office.connect() as conn:
        bad_notices = conn.execute(select(NOTICE.c.id).where(NOTICE.c.run_id == bad.run_id)).all()
    assert bad_notices  # the typo told people that the node is red

    refused = lights(tmp_path, "run", "--as-of", "2026-11-27")
    assert refused.returncode == 1 and "早于最近一次运行（2062-11-21）" in refused.stderr

    out = lights(tmp_path, "runs", "undo", str(bad.run_id), "--reason", "日期输错",
                 "--by", "李主任")
    assert out.returncode == 0, out.stderr
    assert f"已撤销运行 #{bad.run_id}（评估日期 2062-11-21）：1 个节点的灯已还原" in out.stdout
    assert state(office) == before  # lights, reasons and escalations as before the typo
    with office.connect() as conn:
        assert conn.execute(select(NOTICE.c.id).where(NOTICE.c.run_id == bad.run_id)).all() == []
        statuses = dict(conn.execute(select(OUTBOX.c.as_of, OUTBOX.c.status)).all())
        assert statuses.get(TYPO) in (None, "withdrawn")
        runs = {r.id: (r.mode, r.status) for r in conn.execute(select(R))}
    assert runs[bad.run_id] == ("manual", "undone")
    assert ("undo", "ok") in runs.values()

    moves = json.loads(lights(tmp_path, "history", str(mid), "--format", "json").stdout)
    assert (moves[-1]["trigger"], moves[-1]["reason"], moves[-1]["actor"]) == \
        ("undo", "日期输错", "李主任")
    listed = json.loads(lights(tmp_path, "runs", "--format", "json").stdout)
    assert {(r["job"], r["status"]) for r in listed} >= {(f"undo:{bad.run_id}", "ok")}

    again = lights(tmp_path, "run", "--as-of", "2026-11-27", "--format", "json")
    assert again.returncode == 0, again.stderr  # the nights go on
    twice = lights(tmp_path, "runs", "undo", str(bad.run_id), "--reason", "x")
    assert twice.returncode == 1 and "已经撤销过" in twice.stderr


def test_only_the_latest_run_can_be_undone_and_a_reason_is_needed(office, tmp_path):
    config = make_config(tmp_path, send_after_run=False)
    (tmp_path / "config.yaml").write_text((tmp_path / "notices.yaml").read_text("utf-8"),
                                          encoding="utf-8")
    programme(office)
    first = night(office, config, date(2026, 11, 26))
    night(office, config, date(2026, 11, 27))
    out = lights(tmp_path, "runs", "undo", str(first.run_id), "--reason", "x", "--lang", "en")
    assert out.returncode == 1 and "is not the latest run (1 later)" in out.stderr
    missing = lights(tmp_path, "runs", "undo", str(first.run_id))
    assert missing.returncode == 2 and "缺少选项 --reason" in missing.stderr
    assert lights(tmp_path, "runs", "undo", "999", "--reason", "x").returncode == 1


# -- imports count as an evaluation; undated investment figures are named ----------------------
PROJECT_HEADERS = ["项目编号", "项目名称", "所属地区", "责任单位", "累计完成投资", "投资报送日期"]


def test_a_database_lit_only_by_imports_refuses_a_run_that_would_rewind_it(office, tmp_path):
    from engine.config import load_config
    from tests.ledger_files import MILESTONE_HEADERS, csv_file

    today = load_config(env={}).today()
    nodes = csv_file(tmp_path / "节点.csv", [
        ["项目编号", "项目名称", "所属地区", "责任单位", *MILESTONE_HEADERS[1:]],
        ["HB-001", "玉米深加工项目", "双城区", "市工信局", "开工", "开工", "2026-03-02",
         "2026-10-31", "60%", None, "2026-11-20"]])
    assert lights(tmp_path, "import", str(nodes)).returncode == 0
    listed = json.loads(lights(tmp_path, "runs", "--format", "json").stdout)
    assert [(r["job"], r["as_of"], r["status"]) for r in listed] == \
        [("import", today.isoformat(), "ok")]
    before = state(office)
    out = lights(tmp_path, "run", "--as-of", "2026-11-01")
    assert out.returncode == 1 and f"早于最近一次运行（{today}）" in out.stderr
    assert state(office) == before


def test_investment_figures_without_their_date_are_named_in_the_summary(office, tmp_path):
    from tests.ledger_files import csv_file

    dated = csv_file(tmp_path / "11月.csv", [PROJECT_HEADERS, [
        "HB-001", "玉米深加工项目", "双城区", "市工信局", "500", "2026-11-30"]])
    first = lights(tmp_path, "import", str(dated))
    assert first.returncode == 0 and "投资报送日期" not in first.stderr
    undated = csv_file(tmp_path / "旧表.csv", [PROJECT_HEADERS, [
        "HB-001", "玉米深加工项目", "双城区", "市工信局", "600", ""]])
    out = lights(tmp_path, "import", str(undated), "--dry-run")
    assert out.returncode == 0, out.stderr
    assert "1 个项目的投资数据没有“投资报送日期”，已按导入当天" in out.stderr
    assert "（HB-001）；其中 1 个项目已有日期更早的报送，今后以这次为准" in out.stderr
