"""`lights check`, `lights runs` and `lights scheduler --once`, run in process."""

from __future__ import annotations

import json
import subprocess
from datetime import date, datetime, timedelta
from email import policy
from email.parser import BytesParser
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from sqlmodel import Session

from engine.config import load_config
from engine.migrations import create_database
from engine.service.watch import judge, recent_runs
from engine.store.db import open_database
from engine.store.models import Run
from engine.store.tables import utcnow
from tests.cli_runner import lights as run_lights
from tests.sched_helpers import programme

TODAY = datetime.now(ZoneInfo("Asia/Shanghai")).date()


def lights(cwd: Path, url: str, *args: str) -> subprocess.CompletedProcess:
    """`lights ARGS` in process on the database at ``url`` (as LIGHTS_DATABASE_URL)."""
    return run_lights(cwd, *args, env={"LIGHTS_DATABASE_URL": url})


@pytest.fixture
def home(tmp_path: Path, monkeypatch) -> tuple[Path, str]:
    """An empty database and the default configuration, in a directory of its own."""
    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path / 'lights.db'}"
    create_database(url).dispose()
    return tmp_path, url


def add_run(url: str, as_of: date, status: str = "ok", error: str = "", job: str = "nightly",
            mode: str = "nightly") -> None:
    engine = open_database(url)
    with Session(engine) as session:
        session.add(Run(as_of=as_of, mode=mode, job=job, status=status, error=error,
                        finished_at=utcnow(), evaluated=120, moves=3,
                        counts={"red": 2, "green": 118}))
        session.commit()
    engine.dispose()


# -- lights check ---------------------------------------------------------------------------
@pytest.mark.parametrize(("latest_status", "last_ok_days_ago", "expected_days_ago", "reason"), [
    (None, None, 1, "never"),
    ("ok", 0, 1, "ok"),
    ("ok", 1, 1, "ok"),
    ("ok", 2, 1, "stale"),
    ("failed", 1, 1, "failed"),  # even while the last good night is still recent
    ("interrupted", 1, 1, "interrupted"),
])
def test_the_watchdogs_verdict(latest_status, last_ok_days_ago, expected_days_ago, reason):
    class Latest:
        id, as_of, status, error = 7, TODAY, latest_status, "boom"

    last_ok = None if last_ok_days_ago is None else TODAY - timedelta(days=last_ok_days_ago)
    health = judge(Latest if latest_status else None, last_ok,
                   TODAY - timedelta(days=expected_days_ago))
    assert health.reason == reason and health.ok == (reason == "ok")


def test_check_on_a_fresh_database_fails_with_no_nightly_run_yet(home):
    cwd, url = home
    out = lights(cwd, url, "check")
    assert out.returncode == 1 and out.stdout.startswith("异常：还没有夜间评估")


def test_check_passes_when_tonights_run_is_done(home):
    cwd, url = home
    add_run(url, TODAY - timedelta(days=1))
    add_run(url, TODAY)
    out = lights(cwd, url, "check", "--lang", "en")
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.startswith(f"OK: last nightly run #2 as of {TODAY}")


def test_check_fails_when_the_last_nightly_run_is_stale(home):
    cwd, url = home
    stale = TODAY - timedelta(days=3)
    add_run(url, stale)
    add_run(url, TODAY, job="", mode="manual")  # a manual run is not the nightly one
    out = lights(cwd, url, "check")
    assert out.returncode == 1
    assert out.stdout.startswith(f"异常：最近一次成功的夜间评估是 {stale}，已过期")


def test_check_fails_when_the_last_nightly_run_failed(home):
    cwd, url = home
    add_run(url, TODAY - timedelta(days=1))
    add_run(url, TODAY, status="failed", error="OperationalError: disk I/O error")
    out = lights(cwd, url, "check", "--lang", "en")
    assert out.returncode == 1
    assert out.stdout.strip() == (f"CRITICAL: the last nightly run #2 (as of {TODAY}) failed: "
                                  "OperationalError: disk I/O error")


# -- lights runs ----------------------------------------------------------------------------
def test_runs_lists_recent_runs_with_failures_and_their_error(home):
    cwd, url = home
    add_run(url, TODAY - timedelta(days=2))
    add_run(url, TODAY - timedelta(days=1), status="interrupted")
    add_run(url, TODAY, status="failed", error="OperationalError: disk I/O error")
    out = lights(cwd, url, "runs", "--last", "2", "--format", "json")
    assert out.returncode == 0, out.stderr
    rows = json.loads(out.stdout)
    assert [(r["run"], r["status"]) for r in rows] == [(3, "failed"), (2, "interrupted")]
    assert rows[0]["error"] == "OperationalError: disk I/O error"
    assert rows[0]["job"] == "nightly" and rows[0]["counts"] == {"red": 2, "green": 118}
    table = lights(cwd, url, "runs")
    assert table.returncode == 0
    assert "失败" in table.stdout and "已中断" in table.stdout and "disk I/O error" in table.stdout


def test_runs_on_a_database_without_runs(home):
    cwd, url = home
    out = lights(cwd, url, "runs", "--lang", "en")
    assert out.returncode == 0 and out.stdout.strip() == "No runs yet"


# -- lights scheduler --once ----------------------------------------------------------------
def test_once_runs_the_nightly_job_and_never_twice_for_a_night(home):
    cwd, url = home
    engine = open_database(url)
    programme(engine, 20)
    engine.dispose()
    first = lights(cwd, url, "scheduler", "--once", "nightly")
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith(f"nightly 已完成：{TODAY}，运行 #1")
    assert "job_finished job=nightly" in first.stderr  # the structured log on stderr
    second = lights(cwd, url, "scheduler", "--once", "nightly", "--lang", "en")
    assert second.returncode == 0
    assert second.stdout.startswith(f"nightly already ran for {TODAY} (run #1)")
    assert lights(cwd, url, "check").returncode == 0


def test_a_failed_nightly_run_emails_the_administrators(home):
    cwd, url = home
    admin = {"name": "重点项目办", "email": "admin@city.example", "role": "admin"}
    (cwd / "config.yaml").write_text(yaml.safe_dump(
        {"notices": {"contacts": [admin]}}, allow_unicode=True), encoding="utf-8")
    add_run(url, TODAY + timedelta(days=1), job="", mode="manual")  # tonight is refused
    out = lights(cwd, url, "scheduler", "--once", "nightly")
    assert out.returncode == 1
    assert out.stdout.startswith(f"nightly（{TODAY}）失败：RunRefused")
    mails = list((cwd / "outbox").rglob("*.eml"))
    assert len(mails) == 1, out.stderr
    mail = BytesParser(policy=policy.default).parse(mails[0].open("rb"))
    assert mail["To"].addresses[0].addr_spec == "admin@city.example"
    assert mail["Subject"] == f"【重点项目红黄绿灯】夜间评估失败：{TODAY}"
    assert "RunRefused" in mail.get_body(("plain",)).get_content()
    # the failure is listed by lights runs, though it failed before its Run row existed
    engine = open_database(url)
    with engine.connect() as conn:
        runs = recent_runs(conn, load_config(env={}), 10)
    engine.dispose()
    assert (runs[0]["job"], runs[0]["status"]) == ("nightly", "failed")
    assert "RunRefused" in runs[0]["error"]
    # failing again after a restart does not e-mail a second time
    assert lights(cwd, url, "scheduler", "--once", "nightly").returncode == 1
    assert len(list((cwd / "outbox").rglob("*.eml"))) == 1


def test_the_monthly_bulletin_goes_out_once_for_the_month_just_ended(home):
    cwd, url = home
    unset = lights(cwd, url, "scheduler", "--once", "monthly_bulletin")
    assert unset.returncode == 1
    assert unset.stderr.strip() == ("lights: 任务 monthly_bulletin 暂不可用："
                                    "bulletins.send_to is empty: nobody to send to")
    (cwd / "config.yaml").write_text(yaml.safe_dump(
        {"bulletins": {"send_to": [{"name": "市重点办", "email": "office@city.example"}]}},
        allow_unicode=True), encoding="utf-8")
    engine = open_database(url)
    programme(engine, 10)
    engine.dispose()
    out = lights(cwd, url, "scheduler", "--once", "monthly_bulletin", "--lang", "en")
    assert out.returncode == 0, out.stderr
    last_month = (TODAY.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    assert f"period={last_month} queued=1" in out.stdout
    [mail] = (cwd / "outbox").rglob("*.eml")
    message = BytesParser(policy=policy.default).parse(mail.open("rb"))
    assert message["To"].addresses[0].addr_spec == "office@city.example"
    again = lights(cwd, url, "scheduler", "--once", "monthly_bulletin", "--lang", "en")
    assert again.returncode == 0
    assert again.stdout.startswith(f"monthly_bulletin already ran for {TODAY}")
    assert len(list((cwd / "outbox").rglob("*.eml"))) == 1


def test_a_bad_schedule_stops_the_service_with_one_sentence(home):
    cwd, url = home
    (cwd / "config.yaml").write_text("scheduler:\n  nightly: '0 2 * * 7'\n", encoding="utf-8")
    out = lights(cwd, url, "scheduler")
    assert out.returncode == 1
    assert out.stderr.startswith("lights: 配置有误：config.yaml: scheduler.nightly: write the day")
    assert len(out.stderr.strip().splitlines()) == 1


def test_the_outbox_retry_sends_what_waits_in_the_outbox(home):
    cwd, url = home
    leader = {"name": "张副市长", "email": "leader@city.example", "role": "leader"}
    (cwd / "config.yaml").write_text(yaml.safe_dump(
        {"notices": {"contacts": [leader], "send_after_run": False}}, allow_unicode=True),
        encoding="utf-8")
    engine = open_database(url)
    programme(engine, 10)
    engine.dispose()
    night = lights(cwd, url, "scheduler", "--once", "nightly")
    assert night.returncode == 0
    # the structured log says what the night's notices came to: one digest composed, unsent
    assert "notices=followups:0,notices:10,messages:1,held:0 " in night.stderr
    assert not list(cwd.rglob("*.eml"))  # the night's digest waits in the outbox
    out = lights(cwd, url, "scheduler", "--once", "outbox_retry", "--lang", "en")
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith(f"outbox_retry done for {TODAY}") and "sent=1" in out.stdout
    assert len(list(cwd.rglob("*.eml"))) == 1
