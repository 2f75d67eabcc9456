"""Escalation notices over scripted sequences of nights, on SQLite and PostgreSQL.

The nights run through engine.nightly.nightly (the run, the notices stage, the
follow-ups, the digests and delivery), and what people receive is read back from the
.eml files the file transport writes, as a mail client would.
"""

from __future__ import annotations

from datetime import date
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import yaml
from sqlalchemy import select, update
from sqlmodel import Session

from engine.config import Config, load_config
from engine.nightly import nightly
from engine.store.models import Escalation, Milestone, Notice, OutboxMessage
from notifications import actions
from notifications.config import ContactEntry
from notifications.dispatch import dispatch, release_held
from tests.builders import add_milestone, add_project

OWNER, SECRETARY = "wang@example.cn", "li@example.cn"
DEPARTMENT, LEADER = "gxj@example.cn", "zhang@example.cn"
OFFICE, LEADERS_OFFICE, ADMIN = "ducha@example.cn", "lingdao@example.cn", "admin@example.cn"
RULES = [{"rule": "finished"}, {"rule": "overdue"},
         {"rule": "due_soon", "working_days": 5, "min_percent": 90}]


def make_config(tmp_path: Path, rules: list | None = None, **notices) -> Config:
    path = tmp_path / "notices.yaml"
    path.write_text(yaml.safe_dump({
        "rules": rules or RULES,
        "notices": {"outbox_dir": str(tmp_path / "outbox"), **notices}},
        allow_unicode=True), encoding="utf-8")
    return load_config(path, env={})


class Mailbox:
    """The .eml files the file transport wrote, read night by night."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.seen: set[Path] = set()

    def new(self) -> dict[str, EmailMessage]:
        """The messages written since the last call, by recipient address."""
        out: dict[str, EmailMessage] = {}
        files = sorted(self.directory.glob("*.eml")) if self.directory.exists() else []
        for file in files:
            if file in self.seen:
                continue
            self.seen.add(file)
            message = BytesParser(policy=policy.default).parsebytes(file.read_bytes())
            address = message["To"].addresses[0].addr_spec
            assert address not in out, "two messages to one person in one night"
            out[address] = message
        return out


def text_of(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content()


def html_of(message: EmailMessage) -> str:
    return message.get_body(("html",)).get_content()


def programme(engine, planned=date(2026, 11, 25), percent=50.0, **project) -> int:
    fields = {"name": "年产5万吨玉米深加工项目", "region": "双城区", "department": "市工信局",
              "secretary": "李秘书", "secretary_email": SECRETARY, "leader": "张副市长",
              "leader_email": LEADER, "department_email": DEPARTMENT, "outdoor": False,
              **project}
    pid = add_project(engine, "HB-001", **fields)
    return add_milestone(engine, pid, "主体完工", planned, kind="structure", percent=percent,
                         owner="王工", owner_email=OWNER, last_report_date=date(2026, 11, 19))


def report(engine, mid: int, **values) -> None:
    """A progress report as the ledger records it (the CLI's clock would refuse 2026-12)."""
    with engine.begin() as conn:
        conn.execute(update(Milestone).where(Milestone.id == mid).values(**values))


def night(engine, config, day: date):
    return nightly(engine, config, day, mode="manual")


def escalation(engine, mid: int) -> Escalation | None:
    with Session(engine) as s:
        return s.get(Escalation, mid)


def office_contacts(engine) -> None:
    actions.load_contacts(engine, [
        ContactEntry(name="市政府督查室", email=OFFICE, role="supervision_office"),
        ContactEntry(name="领导办公室", email=LEADERS_OFFICE, role="leaders_office"),
        ContactEntry(name="系统管理员", email=ADMIN, role="admin")])


def test_yellow_red_still_red_resolved(engine, tmp_path):
    config = make_config(tmp_path)
    mid = programme(engine)
    office_contacts(engine)
    box = Mailbox(tmp_path / "outbox")

    night(engine, config, date(2026, 11, 20))  # due in 3 working days at 50%: yellow
    mail = box.new()
    assert set(mail) == {OWNER, SECRETARY}
    owner = mail[OWNER]
    assert "提醒" in owner["Subject"] and "黄灯1个" in owner["Subject"]
    body = text_of(owner)
    assert "[新增] 主体完工" in body and "HB-001 年产5万吨玉米深加工项目" in body
    assert "仅剩3个工作日" in body and "lights history" not in body  # no shell command
    assert "于2026年11月25日前报送进展和赶超措施" in body  # a dated requirement
    assert body.startswith("王工同志：") and "请直接回复本邮件" in body and "lights ack" not in body
    assert owner["Auto-Submitted"] == "auto-generated"
    assert [p.get_content_type() for p in owner.iter_parts()] == ["text/plain", "text/html"]

    night(engine, config, date(2026, 11, 26))  # past its date: red, the ladder climbs
    mail = box.new()
    assert set(mail) == {OWNER, SECRETARY, DEPARTMENT, LEADER}
    assert "[升级] 主体完工" in text_of(mail[LEADER])
    assert "督办" in mail[LEADER]["Subject"]
    assert "黄灯 2026年11月20日 → 红灯 2026年11月26日" in text_of(mail[LEADER])

    for day in (27, 28, 30):
        night(engine, config, date(2026, 11, day))
        assert box.new() == {}
    night(engine, config, date(2026, 11, 30))  # the same night again: nothing new
    assert box.new() == {}

    night(engine, config, date(2026, 12, 3))  # 7 days after the last notice
    mail = box.new()
    assert set(mail) == {OWNER, SECRETARY, DEPARTMENT, LEADER}
    assert "[持续红灯] 主体完工" in text_of(mail[DEPARTMENT])  # the reason counts the days
    assert text_of(mail[DEPARTMENT]).startswith("市工信局：")
    assert escalation(engine, mid).last_label == "still_red"

    report(engine, mid, percent=100.0, actual_date=date(2026, 12, 4),
           last_report_date=date(2026, 12, 4))
    night(engine, config, date(2026, 12, 4))  # finished late: resolved
    mail = box.new()
    assert set(mail) == {OWNER, SECRETARY, DEPARTMENT, LEADER}  # exactly those warned
    assert "[已解除] 主体完工" in text_of(mail[OWNER])
    assert "解除" in mail[OWNER]["Subject"]
    assert escalation(engine, mid) is None
    night(engine, config, date(2026, 12, 5))
    assert box.new() == {}


def test_the_ladder_climbs_while_red_and_the_resolution_reaches_everyone_warned(engine,
                                                                                 tmp_path):
    config = make_config(tmp_path)
    mid = programme(engine)
    office_contacts(engine)
    box = Mailbox(tmp_path / "outbox")
    night(engine, config, date(2026, 11, 26))  # red on its first night
    assert set(box.new()) == {OWNER, SECRETARY, DEPARTMENT, LEADER}
    night(engine, config, date(2026, 12, 9))  # 9 working days red: nothing new yet
    assert OFFICE not in box.new()
    night(engine, config, date(2026, 12, 10))  # 10 working days: 挂牌督办
    mail = box.new()
    assert set(mail) == {OWNER, SECRETARY, DEPARTMENT, LEADER, OFFICE}
    assert "【督办情况】" in mail[OFFICE]["Subject"]  # what is reported, for an overseer
    assert "列入挂牌督办：市工信局应于2026年12月15日前报送整改情况" in text_of(mail[OFFICE])
    night(engine, config, date(2026, 12, 24))  # 20 working days: 约谈
    mail = box.new()
    assert LEADERS_OFFICE in mail and "约谈" not in mail[LEADERS_OFFICE]["Subject"]
    assert "拟约谈市工信局主要负责人" in text_of(mail[LEADERS_OFFICE])
    assert "【约谈】请于2026年12月29日前报送整改情况" in mail[DEPARTMENT]["Subject"]
    night(engine, config, date(2027, 3, 1))  # long red: still the same episode, reminders
    mail = box.new()
    assert "持续红灯" in text_of(mail[LEADERS_OFFICE]) and "新增" not in text_of(mail[OWNER])
    assert escalation(engine, mid).opened_on == date(2026, 11, 26)

    report(engine, mid, percent=100.0, actual_date=date(2027, 3, 2),
           last_report_date=date(2027, 3, 2))
    night(engine, config, date(2027, 3, 2))
    assert set(box.new()) == {OWNER, SECRETARY, DEPARTMENT, LEADER, OFFICE, LEADERS_OFFICE}


def test_flapping_sends_no_alternating_notices(engine, tmp_path):
    rules = [{"rule": "finished"}, {"rule": "due_soon", "working_days": 40, "min_percent": 90}]
    config = make_config(tmp_path, rules=rules, flap_window_days=3)
    mid = programme(engine, planned=date(2026, 12, 31))
    box = Mailbox(tmp_path / "outbox")
    night(engine, config, date(2026, 11, 20))
    assert set(box.new()) == {OWNER, SECRETARY}  # yellow: NEW
    for day, percent in ((23, 95.0), (24, 50.0), (25, 95.0), (26, 50.0)):  # it flaps
        report(engine, mid, percent=percent)
        night(engine, config, date(2026, 11, day))
        assert box.new() == {}, day
    report(engine, mid, percent=95.0)
    night(engine, config, date(2026, 11, 27))  # green again…
    assert box.new() == {}
    night(engine, config, date(2026, 11, 29))  # …for 2 days: not yet
    assert box.new() == {}
    night(engine, config, date(2026, 11, 30))  # …for 3 days: the recovery is announced
    mail = box.new()
    assert set(mail) == {OWNER, SECRETARY}
    assert "[已解除]" in text_of(mail[OWNER])


def test_acknowledgement_holds_escalation_and_is_shown(engine, tmp_path):
    config = make_config(tmp_path)
    mid = programme(engine)
    office_contacts(engine)
    box = Mailbox(tmp_path / "outbox")
    night(engine, config, date(2026, 11, 26))
    box.new()
    ack = actions.acknowledge(engine, config, str(mid), by="王工",
                              reason="设备延期到货，已协调厂家", days=14, on=date(2026, 11, 26))
    assert ack.hold_until == date(2026, 12, 10)
    for day in (date(2026, 12, 3), date(2026, 12, 10)):  # reminder and 挂牌督办 held
        night(engine, config, day)
        assert box.new() == {}
    night(engine, config, date(2026, 12, 11))  # the hold is over: the ladder climbs
    mail = box.new()
    assert OFFICE in mail
    body = text_of(mail[OFFICE])
    assert ("已确认：王工于2026年11月26日确认（设备延期到货，已协调厂家），"
            "暂缓升级至2026年12月10日") in body
    assert "王工" in html_of(mail[OFFICE])


def test_silences_hold_notices_and_are_listed_with_their_author(engine, tmp_path):
    config = make_config(tmp_path)
    programme(engine)
    box = Mailbox(tmp_path / "outbox")
    sid = actions.add_silence(engine, config, project="HB-001", by="赵主任",
                              reason="项目整体停工整顿", until=date(2026, 11, 30),
                              starts=date(2026, 11, 20))
    actions.add_silence(engine, config, recipient=SECRETARY, by="赵主任", reason="休假",
                        until=date(2027, 1, 31), starts=date(2026, 11, 20))
    night(engine, config, date(2026, 11, 26))
    assert box.new() == {}
    night(engine, config, date(2026, 12, 1))  # the project silence is over
    assert set(box.new()) == {OWNER, DEPARTMENT, LEADER}  # the secretary is still silenced
    actions.end_silence(engine, sid, by="赵主任", reason="提前复工")
    listed = {s["id"]: s for s in actions.list_silences(engine, config, all_=True)}
    assert listed[sid]["by"] == "赵主任" and listed[sid]["reason"] == "项目整体停工整顿"
    assert listed[sid]["state"] == "ended" and listed[sid]["ended_by"] == "赵主任"
    assert listed[sid]["end_reason"] == "提前复工"


def test_a_storm_is_held_for_confirmation_and_the_administrators_told(engine, tmp_path):
    config = make_config(tmp_path, storm_threshold=0.5, storm_min_milestones=0)
    mid = programme(engine)
    pid = 1
    for i in range(3):
        add_milestone(engine, pid, f"节点{i}", date(2026, 11, 21 + i), percent=50,
                      owner="王工", owner_email=OWNER, last_report_date=date(2026, 11, 19))
    add_milestone(engine, pid, "远期节点", date(2027, 9, 30), percent=10,
                  owner="王工", owner_email=OWNER, last_report_date=date(2026, 11, 19))
    office_contacts(engine)
    box = Mailbox(tmp_path / "outbox")
    summary = night(engine, config, date(2026, 11, 26))  # 4 of 5 turn red at once
    mail = box.new()
    assert set(mail) == {ADMIN}
    assert "暂缓发送" in mail[ADMIN]["Subject"]
    assert "lights send --confirm" in text_of(mail[ADMIN])
    assert any("storm" in w for w in summary.warnings)
    with Session(engine) as s:
        held = s.exec(select(OutboxMessage).where(OutboxMessage.status == "held")).all()
    assert {m[0].recipient for m in held} == {OWNER, SECRETARY, DEPARTMENT, LEADER}
    assert release_held(engine) == 4
    dispatch(engine, config)
    assert set(box.new()) == {OWNER, SECRETARY, DEPARTMENT, LEADER}
    assert escalation(engine, mid) is not None


def test_contacts_scope_and_a_projects_own_contacts_override(engine, tmp_path):
    config = make_config(tmp_path, contacts=[
        {"name": "督查室", "email": "all@example.cn", "role": "supervision_office"},
        {"name": "双城区督查室", "email": "sc@example.cn", "role": "supervision_office",
         "region": "双城区"},
        {"name": "Project Owner", "email": "own@example.cn", "role": "owner",
         "project": "HB-001", "lang": "en"}],
        ladder=[{"step": "supervise", "light": "red", "days": 0, "template": "supervise",
                 "roles": ["owner", "supervision_office"], "zh": "督办", "en": "Supervision"}])
    programme(engine)
    box = Mailbox(tmp_path / "outbox")
    night(engine, config, date(2026, 11, 26))
    mail = box.new()
    assert set(mail) == {"own@example.cn", "sc@example.cn"}  # not the ledger's owner
    english = mail["own@example.cn"]
    assert english["Subject"].startswith("[Supervision]")
    assert "[NEW] 主体完工" in text_of(english)
    assert english["Subject"].startswith("[Supervision] Report by Dec 1, 2026: ")
    assert english["Content-Language"] == "en"


def test_english_by_configuration(engine, tmp_path):
    config = make_config(tmp_path)
    config = config.model_copy(update={"lang": "en"})
    programme(engine)
    box = Mailbox(tmp_path / "outbox")
    night(engine, config, date(2026, 11, 20))
    owner = box.new()[OWNER]
    assert owner["Subject"].startswith("[Reminder] Report by Nov 25, 2026: 1 milestone, 1 yellow")
    body = text_of(owner)
    assert body.startswith("Dear 王工,") and "[NEW] 主体完工 (Main structure done)" in body
    assert "Situation: due Nov 25, 2026, 3 working days left, 50% done" in body
    assert "Key-project milestone lights" in html_of(owner)


def test_no_contact_for_a_role_is_reported_every_night(engine, tmp_path):
    config = make_config(tmp_path)
    programme(engine, leader_email="")
    summary = night(engine, config, date(2026, 11, 26))
    assert any("no contact for role leader" in w for w in summary.warnings)
    with Session(engine) as s:
        rows = s.exec(select(Notice)).all()
    assert {n[0].recipient for n in rows} == {OWNER, SECRETARY, DEPARTMENT}


def test_one_digest_groups_projects_worst_first(engine, tmp_path):
    yellow = add_project(engine, "HB-010", name="黄灯项目", leader="张副市长",
                         leader_email=LEADER, outdoor=False)
    red = add_project(engine, "HB-020", name="红灯项目", leader="张副市长",
                      leader_email=LEADER, outdoor=False)
    ladder_all = [{"step": "all", "light": light, "days": 0, "template": "remind",
                   "roles": ["leader"], "zh": "提醒", "en": "Reminder"}
                  for light in ("yellow", "red")]
    ladder_all[1]["step"] = "all_red"
    config = make_config(tmp_path, ladder=ladder_all)
    add_milestone(engine, yellow, "开工", date(2026, 11, 24), percent=50,
                  last_report_date=date(2026, 11, 19))
    add_milestone(engine, red, "开工", date(2026, 11, 10), percent=50,
                  last_report_date=date(2026, 11, 19))
    add_milestone(engine, red, "竣工", date(2026, 11, 24), percent=50,
                  last_report_date=date(2026, 11, 19))
    night(engine, config, date(2026, 11, 20))
    mail = Mailbox(tmp_path / "outbox").new()
    assert set(mail) == {LEADER}  # one e-mail for three milestones in two projects
    body = text_of(mail[LEADER])
    assert body.index("HB-020 红灯项目") < body.index("HB-010 黄灯项目")
    red_part = body[body.index("HB-020"):body.index("HB-010")]
    assert red_part.index("] 开工") < red_part.index("] 竣工")  # worst first within
    assert "3个节点，红灯1个，黄灯2个" in mail[LEADER]["Subject"]


def test_the_contacts_check_counts_each_gap_by_milestone(engine, tmp_path):
    """After the run, every yellow or red milestone whose step reaches nobody for a role
    is counted under the reason; an address written with spaces around still reaches its
    person, and one bad address shared by two milestones counts both."""
    config = make_config(tmp_path)
    pid = programme(engine, leader_email="")
    for name, owner_email in (("竣工验收", "赵工"), ("设备安装", f"  {OWNER} "),
                              ("试生产", "赵工")):
        add_milestone(engine, pid, name, date(2026, 11, 25), kind="structure", percent=50.0,
                      owner="赵工", owner_email=owner_email, last_report_date=date(2026, 11, 19))
    summary = night(engine, config, date(2026, 11, 26))
    gaps = sorted(w for w in summary.warnings if "milestone" in w and "notices: " in w)
    assert gaps == ["notices: HB-001: owner address '赵工' is not an e-mail address "
                    "(2 milestones)", "notices: no contact for role leader (4 milestones)"]
