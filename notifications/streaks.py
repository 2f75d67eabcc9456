"""Escalation by repetition: a milestone, or its project, that showed the same light at
the end of several months in a row (the city rule "two yellows in a row → a summons by
the deputy mayor"; a ladder step's ``after_consecutive``).

The monthly evaluation is the light a milestone stood at on each month's last day,
read from its audited moves; a project's is the worst light among its open milestones
on that day (:func:`rules.lights.project_light`, as the board shows it). A streak counts
the month ends, latest first, at which the milestone (or project) showed the light, and
only while it still shows it tonight. A project's streak counts for its milestones
that show that light tonight: a project yellow at October's end for one node and at
November's for another has two yellows in a row though neither node has. Read only
when some step of the ladder asks for it, the moves of every milestone concerned in a
few queries.

In the run's notices stage a chunk sees tonight's lights of the milestones evaluated so
far (a project's other nodes may be in a later chunk); the follow-ups after the run see
every light of the night and decide again, so a project's streak found only then climbs
its node that same night (WORSE; the digest shows the latest notice of a node).
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection, select

from engine.store.tables import M, T
from notifications.config import LadderStep
from rules.lights import project_light

BATCH = 5000  # ids per IN (...) list
Moves = Sequence[tuple[date, str]]


def month_ends(as_of: date, n: int) -> list[date]:
    """The last ``n`` month ends on or before ``as_of``, latest first."""
    out: list[date] = []
    day = as_of
    if (day + timedelta(days=1)).month == day.month:  # not itself a month end
        day = day.replace(day=1) - timedelta(days=1)
    while len(out) < n:
        out.append(day)
        day = day.replace(day=1) - timedelta(days=1)
    return out


def light_at(moves: Sequence[tuple[date, str]], day: date, initial: str = "planned") -> str:
    """The light after the last move dated on or before ``day`` (moves in order)."""
    i = bisect_right([d for d, _ in moves], day)
    return moves[i - 1][1] if i else initial


def _run(light_on: Callable[[date], str], as_of: date, light: str, periods: int) -> int:
    """How many of the last ``periods`` month ends in a row, latest first, ``light_on``
    gives ``light``."""
    count = 0
    for end in month_ends(as_of, periods):
        if light_on(end) != light:
            break
        count += 1
    return count


def streak(moves: Moves, as_of: date, light: str, current: str, periods: int) -> int:
    """How many month ends in a row, latest first, the milestone showed ``light`` (0 when
    it does not show it tonight), counted up to ``periods``."""
    if current != light:
        return 0
    return _run(lambda day: light_at(moves, day), as_of, light, periods)


def project_streak(milestones: Iterable[Moves], as_of: date, light: str, current: str,
                   periods: int) -> int:
    """How many month ends in a row, latest first, a project showed ``light`` (the worst
    light among its open milestones that day, each read from its moves; 0 when the
    project does not show it tonight, ``current``), counted up to ``periods``."""
    if current != light:
        return 0
    every = list(milestones)
    return _run(lambda day: _project_light(light_at(m, day) for m in every),
                as_of, light, periods)


def _project_light(states: Iterable[str]) -> str:
    light = project_light(states)
    return light.value if light is not None else "planned"


def consecutive_steps(ladder: Sequence[LadderStep], scope: str = "milestone"
                      ) -> dict[str, int]:
    """light → the most periods any step counting ``scope``'s streaks asks for it
    (empty: no step asks)."""
    out: dict[str, int] = {}
    for step in ladder:
        c = step.after_consecutive
        if c is not None and c.scope in (scope, "either"):
            out[c.light] = max(out.get(c.light, 0), c.periods)
    return out


@dataclass(frozen=True, slots=True)
class Streaks:
    """A milestone's month ends in a row at its light tonight, and its project's."""

    own: int = 0
    project: int = 0


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for i in range(0, len(ids), BATCH):
        yield ids[i:i + BATCH]


def read_moves(conn: Connection, ids: Sequence[int], upto: date
               ) -> dict[int, list[tuple[date, str]]]:
    """{milestone id: its moves dated on or before ``upto``, in date order}."""
    moves: dict[int, list[tuple[date, str]]] = defaultdict(list)
    for part in _chunks(ids):
        for mid, day, light in conn.execute(  # fetched at once: row by row costs twice
                select(T.c.milestone_id, T.c.as_of, T.c.to_state)
                .where(T.c.milestone_id.in_(part), T.c.as_of <= upto).order_by(T.c.id)).all():
            moves[mid].append((day, light))
    for found in moves.values():
        found.sort(key=lambda x: x[0])  # stable: the later move of one day stays last
    return moves


def project_members(conn: Connection, project_ids: Sequence[int]
                    ) -> dict[int, list[tuple[int, str]]]:
    """{project id: [(milestone id, state tonight)]} for every milestone of the projects."""
    out: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for part in _chunks(project_ids):
        for pid, mid, state in conn.execute(select(M.c.project_id, M.c.id, M.c.state)
                                            .where(M.c.project_id.in_(part))).all():
            out[pid].append((mid, state))
    return out


def streaks(conn: Connection, rows: Sequence[Any], as_of: date,
            ladder: Sequence[LadderStep]) -> dict[int, Streaks]:
    """{milestone id: Streaks} for the rows (``id``, ``project_id``, ``state``) whose light
    a step counts: one query for the projects' milestones and one for the moves per
    chunk of ids, none when no step has ``after_consecutive``."""
    own = consecutive_steps(ladder, "milestone")
    whole = consecutive_steps(ladder, "project")
    rows = [r for r in rows if r.state in own or r.state in whole]
    if not rows:
        return {}
    members = project_members(conn, sorted({r.project_id for r in rows if r.state in whole}))
    tonight = {pid: _project_light(state for _, state in ms) for pid, ms in members.items()}
    shown = {(r.project_id, r.state) for r in rows}
    counted = {pid: ms for pid, ms in members.items()  # a project whose light a step counts
               if tonight[pid] in whole and (pid, tonight[pid]) in shown}
    ids = sorted({*(r.id for r in rows if r.state in own),
                  *(mid for ms in counted.values() for mid, _ in ms)})
    moves = read_moves(conn, ids, month_ends(as_of, 1)[0])
    by_project = {pid: project_streak((moves.get(mid, ()) for mid, _ in ms), as_of,
                                      tonight[pid], tonight[pid], whole[tonight[pid]])
                  for pid, ms in counted.items()}
    out: dict[int, Streaks] = {}
    for r in rows:
        mine = streak(moves.get(r.id, ()), as_of, r.state, r.state, own[r.state]) \
            if r.state in own else 0
        theirs = by_project.get(r.project_id, 0) if r.state == tonight.get(r.project_id) else 0
        out[r.id] = Streaks(mine, theirs)
    return out
