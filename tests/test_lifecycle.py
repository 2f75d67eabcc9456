"""The milestone state machine: allowed moves, refused moves, evaluation triggers."""

from __future__ import annotations

import pytest

from engine.evaluation.lifecycle import (
    EVALUATION_MOVES,
    EVALUATION_TRIGGERS,
    MACHINE,
    TRANSITIONS,
    RefusedMove,
    fire,
    trigger_for,
)
from rules.lights import Light

ALLOWED = [(trigger, source, dest) for trigger, sources, dest in TRANSITIONS
           for source in sources]
REFUSED = [(trigger, state) for trigger, sources, _ in TRANSITIONS
           for state in Light if state not in sources]


@pytest.mark.parametrize(("trigger", "source", "dest"), ALLOWED,
                         ids=[f"{s.value}-{t}" for t, s, _ in ALLOWED])
def test_allowed_move(trigger, source, dest):
    assert fire(source.value, trigger) == dest.value


@pytest.mark.parametrize(("trigger", "source", "dest"), ALLOWED,
                         ids=[f"{s.value}-{t}" for t, s, _ in ALLOWED])
def test_allowed_move_given_a_light(trigger, source, dest):
    """A Light (a str enum) works as the state, and a plain str comes back."""
    got = fire(source, trigger)
    assert got == dest.value and type(got) is str


@pytest.mark.parametrize(("trigger", "state"), REFUSED,
                         ids=[f"{s.value}-{t}" for t, s in REFUSED])
def test_refused_move(trigger, state):
    with pytest.raises(RefusedMove) as info:
        fire(state.value, trigger)
    assert (info.value.state, info.value.trigger) == (state.value, trigger)


@pytest.mark.parametrize(
    ("state", "trigger", "message"),
    [
        ("done", "miss", "cannot miss a milestone that is done"),
        ("cancelled", "suspend", "cannot suspend a milestone that is cancelled"),
        ("suspended", "finish", "cannot finish a milestone that is suspended"),
        ("green", "explode", "cannot explode a milestone that is green"),
        ("green", "to_red", "cannot to_red a milestone that is green"),  # no auto transitions
    ],
)
def test_refused_move_says_why(state, trigger, message):
    with pytest.raises(RefusedMove, match=message):
        fire(state, trigger)


# Written out by hand: which trigger an evaluation fires to go from a state to a light.
EXPECTED_TRIGGERS = {
    ("planned", "green"): "start",
    ("planned", "yellow"): "slip",
    ("green", "yellow"): "slip",
    ("planned", "red"): "miss",
    ("green", "red"): "miss",
    ("yellow", "red"): "miss",
    ("red", "yellow"): "ease",
    ("yellow", "green"): "recover",
    ("red", "green"): "recover",
    **{(s, "done"): "finish" for s in ("planned", "green", "yellow", "red")},
    **{(s, "done_late"): "finish_late" for s in ("planned", "green", "yellow", "red")},
    **{(s, "planned"): "replan"
       for s in ("planned", "green", "yellow", "red", "done", "done_late")},
}


@pytest.mark.parametrize(("state", "light"), sorted(EXPECTED_TRIGGERS),
                         ids=[f"{s}-to-{lt}" for s, lt in sorted(EXPECTED_TRIGGERS)])
def test_trigger_for(state, light):
    trigger = trigger_for(state, light)
    assert trigger == EXPECTED_TRIGGERS[(state, light)]
    assert trigger in EVALUATION_TRIGGERS
    assert fire(state, trigger) == light


def test_evaluation_has_no_other_moves():
    assert set(EVALUATION_MOVES) == set(EXPECTED_TRIGGERS)


@pytest.mark.parametrize(
    ("state", "light"),
    [
        ("done", "red"),          # a finished node does not turn red
        ("done", "done_late"),
        ("done_late", "green"),
        ("suspended", "green"),   # suspended nodes wait for a person to resume them
        ("suspended", "planned"),
        ("cancelled", "planned"),  # reopening is a person's decision
        ("red", "red"),           # not a move
        ("green", "suspended"),   # suspending is a person's decision
        ("green", "cancelled"),
    ],
)
def test_trigger_for_refuses(state, light):
    with pytest.raises(RefusedMove) as info:
        trigger_for(state, light)
    assert info.value.state == state and light in info.value.trigger


def test_fire_registers_no_models():
    before = list(MACHINE.models)
    for _ in range(200):
        for trigger, source, _dest in ALLOWED:
            fire(source.value, trigger)
        with pytest.raises(RefusedMove):
            fire("done", "miss")
    assert MACHINE.models == before
    assert len(MACHINE.models) == 0
