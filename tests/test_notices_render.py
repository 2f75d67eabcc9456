"""Templates: every shipped one renders in both languages; overrides are strict and
sandboxed, and a broken one fails loudly with its name, never silently."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from engine.nightly import nightly
from notifications.config import STEP_TEMPLATES
from notifications.render import Renderer, TemplateProblem
from tests.test_cli import lights
from tests.test_notices_night import OWNER, Mailbox, make_config, programme, text_of


def context(lang: str) -> dict:
    row = {"id": 7, "milestone": "主体完工", "label": "new", "label_text": "新增",
           "light": "red", "light_text": "红灯", "kind": "", "reason": "已逾期1天",
           "history": "红灯 2026年11月26日", "step": "督办", "step_text": "限期解决",
           "days": 1, "planned_date": "2026年11月25日", "due": "2026-11-25", "percent": "50%",
           "command": "lights history 7", "ack": None, "link": None,
           "deadline": "2026年11月30日",
           "deadline_iso": "2026-11-30", "unexplained": "",
           "unit_reason": {"text": "钢材到货延迟", "date": "2026年11月20日", "by": "王工"}}
    return {"lang": lang, "as_of": "2026年11月26日",
            "recipient": {"name": "王工", "email": OWNER},
            "salutation": "王工同志：", "reader": "actor", "admin": False,
            "deadline": "2026年11月30日", "reply": {"address": "dcs@example.cn"},
            "counts": {"total": 1, "red": 1, "yellow": 0, "resolved": 0, "problems": 1},
            "top_step": "督办",
            "problem_items": [{"id": 1, "code": "WT2026-0001", "project": "HB-001",
                               "project_name": "项目", "colour": "blue", "step": "蓝色提醒",
                               "text": "蓝色提醒：问题WT2026-0001已超过办理时限",
                               "deadline": "2026年11月30日", "deadline_iso": "2026-11-30",
                               "said": None}],
            "projects": [{"code": "HB-001", "name": "项目", "region": "双城区",
                          "department": "市工信局", "leader": "张副市长", "light": "red",
                          "rows": [row], "problems": ["WT2026-0001 用地指标未落实"]}],
            "failures": [{"recipient": "li@example.cn", "subject": "s", "error": "550 x",
                          "attempts": 1}]}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_shipped_template_renders(lang):
    renderer = Renderer()
    renderer.check(("zh", "en"), list(STEP_TEMPLATES))
    for step in STEP_TEMPLATES:
        for reader in ("actor", "overseer"):
            assert renderer.step_text(step, lang, {
                "days": 12, "milestone": "m", "project": "p", "code": "c", "reader": reader,
                "department": "市发改委", "deadline": "2026年11月30日", "calendar_days": 16})
    digest = renderer.message("digest", lang, context(lang))
    assert "HB-001" in digest.text and "HB-001" in digest.html
    assert "\n" not in digest.subject
    storm = renderer.message("storm", lang, {
        "lang": lang, "as_of": "x", "recipient": {"name": "n", "email": "e"},
        "milestones": 9, "total": 10, "share": "90%", "threshold": "30%", "messages": 3,
        "counts": {"red": 1, "yellow": 2, "resolved": 0},
        "projects": [{"code": "c", "name": "n", "count": 9}],
        "confirm_command": "lights send --confirm"})
    assert "lights send --confirm" in storm.text and "<style" not in storm.html


def write(directory: Path, name: str, text: str) -> None:
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_an_override_with_an_undefined_variable_fails_with_its_name(tmp_path):
    write(tmp_path, "zh/digest.txt", "{{ recipient.nmae }}\n")
    with pytest.raises(TemplateProblem, match=r"zh/digest\.txt"):
        Renderer(str(tmp_path)).message("digest", "zh", context("zh"))


@pytest.mark.parametrize("source", [
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{% set x = [] %}{{ x.append(1) }}",
])
def test_overrides_run_in_the_immutable_sandbox(tmp_path, source):
    write(tmp_path, "zh/digest.txt", source)
    with pytest.raises(TemplateProblem, match=r"zh/digest\.txt"):
        Renderer(str(tmp_path)).message("digest", "zh", context("zh"))


def test_html_overrides_stay_autoescaped(tmp_path):
    write(tmp_path, "zh/digest.html", "<p>{{ recipient.name }}</p>")
    ctx = context("zh")
    ctx["recipient"]["name"] = "<img src=x onerror=alert(1)>"
    html = Renderer(str(tmp_path)).message("digest", "zh", ctx).html
    assert "<img" not in html and "&lt;img" in html


def test_a_deployments_step_wording_is_used_in_the_night(engine, tmp_path):
    overrides = tmp_path / "templates"
    write(overrides, "zh/steps/remind.txt", "请于三日内书面说明{{ milestone }}滞后原因。")
    config = make_config(tmp_path, templates_dir=str(overrides))
    programme(engine)
    nightly(engine, config, date(2026, 11, 20), mode="manual")
    body = text_of(Mailbox(tmp_path / "outbox").new()[OWNER])
    assert "要求：请于三日内书面说明主体完工滞后原因。" in body


def test_a_broken_template_keeps_the_notices_pending_and_says_so(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    overrides = tmp_path / "templates"
    write(overrides, "zh/digest.txt", "{{ broken }\n")
    (tmp_path / "config.yaml").write_text(f"notices:\n  templates_dir: {overrides}\n",
                                          encoding="utf-8")
    from engine.config import load_config
    from engine.migrations import create_database

    engine = create_database(f"sqlite:///{tmp_path / 'lights.db'}")
    programme(engine)
    summary = nightly(engine, load_config(env={}), date(2026, 11, 20), mode="manual")
    engine.dispose()
    assert any("template zh/digest.txt" in w and "pending" in w for w in summary.warnings)
    out = lights(tmp_path, "send")
    assert out.returncode == 1 and out.stderr.startswith("lights: template zh/digest.txt")
    assert "Traceback" not in out.stderr
    (overrides / "zh" / "digest.txt").unlink()
    fixed = lights(tmp_path, "send")
    assert fixed.returncode == 0 and "发送 2 封" in fixed.stdout
