"""The problem list's pure decisions as tables: time limits on the official calendar,
extension timing, the ladder's steps and 提级, the rates; and the state machine.

Expected dates are worked out by hand on the 2026 calendar: 10-01..10-07 National Day
holiday, Saturday 10-10 a make-up working day (调休).
"""

from __future__ import annotations

from datetime import date

import pytest

from engine.problems.machine import RefusedMove, allowed, fire
from rules.calendar import WorkCalendar
from rules.problems import (
    ExtensionReason,
    ProblemDates,
    StepReason,
    decide,
    default_ladder,
    extension_decision,
    next_level,
    rates,
    time_limits,
    working_day_after,
    working_day_before,
    working_days_late,
)

CAL = WorkCalendar("china")
LADDER = default_ladder()  # remind(blue) supervise(orange) interview(red), 3 days each
D = date


@pytest.mark.parametrize(("start", "n", "expected"), [
    (D(2026, 11, 16), 0, D(2026, 11, 16)),
    (D(2026, 11, 16), 1, D(2026, 11, 17)),      # Monday → Tuesday
    (D(2026, 11, 20), 1, D(2026, 11, 23)),      # Friday → Monday
    (D(2026, 11, 21), 1, D(2026, 11, 23)),      # from a Saturday
    (D(2026, 11, 13), 7, D(2026, 11, 24)),      # Friday + 7: the second Tuesday
    (D(2026, 9, 28), 3, D(2026, 10, 8)),        # across the National Day holiday
    (D(2026, 9, 28), 5, D(2026, 10, 10)),       # the make-up Saturday counts
    (D(2026, 9, 28), 7, D(2026, 10, 13)),
])
def test_working_day_after(start, n, expected):
    assert working_day_after(CAL, start, n) == expected


@pytest.mark.parametrize(("end", "n", "expected"), [
    (D(2026, 11, 20), 1, D(2026, 11, 19)),
    (D(2026, 11, 23), 1, D(2026, 11, 20)),      # Monday → the Friday before
    (D(2026, 10, 8), 1, D(2026, 9, 30)),        # after the holiday → before it
    (D(2026, 10, 12), 1, D(2026, 10, 10)),      # the make-up Saturday
    (D(2026, 11, 20), 0, D(2026, 11, 20)),
])
def test_working_day_before(end, n, expected):
    assert working_day_before(CAL, end, n) == expected


def test_time_limits_default_days():
    limits = time_limits(CAL, D(2026, 9, 28), lead_days=7, assist_days=3)
    assert (limits.due, limits.assist_due) == (D(2026, 10, 13), D(2026, 10, 8))


@pytest.mark.parametrize(("deadline", "as_of", "late"), [
    (D(2026, 11, 20), D(2026, 11, 20), 0),       # due today: not late
    (D(2026, 11, 20), D(2026, 11, 21), 0),       # Saturday after: no working day yet
    (D(2026, 11, 20), D(2026, 11, 23), 1),
    (D(2026, 11, 20), D(2026, 11, 27), 5),
    (D(2026, 9, 30), D(2026, 10, 8), 1),         # the holiday does not count
    (None, D(2026, 11, 27), 0),
])
def test_working_days_late(deadline, as_of, late):
    assert working_days_late(CAL, deadline, as_of) == late


@pytest.mark.parametrize(("deadline", "as_of", "to", "reason", "latest"), [
    (D(2026, 11, 20), D(2026, 11, 19), D(2026, 11, 27), ExtensionReason.ALLOWED, D(2026, 11, 19)),
    (D(2026, 11, 20), D(2026, 11, 10), D(2026, 11, 27), ExtensionReason.ALLOWED, D(2026, 11, 19)),
    (D(2026, 11, 20), D(2026, 11, 20), D(2026, 11, 27), ExtensionReason.TOO_LATE, D(2026, 11, 19)),
    (D(2026, 11, 20), D(2026, 11, 23), D(2026, 11, 27), ExtensionReason.TOO_LATE, D(2026, 11, 19)),
    (D(2026, 11, 23), D(2026, 11, 21), D(2026, 11, 27), ExtensionReason.TOO_LATE, D(2026, 11, 20)),
    (D(2026, 11, 23), D(2026, 11, 20), D(2026, 11, 27), ExtensionReason.ALLOWED, D(2026, 11, 20)),
    (D(2026, 10, 8), D(2026, 9, 30), D(2026, 10, 15), ExtensionReason.ALLOWED, D(2026, 9, 30)),
    (D(2026, 10, 8), D(2026, 10, 2), D(2026, 10, 15), ExtensionReason.TOO_LATE, D(2026, 9, 30)),
    (D(2026, 11, 20), D(2026, 11, 10), D(2026, 11, 20), ExtensionReason.NOT_LATER,
     D(2026, 11, 19)),
    (None, D(2026, 11, 10), D(2026, 11, 20), ExtensionReason.NO_DEADLINE, None),
])
def test_extension_timing(deadline, as_of, to, reason, latest):
    decision = extension_decision(CAL, as_of=as_of, deadline=deadline, requested_to=to,
                                  notice_days=1)
    assert (decision.reason, decision.latest_request) == (reason, latest)


def test_extension_notice_of_two_days():
    d = extension_decision(CAL, as_of=D(2026, 11, 19), deadline=D(2026, 11, 20),
                           requested_to=D(2026, 11, 27), notice_days=2)
    assert (d.reason, d.latest_request) == (ExtensionReason.TOO_LATE, D(2026, 11, 18))


DUE = D(2026, 11, 20)  # a Friday


@pytest.mark.parametrize(("state", "step", "deadline", "proposed", "can_raise", "as_of",
                          "reason", "to", "new_deadline"), [
    # within the time limit (a deadline is met on its own day)
    ("in_progress", None, DUE, False, True, D(2026, 11, 19), StepReason.NOTHING, None, DUE),
    ("in_progress", None, DUE, False, True, DUE, StepReason.NOTHING, None, DUE),
    # the day after: the blue reminder, 3 working days from that night
    ("in_progress", None, DUE, False, True, D(2026, 11, 21), StepReason.CLIMB, 0,
     D(2026, 11, 25)),
    ("in_progress", None, DUE, False, True, D(2026, 11, 23), StepReason.CLIMB, 0,
     D(2026, 11, 26)),
    ("in_progress", 0, D(2026, 11, 25), False, True, D(2026, 11, 25), StepReason.NOTHING, 0,
     D(2026, 11, 25)),
    ("in_progress", 0, D(2026, 11, 25), False, True, D(2026, 11, 26), StepReason.CLIMB, 1,
     D(2026, 12, 1)),
    ("in_progress", 1, D(2026, 12, 1), False, True, D(2026, 12, 2), StepReason.CLIMB, 2,
     D(2026, 12, 7)),
    # nights missed: one step a night, never a notice skipped
    ("in_progress", None, DUE, False, True, D(2026, 12, 10), StepReason.CLIMB, 0,
     D(2026, 12, 15)),
    ("in_progress", 0, D(2026, 11, 25), False, True, D(2026, 12, 10), StepReason.CLIMB, 1,
     D(2026, 12, 15)),
    # after the last step's deadline: proposed for 提级 once, if there is a level above
    ("in_progress", 2, D(2026, 12, 7), False, True, D(2026, 12, 7), StepReason.NOTHING, 2,
     D(2026, 12, 7)),
    ("in_progress", 2, D(2026, 12, 7), False, True, D(2026, 12, 8), StepReason.PROPOSE_RAISE,
     2, D(2026, 12, 7)),
    ("in_progress", 2, D(2026, 12, 7), True, True, D(2026, 12, 20), StepReason.NOTHING, 2,
     D(2026, 12, 7)),
    ("in_progress", 2, D(2026, 12, 7), False, False, D(2026, 12, 20), StepReason.NOTHING, 2,
     D(2026, 12, 7)),
    # only 办理中 climbs
    ("pending", None, None, False, True, D(2026, 12, 10), StepReason.NOTHING, None, None),
    ("extension_requested", None, DUE, False, True, D(2026, 11, 23), StepReason.NOTHING, None,
     DUE),
    ("replied", 1, D(2026, 12, 1), False, True, D(2026, 12, 10), StepReason.NOTHING, 1,
     D(2026, 12, 1)),
    ("closed", None, DUE, False, True, D(2026, 12, 10), StepReason.NOTHING, None, DUE),
    ("withdrawn", None, DUE, False, True, D(2026, 12, 10), StepReason.NOTHING, None, DUE),
])
def test_ladder_decision(state, step, deadline, proposed, can_raise, as_of, reason, to,
                         new_deadline):
    d = decide(LADDER, CAL, state=state, due=DUE if state != "pending" else None, step=step,
               deadline=deadline, raise_proposed=proposed, can_raise=can_raise, as_of=as_of)
    assert (d.reason, d.step, d.deadline) == (reason, to, new_deadline), d.note


def test_ladder_across_the_holiday():
    # due Wed 09-30: the blue step comes on the holiday, its 3 days after it
    d = decide(LADDER, CAL, state="in_progress", due=D(2026, 9, 30), step=None, deadline=None,
               raise_proposed=False, can_raise=True, as_of=D(2026, 10, 1))
    assert (d.reason, d.step, d.deadline) == (StepReason.CLIMB, 0, D(2026, 10, 10))


def test_no_time_limit_no_step():
    d = decide(LADDER, CAL, state="in_progress", due=None, step=None, deadline=None,
               raise_proposed=False, can_raise=True, as_of=D(2026, 12, 1))
    assert d.reason is StepReason.NOTHING


@pytest.mark.parametrize(("level", "up"), [("county", "city"), ("city", "provincial"),
                                           ("provincial", None)])
def test_next_level(level, up):
    assert next_level(level) == up


def test_rates_by_hand():
    nov = (D(2026, 11, 1), D(2026, 11, 30))
    problems = [
        ProblemDates(D(2026, 11, 2), D(2026, 11, 11), D(2026, 11, 10)),   # due, on time
        ProblemDates(D(2026, 11, 2), D(2026, 11, 11), D(2026, 11, 13)),   # due, closed late
        ProblemDates(D(2026, 11, 3), D(2026, 11, 12), None),              # due, open: overdue
        ProblemDates(D(2026, 11, 20), D(2026, 12, 1), None),              # not due yet
        ProblemDates(D(2026, 10, 20), D(2026, 10, 29), D(2026, 11, 5)),   # raised before
        ProblemDates(D(2026, 10, 20), D(2026, 10, 29), None),             # overdue from Oct
        ProblemDates(D(2026, 11, 5), D(2026, 11, 16), D(2026, 12, 2)),    # closed after Nov
    ]
    r = rates(problems, *nov)
    assert (r.due, r.closed, r.on_time, r.raised, r.raised_closed, r.overdue) == \
        (4, 2, 1, 5, 2, 3)
    assert (r.closing_rate, r.on_time_rate, r.cancel_rate) == (0.5, 0.25, 0.4)


def test_rates_with_nothing_due_are_none():
    r = rates([], D(2026, 11, 1), D(2026, 11, 30))
    assert (r.closing_rate, r.on_time_rate, r.cancel_rate) == (None, None, None)


# -- the state machine -----------------------------------------------------------------
@pytest.mark.parametrize(("state", "trigger", "to"), [
    ("pending", "assign", "in_progress"),
    ("in_progress", "reply", "replied"),
    ("extension_requested", "reply", "replied"),
    ("in_progress", "request_extension", "extension_requested"),
    ("extension_requested", "grant_extension", "in_progress"),
    ("extension_requested", "refuse_extension", "in_progress"),
    ("replied", "close", "closed"),
    ("in_progress", "close", "closed"),
    ("replied", "reopen", "in_progress"),
    ("closed", "reopen", "in_progress"),
    ("pending", "raise_level", "in_progress"),
    ("replied", "raise_level", "in_progress"),
    ("in_progress", "escalate", "in_progress"),
    ("in_progress", "propose_raise", "in_progress"),
    ("pending", "withdraw", "withdrawn"),
    ("replied", "withdraw", "withdrawn"),
])
def test_machine_moves(state, trigger, to):
    assert fire(state, trigger) == to


@pytest.mark.parametrize(("state", "trigger"), [
    ("pending", "reply"),                      # not assigned yet
    ("replied", "request_extension"),
    ("extension_requested", "request_extension"),
    ("in_progress", "grant_extension"),        # nothing asked
    ("closed", "reply"),
    ("closed", "escalate"),                    # a closed problem never climbs
    ("replied", "escalate"),
    ("closed", "raise_level"),
    ("withdrawn", "reopen"),
    ("closed", "withdraw"),
    ("in_progress", "reopen"),
    ("in_progress", "no_such_trigger"),
])
def test_machine_refuses(state, trigger):
    with pytest.raises(RefusedMove):
        fire(state, trigger)


def test_allowed_lists_the_moves_of_a_state():
    assert allowed("replied") == ["close", "reopen", "raise_level", "withdraw"]


@pytest.mark.parametrize(("light", "since", "reason_on", "as_of", "expected"), [
    ("red", D(2026, 11, 16), None, D(2026, 11, 18), None),            # 2 working days
    ("red", D(2026, 11, 16), None, D(2026, 11, 19), 3),               # 3: a finding
    ("red", D(2026, 11, 20), None, D(2026, 11, 25), 3),               # Fri → Wed
    ("red", D(2026, 11, 16), D(2026, 11, 16), D(2026, 11, 30), None),  # answered that day
    ("red", D(2026, 11, 16), D(2026, 11, 2), D(2026, 11, 30), 10),    # an older episode's
    ("yellow", D(2026, 11, 16), None, D(2026, 11, 30), None),
    ("red", None, None, D(2026, 11, 30), None),
])
def test_unexplained_days(light, since, reason_on, as_of, expected):
    from rules.problems import unexplained_days

    assert unexplained_days(CAL, light=light, since=since, reason_on=reason_on, as_of=as_of,
                            days=3) == expected
