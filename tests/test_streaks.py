"""Escalation by repetition (a ladder step's after_consecutive): the month ends a
milestone showed the same light in a row, by hand; and the planner's decision with it."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import insert, update

from engine.store.tables import M, T
from notifications.config import NotificationsConfig
from notifications.ladder import Episode, Policy, Reason, decide, step_for
from notifications.plan import Planner
from notifications.streaks import light_at, month_ends, streak
from tests.builders import add_milestone, add_project

D = date


@pytest.mark.parametrize(("as_of", "n", "ends"), [
    (D(2026, 11, 20), 2, [D(2026, 10, 31), D(2026, 9, 30)]),
    (D(2026, 11, 30), 2, [D(2026, 11, 30), D(2026, 10, 31)]),   # a month end counts itself
    (D(2026, 3, 5), 3, [D(2026, 2, 28), D(2026, 1, 31), D(2025, 12, 31)]),
    (D(2028, 3, 1), 1, [D(2028, 2, 29)]),
])
def test_month_ends(as_of, n, ends):
    assert month_ends(as_of, n) == ends


MOVES = [(D(2026, 9, 10), "green"), (D(2026, 9, 20), "yellow"), (D(2026, 10, 12), "red"),
         (D(2026, 10, 20), "yellow")]


@pytest.mark.parametrize(("day", "light"), [
    (D(2026, 9, 1), "planned"), (D(2026, 9, 10), "green"), (D(2026, 9, 30), "yellow"),
    (D(2026, 10, 15), "red"), (D(2026, 10, 31), "yellow")])
def test_light_at(day, light):
    assert light_at(MOVES, day) == light


@pytest.mark.parametrize(("as_of", "current", "periods", "expected"), [
    (D(2026, 11, 20), "yellow", 2, 2),     # yellow at 09-30 and 10-31, yellow tonight
    (D(2026, 11, 20), "red", 2, 0),        # not yellow tonight
    (D(2026, 11, 20), "yellow", 3, 2),     # 08-31 was planned
    (D(2026, 10, 25), "yellow", 2, 1),     # 09-30 only (10-31 is not reached yet)
])
def test_streak(as_of, current, periods, expected):
    assert streak(MOVES, as_of, "yellow", current, periods) == expected


LADDER = NotificationsConfig.model_validate({"ladder": [
    {"step": "remind", "light": "yellow", "roles": ["owner"], "template": "remind",
     "zh": "提醒", "en": "Reminder"},
    {"step": "supervise", "light": "red", "roles": ["owner", "department"],
     "template": "supervise", "zh": "督办", "en": "Supervision"},
    {"step": "interview", "light": "red", "days": 20, "roles": ["owner", "leader"],
     "template": "interview", "zh": "约谈", "en": "Interview",
     "after_consecutive": {"light": "yellow", "periods": 2, "period": "month"}},
]}).ladder


@pytest.mark.parametrize(("light", "held", "months", "step"), [
    ("yellow", 30, 0, 0), ("yellow", 30, 1, 0), ("yellow", 0, 2, 2), ("red", 0, 2, 1),
    ("red", 20, 0, 2)])
def test_step_for_with_a_streak(light, held, months, step):
    assert step_for(LADDER, light, held, months) == step


def test_two_yellows_in_a_row_climb_to_the_summons():
    policy = Policy(LADDER)
    d = decide(policy, "yellow", held_days=30, since=D(2026, 10, 20), as_of=D(2026, 11, 20),
               episode=Episode(0, "yellow", D(2026, 9, 20)), streak=2)
    assert (d.reason, d.step) == (Reason.WORSE, 2)


def test_the_planner_reads_the_streak_from_the_audit(engine, config):
    config = config.model_copy(update={"notices": config.notices.model_copy(
        update={"ladder": LADDER})})
    pid = add_project(engine, "HB-001")
    mid = add_milestone(engine, pid, "主体完工", D(2027, 6, 30))
    with engine.begin() as conn:
        conn.execute(update(M).where(M.c.id == mid).values(state="yellow",
                                                           state_since=D(2026, 10, 20)))
        conn.execute(insert(T), [
            {"milestone_id": mid, "trigger": t, "from_state": f, "to_state": to, "as_of": day,
             "rules": "", "reason": "", "numbers": [], "actor": ""}
            for t, f, to, day in (("slip", "planned", "yellow", D(2026, 9, 20)),
                                  ("miss", "yellow", "red", D(2026, 10, 12)),
                                  ("ease", "red", "yellow", D(2026, 10, 20)))])
    with engine.connect() as conn:
        [(_, decision, _)] = Planner(config, D(2026, 11, 20)).decisions(conn, [mid])
        [(_, before, _)] = Planner(config, D(2026, 10, 25)).decisions(conn, [mid])
    assert (decision.reason, decision.step) == (Reason.NEW, 2)
    assert (before.reason, before.step) == (Reason.NEW, 0)
