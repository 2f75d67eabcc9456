"""The milestone state machine: allowed moves, refused moves, evaluation triggers."""

from __future__ import annotations

import pytest

from engine.evaluation.lifecycle import (
    EVALUATION_MOVES,
    EVALUATION_TRIGGERS,
    MACHINE,
    RefusedMove,
    fire,
    trigger_for,
)
from rules.lights import Light

# The design, written out by hand (not derived from TRANSITIONS, which builds the machine):
# row = a milestone's state, column = what happens to it, cell = where it goes ("-": the
# machine refuses). An evaluation may only start, slip, miss, ease, recover and finish; a
# person suspends, resumes, re-plans, cancels and reopens.
TRIGGERS = ("start", "slip", "miss", "ease", "recover", "finish", "finish_late", "suspend",
            "resume", "replan", "cancel", "reopen")
SHORT = {"P": "planned", "G": "green", "Y": "yellow", "R": "red", "D": "done",
         "L": "done_late", "S": "suspended", "C": "cancelled", "-": "-"}
DESIGN = """
             start slip miss ease recover finish finish_late suspend resume replan cancel reopen
planned      G     Y    R    -    -       D      L           S       -      P      C      -
green        -     Y    R    -    -       D      L           S       -      P      C      -
yellow       -     -    R    -    G       D      L           S       -      P      C      -
red          -     -    -    Y    G       D      L           S       -      P      C      -
done         -     -    -    -    -       -      -           -       -      P      C      P
done_late    -     -    -    -    -       -      -           -       -      P      C      P
suspended    -     -    -    -    -       -      -           -       P      -      C      -
cancelled    -     -    -    -    -       -      -           -       -      -      -      P
"""
TABLE = {(row.split()[0], trigger): SHORT[cell]
         for row in DESIGN.strip().splitlines()[1:]
         for trigger, cell in zip(TRIGGERS, row.split()[1:], strict=True)}
ALLOWED = [(t, s, d) for (s, t), d in TABLE.items() if d != "-"]
REFUSED = [(t, s) for (s, t), d in TABLE.items() if d == "-"]


def test_the_design_covers_every_state_and_trigger():
    assert {s for s, _ in TABLE} == {light.value for light in Light}
    assert set(TRIGGERS) == set(MACHINE.events)
    assert len(TABLE) == 8 * 12 and len(ALLOWED) == 38


@pytest.mark.parametrize(("trigger", "source", "dest"), ALLOWED,
                         ids=[f"{s}-{t}" for t, s, _ in ALLOWED])
def test_allowed_move(trigger, source, dest):
    assert fire(source, trigger) == dest


@pytest.mark.parametrize(("trigger", "source", "dest"), ALLOWED,
                         ids=[f"{s}-{t}" for t, s, _ in ALLOWED])
def test_allowed_move_given_a_light(trigger, source, dest):
    """A Light (a str enum) works as the state, and a plain str comes back."""
    got = fire(Light(source), trigger)
    assert got == dest and type(got) is str


@pytest.mark.parametrize(("trigger", "state"), REFUSED, ids=[f"{s}-{t}" for t, s in REFUSED])
def test_refused_move(trigger, state):
    with pytest.raises(RefusedMove) as info:
        fire(state, trigger)
    assert (info.value.state, info.value.trigger) == (state, trigger)


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
            fire(source, trigger)
        with pytest.raises(RefusedMove):
            fire("done", "miss")
    assert MACHINE.models == before
    assert len(MACHINE.models) == 0
