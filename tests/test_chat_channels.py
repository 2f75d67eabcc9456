"""DingTalk, WeCom and Feishu channels against a real HTTP server on loopback that keeps
each service's documented contract (tests/chatserver.py): signatures, keywords, the
per-minute limits and their codes, the byte limits, errors as HTTP 200 with a code.

The nights run through engine.nightly as in production; the robots' webhook URLs come
from environment variables pointing at the loopback server.
"""

from __future__ import annotations

import json
import logging
import os
import re
import signal
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from sqlalchemy import select
from sqlmodel import Session

from engine.config import load_config
from engine.migrations import create_database
from engine.store.models import OutboxMessage
from notifications import actions
from notifications.config import ContactEntry
from notifications.dispatch import dispatch
from tests.builders import add_milestone, add_project
from tests.chatserver import Robots, robots_server
from tests.mailserver import free_port
from tests.sched_helpers import wait_for_expiry
from tests.test_notices_night import (
    ADMIN,
    DEPARTMENT,
    LEADER,
    OWNER,
    SECRETARY,
    Mailbox,
    night,
    programme,
    report,
)
from tests.test_notices_night import text_of as mail_text

RED_NIGHT = date(2026, 11, 26)
LIMITS = {"dingtalk": 20_000, "wecom": 4096, "feishu": 20 * 1024}
PART = re.compile(r"（(\d+)/(\d+)）")
FAST = {"attempts": 4, "base_seconds": 0.05, "max_seconds": 0.2, "wait_seconds": 10}


def write_config(tmp_path: Path, channels: list[dict], **notices) -> Path:
    path = tmp_path / "chat.yaml"
    path.write_text(yaml.safe_dump({
        "rules": [{"rule": "finished"}, {"rule": "overdue"},
                  {"rule": "due_soon", "working_days": 5, "min_percent": 90}],
        "notices": {"outbox_dir": str(tmp_path / "outbox"), "channels": channels,
                    "retry": {**FAST, **notices.pop("retry", {})},
                    "storm_min_milestones": 100_000, **notices},
        # a dispatcher killed by a test leaves the outbox lock: it expires in a second
        "scheduler": {"lock": {"heartbeat_seconds": 0.3, "expiry_seconds": 1.0}}},
        allow_unicode=True), encoding="utf-8")
    return path


def channel(kind: str, name: str = "督办群", **extra) -> dict:
    return {"name": name, "kind": kind, "webhook_env": f"LIGHTS_TEST_{kind.upper()}_HOOK",
            "roles": ["owner", "leader"], **extra}


def point(monkeypatch, robots: Robots, bot, secret: str = "") -> None:
    """The channel's environment: the webhook at the loopback server, the secret."""
    monkeypatch.setenv(f"LIGHTS_TEST_{bot.kind.upper()}_HOOK", robots.url(bot))
    if secret:
        monkeypatch.setenv(f"LIGHTS_TEST_{bot.kind.upper()}_SECRET", secret)


def many_projects(engine, n: int, name: str = "年产5万吨玉米深加工及配套仓储物流项目") -> None:
    for i in range(n):
        pid = add_project(engine, f"HB-{i:03d}", name=f"{name}{i}", region="双城区",
                          department="市工信局", leader="张副市长",
                          leader_email="zhang@example.cn")
        add_milestone(engine, pid, "主体结构封顶及设备基础施工", date(2026, 11, 20),
                      kind="structure", percent=40.0, owner="王工",
                      owner_email="wang@example.cn", last_report_date=date(2026, 11, 19))


def outbox(engine, to: str | None = None) -> list[OutboxMessage]:
    with Session(engine) as s:
        rows = list(s.exec(select(OutboxMessage).order_by(OutboxMessage.id)).scalars())
    return [r for r in rows if to is None or r.recipient == to]


def parts_of(texts: list[str]) -> list[tuple[int, int]]:
    return [tuple(map(int, PART.search(t).groups())) for t in texts]  # type: ignore[misc]


@pytest.mark.parametrize("kind", ["dingtalk", "wecom", "feishu"])
def test_a_summary_arrives_signed_numbered_and_under_the_limit(engine, tmp_path, monkeypatch,
                                                               kind):
    with robots_server() as robots:
        secret = "SEC1234567890abcdef" if kind != "wecom" else ""
        bot = robots.add(kind, "tok-a1", secret=secret,
                         keyword="督办" if kind != "wecom" else "")
        point(monkeypatch, robots, bot, secret)
        extra = {"secret_env": f"LIGHTS_TEST_{kind.upper()}_SECRET"} if secret else {}
        config = load_config(write_config(tmp_path, [channel(
            kind, keyword="督办" if secret else "", avoid_busy_minutes=False, **extra)]), env={})
        many_projects(engine, 90)
        summary = night(engine, config, RED_NIGHT)
    assert not [w for w in summary.warnings if "failed" in w]
    rows = outbox(engine, "channel:督办群")
    assert rows and {r.status for r in rows} == {"sent"}
    assert all(r.attempts == 1 for r in rows)
    assert len(bot.received) == len(rows) == len(bot.times)  # each once, none refused
    assert all(reply.get("errcode", reply.get("code")) == 0 for reply in bot.replies)
    texts = bot.texts()
    n = len(texts)
    assert n >= 2  # 90 projects do not fit one message of any of the three
    assert parts_of(texts) == [(i, n) for i in range(1, n + 1)]
    for body, text in zip(bot.bodies, texts, strict=True):
        measured = len(text.encode()) if kind == "wecom" else len(body)
        assert measured <= LIMITS[kind]
    shown = " ".join(texts)
    assert all(f"HB-{i:03d}" in shown for i in range(90))  # nothing cut away
    assert "🔴 [新增] **主体结构封顶及设备基础施工**：红灯，督办" in texts[0]
    if kind == "feishu":
        assert all("sign" in json.loads(b) for b in bot.bodies)


def test_the_parts_fill_the_limit_in_bytes_not_characters(engine, tmp_path, monkeypatch):
    """Chinese is 3 bytes a character: a part close to 4,096 bytes has ~1,400 characters."""
    with robots_server() as robots:
        bot = robots.add("wecom", "k1")
        point(monkeypatch, robots, bot)
        config = load_config(write_config(tmp_path, [channel("wecom")]), env={})
        many_projects(engine, 30)
        night(engine, config, RED_NIGHT)
    sizes = [len(t.encode()) for t in bot.texts()]
    assert len(sizes) >= 3 and max(sizes) <= 4096
    assert max(sizes[:-1]) > 3000  # full parts, not one project per message
    assert max(len(t) for t in bot.texts()) < 2000


@pytest.mark.parametrize(("engine", "kind"), [
    ("sqlite", "dingtalk"), ("sqlite", "wecom"),
    pytest.param("postgres", "wecom", marks=pytest.mark.postgres)], indirect=["engine"])
def test_a_rate_limited_message_goes_after_the_window_once(engine, tmp_path, monkeypatch,
                                                            kind):
    """The server allows 1 a minute, then blocks for 0.4 s: three nights' summaries, sent
    by one dispatch, each arrive once; the rate limit is not counted as a failed try.
    Each kind once, and on PostgreSQL once (the held rows are the database's part)."""
    window = 0.5
    with robots_server() as robots:
        bot = robots.add(kind, "t1", per_minute=1, block_seconds=window - 0.1)
        point(monkeypatch, robots, bot)
        config = load_config(write_config(tmp_path, [channel(
            kind, rate_limit_seconds=window)], send_after_run=False), env={})
        programme(engine, leader_email="zhang@example.cn")
        for day in (date(2026, 11, 20), RED_NIGHT, date(2026, 12, 3)):
            night(engine, config, day)  # yellow, red, still red: one summary each
        started = time.monotonic()
        result = dispatch(engine, config)
        elapsed = time.monotonic() - started
    rows = outbox(engine, "channel:督办群")
    assert len(rows) == 3 and result.failed == 0
    assert {r.status for r in rows} == {"sent"} and all(r.attempts == 1 for r in rows)
    limited = 130101 if kind == "dingtalk" else 45009
    assert [r["errcode"] for r in bot.replies].count(limited) >= 2
    texts = bot.texts()
    assert len(texts) == 3 and len(set(texts)) == 3  # not lost, not doubled
    assert "提醒" in texts[0] and "督办" in texts[1] and "持续红灯" in texts[2]
    assert elapsed >= 2 * window  # it waited the window twice


def test_http_429_is_a_rate_limit_too(engine, tmp_path, monkeypatch):
    with robots_server() as robots:
        bot = robots.add("feishu", "t1", script=["429"])
        point(monkeypatch, robots, bot)
        config = load_config(write_config(tmp_path, [channel(
            "feishu", rate_limit_seconds=0.3, avoid_busy_minutes=False)]), env={})
        programme(engine, leader_email="zhang@example.cn")
        night(engine, config, RED_NIGHT)
    [row] = outbox(engine, "channel:督办群")
    assert row.status == "sent" and row.attempts == 1
    assert len(bot.received) == 1 and len(bot.times) == 2


@pytest.mark.parametrize(("kind", "trouble", "code"), [
    ("dingtalk", "secret", 310000), ("dingtalk", "keyword", 310000),
    ("feishu", "secret", 19021), ("feishu", "keyword", 19024), ("wecom", "key", 93000)])
def test_a_refused_channel_is_reported_and_not_retried(engine, tmp_path, monkeypatch, kind,
                                                       trouble, code):
    caplog_token = "tok-SECRET-TOKEN-77"
    with robots_server() as robots:
        bot = robots.add(kind, caplog_token, secret="right-secret" if trouble == "secret" else "",
                         keyword="关键词X" if trouble == "keyword" else "")
        point(monkeypatch, robots, bot)
        extra = {}
        if trouble == "secret":
            monkeypatch.setenv("LIGHTS_TEST_SECRET", "wrong-secret")
            extra = {"secret_env": "LIGHTS_TEST_SECRET"}
        if trouble == "key":
            monkeypatch.setenv(f"LIGHTS_TEST_{kind.upper()}_HOOK",
                               robots.url(bot).replace(caplog_token, "no-such-key"))
        config = load_config(write_config(tmp_path, [
            channel(kind, avoid_busy_minutes=False, **extra),
            channel(kind, name="另一群", roles=["secretary"], **extra)]), env={})
        programme(engine, leader_email="zhang@example.cn")
        actions.load_contacts(engine, [ContactEntry(name="系统管理员", email=ADMIN,
                                                    role="admin")])
        box = Mailbox(tmp_path / "outbox")
        summary = night(engine, config, RED_NIGHT)
        tried = len(bot.times)
        for row in outbox(engine):
            if row.recipient.startswith("channel:"):
                assert row.status == "failed" and row.attempts == 1
                assert str(code) in row.last_error
                assert caplog_token not in row.last_error and "wrong-secret" not in row.last_error
        assert any("deliveries failed" in w for w in summary.warnings)
        box.new()
        night(engine, config, date(2026, 11, 27))  # the administrators hear of it
        admin = box.new()[ADMIN]
        assert "channel:督办群" in mail_text(admin) and str(code) in mail_text(admin)
        dispatch(engine, config)
        assert len(bot.times) == tried  # never retried
    assert tried <= 2  # one try per channel at most
    assert bot.received == []


def test_the_webhook_and_secret_never_reach_a_log(engine, tmp_path, monkeypatch, caplog):
    caplog.set_level(logging.DEBUG)
    with robots_server() as robots:
        bot = robots.add("dingtalk", "tok-VERY-SECRET-1", secret="sec-VERY-SECRET-2")
        point(monkeypatch, robots, bot)
        monkeypatch.setenv("LIGHTS_TEST_SECRET", "sec-VERY-SECRET-2")
        config = load_config(write_config(tmp_path, [channel(
            "dingtalk", secret_env="LIGHTS_TEST_SECRET")]), env={})
        programme(engine, leader_email="zhang@example.cn")
        result = night(engine, config, RED_NIGHT)
    assert bot.received and "tok-VERY-SECRET-1" not in caplog.text
    assert "VERY-SECRET" not in caplog.text and "VERY-SECRET" not in str(result.warnings)


def test_markdown_and_mentions_cannot_be_forged_from_the_data(engine, tmp_path, monkeypatch):
    with robots_server() as robots:
        bot = robots.add("dingtalk", "t1")
        point(monkeypatch, robots, bot)
        config = load_config(write_config(tmp_path, [channel("dingtalk")]), env={})
        programme(engine, leader_email="zhang@example.cn",
                  name="[点此](http://evil.example) @13800000000 <font>项目\n#### 伪标题")
        night(engine, config, RED_NIGHT)
    [message] = bot.received
    text = message["markdown"]["text"]
    assert "](http" not in text and "@13800000000" not in text and "<font>" not in text
    assert "［点此］(http://evil.example) ＠13800000000 ＜font＞项目 ＃＃＃＃ 伪标题" in text
    assert message["at"]["atMobiles"] == []


CRASH_SCRIPT = """
import sys
from engine.config import load_config
from engine.store.db import make_engine
from notifications.dispatch import dispatch
dispatch(make_engine(sys.argv[1]), load_config(sys.argv[2], env={{}}), wait=False)
"""


def test_a_dispatcher_killed_mid_dispatch_loses_nothing(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'crash.db'}"
    engine = create_database(url)
    with robots_server() as robots:
        bot = robots.add("wecom", "k1")
        point(monkeypatch, robots, bot)
        path = write_config(tmp_path, [channel("wecom")], send_after_run=False)
        config = load_config(path, env={})
        many_projects(engine, 40)
        night(engine, config, RED_NIGHT)
        parts = outbox(engine, "channel:督办群")
        assert len(parts) >= 4
        robots.delay = 0.2
        child = subprocess.Popen([sys.executable, "-c", CRASH_SCRIPT.format(), url, str(path)],
                                 env=dict(os.environ), cwd=Path(__file__).parent.parent)
        deadline = time.monotonic() + 30
        while len(bot.received) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        before = len(bot.received)
        assert 2 <= before < len(parts)
        robots.delay = 0.0
        wait_for_expiry(engine, "outbox", 1.0)  # the dead dispatcher's lock (write_config)
        result = dispatch(engine, config)
    assert result.failed == 0
    assert {r.status for r in outbox(engine, "channel:督办群")} == {"sent"}
    texts = bot.texts()
    assert {n for n, _ in parts_of(texts)} == set(range(1, len(parts) + 1))  # none lost
    for text in texts:  # a repeat is the same message, with the same reference
        assert texts.count(text) <= 2


def test_the_pace_holds_across_processes(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'pace.db'}"
    engine = create_database(url)
    with robots_server() as robots:
        bot = robots.add("wecom", "k1")
        point(monkeypatch, robots, bot)
        path = write_config(tmp_path, [channel("wecom", per_minute=2)], send_after_run=False)
        config = load_config(path, env={})
        many_projects(engine, 30)
        night(engine, config, RED_NIGHT)
        assert len(outbox(engine, "channel:督办群")) >= 3
        dispatch(engine, config, wait=False)
        assert len(bot.received) == 2
        subprocess.run([sys.executable, "-c", CRASH_SCRIPT.format(), url, str(path)],
                       env=dict(os.environ), check=True, cwd=Path(__file__).parent.parent)
        assert len(bot.received) == 2  # another process keeps the same minute's count
    waiting = [r for r in outbox(engine, "channel:督办群") if r.status == "pending"]
    assert waiting and all(r.attempts == 0 and "paced" in r.last_error for r in waiting)
    due = min(r.next_attempt_at for r in waiting)
    due = due if due.tzinfo else due.replace(tzinfo=UTC)
    assert timedelta(seconds=50) < due - datetime.now(UTC) < timedelta(seconds=61)


SH = ZoneInfo("Asia/Shanghai")


def clock_at(text: str):
    moment = datetime.fromisoformat(text).replace(tzinfo=SH).astimezone(UTC)
    return lambda: moment


def test_quiet_hours_hold_mail_and_chat_and_release_them_when_they_end(engine, tmp_path,
                                                                        monkeypatch):
    with robots_server() as robots:
        bot = robots.add("dingtalk", "t1")
        point(monkeypatch, robots, bot)
        config = load_config(write_config(
            tmp_path, [channel("dingtalk")], send_after_run=False,
            quiet_hours="22:00..07:30", working_days_only=True, urgent_red_now=False), env={})
        programme(engine, leader_email="zhang@example.cn")
        night(engine, config, RED_NIGHT)  # a Thursday
        box = Mailbox(tmp_path / "outbox")
        held = dispatch(engine, config, clock=clock_at("2026-11-27 23:05"))  # Friday night
        assert held.sent == 0 and bot.times == [] and box.new() == {}
        rows = outbox(engine)
        assert len(rows) == 5 and {r.status for r in rows} == {"pending"}
        assert all(r.attempts == 0 for r in rows)  # waiting is not a try
        assert all("quiet_hours until 2026-11-30 07:30" in r.last_error for r in rows)
        saturday = dispatch(engine, config, clock=clock_at("2026-11-28 10:00"))
        assert saturday.sent == 0 and bot.times == []  # still not: working days only
        released = dispatch(engine, config, clock=clock_at("2026-11-30 07:31"))
    assert released.sent == 5 and len(bot.received) == 1
    assert set(box.new()) == {OWNER, SECRETARY, DEPARTMENT, LEADER}
    assert {r.status for r in outbox(engine)} == {"sent"}


def test_a_new_red_goes_at_once_in_quiet_hours_a_yellow_waits(engine, tmp_path, monkeypatch):
    with robots_server() as robots:
        bot = robots.add("wecom", "k1")
        point(monkeypatch, robots, bot)
        config = load_config(write_config(
            tmp_path, [channel("wecom")], send_after_run=False, quiet_hours="22:00..07:30",
            urgent_red_now=True), env={})
        programme(engine, leader_email="zhang@example.cn")
        night(engine, config, date(2026, 11, 20))  # yellow
        dispatch(engine, config, clock=clock_at("2026-11-20 23:00"))
        assert bot.times == []
        night(engine, config, RED_NIGHT)  # now red: WORSE
        dispatch(engine, config, clock=clock_at("2026-11-26 23:00"))
        assert len(bot.received) == 1 and "督办" in bot.texts()[0]
        waiting = [r for r in outbox(engine) if r.status == "pending"]
        assert waiting and {r.as_of for r in waiting} == {date(2026, 11, 20)}
        dispatch(engine, config, clock=clock_at("2026-11-27 07:30"))
    assert len(bot.received) == 2 and "提醒" in bot.texts()[1]
    assert {r.status for r in outbox(engine)} == {"sent"}


def test_a_robot_out_of_reach_holds_its_channel_and_counts_no_try(engine, tmp_path,
                                                                  monkeypatch):
    port = free_port()
    monkeypatch.setenv("LIGHTS_TEST_DINGTALK_HOOK",
                       f"http://127.0.0.1:{port}/robot/send?access_token=t1")
    config = load_config(write_config(tmp_path, [channel("dingtalk")], send_after_run=False,
                                      retry={"base_seconds": 0.1}), env={})
    programme(engine, leader_email="zhang@example.cn")
    night(engine, config, RED_NIGHT)
    result = dispatch(engine, config, wait=False)
    assert result.sent == 4  # the mail went
    [row] = outbox(engine, "channel:督办群")
    assert row.status == "pending" and row.attempts == 0
    assert row.last_error.startswith("outage: dingtalk robot 督办群: cannot connect")
    time.sleep(0.15)  # past the outage's back-off
    with robots_server(port) as robots:
        bot = robots.add("dingtalk", "t1")
        dispatch(engine, config)
    [row] = outbox(engine, "channel:督办群")
    assert row.status == "sent" and row.attempts == 1 and len(bot.received) == 1


def test_a_channel_removed_from_the_configuration_is_not_told_again(engine, tmp_path,
                                                                    monkeypatch):
    with robots_server() as robots:
        bot = robots.add("wecom", "k1")
        point(monkeypatch, robots, bot)
        config = load_config(write_config(tmp_path, [channel("wecom")]), env={})
        mid = programme(engine, leader_email="zhang@example.cn")
        night(engine, config, RED_NIGHT)
        assert len(bot.received) == 1
        (tmp_path / "chat2").mkdir()
        without = load_config(write_config(tmp_path / "chat2", []), env={})
        report(engine, mid, percent=100.0, actual_date=date(2026, 11, 27))
        night(engine, without, date(2026, 11, 27))  # RESOLVED goes to the people only
    assert len(bot.received) == 1
    assert actions.pending_notices(engine) == 0
