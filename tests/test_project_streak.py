"""Escalation by a project's streak (issue #13: "a milestone or a project that stays
yellow in two consecutive monthly evaluations climbs a step").

A project's light at a month end is the worst among its open milestones that day, each
read from its audited moves. Here one node is yellow at October's end and another at
November's: neither has two yellows in a row, the project has, and its yellow node is
summoned; the digest says so. By hand, then on SQLite and PostgreSQL.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import insert, select, update

from engine.config import ConfigError, load_config
from engine.store.db import writer
from engine.store.tables import NOTICE, OUTBOX, M, T
from notifications.config import ChannelConfig, NotificationsConfig
from notifications.ladder import Climb, Episode, Policy, Reason, decide, reached
from notifications.parts import compose_pending
from notifications.plan import Planner
from notifications.streaks import project_streak
from notifications.wording import climb_reason
from tests.builders import add_milestone, add_project

D = date
TONIGHT = D(2026, 12, 10)  # the month ends counted: 2026-11-30 and 2026-10-31
OWNER, LEADER = "wang@example.cn", "zhang@example.cn"


def ladder(scope: str = "either") -> list:
    return NotificationsConfig.model_validate({"ladder": [
        {"step": "remind", "light": "yellow", "roles": ["owner"], "template": "remind",
         "zh": "提醒", "en": "Reminder"},
        {"step": "supervise", "light": "red", "roles": ["owner"], "template": "supervise",
         "zh": "督办", "en": "Supervision"},
        {"step": "interview", "light": "red", "days": 20, "roles": ["owner", "leader"],
         "template": "interview", "zh": "约谈", "en": "Interview",
         "after_consecutive": {"light": "yellow", "periods": 2, "period": "month",
                               "scope": scope}},
    ]}).ladder


# -- by hand: the project's light at each month end -----------------------------------
OCTOBER_NODE = [(D(2026, 10, 10), "yellow"), (D(2026, 11, 5), "green")]
NOVEMBER_NODE = [(D(2026, 11, 10), "yellow")]


@pytest.mark.parametrize(("milestones", "tonight", "expected"), [
    ([OCTOBER_NODE, NOVEMBER_NODE], "yellow", 2),  # yellow by one node, then by another
    ([OCTOBER_NODE, NOVEMBER_NODE], "red", 0),  # not yellow tonight
    ([[(D(2026, 10, 10), "yellow"), (D(2026, 10, 25), "green")], NOVEMBER_NODE],
     "yellow", 1),  # green at October's end
    ([OCTOBER_NODE, NOVEMBER_NODE, [(D(2026, 10, 1), "red"), (D(2026, 11, 2), "done_late")]],
     "yellow", 1),  # red at October's end (worse than yellow); done by November's
    ([OCTOBER_NODE, NOVEMBER_NODE, [(D(2026, 10, 1), "done")]], "yellow", 2),  # closed
])
def test_project_streak_by_hand(milestones, tonight, expected):
    assert project_streak(milestones, TONIGHT, "yellow", tonight, 2) == expected


@pytest.mark.parametrize(("scope", "own", "project", "how"), [
    ("either", 1, 2, (Climb.PROJECT_STREAK, 2)),
    ("either", 2, 2, (Climb.STREAK, 2)),  # the node's own streak is the nearer reason
    ("project", 2, 1, None),
    ("project", 0, 3, (Climb.PROJECT_STREAK, 3)),
    ("milestone", 1, 2, None),
    ("milestone", 2, 0, (Climb.STREAK, 2)),
])
def test_the_scope_says_whose_streak_counts(scope, own, project, how):
    interview = ladder(scope)[2]
    assert reached(interview, "yellow", 0, own, project) == how


def test_a_project_streak_climbs_an_episode_and_says_so():
    d = decide(Policy(ladder()), "yellow", held_days=15, since=D(2026, 11, 10), as_of=TONIGHT,
               episode=Episode(0, "yellow", D(2026, 11, 10)), streak=1, project_streak=2)
    assert (d.reason, d.step, d.climb, d.months) == (Reason.WORSE, 2, Climb.PROJECT_STREAK, 2)
    by_days = decide(Policy(ladder()), "red", held_days=25, since=D(2026, 11, 1),
                     as_of=TONIGHT, episode=None, project_streak=2)
    assert (by_days.step, by_days.climb) == (2, Climb.DAYS)


def test_the_scope_is_validated_like_the_other_keys(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("notices:\n  ladder:\n"
                    "    - {step: remind, light: yellow, roles: [owner], template: remind,\n"
                    "       zh: 提醒, en: Reminder,\n"
                    "       after_consecutive: {light: yellow, periods: 2, scope: county}}\n",
                    encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path, env={})
    assert str(caught.value) == (
        f"{path}: notices.ladder[0].after_consecutive.scope: Input should be 'milestone', "
        "'project' or 'either' (got 'county')")


@pytest.mark.parametrize(("by", "lang", "words"), [
    ("project_streak", "zh", "所属项目连续2个月亮黄灯"),
    ("project_streak", "en", "the project has been yellow at 2 month ends in a row"),
    ("streak", "zh", "本节点连续2个月亮黄灯"),
    ("streak", "en", "this milestone has been yellow at 2 month ends in a row"),
])
def test_the_reason_in_words(by, lang, words):
    light = {"zh": "黄灯", "en": "yellow"}[lang]
    assert words in climb_reason(by, 2, light, lang)
    assert climb_reason("days", 0, light, lang) == ""


# -- on a database ---------------------------------------------------------------------
def moved(conn, mid: int, moves: list[tuple[date, str]]) -> None:
    """The audited moves of a milestone, and its state tonight (the last one)."""
    before = "planned"
    rows = []
    for day, light in moves:
        rows.append({"milestone_id": mid, "trigger": "evaluate", "from_state": before,
                     "to_state": light, "as_of": day, "rules": "", "reason": "",
                     "numbers": [], "actor": ""})
        before = light
    conn.execute(insert(T), rows)
    conn.execute(update(M).where(M.c.id == mid).values(state=moves[-1][1],
                                                       state_since=moves[-1][0]))


def programme(engine, october: list[tuple[date, str]]) -> dict[str, int]:
    """Two projects alike but for their first node's October: the node yellow in
    November, the other node ``october``'s moves."""
    ids = {}
    for code in ("HB-001", "HB-002"):
        pid = add_project(engine, code, leader="张副市长", leader_email=LEADER)
        ids[f"{code}/用地"] = add_milestone(engine, pid, "用地审批", D(2027, 3, 31),
                                           owner="王工", owner_email=OWNER)
        ids[f"{code}/主体"] = add_milestone(engine, pid, "主体完工", D(2027, 6, 30),
                                           owner="王工", owner_email=OWNER)
    with engine.begin() as conn:
        moved(conn, ids["HB-001/用地"], OCTOBER_NODE)
        moved(conn, ids["HB-002/用地"], october)
        moved(conn, ids["HB-001/主体"], NOVEMBER_NODE)
        moved(conn, ids["HB-002/主体"], NOVEMBER_NODE)
    return ids


def with_ladder(config, scope: str = "either", lang: str = "zh", channels=()):
    return config.model_copy(update={"lang": lang, "notices": config.notices.model_copy(
        update={"ladder": ladder(scope), "channels": list(channels)})})


def decisions(engine, config, ids) -> dict[int, tuple]:
    with engine.connect() as conn:
        found = Planner(config, TONIGHT).decisions(conn, sorted(ids.values()))
    return {m.id: (d.reason, d.step, d.climb, d.months) for m, d, _ in found}


def test_a_project_yellow_at_two_month_ends_summons_its_yellow_node(engine, config):
    green_in_october = [(D(2026, 10, 10), "yellow"), (D(2026, 10, 25), "green")]
    ids = programme(engine, green_in_october)
    got = decisions(engine, with_ladder(config), ids)
    # HB-001: yellow at 10-31 (用地) and 11-30 (主体): its yellow node is summoned
    assert got[ids["HB-001/主体"]] == (Reason.NEW, 2, Climb.PROJECT_STREAK, 2)
    # HB-002: green at 10-31: only the reminder for yellow
    assert got[ids["HB-002/主体"]] == (Reason.NEW, 0, Climb.DAYS, 0)
    assert got[ids["HB-001/用地"]][0] is Reason.NOTHING  # green tonight
    # a ladder counting only the node's own streak: no summons
    own = decisions(engine, with_ladder(config, "milestone"), ids)
    assert own[ids["HB-001/主体"]] == (Reason.NEW, 0, Climb.DAYS, 0)


@pytest.mark.parametrize(("lang", "words", "chat_words"), [
    ("zh", "升级原因：所属项目连续2个月亮黄灯", "升级原因：所属项目连续2个月亮黄灯"),
    ("en", "Why this step: the project has been yellow at 2 month ends in a row",
     "why this step: the project has been yellow at 2 month ends in a row")])
def test_the_summons_says_why_it_climbed(engine, config, lang, words, chat_words):
    group = ChannelConfig(name="leaders", kind="dingtalk", webhook_env="LEADERS_HOOK",
                          roles=["leader"])
    config = with_ladder(config, lang=lang, channels=[group])
    ids = programme(engine, [(D(2026, 10, 10), "yellow"), (D(2026, 10, 25), "green")])
    with writer(engine).begin() as conn:
        Planner(config, TONIGHT).plan(conn, sorted(ids.values()))
    compose_pending(engine, config, TONIGHT)
    with engine.connect() as conn:
        told = conn.execute(select(NOTICE.c.milestone_id, NOTICE.c.recipient,
                                   NOTICE.c.climbed_by, NOTICE.c.streak)).all()
        [leader] = conn.execute(select(OUTBOX.c.text, OUTBOX.c.html)
                                .where(OUTBOX.c.recipient == LEADER)).all()
        [owner] = conn.execute(select(OUTBOX.c.text).where(OUTBOX.c.recipient == OWNER)).all()
        [chat] = conn.execute(select(OUTBOX.c.text)
                              .where(OUTBOX.c.recipient == group.address)).scalars()
    assert (ids["HB-001/主体"], LEADER, "project_streak", 2) in told
    assert {(m, r) for m, r, _, _ in told} == {
        (ids["HB-001/主体"], OWNER), (ids["HB-001/主体"], LEADER), (ids["HB-002/主体"], OWNER),
        (ids["HB-001/主体"], group.address)}
    assert words in leader.text and words in leader.html
    assert chat_words in chat  # the leaders' chat group too
    # the owner's digest: the summoned node says why; the other project's reminder does not
    blocks = {b.split()[0]: b for b in re.split(r"^[■*] ", owner.text, flags=re.M)[1:]}
    assert words in blocks["HB-001"] and words not in blocks["HB-002"]
