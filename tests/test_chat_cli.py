"""`lights channels`, `lights silence add --every`, and @-mentions by mobile, through the
command line and the nights, against the loopback robots of tests/chatserver.py."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import yaml

from engine.config import load_config
from engine.migrations import create_database
from notifications import actions
from notifications.config import ContactEntry
from notifications.plan import load_directory
from notifications.summary import owner_mobiles
from tests.builders import add_milestone, add_project
from tests.chatserver import robots_server
from tests.cli_runner import lights
from tests.test_notices_night import night

HOOK, SECRET = "LIGHTS_TEST_DINGTALK_HOOK", "LIGHTS_TEST_DINGTALK_SECRET"


def setup(tmp_path: Path, **channel) -> Path:
    (tmp_path / "config.yaml").write_text(yaml.safe_dump({
        "database": {"url": f"sqlite:///{tmp_path / 'lights.db'}"},
        "rules": [{"rule": "finished"}, {"rule": "overdue"}],
        "notices": {"outbox_dir": str(tmp_path / "outbox"), "channels": [{
            "name": "市督查群", "kind": "dingtalk", "webhook_env": HOOK, "secret_env": SECRET,
            "keyword": "督办", "roles": ["owner"], **channel}]}}, allow_unicode=True),
        encoding="utf-8")
    create_database(f"sqlite:///{tmp_path / 'lights.db'}").dispose()
    return tmp_path


def test_channels_test_prints_the_service_answer(tmp_path):
    cwd = setup(tmp_path)
    with robots_server() as robots:
        bot = robots.add("dingtalk", "tok1", secret="s3cret-value", keyword="督办")
        env = {HOOK: robots.url(bot), SECRET: "s3cret-value"}
        out = lights(cwd, "channels", "test", "市督查群", env=env)
        assert out.returncode == 0, out.stderr
        assert "已发送到 市督查群" in out.stdout and '"errcode":0' in out.stdout.replace(" ", "")
        assert "督办" in bot.received[0]["markdown"]["text"]

        out = lights(cwd, "channels", "test", "市督查群", env={**env, SECRET: "wrong"})
        assert out.returncode == 1
        assert "310000 sign not match" in out.stderr and "wrong" not in out.stderr
        assert "tok1" not in out.stderr + out.stdout
        assert len(bot.received) == 1

        out = lights(cwd, "channels", "test", "市督查群", env={SECRET: "x"})
        assert out.returncode == 1 and f"{HOOK} (its webhook URL) is not set" in out.stderr

        out = lights(cwd, "channels", "test", "别的群", env=env)
        assert out.returncode != 0 and "no channel 别的群" in out.stderr + out.stdout

        out = lights(cwd, "channels", "list", "--format", "json", env={HOOK: robots.url(bot)})
    [row] = json.loads(out.stdout)
    assert row["env"] == {HOOK: True, SECRET: False} and row["per_minute"] == 18
    assert robots.url(bot) not in out.stdout


def test_a_silence_can_recur_every_weekend(tmp_path):
    cwd = setup(tmp_path)
    url = f"sqlite:///{tmp_path / 'lights.db'}"
    engine = create_database(url)
    pid = add_project(engine, "HB-001")
    add_milestone(engine, pid, "开工", date(2026, 11, 20), owner="王工",
                  owner_email="wang@example.cn")
    out = lights(cwd, "silence", "add", "--project", "HB-001", "--every", "周六,周日",
                 "--from", "2026-11-01", "--by", "赵主任", "--reason", "周末不打扰")
    assert out.returncode == 0, out.stderr
    out = lights(cwd, "silence", "add", "--project", "HB-001", "--every", "周八",
                 "--by", "赵主任", "--reason", "x")
    assert out.returncode != 0 and "'周八' is not a day of the week" in out.stderr + out.stdout
    listed = lights(cwd, "silence", "list")
    assert "周六、周日" in listed.stdout
    config = load_config(cwd / "config.yaml", env={})
    night(engine, config, date(2026, 11, 28))  # a Saturday: red, silenced
    assert actions.pending_notices(engine) == 0
    with engine.connect() as conn:
        assert conn.exec_driver_sql("select count(*) from notice").scalar() == 0
    night(engine, config, date(2026, 11, 30))  # Monday: told
    with engine.connect() as conn:
        assert conn.exec_driver_sql("select count(*) from notice").scalar() >= 1


def test_dingtalk_mentions_the_owner_by_mobile(tmp_path, monkeypatch):
    setup(tmp_path, mention="mobile", secret_env="", keyword="")
    engine = create_database(f"sqlite:///{tmp_path / 'lights.db'}")
    actions.load_contacts(engine, [ContactEntry(name="王工", email="wang@example.cn",
                                                role="owner", mobile="138-1234-5678")])
    for code, owner, email, mobile in (("HB-001", "王工", "wang@example.cn", ""),
                                       ("HB-002", "李工", "li@example.cn", "13900001111"),
                                       ("HB-003", "赵工", "", "")):
        pid = add_project(engine, code)
        add_milestone(engine, pid, "开工", date(2026, 11, 20), owner=owner, owner_email=email,
                      owner_mobile=mobile)
    config = load_config(tmp_path / "config.yaml", env={})
    with robots_server() as robots:
        bot = robots.add("dingtalk", "t1")
        monkeypatch.setenv(HOOK, robots.url(bot))
        night(engine, config, date(2026, 11, 26))
    [message] = bot.received
    assert sorted(message["at"]["atMobiles"]) == ["13812345678", "13900001111"]
    text = message["markdown"]["text"]
    assert "@13812345678" in text and "@13900001111" in text


def test_wecom_mentions_follow_the_markdown_as_a_text_message(tmp_path, monkeypatch):
    setup(tmp_path, kind="wecom", mention="mobile", secret_env="", keyword="")
    engine = create_database(f"sqlite:///{tmp_path / 'lights.db'}")
    pid = add_project(engine, "HB-001")
    add_milestone(engine, pid, "开工", date(2026, 11, 20), owner="李工",
                  owner_email="li@example.cn", owner_mobile="13900001111")
    config = load_config(tmp_path / "config.yaml", env={})
    with robots_server() as robots:
        bot = robots.add("wecom", "k1")
        monkeypatch.setenv(HOOK, robots.url(bot))
        night(engine, config, date(2026, 11, 26))
    markdown, mention = bot.received
    assert markdown["msgtype"] == "markdown"
    assert "13900001111" not in markdown["markdown"]["content"]
    assert mention["msgtype"] == "text"
    assert mention["text"]["mentioned_mobile_list"] == ["13900001111"]


def test_the_ledger_gives_the_owners_mobile(tmp_path):
    cwd = setup(tmp_path)
    (cwd / "台账.csv").write_text(
        "项目编号,项目名称,所属地区,责任单位,节点名称,计划完成时间,责任人,责任人手机\n"
        "HB-001,玉米深加工项目,双城区,市工信局,开工,2026-11-20,王工,138-1234-5678\n",
        encoding="utf-8")
    out = lights(cwd, "import", "台账.csv")
    assert out.returncode == 0, out.stdout + out.stderr
    engine = create_database(f"sqlite:///{tmp_path / 'lights.db'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("select owner_mobile from milestone").scalar() == \
            "138-1234-5678"
    with engine.connect() as conn:
        config = load_config(cwd / "config.yaml", env={})
        mid = conn.exec_driver_sql("select id from milestone").scalar()
        assert owner_mobiles(conn, load_directory(conn, config), [mid]) == {mid: ["13812345678"]}


def test_preview_shows_a_channels_summary(tmp_path):
    cwd = setup(tmp_path, secret_env="", keyword="")
    engine = create_database(f"sqlite:///{tmp_path / 'lights.db'}")
    pid = add_project(engine, "HB-001", name="玉米深加工项目")
    add_milestone(engine, pid, "开工", date(2026, 11, 20), owner="王工",
                  owner_email="wang@example.cn", state="red", state_since=date(2026, 11, 21))
    out = lights(cwd, "preview", "--recipient", "channel:市督查群", "--as-of", "2026-11-26")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "To: channel:市督查群" in out.stdout and "**HB-001 玉米深加工项目**" in out.stdout
    out = lights(cwd, "preview", "--recipient", "channel:别的群", "--as-of", "2026-11-26")
    assert "别的群" in out.stdout + out.stderr
