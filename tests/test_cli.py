"""The `lights` command through its real entry point, as a person or a script uses it."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from engine.config import load_config
from engine.evaluation.run import run
from engine.migrations import create_database
from tests.builders import add_milestone, add_project, copy_sqlite
from tests.cli_runner import lights, lights_process


@pytest.fixture(scope="module")
def built_programme(tmp_path_factory) -> Path:
    """The programme's database, built once per module (each test changes a copy)."""
    home = tmp_path_factory.mktemp("programme")
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(home)  # load_config: defaults, not the repository's file
        return _build_programme(home)


@pytest.fixture
def programme(built_programme: Path, tmp_path: Path, monkeypatch) -> Path:
    """A database with two projects in two regions, lit as of 2026-11-23 (a fresh copy)."""
    monkeypatch.chdir(tmp_path)  # load_config: defaults, not the repository's file
    copy_sqlite(built_programme, tmp_path)
    return tmp_path


def _build_programme(tmp_path: Path) -> Path:
    url = f"sqlite:///{tmp_path / 'lights.db'}"
    engine = create_database(url)
    p1 = add_project(engine, "HB-001", name="年产5万吨玉米深加工项目", region="双城区",
                     department="市工信局", level="city", category="industrial",
                     outdoor=False)
    p2 = add_project(engine, "HB-002", name="第二人民医院门诊楼扩建工程", region="南岗区",
                     department="市卫健委", level="provincial", category="health",
                     leader="王副市长", outdoor=False)
    add_milestone(engine, p1, "开工", date(2026, 10, 31), kind="start",
                  planned_start=date(2026, 3, 2), percent=60,
                  last_report_date=date(2026, 11, 20))
    add_milestone(engine, p1, "主体完工", date(2027, 6, 30), kind="structure",
                  planned_start=date(2026, 11, 1), percent=5, last_report_date=date(2026, 11, 20))
    add_milestone(engine, p2, "施工许可", date(2026, 5, 31), kind="construction_permit",
                  planned_start=date(2026, 3, 1), percent=100, actual_date=date(2026, 5, 20),
                  last_report_date=date(2026, 5, 20))
    add_milestone(engine, p2, "主体完工", date(2026, 12, 31), kind="structure",
                  planned_start=date(2026, 6, 1), percent=80, last_report_date=date(2026, 11, 18))
    run(engine, load_config(env={}), date(2026, 11, 23))
    engine.dispose()
    return tmp_path / "lights.db"


def status_json(cwd: Path, *args: str) -> list[dict]:
    out = lights(cwd, "status", "--format", "json", *args)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_init_creates_the_database_and_is_safe_to_repeat(tmp_path):
    first = lights(tmp_path, "init")
    assert first.returncode == 0 and (tmp_path / "lights.db").exists()
    assert lights(tmp_path, "init").returncode == 0
    assert status_json(tmp_path) == []


def test_run_json_summary(programme):
    out = lights(programme, "run", "--as-of", "2026-11-24", "--format", "json")
    assert out.returncode == 0, out.stderr
    summary = json.loads(out.stdout)
    assert summary["as_of"] == "2026-11-24"
    assert summary["counts"]["red"] == 1 and summary["counts"]["done"] == 1
    assert summary["moves"] == 0 and isinstance(summary["duration_s"], float)


def test_dry_run_lists_what_would_move(programme):
    out = lights(programme, "run", "--as-of", "2027-01-05", "--dry-run", "--format", "json")
    summary = json.loads(out.stdout)
    assert summary["dry_run"] is True
    assert {m["milestone"] for m in summary["would_move"]} == {"主体完工"}
    again = lights(programme, "run", "--as-of", "2027-01-05", "--format", "json",
                   "--force")  # weeks past today: a typo unless forced
    assert json.loads(again.stdout)["moves"] == len(summary["would_move"])


def test_status_json_has_every_documented_field_worst_first(programme):
    rows = status_json(programme)
    assert len(rows) == 4
    for field in ("project", "project_name", "milestone", "region", "department",
                  "planned_date", "percent", "light", "reason"):
        assert all(field in row for row in rows), field
    assert rows[0]["light"] == "red" and rows[0]["project"] == "HB-001"
    assert rows[0]["reason"].startswith("计划2026年10月31日完成，已逾期23天")
    assert rows[-1]["light"] == "done"


@pytest.mark.parametrize(("args", "expected"), [
    (("--region", "南岗区"), {("HB-002", "施工许可"), ("HB-002", "主体完工")}),
    (("--department", "市工信局"), {("HB-001", "开工"), ("HB-001", "主体完工")}),
    (("--leader", "王副市长"), {("HB-002", "施工许可"), ("HB-002", "主体完工")}),
    (("--level", "省级"), {("HB-002", "施工许可"), ("HB-002", "主体完工")}),
    (("--category", "industrial"), {("HB-001", "开工"), ("HB-001", "主体完工")}),
    (("--light", "red"), {("HB-001", "开工")}),
    (("--light", "红灯", "--light", "done"), {("HB-001", "开工"), ("HB-002", "施工许可")}),
    (("--kind", "开工"), {("HB-001", "开工")}),
    (("--due-before", "2026-10-31"), {("HB-001", "开工"), ("HB-002", "施工许可")}),
    (("--due-after", "2026-11-01"), {("HB-001", "主体完工"), ("HB-002", "主体完工")}),
    (("--open",), {("HB-001", "开工"), ("HB-001", "主体完工"), ("HB-002", "主体完工")}),
])
def test_status_filters(programme, args, expected):
    assert {(r["project"], r["milestone"]) for r in status_json(programme, *args)} == expected


def test_status_table_and_csv(programme):
    table = lights(programme, "status")
    assert table.returncode == 0
    assert "红灯" in table.stdout and "已逾期23天" in table.stdout and "共 4 个节点" in table.stdout
    csv_out = lights(programme, "status", "--format", "csv").stdout.splitlines()
    assert csv_out[0].startswith("\ufeffid,project,project_name,milestone")  # the BOM first
    assert len(csv_out) == 5


def test_english(programme):
    rows = status_json(programme, "--lang", "en", "--light", "red")
    assert rows[0]["reason"].startswith("planned for Oct 31, 2026, 23 days overdue, 60% done")
    table = lights(programme, "status", "--lang", "en")
    assert "4 milestones" in table.stdout and "red" in table.stdout
    env_en = lights(programme, "status", env={"LIGHTS_LANG": "en"})
    assert "4 milestones" in env_en.stdout


def test_show_and_history(programme):
    show = lights(programme, "show", "HB-001")
    assert show.returncode == 0 and "年产5万吨玉米深加工项目" in show.stdout
    assert "◆" in show.stdout  # the timeline
    hist = lights(programme, "history", "HB-001/开工", "--format", "json")
    moves = json.loads(hist.stdout)
    assert [(m["from"], m["to"], m["trigger"]) for m in moves] == [("planned", "red", "miss")]


def test_progress_completion_lights_at_once_and_is_recorded(programme):
    out = lights(programme, "progress", "HB-001/开工", "--done", "2026-11-22", "--by", "赵工")
    assert out.returncode == 0, out.stderr
    assert "逾期完成" in out.stdout
    moves = json.loads(lights(programme, "history", "HB-001/开工", "--format", "json").stdout)
    assert moves[-1]["to"] == "done_late" and moves[-1]["actor"] == "赵工"
    # A finished milestone cannot be suspended.
    refused = lights(programme, "suspend", "HB-001/开工", "--reason", "x")
    assert refused.returncode == 1 and "不能对状态为“逾期完成”的节点执行“暂停”" in refused.stderr


def test_replan_keeps_the_baseline_and_needs_a_reason(programme):
    later = date(load_config(env={}).today().year + 1, 12, 31)  # never past, whenever run
    assert lights(programme, "replan", "HB-001/开工", later.isoformat()).returncode == 2
    out = lights(programme, "replan", "HB-001/开工", f"{later.year}年12月31日", "--reason",
                 "征地延后", "--by", "李主任")
    assert out.returncode == 0, out.stderr
    row = status_json(programme, "--kind", "start")[0]
    assert row["planned_date"] == later.isoformat() and row["baseline_date"] == "2026-10-31"
    assert row["light"] != "red"
    moves = json.loads(lights(programme, "history", "HB-001/开工", "--format", "json").stdout)
    assert [m["trigger"] for m in moves][:2] == ["miss", "replan"]
    assert moves[1]["reason"] == "征地延后" and moves[1]["actor"] == "李主任"


def test_suspend_and_resume_a_project(programme):
    out = lights(programme, "suspend", "HB-002", "--project", "--reason", "资金未到位")
    assert out.returncode == 0, out.stderr
    lights_ = {r["milestone"]: r["light"] for r in status_json(programme, "--region", "南岗区")}
    assert lights_ == {"施工许可": "done", "主体完工": "suspended"}
    assert lights(programme, "resume", "HB-002", "--project", "--reason", "到位").returncode == 0
    lights_ = {r["milestone"]: r["light"] for r in status_json(programme, "--region", "南岗区")}
    assert lights_["主体完工"] in ("green", "yellow", "red")


@pytest.mark.parametrize(("args", "code", "message"), [
    (("show", "NOPE"), 1, "找不到项目：NOPE"),
    (("history", "HB-001/不存在"), 1, "找不到节点：HB-001/不存在"),
    (("run", "--as-of", "2026-13-45"), 2, "不是有效日期"),
    (("run", "--as-of", "2026-11-01"), 1, "早于最近一次运行"),
    (("progress", "HB-001/开工", "120"), 2, "120"),
    (("status", "--light", "purple"), 2, "purple"),
    (("--version",), 0, "lights, version"),
])
def test_errors_are_one_sentence_and_a_nonzero_exit(programme, args, code, message):
    out = lights(programme, *args)  # in process; through the real entry point, exit codes
    # and no traceback are checked below and in tests/test_hardening_cli.py
    assert out.returncode == code
    assert message in (out.stderr if code else out.stdout)
    assert "Traceback" not in out.stderr


def test_no_database_yet(tmp_path):
    out = lights_process(tmp_path, "status")
    assert out.returncode == 1
    assert out.stderr.strip() == ("lights: 数据库 lights.db 尚未建立："
                                  "请先运行 lights init（或 lights demo）")
    assert not (tmp_path / "lights.db").exists()


def test_bad_config_names_the_key(tmp_path):
    (tmp_path / "config.yaml").write_text("rules:\n  - rule: overdue\n    grace_days: -3\n",
                                          encoding="utf-8")
    out = lights(tmp_path, "status")
    assert out.returncode == 1
    assert "config.yaml: rules[0].grace_days: Input should be greater than or equal to 0" \
        in out.stderr
    other = tmp_path / "other.yaml"
    other.write_text("lang: en\n", encoding="utf-8")
    out = lights(tmp_path, "status", "--config", str(other))
    assert out.returncode == 1 and "No database at lights.db yet" in out.stderr


def test_database_option_takes_a_file_or_a_url(programme, tmp_path):
    rows = json.loads(lights(tmp_path.parent, "status", "--format", "json", "--database",
                             str(programme / "lights.db")).stdout)
    assert len(rows) == 4
    via_env = lights(tmp_path.parent, "status", "--format", "json",
                     env={"LIGHTS_DATABASE_URL": f"sqlite:///{programme / 'lights.db'}"})
    assert len(json.loads(via_env.stdout)) == 4


def test_every_command_is_listed_under_the_module_that_defines_it():
    """The lazy command table must match what the modules register."""
    import importlib

    from engine.cli import COMMANDS, cli

    for module in set(COMMANDS.values()):
        importlib.import_module(f"engine.cli.{module}")
    registered = {name: cmd.callback.__module__.rsplit(".", 1)[-1]
                  for name, cmd in cli.commands.items()}
    assert registered == COMMANDS


def test_help_lists_every_command(tmp_path):
    from engine.cli import COMMANDS

    out = lights_process(tmp_path, "--help")
    assert out.returncode == 0
    listed = {line.split()[0] for line in out.stdout.split("Commands:")[1].splitlines()
              if line.strip()}
    assert listed == set(COMMANDS)
