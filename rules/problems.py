"""The pure decisions about problems (问题清单): time limits, extensions, the ladder.

No database and no clock: each function takes the dates and the working-day calendar
and returns a date or a named decision, so that the nightly run, the manual actions,
the notices and the tests agree on every deadline. Published city rules give the
defaults: a 协办 unit answers within 3 working days, the 主办 within 7; an extension
is asked at least 1 working day before the deadline; when a deadline passes the
ladder climbs (蓝色提醒 → 橙色督办 → 红色督办), each step giving a new deadline, and
after the last one the problem is proposed for 提级 (the next level up).

Counting: "within N working days of D" is the N-th working day after D (D itself is
not counted, as 期间 are counted in Chinese administrative rules), so a problem
assigned on a Friday with 7 days is due on the second Tuesday after (no holiday).
A deadline is met on its own day; the day after it the problem is late.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from rules.calendar import WorkCalendar

# -- the words stored -----------------------------------------------------------------
STATES = ("pending", "in_progress", "extension_requested", "replied", "closed", "withdrawn")
"""待交办, 办理中, 申请延期, 已办复, 已销号, 已撤销 (the JSON codes of ``problem list``)."""
OPEN_STATES = ("pending", "in_progress", "extension_requested", "replied")
LEVELS = ("county", "city", "provincial")
"""Where a problem is being solved, lowest first: 县区级 → 市级 → 省级 (提级 climbs)."""
RESULTS = ("solved", "partly", "unsolved")
"""The check's result when a problem is closed: 解决, 部分解决, 无法解决."""

PROBLEM_ROLES = ("lead", "assist", "owner", "secretary", "department", "leader",
                 "supervision_office", "leaders_office")
"""Who a problem step reaches: its 主办/协办 units, and the project's people."""

Colour = Literal["blue", "orange", "yellow", "red"]


class ProblemStep(BaseModel):
    """One rung of the problem ladder: once the deadline before it has passed, tell
    ``roles`` with this wording and give ``reply_days`` working days more."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    step: str = Field(min_length=1, max_length=32, pattern=r"^[a-z0-9_]+$")
    colour: Colour
    roles: tuple[str, ...] = Field(min_length=1)
    reply_days: int = Field(3, ge=1, le=60)
    zh: str = Field(min_length=1, max_length=32)
    en: str = Field(min_length=1, max_length=64)

    @field_validator("roles")
    @classmethod
    def _known_roles(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for role in value:
            if role not in PROBLEM_ROLES:
                raise ValueError(f"unknown role {role!r} (known: {', '.join(PROBLEM_ROLES)})")
        return value


def default_ladder() -> list[ProblemStep]:
    """蓝色提醒 to the unit → 橙色督办 with the 包保领导 → 红色督办单 with the
    supervision office and the city leaders (约谈)."""
    unit = ("lead", "assist")
    return [
        ProblemStep(step="remind", colour="blue", roles=unit, zh="蓝色提醒", en="Blue reminder"),
        ProblemStep(step="supervise", colour="orange", roles=(*unit, "leader", "secretary"),
                    zh="橙色督办", en="Orange supervision"),
        ProblemStep(step="interview", colour="red",
                    roles=(*unit, "leader", "secretary", "supervision_office",
                           "leaders_office"),
                    zh="红色督办（约谈）", en="Red supervision (interview)"),
    ]


# -- working days -----------------------------------------------------------------------
def working_day_after(calendar: WorkCalendar, start: date, n: int) -> date:
    """The ``n``-th working day after ``start`` (``start`` itself not counted); n=0: start."""
    day = start
    left = n
    while left > 0:
        day += timedelta(days=1)
        if calendar.is_working_day(day):
            left -= 1
    return day


def working_day_before(calendar: WorkCalendar, end: date, n: int) -> date:
    """The ``n``-th working day before ``end`` (``end`` itself not counted); n=0: end."""
    day = end
    left = n
    while left > 0:
        day -= timedelta(days=1)
        if calendar.is_working_day(day):
            left -= 1
    return day


def working_days_late(calendar: WorkCalendar, deadline: date | None, as_of: date) -> int:
    """Working days from the day after ``deadline`` up to ``as_of`` included (0: not late)."""
    if deadline is None or as_of <= deadline:
        return 0
    return calendar.count(deadline + timedelta(days=1), as_of + timedelta(days=1))


@dataclass(frozen=True, slots=True)
class TimeLimits:
    """The dates set when a problem is assigned (交办)."""

    due: date          # 主办单位办理时限
    assist_due: date   # 协办单位答复时限


def time_limits(calendar: WorkCalendar, assigned_on: date, *, lead_days: int,
                assist_days: int) -> TimeLimits:
    return TimeLimits(working_day_after(calendar, assigned_on, lead_days),
                      working_day_after(calendar, assigned_on, assist_days))


# -- extensions ---------------------------------------------------------------------------
class ExtensionReason(StrEnum):
    ALLOWED = "allowed"
    TOO_LATE = "too_late"            # not asked at least N working days before the deadline
    NOT_LATER = "not_later"          # the date asked for is not after the current deadline
    NO_DEADLINE = "no_deadline"      # not assigned yet: nothing to extend


@dataclass(frozen=True, slots=True)
class ExtensionDecision:
    reason: ExtensionReason
    latest_request: date | None = None  # the last day it could be asked

    @property
    def allowed(self) -> bool:
        return self.reason is ExtensionReason.ALLOWED


def extension_decision(calendar: WorkCalendar, *, as_of: date, deadline: date | None,
                       requested_to: date, notice_days: int) -> ExtensionDecision:
    """May an extension to ``requested_to`` be asked on ``as_of``?

    It must be asked on or before the ``notice_days``-th working day before the
    deadline (1 by default: at the latest the working day before), and ask for a
    later date than the deadline.
    """
    if deadline is None:
        return ExtensionDecision(ExtensionReason.NO_DEADLINE)
    latest = working_day_before(calendar, deadline, notice_days)
    if requested_to <= deadline:
        return ExtensionDecision(ExtensionReason.NOT_LATER, latest)
    if as_of > latest:
        return ExtensionDecision(ExtensionReason.TOO_LATE, latest)
    return ExtensionDecision(ExtensionReason.ALLOWED, latest)


# -- the ladder -------------------------------------------------------------------------
class StepReason(StrEnum):
    """What the night does to one problem (the named reason of :func:`decide`)."""

    CLIMB = "climb"                    # a deadline passed: the next step, a new deadline
    PROPOSE_RAISE = "propose_raise"    # the last step's deadline passed: propose 提级
    NOTHING = "nothing"


@dataclass(frozen=True, slots=True)
class StepDecision:
    reason: StepReason
    step: int | None = None        # the ladder step the problem stands at afterwards
    deadline: date | None = None   # the deadline that goes with it
    note: str = ""


def decide(ladder: Sequence[ProblemStep], calendar: WorkCalendar, *, state: str,
           due: date | None, step: int | None, deadline: date | None, raise_proposed: bool,
           can_raise: bool, as_of: date) -> StepDecision:
    """The named decision for one problem on the night of ``as_of``.

    The rules, in order:

    - Only a problem 办理中 (in_progress) climbs: a pending one has no time limit yet,
      one that asked for an extension in time waits for the decision, a replied one
      waits for the check, closed and withdrawn ones are done.
    - Not on a step yet and the time limit ``due`` has passed: CLIMB to the first step.
    - On a step whose ``deadline`` has passed: CLIMB to the next step; after the last
      one, PROPOSE_RAISE once (when there is a level above).
    - Each step's deadline is ``reply_days`` working days after the night that reached
      it: the unit always has the step's days from the notice it receives. One step a
      night, so a notice is never skipped; the same night again decides NOTHING.
    """
    if state != "in_progress":
        return StepDecision(StepReason.NOTHING, step, deadline, note=f"{state}: no deadline runs")
    if step is None:
        if due is None:
            return StepDecision(StepReason.NOTHING, None, None, note="no time limit")
        if as_of <= due:
            return StepDecision(StepReason.NOTHING, None, due, note=f"due on {due}")
        first = ladder[0]
        return StepDecision(StepReason.CLIMB, 0,
                            working_day_after(calendar, as_of, first.reply_days),
                            note=f"time limit {due} passed")
    if deadline is not None and as_of <= deadline:
        return StepDecision(StepReason.NOTHING, step, deadline,
                            note=f"step {ladder[step].step} answers by {deadline}")
    if step + 1 < len(ladder):
        nxt = ladder[step + 1]
        return StepDecision(StepReason.CLIMB, step + 1,
                            working_day_after(calendar, as_of, nxt.reply_days),
                            note=f"deadline {deadline} of step {ladder[step].step} passed")
    if raise_proposed:
        return StepDecision(StepReason.NOTHING, step, deadline,
                            note="already proposed for raising a level")
    if not can_raise:
        return StepDecision(StepReason.NOTHING, step, deadline,
                            note="at the highest level: nothing to raise to")
    return StepDecision(StepReason.PROPOSE_RAISE, step, deadline,
                        note=f"last deadline {deadline} passed")


def next_level(level: str) -> str | None:
    """The level a problem is raised to (提级), or None at the top."""
    i = LEVELS.index(level)
    return LEVELS[i + 1] if i + 1 < len(LEVELS) else None


# -- the answer on milestones ------------------------------------------------------------
def unexplained_days(calendar: WorkCalendar, *, light: str, since: date | None,
                     reason_on: date | None, as_of: date, days: int) -> int | None:
    """Working days a red milestone has gone without a reason from its unit, when that
    is at least ``days`` (逾期未说明原因); None otherwise.

    A reason given on or after the day it turned red answers it; one given before (for
    an earlier episode) does not.
    """
    if light != "red" or since is None:
        return None
    if reason_on is not None and reason_on >= since:
        return None
    held = calendar.count(since, as_of) if as_of > since else 0
    return held if held >= days else None


# -- rates --------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Rates:
    """A unit's (or everyone's) problems in a period, and the three rates.

    ``due``: problems whose time limit falls in the period; ``closed``: of those, closed
    by the period's end; ``on_time``: of those, closed on or before their time limit;
    ``raised``: problems raised in the period; ``raised_closed``: of those, closed by its
    end; ``overdue``: open at the period's end with the time limit passed (逾期未办结).
    """

    due: int = 0
    closed: int = 0
    on_time: int = 0
    raised: int = 0
    raised_closed: int = 0
    overdue: int = 0

    @property
    def closing_rate(self) -> float | None:
        """办结率: closed ÷ due (None when nothing was due)."""
        return self.closed / self.due if self.due else None

    @property
    def on_time_rate(self) -> float | None:
        """按期办结率: closed on time ÷ due."""
        return self.on_time / self.due if self.due else None

    @property
    def cancel_rate(self) -> float | None:
        """销号率: closed ÷ raised."""
        return self.raised_closed / self.raised if self.raised else None


@dataclass(frozen=True, slots=True)
class ProblemDates:
    """What the rates read of one problem."""

    raised_on: date
    due: date | None
    closed_on: date | None


def rates(problems: Sequence[ProblemDates], start: date, end: date) -> Rates:
    """The rates over ``[start, end]`` from the problems' dates (withdrawn ones left out
    by the caller). Dates only: the same figures for a past month whenever asked."""
    due = closed = on_time = raised = raised_closed = overdue = 0
    for p in problems:
        closed_by_end = p.closed_on is not None and p.closed_on <= end
        if p.due is not None and start <= p.due <= end:
            due += 1
            if closed_by_end:
                closed += 1
                if p.closed_on is not None and p.closed_on <= p.due:
                    on_time += 1
        if start <= p.raised_on <= end:
            raised += 1
            raised_closed += closed_by_end
        if p.raised_on <= end and p.due is not None and p.due < end and not closed_by_end:
            overdue += 1
    return Rates(due, closed, on_time, raised, raised_closed, overdue)
