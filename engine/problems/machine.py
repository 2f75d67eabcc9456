"""Each problem is a state machine: one static machine, fired on any problem's state.

The same pattern as the milestones' (engine.evaluation.lifecycle): the machine is
defined once and its events fired on a token holding the state. Reflexive triggers
(``escalate``, ``propose_raise``, ``raise_level`` from 办理中) leave the state as it is
but are still checked, so that a closed problem cannot climb.
"""

from __future__ import annotations

from transitions import Machine, MachineError

from rules.problems import STATES

PENDING, DOING, EXT, REPLIED, CLOSED, WITHDRAWN = STATES
OPEN = [PENDING, DOING, EXT, REPLIED]

# trigger, sources, destination. Named for what happened to the problem.
TRANSITIONS: list[tuple[str, list[str], str]] = [
    ("assign", [PENDING], DOING),                      # 交办: the time limit starts
    ("reply", [DOING, EXT], REPLIED),                  # 办复 by the 主办单位
    ("request_extension", [DOING], EXT),               # 申请延期, in time
    ("grant_extension", [EXT], DOING),                 # the new time limit holds
    ("refuse_extension", [EXT], DOING),                # the old one still does
    ("close", [DOING, EXT, REPLIED], CLOSED),          # 销号, with the check's result
    ("reopen", [REPLIED, CLOSED], DOING),              # 退回: not solved, a new time limit
    ("raise_level", [PENDING, DOING, EXT, REPLIED], DOING),  # 提级, a new time limit
    ("escalate", [DOING], DOING),                      # a ladder step (the night)
    ("propose_raise", [DOING], DOING),                 # after the last step (the night)
    ("withdraw", OPEN, WITHDRAWN),                     # 撤销
]

# Events that are not moves: recorded in the problem's history, checked against nothing.
NOTES = ("add", "assist_reply", "edit")

MACHINE = Machine(
    model=None,
    states=list(STATES),
    transitions=[{"trigger": t, "source": src, "dest": dst} for t, src, dst in TRANSITIONS],
    initial=PENDING,
    auto_transitions=False,
    send_event=False,
)


class RefusedMove(Exception):
    """The machine refuses this move from this state (e.g. replying to a closed problem)."""

    def __init__(self, state: str, trigger: str) -> None:
        super().__init__(f"cannot {trigger} a problem that is {state}")
        self.state, self.trigger = state, trigger


class _Token:
    __slots__ = ("state",)

    def __init__(self, state: str) -> None:
        self.state = state


def fire(state: str, trigger: str) -> str:
    """Fire ``trigger`` on a problem in ``state``; return the new state or raise."""
    if trigger not in MACHINE.events:
        raise RefusedMove(state, trigger)
    token = _Token(str(state))
    try:
        MACHINE.events[trigger].trigger(token)
    except MachineError:
        raise RefusedMove(state, trigger) from None
    return token.state


def allowed(state: str) -> list[str]:
    """The triggers a problem in ``state`` accepts (for help texts and the web board)."""
    return [t for t, sources, _ in TRANSITIONS if state in sources]
