"""The notices commands through the real `lights` entry point."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from engine.config import load_config
from engine.migrations import create_database
from engine.nightly import nightly
from tests.mailserver import smtp_server
from tests.test_cli import lights
from tests.test_notices_night import OWNER, SECRETARY, programme

ALL = 4


@pytest.fixture
def night(tmp_path: Path, monkeypatch) -> Path:
    """One red night as of 2026-11-26, its digests written as .eml files in ./outbox."""
    monkeypatch.chdir(tmp_path)
    engine = create_database(f"sqlite:///{tmp_path / 'lights.db'}")
    programme(engine)
    programme_green(engine)
    nightly(engine, load_config(env={}), date(2026, 11, 26), mode="manual")
    engine.dispose()
    return tmp_path


def programme_green(engine) -> None:
    from tests.builders import add_milestone, add_project

    pid = add_project(engine, "HB-002", name="门诊楼扩建工程", outdoor=False)
    add_milestone(engine, pid, "竣工", date(2027, 9, 30), percent=10,
                  last_report_date=date(2026, 11, 20))


def out_json(cwd: Path, *args: str, env: dict[str, str] | None = None):
    out = lights(cwd, *args, "--format", "json", env=env)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_the_night_leaves_eml_files_and_notices_lists_them(night):
    assert len(list((night / "outbox").glob("*.eml"))) == ALL
    rows = out_json(night, "notices")
    assert len(rows) == ALL and {r["status"] for r in rows} == {"sent"}
    assert out_json(night, "notices", "--status", "failed") == []
    assert out_json(night, "notices", "--since", "2026-11-27") == []
    table = lights(night, "notices", "--lang", "en")
    assert table.returncode == 0 and "wang@example.cn" in table.stdout and "sent" in table.stdout
    bad = lights(night, "notices", "--status", "lost")
    assert bad.returncode == 2 and "lost" in bad.stderr


def test_preview_renders_without_sending_or_keeping_anything(night):
    before = out_json(night, "notices")
    out = lights(night, "preview", "1", "--as-of", "2026-11-26")  # the night's own date
    assert out.returncode == 0, out.stderr
    assert "收件人（4）" in out.stdout and OWNER in out.stdout
    assert "对该节点无新通知" in out.stdout  # it was notified tonight already
    assert "Subject: 【督办】" in out.stdout and "[新增] 主体完工" in out.stdout
    html = lights(night, "preview", "HB-001/主体完工", "--part", "html")
    assert html.returncode == 0 and html.stdout.startswith("<!DOCTYPE html>")
    eml = lights(night, "preview", "--recipient", SECRETARY, "--part", "eml")
    assert eml.returncode == 0  # nothing is due for the secretary tonight
    assert out_json(night, "notices") == before
    assert len(list((night / "outbox").glob("*.eml"))) == ALL
    green = lights(night, "preview", "HB-002/竣工")
    assert green.returncode == 1 and "is not yellow or red" in green.stderr
    assert green.stderr.count("\n") == 1
    unknown = lights(night, "preview", "HB-009/开工")
    assert unknown.returncode == 1 and "HB-009/开工" in unknown.stderr


def test_ack_and_its_errors(night):
    out = lights(night, "ack", "1", "--by", "王工", "--reason", "设备延期到货", "--days", "10")
    assert out.returncode == 0, out.stderr
    # Held from today, or from the night's date while the clock is behind it.
    since = max(load_config(env={}).today(), date(2026, 11, 26))
    assert f"暂缓升级至 {since + timedelta(days=10)}" in out.stdout
    missing = lights(night, "ack", "1", "--reason", "x")
    assert missing.returncode == 1 and "--by: required" in missing.stderr
    no_reason = lights(night, "ack", "1", "--by", "王工")
    assert no_reason.returncode == 2


def test_silences_are_added_listed_and_ended_with_an_audit(night):
    until = str(date(load_config(env={}).today().year + 1, 12, 31))  # ahead, whenever run
    out = lights(night, "silence", "add", "--project", "HB-001", "--by", "赵主任",
                 "--reason", "停工整顿", "--until", until)
    assert out.returncode == 0, out.stderr
    listed = out_json(night, "silence", "list")
    assert listed[0]["target"] == "HB-001" and listed[0]["by"] == "赵主任"
    assert listed[0]["until"] == until
    no_end = lights(night, "silence", "add", "--project", "HB-001", "--by", "赵主任",
                    "--reason", "x")
    assert no_end.returncode == 1 and "--until" in no_end.stderr
    two = lights(night, "silence", "add", "--project", "HB-001", "--recipient", OWNER,
                 "--by", "a", "--reason", "x", "--until", until)
    assert two.returncode == 1 and "exactly one" in two.stderr
    bad = lights(night, "silence", "add", "--recipient", "not an address", "--by", "a",
                 "--reason", "x", "--until", until)
    assert bad.returncode == 1 and "not an e-mail address" in bad.stderr
    ended = lights(night, "silence", "end", str(listed[0]["id"]), "--by", "赵主任",
                   "--reason", "复工")
    assert ended.returncode == 0, ended.stderr
    assert out_json(night, "silence", "list") == []
    audit = out_json(night, "silence", "list", "--all")
    assert audit[0]["state"] == "ended" and audit[0]["end_reason"] == "复工"


def test_contacts_load_from_csv_and_yaml(night):
    (night / "contacts.csv").write_text(
        "name,email,role,region\n市督查室,ducha@example.cn,supervision_office,\n"
        "双城区督查室,sc@example.cn,supervision_office,双城区\n", encoding="utf-8")
    out = lights(night, "contacts", "load", "contacts.csv")
    assert out.returncode == 0, out.stderr
    again = lights(night, "contacts", "load", "contacts.csv")
    assert "已存在 2 个" in again.stdout
    rows = out_json(night, "contacts", "list")
    assert {r["email"] for r in rows} == {"ducha@example.cn", "sc@example.cn"}
    (night / "bad.yaml").write_text(
        "contacts:\n  - {name: 甲, email: a@example.cn, role: admin}\n"
        "  - {name: 乙, email: 'b@example.cn\\r\\nBcc: x@example.cn', role: admin}\n",
        encoding="utf-8")
    bad = lights(night, "contacts", "load", "bad.yaml")
    assert bad.returncode == 1 and "entry 2: email" in bad.stderr
    role = lights(night, "contacts", "load", "r.yaml")
    assert role.returncode == 1 and "no such file" in role.stderr


def test_send_over_smtp_from_the_environment_never_shows_the_password(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "config.yaml").write_text(
        "notices:\n  retry:\n    base_seconds: 0.1\n", encoding="utf-8")
    engine = create_database(f"sqlite:///{tmp_path / 'lights.db'}")
    programme(engine)
    config = load_config(env={}).model_copy(deep=True)
    config.notices.send_after_run = False
    nightly(engine, config, date(2026, 11, 26), mode="manual")
    engine.dispose()
    secret = "s3cret-Pa55"
    with smtp_server() as (server, port):
        env = {"LIGHTS_SMTP_HOST": "127.0.0.1", "LIGHTS_SMTP_PORT": str(port),
               "LIGHTS_SMTP_SECURITY": "none", "LIGHTS_MAIL_FROM": "lights@zdxm.example.cn"}
        auth = lights(tmp_path, "send", "--no-wait",
                      env={**env, "LIGHTS_SMTP_USERNAME": "lights",
                           "LIGHTS_SMTP_PASSWORD": secret})
        assert auth.returncode == 0 and "待重试 4 封" in auth.stdout
        assert secret not in auth.stdout + auth.stderr
        errors = [r["last_error"] for r in out_json(tmp_path, "notices")]
        assert all("AUTH" in e and secret not in e for e in errors), errors
        sent = lights(tmp_path, "send", env=env)
        assert sent.returncode == 0, sent.stderr
        assert "发送 4 封，失败 0 封" in sent.stdout and "smtp://127.0.0.1" in sent.stdout
    assert len(server.received) == ALL
    assert server.received[0][1]["From"].addresses[0].addr_spec == "lights@zdxm.example.cn"
    bad = lights(tmp_path, "send", env={"LIGHTS_SMTP_SECURITY": "tls"})
    assert bad.returncode == 1
    assert "notices.smtp.security: Input should be 'none', 'starttls' or 'ssl'" in bad.stderr


def test_send_confirm_releases_a_storm(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "config.yaml").write_text(
        "notices:\n  storm_threshold: 0.5\n  storm_min_milestones: 0\n", encoding="utf-8")
    engine = create_database(f"sqlite:///{tmp_path / 'lights.db'}")
    programme(engine)
    nightly(engine, load_config(env={}), date(2026, 11, 26), mode="manual")
    engine.dispose()
    held = out_json(tmp_path, "notices", "--status", "held")
    assert len(held) == ALL
    hint = lights(tmp_path, "send")
    assert "lights send --confirm" in hint.stdout
    out = lights(tmp_path, "send", "--confirm")
    assert out.returncode == 0 and "已放行暂缓的邮件 4 封" in out.stdout
    assert len(out_json(tmp_path, "notices", "--status", "sent")) == ALL


def test_demo_leaves_the_mornings_digests_as_eml_files(lights_demo):
    from email import policy
    from email.parser import BytesParser

    # Even with an SMTP server in the environment, the demo only ever writes files.
    home, out = lights_demo  # `lights demo` with LIGHTS_SMTP_HOST and LIGHTS_SMTP_PORT set
    assert out.returncode == 0, out.stderr
    files = sorted((home / "outbox").glob("*.eml"))
    assert len(files) >= 50 and str(home / "outbox") in out.stdout.replace("\n", "")
    people = set()
    for file in files:
        message = BytesParser(policy=policy.default).parsebytes(file.read_bytes())
        (to,) = message["To"].addresses
        assert to.domain.endswith("songjiang.example")
        people.add(to.addr_spec)
        assert message["Subject"] and message["Message-ID"] and message["Date"]
        assert message["Auto-Submitted"] == "auto-generated"
        text, html = message.iter_parts()
        assert text.get_content_type() == "text/plain"
        assert html.get_content().startswith("<!DOCTYPE html>")
        assert "截至2026年11月20日" in text.get_content()
    assert len(people) == len(files)  # one digest per person
