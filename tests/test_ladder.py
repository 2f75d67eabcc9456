"""The escalation decision as a table: light, days held, what was sent → reason, step.

No database: the decision is a pure function (notifications.ladder.decide).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from notifications.config import NotificationsConfig
from notifications.ladder import Episode, Policy, Reason, decide, step_for

LADDER = NotificationsConfig().ladder  # remind(yellow) supervise(red) listed(red 10) interview(20)
POLICY = Policy(LADDER, repeat_every_days=7, flap_window_days=3)
DAY = date(2026, 11, 20)


def ep(step: int, light: str = "red", sent_days_ago: int = 1) -> Episode:
    return Episode(step=step, light=light, last_sent=DAY - timedelta(days=sent_days_ago))


@pytest.mark.parametrize(("light", "held", "since_days", "episode", "hold", "silenced",
                          "reason", "step"), [
    # first notices
    ("yellow", 0, 0, None, None, False, Reason.NEW, 0),
    ("red", 0, 0, None, None, False, Reason.NEW, 1),
    ("red", 12, 16, None, None, False, Reason.NEW, 2),       # first seen already red 12 days
    ("green", 0, 0, None, None, False, Reason.NOTHING, None),
    ("planned", 0, 0, None, None, False, Reason.NOTHING, None),
    ("done", 0, 0, None, None, False, Reason.NOTHING, None),
    # climbing
    ("red", 0, 0, ep(0, "yellow"), None, False, Reason.WORSE, 1),
    ("red", 10, 14, ep(1), None, False, Reason.WORSE, 2),
    ("red", 9, 13, ep(1, sent_days_ago=6), None, False, Reason.NOTHING, 1),
    ("red", 20, 28, ep(2), None, False, Reason.WORSE, 3),
    ("red", 45, 60, ep(3, sent_days_ago=3), None, False, Reason.NOTHING, 3),
    # reminders while red, every 7 days after the last notice
    ("red", 4, 6, ep(1, sent_days_ago=6), None, False, Reason.NOTHING, 1),
    ("red", 5, 7, ep(1, sent_days_ago=7), None, False, Reason.STILL_RED, 1),
    ("red", 30, 40, ep(3, sent_days_ago=7), None, False, Reason.STILL_RED, 3),
    # yellow is told once
    ("yellow", 30, 40, ep(0, "yellow", sent_days_ago=30), None, False, Reason.NOTHING, 0),
    # easing from red to yellow sends nothing; back to red sends nothing new
    ("yellow", 0, 0, ep(1), None, False, Reason.NOTHING, 1),
    ("red", 0, 0, ep(1, sent_days_ago=2), None, False, Reason.NOTHING, 1),
    # acknowledgement holds climbing and reminders within a light, not yellow → red
    ("red", 10, 14, ep(1), DAY, False, Reason.NOTHING, 1),
    ("red", 10, 14, ep(1), DAY - timedelta(days=1), False, Reason.WORSE, 2),
    ("red", 5, 7, ep(1, sent_days_ago=7), DAY + timedelta(days=3), False, Reason.NOTHING, 1),
    ("red", 0, 0, ep(0, "yellow"), DAY + timedelta(days=3), False, Reason.WORSE, 1),
    # silences hold everything while yellow/red
    ("red", 0, 0, None, None, True, Reason.NOTHING, None),
    ("red", 20, 28, ep(1), None, True, Reason.NOTHING, None),
    # recovery
    ("done", 0, 0, ep(1), None, False, Reason.RESOLVED, 1),
    ("done_late", 0, 0, ep(3), None, False, Reason.RESOLVED, 3),
    ("cancelled", 0, 0, ep(1), None, False, Reason.RESOLVED, 1),
    ("suspended", 0, 0, ep(0, "yellow"), None, False, Reason.RESOLVED, 0),
    ("done", 0, 0, ep(1), None, True, Reason.RESOLVED, 1),     # a silence keeps the resolution
    # back to green: announced only after the anti-flap window
    ("green", 0, 0, ep(1), None, False, Reason.NOTHING, 1),
    ("green", 0, 2, ep(1), None, False, Reason.NOTHING, 1),
    ("green", 0, 3, ep(1), None, False, Reason.RESOLVED, 1),
    ("planned", 0, 5, ep(0, "yellow"), None, False, Reason.RESOLVED, 0),
])
def test_decide(light, held, since_days, episode, hold, silenced, reason, step):
    decision = decide(POLICY, light, held_days=held, since=DAY - timedelta(days=since_days),
                      as_of=DAY, episode=episode, hold_until=hold, silenced=silenced)
    assert (decision.reason, decision.step) == (reason, step)
    assert decision.sends == (reason is not Reason.NOTHING)


def test_a_flap_window_of_zero_resolves_at_once():
    policy = Policy(LADDER, 7, flap_window_days=0)
    decision = decide(policy, "green", held_days=0, since=DAY, as_of=DAY, episode=ep(1))
    assert decision.reason is Reason.RESOLVED


@pytest.mark.parametrize(("light", "held", "step"), [
    ("yellow", 0, 0), ("yellow", 99, 0), ("red", 0, 1), ("red", 9, 1), ("red", 10, 2),
    ("red", 19, 2), ("red", 20, 3), ("green", 5, None),
])
def test_step_for_the_default_ladder(light, held, step):
    assert step_for(LADDER, light, held) == step


def test_a_ladder_without_yellow_steps_tells_nobody_about_yellow():
    red_only = [s for s in LADDER if s.light == "red"]
    decision = decide(Policy(red_only), "yellow", held_days=3, since=DAY, as_of=DAY, episode=None)
    assert (decision.reason, decision.step) == (Reason.NOTHING, None)


def test_the_days_a_light_needs_to_climb_bound_what_the_night_reads_again():
    """An episode with no higher step for its light can only be reminded, and one held
    fewer days than the next step asks cannot climb: the follow-ups do not read them
    again; a step reached by a streak sets no bound."""
    from notifications.config import Consecutive
    from notifications.ladder import days_to_climb

    assert [days_to_climb(LADDER, "red", k) for k in range(4)] == [0, 10, 20, None]
    assert [days_to_climb(LADDER, "yellow", k) for k in range(4)] == [None] * 4
    summons = LADDER[3].model_copy(update={
        "after_consecutive": Consecutive(light="yellow", periods=2, period="month")})
    assert days_to_climb([*LADDER[:3], summons], "yellow", 0) == 0
    for held, k, climbs in ((9, 1, False), (10, 1, True), (19, 2, False), (20, 2, True)):
        d = decide(POLICY, "red", held_days=held, since=DAY - timedelta(days=held + 4),
                   as_of=DAY, episode=ep(k, sent_days_ago=1))
        assert (d.reason is Reason.WORSE) == climbs == (held >= days_to_climb(LADDER, "red", k))
