"""The escalation decision: who is told what about one milestone tonight.

A pure function over a milestone's light, how long it has held it and what was
already sent (its :class:`Episode`): no database, no clock. It returns a named
:class:`Reason` (NEW, WORSE, STILL_RED, RESOLVED or NOTHING) with the ladder step it
stands at; the rules below say why each NOTHING holds.

The rules, in order:

- A silenced milestone gets nothing while yellow/red (its resolution still goes out).
- Yellow or red with no episode: NEW at the ladder step for its light and days held
  (or for a streak of month ends at that light, where a step has after_consecutive:
  the milestone's own streak or its project's, as the step's ``scope`` says). The
  decision names how the step was reached (:class:`Climb`), for the notice's words.
- A step above the highest one notified: WORSE, unless an acknowledgement holds it
  (an acknowledgement holds climbing within the same light; a turn from yellow to
  red still goes out).
- Red, no step to climb, and ``repeat_every_days`` since the last notice: STILL_RED.
- Finished, suspended or cancelled with an episode: RESOLVED at once.
- Back to green (or planned, after a re-plan) with an episode: RESOLVED once it has
  stayed out of yellow/red for ``flap_window_days``; if it turns yellow/red again
  sooner, the episode just goes on (anti-flap: no RESOLVED, no second NEW).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from notifications.config import LadderStep

ACTIVE = frozenset({"yellow", "red"})
CLOSED = frozenset({"done", "done_late", "suspended", "cancelled"})


class Reason(StrEnum):
    NEW = "new"
    WORSE = "worse"
    STILL_RED = "still_red"
    RESOLVED = "resolved"
    NOTHING = "nothing"


class Climb(StrEnum):
    """How a step was reached: the working days the light has been held, or a streak
    of month ends at the light, the milestone's own or its project's."""

    DAYS = "days"
    STREAK = "streak"
    PROJECT_STREAK = "project_streak"


@dataclass(frozen=True, slots=True)
class Episode:
    """What was sent about the milestone's current yellow/red episode."""

    step: int
    light: str
    last_sent: date


@dataclass(frozen=True, slots=True)
class Policy:
    ladder: Sequence[LadderStep]
    repeat_every_days: int = 7
    flap_window_days: int = 3


@dataclass(frozen=True, slots=True)
class Decision:
    reason: Reason
    step: int | None = None
    climb: Climb | None = None  # how ``step`` was reached tonight (None: an earlier step)
    months: int = 0  # the streak that reached it (Climb.STREAK / PROJECT_STREAK)

    @property
    def sends(self) -> bool:
        return self.reason is not Reason.NOTHING


def reached(step: LadderStep, light: str, held_days: int, streak: int = 0,
            project_streak: int = 0) -> tuple[Climb, int] | None:
    """Whether a milestone at ``light`` stands at ``step`` tonight, and how: by the days
    held first (the light's own reason explains those), else by the streak the step's
    ``after_consecutive`` counts, the milestone's own before its project's."""
    if step.light == light and step.days <= held_days:
        return Climb.DAYS, 0
    again = step.after_consecutive
    if again is None or again.light != light:
        return None
    if again.scope != "project" and streak >= again.periods:
        return Climb.STREAK, streak
    if again.scope != "milestone" and project_streak >= again.periods:
        return Climb.PROJECT_STREAK, project_streak
    return None


def standing(ladder: Sequence[LadderStep], light: str, held_days: int, streak: int = 0,
             project_streak: int = 0) -> tuple[int, tuple[Climb, int]] | None:
    """The highest step for ``light`` reached after ``held_days`` working days, or by
    a streak of month ends in a row at that light (a step's ``after_consecutive``):
    ``streak`` the milestone's own, ``project_streak`` its project's; and how."""
    found = None
    for i, step in enumerate(ladder):
        how = reached(step, light, held_days, streak, project_streak)
        if how is not None:
            found = i, how
    return found


def days_to_climb(ladder: Sequence[LadderStep], light: str, step: int) -> int | None:
    """The fewest working days held at ``light`` with which a milestone whose episode
    stands at ``step`` could reach a higher step: None when no higher step is for that
    light (it can only be reminded), 0 when one is reached by a streak (no bound)."""
    days = []
    for higher in ladder[step + 1:]:
        again = higher.after_consecutive
        if again is not None and again.light == light:
            days.append(0)  # a streak may reach it any night
        elif higher.light == light:
            days.append(higher.days)
    return min(days, default=None)


def step_for(ladder: Sequence[LadderStep], light: str, held_days: int,
             streak: int = 0, project_streak: int = 0) -> int | None:
    """The index of :func:`standing`'s step (None: no step reached)."""
    found = standing(ladder, light, held_days, streak, project_streak)
    return found[0] if found is not None else None


def decide(policy: Policy, light: str, *, held_days: int, since: date | None, as_of: date,
           episode: Episode | None, hold_until: date | None = None,
           silenced: bool = False, streak: int = 0, project_streak: int = 0) -> Decision:
    """The named decision for one milestone (see the module docstring for the rules).

    ``since`` is the date the milestone took its current light; ``held_days`` the
    working days since then; ``hold_until`` the last day of an acknowledgement's hold;
    ``streak`` the month ends in a row it has shown this light and ``project_streak``
    those its project has (``after_consecutive``).
    """
    if light in ACTIVE:
        if silenced:
            return Decision(Reason.NOTHING)
        found = standing(policy.ladder, light, held_days, streak, project_streak)
        if found is None:
            return Decision(Reason.NOTHING)
        step, how = found
        if episode is None:
            return Decision(Reason.NEW, step, *how)
        if step > episode.step:
            held = hold_until is not None and as_of <= hold_until
            if held and policy.ladder[step].light == episode.light:
                return Decision(Reason.NOTHING, episode.step)
            return Decision(Reason.WORSE, step, *how)
        if light == "red":
            due = episode.last_sent.toordinal() + policy.repeat_every_days
            if as_of.toordinal() >= due:
                if hold_until is not None and as_of <= hold_until:
                    return Decision(Reason.NOTHING, episode.step)
                if episode.step > step:
                    return Decision(Reason.STILL_RED, episode.step)
                return Decision(Reason.STILL_RED, step, *how)
            return Decision(Reason.NOTHING, episode.step)
        return Decision(Reason.NOTHING, episode.step)
    if episode is None:
        return Decision(Reason.NOTHING)
    if light in CLOSED:
        return Decision(Reason.RESOLVED, episode.step)
    out_for = (as_of - since).days if since is not None else policy.flap_window_days
    if out_for >= policy.flap_window_days:
        return Decision(Reason.RESOLVED, episode.step)
    return Decision(Reason.NOTHING, episode.step)
