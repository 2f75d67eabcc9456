"""The demo's morning mail read as a mail client reads it (the .eml files parsed by the
standard library's e-mail parser): for each kind of reader, the subject chosen for
them, a requirement with a date, and the unit's latest words. And the demo's problem
list has every state and every level."""

from __future__ import annotations

import email
import json
import re
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import select

from engine.store.db import open_database
from engine.store.tables import M, P
from tests.cli_runner import lights

DATED = re.compile(r"于\d{4}年\d{1,2}月\d{1,2}日前报送")
SAID = re.compile(r"单位说明（\d{4}年\d{1,2}月\d{1,2}日[^）]*）：\S+|单位说明：尚未说明原因")
OFFICES = {"ducha@songjiang.example": "supervision_office",
           "lingdao@songjiang.example": "leaders_office", "zdxmb@songjiang.example": "admin"}


@pytest.fixture(scope="module")
def demo(lights_demo) -> Path:
    """What `lights demo` left, run once for every module that only reads it."""
    here, out = lights_demo
    assert out.returncode == 0, out.stderr
    return here


@pytest.fixture(scope="module")
def mail(demo) -> dict[str, EmailMessage]:
    """Every message of the morning by its recipient's address."""
    out = {}
    for path in sorted((demo / "outbox").rglob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        out[message["To"].addresses[0].addr_spec] = message
    return out


@pytest.fixture(scope="module")
def roles(demo) -> dict[str, set[str]]:
    """Who is who in the demo's ledger: address → roles."""
    engine = open_database(f"sqlite:///{demo / 'lights.db'}")
    found: dict[str, set[str]] = {}
    with engine.connect() as conn:
        for row in conn.execute(select(P.c.leader_email, P.c.secretary_email,
                                       P.c.department_email)):
            for role, address in zip(("leader", "secretary", "department"), row, strict=True):
                found.setdefault(address, set()).add(role)
        for (address,) in conn.execute(select(M.c.owner_email)):
            found.setdefault(address, set()).add("owner")
    engine.dispose()
    for address, role in OFFICES.items():
        found.setdefault(address, set()).add(role)
    return found


def body(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content()


def first_of(mail, roles, role: str, alone: bool = True) -> tuple[str, EmailMessage]:
    for address, message in mail.items():
        have = roles.get(address, set())
        if role in have and (not alone or have == {role}):
            return address, message
    raise AssertionError(f"no message for a {role}")


@pytest.mark.parametrize("role", ["owner", "department", "secretary"])
def test_a_unit_that_must_act_is_told_what_by_when(mail, roles, role):
    _, message = first_of(mail, roles, role, alone=role != "secretary")
    subject, text = message["Subject"], body(message)
    assert re.match(r"【[^】]+】请于\d{4}年\d{1,2}月\d{1,2}日前报送整改情况：", subject), subject
    assert DATED.search(text), text[:600]
    assert SAID.search(text), text[:600]
    assert "lights " not in text  # no shell command to anyone but an administrator
    assert "您好" not in text and text.splitlines()[0].endswith("：")  # 公文 salutation
    if role == "department":
        name = message["To"].addresses[0].display_name
        assert text.startswith(f"{name}：")


@pytest.mark.parametrize("role", ["leader", "supervision_office", "leaders_office"])
def test_an_overseer_is_told_who_is_late_and_is_never_summoned(mail, roles, role):
    _, message = first_of(mail, roles, role)
    subject, text = message["Subject"], body(message)
    assert subject.startswith("【督办情况】") or subject.startswith("【进度提醒】"), subject
    assert "约谈" not in subject
    assert re.search(r"应于\d{4}年\d{1,2}月\d{1,2}日前报送", text), text[:800]
    assert SAID.search(text), text[:800]
    assert "lights " not in text


def test_the_supervision_office_hears_of_the_problem_ladder(mail):
    text = body(mail["ducha@songjiang.example"])
    assert "红色督办（约谈）：问题" in text
    assert "建议提级：问题" in text and "提级至市级（挂牌督办）" in text


def test_units_reasons_and_the_projects_open_problems_reach_the_mail(mail):
    texts = [body(m) for m in mail.values()]
    assert any("单位说明（2026年10月29日，项目单位）：征地拆迁剩余3户未签约" in t for t in texts)
    assert any("本项目未销号问题：" in t and "办理时限" in t for t in texts)
    assert any("逾期未说明原因：自" in t for t in texts)


def test_the_administrator_alone_is_shown_commands(mail, roles):
    admin = body(mail["zdxmb@songjiang.example"]) if "zdxmb@songjiang.example" in mail else ""
    others = [body(m) for a, m in mail.items() if a != "zdxmb@songjiang.example"]
    assert not any("lights ack" in t for t in others)
    if admin:
        assert "lights ack" in admin


def test_the_demo_problem_list_has_every_state_and_level(demo):
    out = lights(demo, "problem", "list", "--format", "json")
    rows = json.loads(out.stdout)
    assert {r["state"] for r in rows} == {"pending", "in_progress", "extension_requested",
                                          "replied", "closed", "withdrawn"}
    assert {r["level"] for r in rows} == {"county", "city", "provincial"}
    assert {r["step"] for r in rows} >= {"remind", "supervise", "interview"}
    assert any(r["raise_proposed_on"] for r in rows)


def test_the_demo_bulletin_shows_the_units_words_and_the_problem_rates(demo):
    page = (demo / "bulletin-2026-10.html").read_text(encoding="utf-8")
    red = page[page.index('<section id="red">'):]
    assert "单位说明（2026年" in red[:red.index("</section>")]
    assert "办结率" in page and "按期办结率" in page
