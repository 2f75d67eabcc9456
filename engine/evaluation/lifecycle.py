"""Each milestone is a state machine: one static machine, fired on any object.

The machine is defined once. Its events are fired on a milestone's state without
registering the milestone (``machine.events[name].trigger(obj)``, the pattern the
transitions FAQ gives for many models): ~10 µs a move, no per-object setup. The
nightly run fires it only for milestones whose light changes.
"""

from __future__ import annotations

from transitions import Machine, MachineError

from rules.lights import Light

PLANNED, GREEN, YELLOW, RED = Light.PLANNED, Light.GREEN, Light.YELLOW, Light.RED
DONE, LATE, SUSP, CANC = Light.DONE, Light.DONE_LATE, Light.SUSPENDED, Light.CANCELLED
OPEN = [PLANNED, GREEN, YELLOW, RED]

# trigger, sources, destination. Named for what happened to the milestone.
TRANSITIONS: list[tuple[str, list[Light], Light]] = [
    ("start", [PLANNED], GREEN),                  # its start came and it is on schedule
    ("slip", [PLANNED, GREEN], YELLOW),           # progressing too slowly
    ("miss", [PLANNED, GREEN, YELLOW], RED),      # missed its date, or far behind
    ("ease", [RED], YELLOW),                      # still behind, but no longer red
    ("recover", [YELLOW, RED], GREEN),            # back on schedule
    ("finish", OPEN, DONE),                       # finished on or before its planned date
    ("finish_late", OPEN, LATE),                  # finished after it
    ("suspend", OPEN, SUSP),
    ("resume", [SUSP], PLANNED),                  # then evaluated again at once
    ("replan", [*OPEN, DONE, LATE], PLANNED),     # new planned date; evaluated again at once
    ("cancel", [*OPEN, DONE, LATE, SUSP], CANC),
    ("reopen", [DONE, LATE, CANC], PLANNED),      # a finish or cancellation taken back
]

# What an evaluation may do by itself; everything else needs a person.
EVALUATION_TRIGGERS = ("start", "slip", "miss", "ease", "recover", "finish", "finish_late",
                       "replan")

MACHINE = Machine(
    model=None,
    states=[light.value for light in Light],
    transitions=[{"trigger": t, "source": [s.value for s in src], "dest": dst.value}
                 for t, src, dst in TRANSITIONS],
    initial=Light.PLANNED.value,
    auto_transitions=False,
    send_event=False,
)


class RefusedMove(Exception):
    """The machine refuses this move from this state (e.g. a finished node turning red)."""

    def __init__(self, state: str, trigger: str) -> None:
        super().__init__(f"cannot {trigger} a milestone that is {state}")
        self.state, self.trigger = state, trigger


class _Token:
    """The smallest model the machine can move: a state attribute and nothing else."""

    __slots__ = ("state",)

    def __init__(self, state: str) -> None:
        self.state = state


def fire(state: str, trigger: str) -> str:
    """Fire ``trigger`` on a milestone in ``state``; return the new state or raise."""
    if trigger not in MACHINE.events:
        raise RefusedMove(state, trigger)
    # str(): a Light is a StrEnum, and transitions looks an Enum state up by its
    # *name* ("PLANNED"), which is not a state; by its value it is.
    token = _Token(str(state))
    try:
        MACHINE.events[trigger].trigger(token)
    except MachineError:
        raise RefusedMove(state, trigger) from None
    return token.state


def _evaluation_moves() -> dict[tuple[str, str], str]:
    moves: dict[tuple[str, str], str] = {}
    for name in EVALUATION_TRIGGERS:
        for source, transitions in MACHINE.events[name].transitions.items():
            for t in transitions:
                moves.setdefault((source, t.dest), name)
    return moves


EVALUATION_MOVES = _evaluation_moves()


def _move_table() -> dict[tuple[str, str], str]:
    """(state, trigger) → destination for every move the machine allows, read from it."""
    table: dict[tuple[str, str], str] = {}
    for name, event in MACHINE.events.items():
        for source, transitions in event.transitions.items():
            table[(source, name)] = transitions[0].dest
    return table


MOVE_TABLE = _move_table()
"""The machine as a table, derived once, so a chunk's moves are applied in bulk
(``tests/test_lifecycle.py`` proves it agrees with firing the machine on every pair)."""


def trigger_for(state: str, light: str) -> str:
    """The trigger that takes a milestone from its state to the light it should show."""
    try:
        return EVALUATION_MOVES[(state, light)]
    except KeyError:
        raise RefusedMove(state, f"turn {light}") from None
