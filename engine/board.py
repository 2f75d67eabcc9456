"""The supervision board (可视化平台): what the office's screen and the web board show.

Everything comes from the functions the commands and the bulletins already use: the
lights now are ``queries.status_counts`` and ``queries.status``; the lights of an
earlier night and the red trend are read from the history with the bulletins'
:class:`~engine.bulletins.history.AsOf` (a node's light at a date is its last move
dated by then); the month's rankings with their movement are the monthly bulletin's
(:func:`engine.bulletins.build.build`). A ``scope`` (a web account's projects) narrows
every figure except the rankings, which are the programme's as the bulletin publishes
them to every unit.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection, func, select

from engine.bulletins.build import build
from engine.bulletins.history import AsOf
from engine.bulletins.periods import Period, containing
from engine.bulletins.ranking import Ranked
from engine.config import Config
from engine.problems.queries import UnitRates, list_problems, problem_rates
from engine.queries import StatusFilter, status, status_counts
from engine.store.tables import PBE, REPORTS, M, P, R, T
from rules.lights import SEVERITY, Light, worst

TREND_WEEKS = 12
RED_SHOWN = 15


@dataclass
class Tile:
    """A region or a department: its worst open light and how many nodes show each."""

    name: str
    light: str
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class Board:
    as_of: date
    previous: date | None  # the night before the latest, if there was one
    counts: dict[str, int]
    change: dict[str, int] | None  # since the previous night
    regions: list[Tile]
    departments: list[Tile]
    period: Period
    rankings: dict[str, list[Ranked]]
    compared: bool  # the rankings have a previous month to move from
    trend: list[tuple[date, int]]  # red nodes at the end of each of the last weeks
    red: list[dict[str, Any]]
    overdue: list[dict[str, Any]] = field(default_factory=list)  # problems, latest first
    problem_ranking: list[tuple[UnitRates, str]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def previous_night(conn: Connection, as_of: date) -> date | None:
    """The date of the last evaluation before ``as_of`` (not a replay)."""
    return conn.execute(select(func.max(R.c.as_of)).where(
        R.c.as_of < as_of, R.c.mode != "replay",
        R.c.status.in_(["ok", "interrupted"]))).scalar()


def counts_then(conn: Connection, config: Config, day: date, scope: Any = None
                ) -> dict[str, int]:
    """How many nodes showed each light at the end of ``day``, from the history."""
    at = AsOf(day, conn.dialect.name, config.zone)
    query = (select(at.state, func.count()).select_from(at.milestones())
             .where(at.entered()).group_by(at.state))
    if scope is not None:
        query = query.where(scope)
    counts = {light.value: 0 for light in Light}
    counts.update(dict(conn.execute(query).all()))
    return counts


def red_trend(conn: Connection, config: Config, as_of: date, scope: Any = None,
              weeks: int = TREND_WEEKS) -> list[tuple[date, int]]:
    """Red nodes at ``as_of`` and at the same weekday of each of the weeks before."""
    out = []
    for k in range(weeks - 1, -1, -1):
        day = as_of - timedelta(days=7 * k)
        at = AsOf(day, conn.dialect.name, config.zone)
        query = (select(func.count()).select_from(at.milestones())
                 .where(at.entered(), at.state == "red"))
        if scope is not None:
            query = query.where(scope)
        out.append((day, conn.execute(query).scalar_one()))
    return out


def tiles(conn: Connection, column: Any, scope: Any = None) -> list[Tile]:
    """One tile per value of ``column`` (region, department), worst first."""
    query = select(column, M.c.state, func.count()).select_from(M.join(P))
    if scope is not None:
        query = query.where(scope)
    per: dict[str, dict[str, int]] = defaultdict(dict)
    for name, state, n in conn.execute(query.group_by(column, M.c.state)):
        per[name][state] = n
    out = []
    for name, counts in per.items():
        lights = [Light(s) for s in counts]
        light = worst([x for x in lights if x.is_open]) or worst(lights)
        out.append(Tile(name, light.value if light else "planned", counts))
    out.sort(key=lambda t: (-SEVERITY[Light(t.light)], -t.counts.get("red", 0),
                            -t.counts.get("yellow", 0), t.name))
    return out


def change_key(conn: Connection) -> tuple[Any, ...]:
    """What changes whenever a figure of the board can: for a cache of the board."""
    return (night_key(conn), conn.execute(select(func.max(T.c.id))).scalar(),
            conn.execute(select(func.max(REPORTS.c.id))).scalar(),
            conn.execute(select(func.max(PBE.c.id))).scalar(),
            tuple(conn.execute(select(func.count(), func.max(P.c.updated_at))
                               .select_from(P)).one()))


def night_key(conn: Connection) -> Any:
    """The latest evaluation (a night, or a manual run): what the history figures (the
    rankings, the trend) are computed again after."""
    return conn.execute(select(func.max(R.c.id))).scalar()


@dataclass
class History:
    """The board's figures read from the history as of the night: the month's rankings
    (the monthly bulletin's, ~7 s at 20,000 milestones) and the red trend. Computed once
    a night and kept, while the counts and lists are read again after every change."""

    period: Period
    rankings: dict[str, list[Ranked]]
    compared: bool
    trend: list[tuple[date, int]]


def month_rankings(conn: Connection, config: Config, as_of: date
                   ) -> tuple[Period, dict[str, list[Ranked]], bool]:
    """The month's rankings with their movement, as the monthly bulletin has them (the
    programme's: the same for every account)."""
    month = containing("month", as_of)
    bulletin = build(conn, config, month, as_of=as_of, today=as_of)
    return month, bulletin.rankings, bulletin.compared


def history(conn: Connection, config: Config, as_of: date, scope: Any = None) -> History:
    return History(*month_rankings(conn, config, as_of), red_trend(conn, config, as_of, scope))


def overdue_problems(conn: Connection, config: Config, as_of: date, scope: Any = None,
                     limit: int = RED_SHOWN) -> list[dict[str, Any]]:
    """Open problems past their time limit (逾期未办结), the latest first: those of the
    scope's projects."""
    rows = list_problems(conn, config, as_of, overdue=True)
    if scope is not None:
        codes = set(conn.execute(select(P.c.code).where(scope)).scalars())
        rows = [r for r in rows if r["project"] in codes]
    rows.sort(key=lambda r: (-r["overdue_days"], r["deadline"] or "", r["code"]))
    return rows[:limit]


def problem_ranking(conn: Connection, month: Period, as_of: date
                    ) -> list[tuple[UnitRates, str]]:
    """The lead units by their problem rates this month (lights problem rates), each with
    its movement since the month before (↑2 ↓1 →, blank when it was not ranked then)."""
    before = {u.unit: u.rank for u in problem_rates(conn, month.previous().start,
                                                    month.previous().end)}
    out = []
    for u in problem_rates(conn, month.start, as_of):
        was = before.get(u.unit)
        move = "" if was is None else (f"↑{was - u.rank}" if was > u.rank else
                                       f"↓{u.rank - was}" if was < u.rank else "→")
        out.append((u, move))
    return out


def board(conn: Connection, config: Config, as_of: date, lang: str,
          scope: Any = None, past: History | None = None) -> Board:
    """The board as of ``as_of`` (the latest night's date, as ``lights status``);
    ``past``: its history figures when the caller kept them from earlier."""
    counts = status_counts(conn, StatusFilter(within=scope))
    previous = previous_night(conn, as_of)
    change = None
    if previous is not None:
        before = counts_then(conn, config, previous, scope)
        change = {k: counts[k] - before.get(k, 0) for k in counts}
    past = past or history(conn, config, as_of, scope)
    red = status(conn, StatusFilter(lights=("red",), within=scope, limit=RED_SHOWN), lang,
                 as_of)
    return Board(as_of=as_of, previous=previous, counts=counts, change=change,
                 regions=tiles(conn, P.c.region, scope),
                 departments=tiles(conn, P.c.department, scope),
                 period=past.period, rankings=past.rankings, compared=past.compared,
                 trend=past.trend, red=red,
                 overdue=overdue_problems(conn, config, max(as_of, config.today()), scope),
                 problem_ranking=problem_ranking(conn, past.period, as_of))
