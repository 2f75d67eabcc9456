"""Escalation by repetition: a milestone that showed the same light at the end of
several months in a row (the city rule "two yellows in a row → a summons by the deputy
mayor"; a ladder step's ``after_consecutive``).

The monthly evaluation is the light a milestone stood at on each month's last day,
read from its audited moves; the streak counts the month ends, latest first, at which
it showed the light, and only while it still shows it tonight. Read only when some
step of the ladder asks for it.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection, select

from engine.store.tables import T
from notifications.config import LadderStep


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


def streak(moves: Sequence[tuple[date, str]], as_of: date, light: str, current: str,
           periods: int) -> int:
    """How many month ends in a row, latest first, the milestone showed ``light`` (0 when
    it does not show it tonight), counted up to ``periods``."""
    if current != light:
        return 0
    count = 0
    for end in month_ends(as_of, periods):
        if light_at(moves, end) != light:
            break
        count += 1
    return count


def consecutive_steps(ladder: Sequence[LadderStep]) -> dict[str, int]:
    """light → the most periods any step asks for it (empty: no step asks)."""
    out: dict[str, int] = {}
    for step in ladder:
        if step.after_consecutive is not None:
            c = step.after_consecutive
            out[c.light] = max(out.get(c.light, 0), c.periods)
    return out


def streaks(conn: Connection, rows: Sequence[Any], as_of: date,
            ladder: Sequence[LadderStep]) -> dict[int, int]:
    """{milestone id: streak} for the rows (``id``, ``state``) whose light a step counts."""
    wanted = consecutive_steps(ladder)
    ids = sorted(r.id for r in rows if r.state in wanted)
    if not ids:
        return {}
    moves: dict[int, list[tuple[date, str]]] = defaultdict(list)
    for i in range(0, len(ids), 5000):
        for m in conn.execute(select(T.c.milestone_id, T.c.as_of, T.c.to_state)
                              .where(T.c.milestone_id.in_(ids[i:i + 5000]),
                                     T.c.as_of <= as_of).order_by(T.c.id)):
            moves[m.milestone_id].append((m.as_of, m.to_state))
    return {r.id: streak(sorted(moves[r.id], key=lambda x: x[0]), as_of, r.state, r.state,
                         wanted[r.state])
            for r in rows if r.id in set(ids)}
