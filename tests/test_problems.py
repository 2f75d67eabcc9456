"""Problems on a real database (SQLite file and PostgreSQL): the actions, the night's
ladder (idempotent, caught up, replayed), the notices it writes, the rates."""

from __future__ import annotations

import contextlib
from datetime import date

import pytest
from sqlalchemy import func, select

from engine.problems import actions as act
from engine.problems.night import move_problems, replay_problems
from engine.problems.queries import list_problems, problem_rates, show_problem
from engine.store.db import writer
from engine.store.lookups import BadInput
from engine.store.tables import CONTACT, PB, PBE, PBN
from tests.builders import add_milestone, add_project

D = date
MON = D(2026, 11, 16)  # assigned on a Monday: due Wed 11-25 (7), helpers Thu 11-19 (3)


@pytest.fixture
def db(engine):
    pid = add_project(engine, "HB-001", department="市发改委",
                      department_email="fgw@example.cn", leader_email="leader@example.cn")
    add_milestone(engine, pid, "开工", D(2026, 11, 30))
    add_project(engine, "HB-002", region="道里区", department="市自然资源局",
                department_email="zrzy@example.cn")
    return engine


@contextlib.contextmanager
def refused(words):
    """The action is refused with these words in its Chinese sentence."""
    with pytest.raises(BadInput) as exc:
        yield
    assert words in exc.value.words["zh"], exc.value.words


def do(engine, fn, *args, **kwargs):
    with writer(engine).begin() as conn:
        return fn(conn, *args, **kwargs)


def add(engine, config, project="HB-001", **kw):
    values = {"title": "用地指标未落实", "category": "用地", "level": "县区级",
              "lead": "市自然资源局", "assist": ["市发改委"], "by": "督查室", "as_of": MON}
    values.update(kw)
    return do(engine, act.add, config, project, **values)


def row(engine, code):
    with engine.connect() as conn:
        return conn.execute(select(PB).where(PB.c.code == code)).one()


def events(engine, code):
    with engine.connect() as conn:
        pid = conn.execute(select(PB.c.id).where(PB.c.code == code)).scalar_one()
        return [e.trigger for e in conn.execute(select(PBE).where(PBE.c.problem_id == pid)
                                                 .order_by(PBE.c.id))]


def test_add_assigns_with_working_day_limits(db, config):
    move = add(db, config, milestone="开工")
    assert (move.code, move.to_state, move.deadline) == ("WT2026-0001", "in_progress",
                                                         D(2026, 11, 25))
    r = row(db, "WT2026-0001")
    assert (r.due_date, r.assist_due, r.level, r.category) == (D(2026, 11, 25), D(2026, 11, 19),
                                                               "county", "用地")
    assert events(db, "WT2026-0001") == ["add", "assign"]
    assert add(db, config, title="资金缺口").code == "WT2026-0002"


def test_add_pending_and_assign_later(db, config):
    move = add(db, config, assign=False, days=3)
    assert (move.to_state, move.deadline) == ("pending", None)
    later = do(db, act.assign, config, move.code, by="督查室", as_of=D(2026, 11, 20), days=3)
    assert (later.to_state, later.deadline) == ("in_progress", D(2026, 11, 25))


@pytest.mark.parametrize(("kw", "words"), [
    ({"title": " "}, "问题标题不能为空"),
    ({"category": "天气"}, "问题类别“天气”不在配置的类别中"),
    ({"level": "乡镇级"}, "层级“乡镇级”应为"),
    ({"assist": ["市自然资源局"]}, "协办单位“市自然资源局”就是主办单位"),
    ({"milestone": "竣工"}, None),
    ({"days": 0}, "办理时限应为1至250个工作日"),
])
def test_add_refuses_bad_input_and_writes_nothing(db, config, kw, words):
    from engine.store.lookups import NotFound

    with pytest.raises((BadInput, NotFound)) as exc:
        add(db, config, **kw)
    if words:
        assert words in exc.value.words["zh"]
    with db.connect() as conn:
        assert conn.execute(select(func.count()).select_from(PB)).scalar() == 0


def test_replies_lead_and_helpers(db, config):
    code = add(db, config).code
    helper = do(db, act.reply, config, code, text="已配合提供资料", unit="市发改委", by="李四",
                as_of=D(2026, 11, 18))
    assert (helper.trigger, helper.to_state) == ("assist_reply", "in_progress")
    with refused("不是问题"):
        do(db, act.reply, config, code, text="x", unit="市住建局", as_of=D(2026, 11, 18))
    lead = do(db, act.reply, config, code, text="已调整用地指标", unit="市自然资源局",
              as_of=D(2026, 11, 24))
    assert lead.to_state == "replied"
    assert row(db, code).replied_on == D(2026, 11, 24)
    with refused("不能"):  # replied: no extension any more
        do(db, act.request_extension, config, code, to=D(2026, 12, 4), reason="x",
           as_of=D(2026, 11, 24))


@pytest.mark.parametrize(("asked_on", "ok"), [
    (D(2026, 11, 23), True),     # Monday, the deadline is Wednesday
    (D(2026, 11, 24), True),     # the working day before: the last day to ask
    (D(2026, 11, 25), False),    # the deadline itself: too late
])
def test_extension_timing_on_the_database(db, config, asked_on, ok):
    code = add(db, config).code
    if not ok:
        with refused("最迟2026-11-24"):
            do(db, act.request_extension, config, code, to=D(2026, 12, 4), reason="雪天",
               as_of=asked_on)
        assert row(db, code).state == "in_progress"
        return
    move = do(db, act.request_extension, config, code, to=D(2026, 12, 4), reason="雪天",
              as_of=asked_on)
    assert move.to_state == "extension_requested"


def test_extension_granted_and_refused(db, config):
    code = add(db, config).code
    do(db, act.request_extension, config, code, to=D(2026, 12, 4), reason="雪天", as_of=MON)
    granted = do(db, act.decide_extension, config, code, grant=True, by="督查室",
                 as_of=D(2026, 11, 17))
    assert (granted.to_state, granted.deadline) == ("in_progress", D(2026, 12, 4))
    assert row(db, code).due_date == D(2026, 12, 4)
    do(db, act.request_extension, config, code, to=D(2026, 12, 11), reason="再延",
       as_of=D(2026, 11, 20))
    with refused("请说明理由"):
        do(db, act.decide_extension, config, code, grant=False, as_of=D(2026, 11, 23))
    no = do(db, act.decide_extension, config, code, grant=False, reason="不符合条件",
                 as_of=D(2026, 11, 23))
    assert (no.to_state, no.deadline) == ("in_progress", D(2026, 12, 4))


def test_close_reopen_raise_withdraw(db, config):
    code = add(db, config).code
    do(db, act.reply, config, code, text="已解决", as_of=D(2026, 11, 20))
    with refused("须说明原因"):
        do(db, act.close, config, code, result="部分解决", as_of=D(2026, 11, 23))
    closed = do(db, act.close, config, code, result="解决", by="督查室", as_of=D(2026, 11, 23))
    assert closed.to_state == "closed"
    r = row(db, code)
    assert (r.closed_on, r.result) == (D(2026, 11, 23), "solved")
    back = do(db, act.reopen, config, code, reason="现场核查未解决", as_of=D(2026, 11, 27))
    assert (back.to_state, back.deadline) == ("in_progress", D(2026, 12, 8))
    assert row(db, code).closed_on is None
    up = do(db, act.raise_level, config, code, reason="区级无法协调", as_of=D(2026, 11, 30))
    assert (up.to_state, row(db, code).level) == ("in_progress", "city")
    do(db, act.raise_level, config, code, reason="需省级协调", as_of=D(2026, 11, 30))
    with refused("省级"):
        do(db, act.raise_level, config, code, reason="再提", as_of=D(2026, 11, 30))
    do(db, act.withdraw, config, code, reason="重复", as_of=D(2026, 12, 1))
    with refused("已撤销"):
        do(db, act.reply, config, code, text="x", as_of=D(2026, 12, 1))
    assert events(db, code) == ["add", "assign", "reply", "close", "reopen", "raise_level",
                                "raise_level", "withdraw"]


def test_list_and_show(db, config):
    a = add(db, config).code
    b = add(db, config, project="HB-002", title="审批慢", category="审批服务", level="市级",
            lead="市政务服务局", assist=[], as_of=D(2026, 11, 2)).code
    with db.connect() as conn:
        rows = list_problems(conn, config, D(2026, 11, 27))
        assert [r["code"] for r in rows] == [b, a]  # earliest deadline first
        first = rows[0]
        assert {k: first[k] for k in ("project", "milestone", "level", "lead", "assist", "state",
                                      "deadline", "step", "overdue_days")} == {
            "project": "HB-002", "milestone": None, "level": "city", "lead": "市政务服务局",
            "assist": [], "state": "in_progress", "deadline": "2026-11-11", "step": None,
            "overdue_days": 12}
        assert [r["code"] for r in list_problems(conn, config, D(2026, 11, 27),
                                                 unit="市发改委")] == [a]
        assert [r["code"] for r in list_problems(conn, config, D(2026, 11, 27),
                                                 overdue=True)] == [b, a]
        assert [r["code"] for r in list_problems(conn, config, D(2026, 11, 27),
                                                 level="county")] == [a]
        shown = show_problem(conn, config, a, D(2026, 11, 27))
        assert [h["event"] for h in shown["history"]] == ["add", "assign"]
        assert shown["history"][1]["numbers"]["due"] == "2026-11-25"


def _contacts(engine):
    with engine.begin() as conn:
        conn.execute(CONTACT.insert(), [
            {"name": "督查室", "email": "dcs@example.cn", "role": "supervision_office",
             "region": "", "department": "", "project": ""},
            {"name": "市政府办", "email": "szfb@example.cn", "role": "leaders_office",
             "region": "", "department": "", "project": ""},
        ])


def night(engine, config, day, run_id=None):
    with writer(engine).begin() as conn:
        return move_problems(conn, config, day, run_id)


def test_the_night_climbs_once_per_deadline_and_is_idempotent(db, config):
    _contacts(db)
    code = add(db, config).code  # due Wed 11-25
    assert night(db, config, D(2026, 11, 25)).moves == []
    first = night(db, config, D(2026, 11, 26))  # 3 working days from the notice
    assert [(m.trigger, m.deadline) for m in first.moves] == [("escalate", D(2026, 12, 1))]
    assert night(db, config, D(2026, 11, 26)).moves == []          # the same night again
    assert night(db, config, D(2026, 11, 27)).moves == []
    r = row(db, code)
    assert (r.step, r.step_name, r.deadline, r.due_date) == (0, "remind", D(2026, 12, 1),
                                                             D(2026, 11, 25))
    with db.connect() as conn:
        told = conn.execute(select(PBN.c.recipient, PBN.c.roles, PBN.c.deadline)
                            .order_by(PBN.c.id)).all()
    # blue: the lead and the helping unit, by the 责任单位 addresses of the ledger
    assert sorted(told) == [("fgw@example.cn", "assist", D(2026, 12, 1)),
                            ("zrzy@example.cn", "lead", D(2026, 12, 1))]
    # a week without runs: the next step only (no notice is skipped)
    late = night(db, config, D(2026, 12, 8))
    assert [(m.trigger, m.deadline) for m in late.moves] == [("escalate", D(2026, 12, 11))]
    red = night(db, config, D(2026, 12, 14))
    assert [(m.trigger, m.deadline) for m in red.moves] == [("escalate", D(2026, 12, 17))]
    assert row(db, code).step == 2
    with db.connect() as conn:
        roles = {r.recipient: r.roles for r in conn.execute(
            select(PBN).where(PBN.c.step == 2))}
    assert roles["dcs@example.cn"] == "supervision_office"
    assert roles["leader@example.cn"] == "leader"
    proposed = night(db, config, D(2026, 12, 18))
    assert [m.trigger for m in proposed.moves] == ["propose_raise"]
    assert night(db, config, D(2026, 12, 21)).moves == []
    assert row(db, code).raise_proposed_on == D(2026, 12, 18)
    # 提级 starts a new time limit at the city level; the ladder starts again
    do(db, act.raise_level, config, code, reason="提请市级挂牌督办", as_of=D(2026, 12, 21))
    r = row(db, code)
    assert (r.level, r.step, r.raise_proposed_on, r.due_date) == ("city", None, None,
                                                                   D(2026, 12, 30))


def test_replied_and_extension_requested_problems_do_not_climb(db, config):
    a = add(db, config).code
    b = add(db, config, title="资金").code
    do(db, act.reply, config, a, text="已办", as_of=D(2026, 11, 24))
    do(db, act.request_extension, config, b, to=D(2026, 12, 4), reason="雪", as_of=MON)
    assert night(db, config, D(2026, 12, 1)).moves == []


def test_replay_gives_the_step_of_a_past_night(db, config):
    code = add(db, config).code
    for day in (D(2026, 11, 26), D(2026, 12, 2)):
        night(db, config, day)
    do(db, act.reply, config, code, text="已办", as_of=D(2026, 12, 3))
    with db.connect() as conn:
        assert replay_problems(conn, config, D(2026, 11, 15)) == []  # not raised yet
        then = {d: replay_problems(conn, config, d)[0] for d in
                (D(2026, 11, 25), D(2026, 11, 26), D(2026, 12, 2), D(2026, 12, 4))}
    assert [(then[d]["state"], then[d]["step"], then[d]["deadline"]) for d in sorted(then)] == [
        ("in_progress", None, "2026-11-25"), ("in_progress", "remind", "2026-12-01"),
        ("in_progress", "supervise", "2026-12-07"), ("replied", "supervise", "2026-12-07")]


def test_rates_by_lead_unit(db, config):
    a = add(db, config).code                                          # due 11-25
    b = add(db, config, lead="市住建局", assist=[], title="拆迁").code  # due 11-25
    add(db, config, lead="市住建局", assist=[], title="施工环境", category="施工环境",
        as_of=D(2026, 12, 1))
    do(db, act.close, config, a, result="解决", as_of=D(2026, 11, 24))
    do(db, act.close, config, b, result="解决", as_of=D(2026, 11, 27))
    with db.connect() as conn:
        units = problem_rates(conn, D(2026, 11, 1), D(2026, 11, 30))
        whole = problem_rates(conn, D(2026, 11, 1), D(2026, 12, 31), by="all")
    got = {u.unit: (u.rank, u.rates.due, u.rates.closed, u.rates.on_time) for u in units}
    assert got == {"市自然资源局": (1, 1, 1, 1), "市住建局": (2, 1, 1, 0)}
    assert whole[0].as_json()["raised"] == 3
    assert whole[0].as_json()["cancel_rate"] == pytest.approx(2 / 3)
