"""The bundled demo programme (演示数据): 132 key projects of a fictional city, 松江市.

:func:`build_demo` fills an empty database with the same programme every time (a
seeded ``random.Random``): projects of every category and level across twelve
districts and counties, each with 6–10 node tasks planned backwards from its deadline
(倒排工期) and the progress reports (进展报送) its units sent up to :data:`DEMO_AS_OF`.
Every milestone is left ``planned``; the run (``engine.run.run``) lights them.

How the plan is made: each project follows the life of its kind (a factory, a
building, a road or pipe line, an energy plant, indoor works) from approvals to
production; a continuing (续建) project resumes its works in spring. The nodes are
planned back from the deadline. The works of outdoor projects stop in winter
(11-15..03-31, the rules' default pause), so no node of theirs is due inside it.
Most projects are under way on the as-of date, which falls in that winter.

How progress is invented: each project has a profile (good, slow, troubled, stuck).
A node finishes at its planned date plus a slip drawn from the profile (works
slipping into the winter finish in spring); a node of the construction chain starts
after the one ahead of it has started and finishes after it has finished. An open
node reports progress in a band of 序时进度 chosen by the profile (green, slow,
far behind), or has gone quiet; a stuck project stopped part way through a node.

:mod:`bench.synthetic` builds large programmes with the same functions.
"""

from __future__ import annotations

import calendar as calendar_module
import math
import random
import warnings
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache
from itertools import pairwise
from typing import Any, NamedTuple

from sqlalchemy import Connection, func, insert, select
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from engine.config import WinterPauseConfig
from engine.demo_data import (
    BRANDS,
    CATEGORY_DEPARTMENTS,
    CATEGORY_NAMES,
    CITY,
    CITY_LEADERS,
    DEPARTMENTS,
    GIVEN_NAMES,
    KIND_CATEGORIES,
    LIVES,
    MAIL_DOMAIN,
    ORDINALS,
    PHASES,
    PROBLEMS,
    REGIONS,
    RESUME,
    RIVERS,
    ROADS,
    SURNAMES,
    TEMPLATES,
    Region,
    Step,
    Template,
)
from engine.models import CATEGORIES, Milestone, ProgressReport, Project, utcnow
from rules.calendar import CalendarWarning, Pause, PauseWindow, WorkCalendar
from rules.milestone import Context, MilestoneFacts, expected_percent

DEMO_AS_OF = date(2026, 11, 20)
DEMO_SEED = 20261120
DEMO_PROJECT_COUNT = 132
DEMO_CODE_PREFIX = "DEMO-2026-"
DEMO_CODES: frozenset[str] = frozenset(
    f"{DEMO_CODE_PREFIX}{i:03d}" for i in range(1, DEMO_PROJECT_COUNT + 1))
"""Every project code of the demo: a database holding only these holds only the demo."""

# When the demo ledger was entered (created_at of its rows): fixed, so that two builds
# are identical. 09:00 in 松江 (UTC+8).
DEMO_ENTERED = datetime(2026, 1, 5, 1, 0, tzinfo=UTC)
REPORT_TIME = time(9, 30, tzinfo=UTC)  # reports are filed at 17:30 local time

# The demo's mix, in the spirit of a real city's list (DOMAIN.md).
DEMO_CATEGORIES = {"industrial": 46, "infrastructure": 20, "services": 22, "social": 16,
                   "livelihood": 16, "health": 12}
DEMO_LEVELS = {"provincial": 14, "city": 62, "county": 56}
DEMO_STUCK = 5  # projects stuck at a node since summer: several reds each

ONE_DAY = timedelta(days=1)
P = Project.__table__  # type: ignore[attr-defined]
M = Milestone.__table__  # type: ignore[attr-defined]
R = ProgressReport.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class DemoInfo:
    projects: int
    milestones: int
    reports: int


class Profile(NamedTuple):
    """How a project's nodes go.

    A node finishes on time with ``on_time`` odds, else late by ``late_lo..late_hi``
    days. An open node not yet due reports progress in the green, yellow or red band
    of 序时进度 with the ``bands`` odds; an open node gone quiet (no report for over
    a month) has ``stale`` odds when overdue, and is 40% of the yellow band.
    """

    on_time: float
    late_lo: int
    late_hi: int
    stale: float
    bands: tuple[float, float, float]  # green, yellow, red


PROFILES: dict[str, Profile] = {
    "good": Profile(0.97, 1, 15, 0.1, (0.75, 0.22, 0.03)),
    "slow": Profile(0.7, 5, 40, 0.3, (0.35, 0.5, 0.15)),
    "troubled": Profile(0.35, 15, 80, 0.5, (0.2, 0.5, 0.3)),
    "stuck": Profile(0.7, 5, 30, 0.5, (0.3, 0.4, 0.3)),
}
# Points behind 序时进度 reported in each band (the rules: yellow from 10, red from 30).
LAGS = {"green": (-6.0, 5.0), "yellow": (12.0, 26.0), "red": (33.0, 55.0)}
PROFILE_WEIGHTS = {"good": 0.58, "slow": 0.28, "troubled": 0.14}

# When a project's first node starts, and the odds that it has a node under way on
# the as-of date.
NEW_WINDOW = (date(2025, 9, 1), date(2026, 6, 30))
CONTINUING_WINDOW = (date(2026, 3, 25), date(2026, 5, 15))
ANCHORED = 0.9
LAST_DEADLINE = date(2027, 12, 31)

# Total investment (万元): the range by level, the ceiling by category.
LEVEL_INVESTMENT = {"provincial": (50_000, 500_000), "city": (10_000, 200_000),
                    "county": (5_000, 60_000)}
CATEGORY_CEILING = {"industrial": 500_000, "infrastructure": 500_000, "services": 300_000,
                    "social": 120_000, "livelihood": 150_000, "health": 150_000}


class Dice(random.Random):
    """``random.Random`` with a cheaper randint and choice (one ``random()`` call each).

    Seeded, so just as repeatable; a programme of 100,000 milestones draws millions.
    """

    def randint(self, a: int, b: int) -> int:
        return a + int(self.random() * (b - a + 1))

    def choice(self, seq: Sequence[Any]) -> Any:
        return seq[int(self.random() * len(seq))]


class Tables(NamedTuple):
    """Where projects are and who answers for them: the demo's or the benchmark's."""

    regions: tuple[Region, ...] = REGIONS
    departments: dict[str, tuple[str, ...]] = CATEGORY_DEPARTMENTS  # category → departments
    slugs: dict[str, str] = DEPARTMENTS  # department → mailbox
    domain: str = MAIL_DOMAIN


# -- dates --------------------------------------------------------------------------
def _window(year: int, w: PauseWindow) -> tuple[date, date]:
    """The window starting in ``year`` (it may end the next year)."""

    def day(y: int, md: tuple[int, int]) -> date:
        return date(y, md[0], min(md[1], 28 if md[0] == 2 and y % 4 else md[1]))

    start = day(year, w.start)
    return start, day(year + (w.end < w.start), w.end)


class Winters:
    """The windows of a winter pause from 2000 to 2060 as day ordinals, for fast lookups.

    Overlapping windows are merged, so starts and ends are both in order.
    """

    __slots__ = ("ends", "starts")

    def __init__(self, pause: Pause) -> None:
        spans: list[list[int]] = []
        for a, b in sorted(_window(year, w) for w in pause for year in range(2000, 2061)):
            if spans and a.toordinal() <= spans[-1][1] + 1:
                spans[-1][1] = max(spans[-1][1], b.toordinal())
            else:
                spans.append([a.toordinal(), b.toordinal()])
        self.starts = [a for a, _ in spans]
        self.ends = [b for _, b in spans]


NO_WINTER = Winters(())


@lru_cache(maxsize=64)
def winters(pause: Pause) -> Winters:
    return Winters(pause) if pause else NO_WINTER


def pause_around(day: date, w: Winters) -> tuple[date, date] | None:
    """The pause window containing ``day``, if any."""
    d = day.toordinal()
    i = bisect_left(w.ends, d)
    if i < len(w.starts) and w.starts[i] <= d:
        return date.fromordinal(w.starts[i]), date.fromordinal(w.ends[i])
    return None


def last_winter_end(before: date, w: Winters) -> date | None:
    """The end of the last pause window ending before ``before``."""
    i = bisect_left(w.ends, before.toordinal()) - 1
    return date.fromordinal(w.ends[i]) if i >= 0 else None


def span_back(end: date, days: int, w: Winters) -> date:
    """The start of a span ending on ``end`` with ``days`` days outside the pause.

    A span reaching back over a winter starts after it instead when only a few of
    its days would fall before it: nobody plans to begin a node just before the stop.
    """
    starts, ends = w.starts, w.ends
    if not starts:
        return end - timedelta(days=days - 1)
    last = cur = end.toordinal()
    j = bisect_left(ends, cur)  # the first window ending on or after ``end``
    if j < len(starts) and starts[j] <= cur:
        cur = starts[j] - 1
    j -= 1  # the windows before ``cur``, walking back
    left = days
    while True:
        free = cur - ends[j] if j >= 0 else left
        if free >= left:
            start = cur - left + 1
            break
        left -= free
        cur = starts[j] - 1
        j -= 1
    k = j + 1  # the first window after the start
    if k < len(starts) and starts[k] <= last and starts[k] - start < max(10, days // 3):
        start = ends[k] + 1
    return date.fromordinal(start)


def span_forward(start: date, days: int, w: Winters) -> date:
    """The end of a span starting on ``start`` with ``days`` days outside the pause."""
    starts, ends = w.starts, w.ends
    if not starts:
        return start + timedelta(days=days - 1)
    cur = start.toordinal()
    i = bisect_left(ends, cur)
    if i < len(starts) and starts[i] <= cur:
        cur = ends[i] + 1
        i += 1
    left = days
    while True:
        free = starts[i] - cur if i < len(starts) else left
        if free >= left:
            return date.fromordinal(cur + left - 1)
        left -= free
        cur = ends[i] + 1
        i += 1


@lru_cache(maxsize=1024)
def _last_day(year: int, month: int) -> int:
    return calendar_module.monthrange(year, month)[1]


def _month_end(day: date) -> date:
    return day.replace(day=_last_day(day.year, day.month))


def nice_floor(day: date) -> date:
    """The 10th, 20th or month end on or before ``day``: how deadlines are written."""
    if day.day == _last_day(day.year, day.month):
        return day
    if day.day >= 20:
        return day.replace(day=20)
    if day.day >= 10:
        return day.replace(day=10)
    return day.replace(day=1) - ONE_DAY


def nice_ceil(day: date) -> date:
    """The 10th, 20th or month end on or after ``day``."""
    if day.day <= 10:
        return day.replace(day=10)
    if day.day <= 20:
        return day.replace(day=20)
    return _month_end(day)


def project_pause(outdoor: bool, override: str | None, default: Pause) -> Pause:
    """The winter pause of a project, as the run reads it."""
    if not outdoor or (override or "").strip().lower() == "none":
        return ()
    if override:
        return tuple(PauseWindow.parse(part) for part in override.split(","))
    return default


def demo_calendar() -> WorkCalendar:
    """The official calendar over the years the programmes span (later years guessed)."""
    calendar = WorkCalendar("china", "guess")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CalendarWarning)
        calendar.cover([date(2024, 1, 1), date(2029, 12, 31)])
    return calendar


# -- people -------------------------------------------------------------------------
class People:
    """Invented people with unique e-mail addresses (``zhangwei2@anping.songjiang.example``)."""

    def __init__(self, rng: random.Random, domain: str) -> None:
        self.rng = rng
        self.domain = domain
        self.seen: dict[str, int] = {}

    def person(self, host: str) -> tuple[str, str]:
        (surname, s), (given, g) = self.rng.choice(SURNAMES), self.rng.choice(GIVEN_NAMES)
        local = f"{s}{g}@{host}"
        n = self.seen.get(local, 0) + 1
        self.seen[local] = n
        suffix = "" if n == 1 else str(n)
        return surname + given, f"{s}{g}{suffix}@{host}.{self.domain}"


class Directory:
    """Leaders, service secretaries and departments of one programme, with their e-mail."""

    def __init__(self, rng: random.Random, tables: Tables) -> None:
        self.rng = rng
        self.tables = tables
        self.people = People(rng, tables.domain)
        domain = tables.domain
        self.city_leaders = [(x.display, f"{x.slug}.{x.title_slug}@gov.{domain}")
                             for x in CITY_LEADERS]
        self.heads: dict[str, tuple[str, str]] = {}
        for i, region in enumerate(tables.regions):
            surname, slug = SURNAMES[(7 * i + 11) % len(SURNAMES)]
            self.heads[region.name] = (f"{region.name}{surname}{region.head}",
                                       f"{slug}.{region.head_slug}@{region.slug}.{domain}")
        self.city_secretaries = [self.people.person("fgw") for _ in range(24)]
        self.secretaries: dict[str, list[tuple[str, str]]] = {}

    def leader(self, level: str, region: Region) -> tuple[str, str]:
        if level == "provincial":
            return self.city_leaders[self.rng.randrange(2)]
        if level == "city":
            return self.rng.choice(self.city_leaders[2:])
        return self.heads[region.name]

    def secretary(self, level: str, region: Region) -> tuple[str, str]:
        if level != "county":
            return self.rng.choice(self.city_secretaries)
        pool = self.secretaries.get(region.name)
        if pool is None:
            pool = self.secretaries[region.name] = [self.people.person(region.slug)
                                                    for _ in range(3)]
        return self.rng.choice(pool)

    def department(self, category: str, level: str, region: Region) -> tuple[str, str]:
        if level == "county":
            return region.government, f"zhengfu@{region.slug}.{self.tables.domain}"
        choices = self.tables.departments[category]
        if level == "provincial" and self.rng.random() < 0.4:
            name = "市发改委"
        else:
            name = choices[0] if self.rng.random() < 0.5 else self.rng.choice(choices)
        return name, f"{self.tables.slugs[name]}@{self.tables.domain}"


# -- a project's plan ---------------------------------------------------------------
@dataclass(slots=True)
class Node:
    """A milestone being planned: its step of the life, name, length and dates."""

    step: Step
    name: str
    days: int
    planned_start: date = DEMO_AS_OF
    planned_date: date = DEMO_AS_OF


@dataclass(slots=True)
class Outcome:
    """What happened to a node up to the as-of date, and the reports that tell it."""

    percent: float = 0.0
    actual_date: date | None = None
    last_report: date | None = None
    reports: list[tuple[date, float, date | None, str]] = field(default_factory=list)


@dataclass(slots=True)
class ProjectPlan:
    row: dict[str, Any]
    nodes: list[Node]
    outcomes: list[Outcome]
    owners: tuple[tuple[str, str], tuple[str, str]]  # approvals, works (责任人, e-mail)


def choose_steps(rng: random.Random, template: Template, category: str, nature: str,
                 scale: float) -> list[Node]:
    """6–10 nodes of the project's life; a continuing project resumes mid-construction."""
    steps = [s for s in LIVES[template.life]
             if category in KIND_CATEGORIES.get(s.kind, (category,))]
    if nature == "continuing":
        steps = [RESUME, *(s for s in steps if s.stage != "pre" and s.kind != "start")]
    required = sum(not s.optional for s in steps)
    optional = [i for i, s in enumerate(steps) if s.optional]
    want = min(max(rng.randint(6, 10), required), required + len(optional))
    keep = set(rng.sample(optional, want - required))
    names = {**CATEGORY_NAMES.get(category, {}), **dict(template.names)}
    nodes = []
    for i, step in enumerate(steps):
        if step.optional and i not in keep:
            continue
        name = names.get(step.kind, step.name) if step.kind != "custom" else step.name
        nodes.append(Node(step, name, max(5, round(rng.randint(step.lo, step.hi) * scale))))
    return nodes


def _works_pause(node: Node, w: Winters) -> Winters:
    """The works stop in winter; approvals (前期手续) go on in the offices."""
    return NO_WINTER if node.step.stage == "pre" else w


def schedule(rng: random.Random, nodes: Sequence[Node], first: date, pause: Pause, *,
             window: tuple[date, date] | None = None, anchor: int | None = None,
             as_of: date = DEMO_AS_OF) -> None:
    """Plan backwards from the deadline (倒排工期).

    The deadline is where the nodes would end if started on ``first``. A node may
    start before the one ahead of it ends (approvals largely in parallel, works up
    to 40%). The works of an outdoor project do not count the winter pause and never
    end in it: the rules treat every node of such a project as paused.

    With an ``anchor``, ``first`` moves within ``window`` until that node is under
    way on ``as_of``, if it can be (short works of an outdoor project cannot span
    the winter).
    """
    overlap = [0] * len(nodes)
    for i, (a, b) in enumerate(pairwise(nodes)):
        share = 0.5 if a.step.stage == b.step.stage == "pre" else 0.4
        overlap[i] = round(a.days * rng.uniform(0, share))
    w = winters(pause)
    sites = [_works_pause(node, w) for node in nodes]
    _plan_back(nodes, overlap, first, sites, w)
    if anchor is None or window is None:
        return
    lo, hi = window
    node = nodes[anchor]
    for attempt in range(10):  # the anchor's dates move with the first node's
        if node.planned_date < as_of:
            lo = first
        elif node.planned_start > as_of:
            hi = first
        else:
            return
        if (hi - lo).days < 2:
            return
        if attempt == 0:  # move by the miss first, then bisect
            middle = node.planned_start + (node.planned_date - node.planned_start) / 2
            first = min(max(first + (as_of - middle), lo), hi)
        else:
            first = lo + (hi - lo) / 2
        _plan_back(nodes, overlap, first, sites, w)


def _plan_back(nodes: Sequence[Node], overlap: Sequence[int], first: date,
               sites: Sequence[Winters], w: Winters) -> None:
    day = first
    for i, node in enumerate(nodes):
        day = nice_ceil(span_forward(day, node.days, sites[i])) + timedelta(days=1 - overlap[i])
    cursor = day + timedelta(days=overlap[-1] - 1)
    for i in reversed(range(len(nodes))):
        node, site = nodes[i], sites[i]
        end = nice_floor(cursor)
        inside = pause_around(end, site)
        if inside and not pause_around(cursor, site):  # rounding fell into the winter
            end = cursor
        elif inside:
            end = nice_floor(inside[0] - timedelta(days=5))
        node.planned_date = end
        node.planned_start = span_back(end, node.days, site)
        if i:
            cursor = min(node.planned_start + timedelta(days=overlap[i - 1] - 1),
                         end - timedelta(days=5))
    if nodes[0].step is RESUME and len(nodes) > 1:
        _resume(nodes[0], nodes[1].planned_start, w)


def _resume(node: Node, before: date, w: Winters) -> None:
    """Works resume (复工) at the end of the last winter before ``before``."""
    end = last_winter_end(before, w)
    if end is not None:
        node.planned_start = end + ONE_DAY
        node.planned_date = nice_ceil(node.planned_start + timedelta(days=node.days - 1))


def _slip(rng: random.Random, profile: Profile) -> int:
    if rng.random() < profile.on_time:
        return -rng.randint(0, 12)
    return rng.randint(profile.late_lo, profile.late_hi)


def _report_days(rng: random.Random, start: date, end: date, most: int) -> list[date]:
    """Report dates from a few days after ``start`` to ``end``, every three to five weeks."""
    if most == 1:
        return [end]
    days = []
    day = start + timedelta(days=rng.randint(7, 20))
    while day < end:
        days.append(day)
        day += timedelta(days=rng.randint(20, 35))
    days.append(end)
    return days[-most:]


def _note(step: Step, percent: float, day: date, w: Winters) -> str:
    if step.stage == "pre":
        return "手续办理中，已报送相关部门审批"
    if pause_around(day, w):
        return "冬季停工，做好复工准备"
    if step.stage == "site":
        return f"现场施工有序推进，形象进度{percent:.0f}%"
    return f"按计划推进，形象进度{percent:.0f}%"


def simulate(rng: random.Random, nodes: Sequence[Node], profile: Profile, as_of: date,
             calendar: WorkCalendar, pause: Pause, stall: int | None = None,
             trouble_from: date | None = None, most_reports: int = 4) -> list[Outcome]:
    """What happened to each node up to ``as_of`` (see the module docstring).

    A node of the construction chain starts after the one ahead of it has started
    and finishes after it has finished; approvals follow their own plan. Nodes due
    before ``trouble_from`` went well whatever the profile (the trouble came later).
    """
    good = PROFILES["good"]
    w = winters(pause)
    outcomes: list[Outcome] = []
    ahead: tuple[date | None, date | None] = (None, None)  # chain node ahead: start, finish
    done_ahead = 0.0  # and its progress
    for i, node in enumerate(nodes):
        step = node.step
        chain = step.stage != "pre"
        start, floor = node.planned_start, None
        if chain and i and nodes[i - 1].step.stage != "pre":
            if ahead[0] is None or ahead[1] is None:  # not started, or stuck
                outcomes.append(Outcome())
                continue
            start = max(start, ahead[0] + ONE_DAY)
            floor = ahead[1] + timedelta(days=rng.randint(3, 10))
        if start >= as_of:
            outcomes.append(Outcome())
            ahead = (None, None) if chain else ahead
            continue
        site = _works_pause(node, w)
        finish: date | None = None
        if i != stall:
            fate = good if trouble_from and node.planned_date < trouble_from else profile
            finish = max(node.planned_date + timedelta(days=_slip(rng, fate)),
                         start + timedelta(days=max(3, node.days // 3)), floor or start)
            inside = pause_around(finish, site)
            if inside:  # the works stopped for the winter before finishing
                finish = inside[1] + timedelta(days=rng.randint(5, 25))
        if finish is not None and finish < as_of:
            outcomes.append(_finished(rng, node, start, finish, calendar,
                                      () if site is NO_WINTER else pause, site, most_reports))
        else:
            cap = done_ahead if floor is not None else 100.0
            outcomes.append(_open(rng, node, start, finish, as_of, profile, calendar, pause, w,
                                  most_reports, cap))
        if chain:
            ahead, done_ahead = (start, finish), outcomes[-1].percent
    return outcomes


def _progress(calendar: WorkCalendar, start: date, end: date, pause: Pause, day: date) -> float:
    """Percent done on ``day`` when the work runs from ``start`` to ``end``."""
    facts = MilestoneFacts(planned_date=end, planned_start=start, pause=pause)
    return expected_percent(facts, Context(day, calendar))


def _finished(rng: random.Random, node: Node, start: date, finish: date,
              calendar: WorkCalendar, pause: Pause, w: Winters, most: int) -> Outcome:
    out = Outcome(percent=100.0, actual_date=finish, last_report=finish)
    days = _report_days(rng, start, finish, most)
    best = 0.0
    for day in days[:-1]:
        best = max(best, min(95.0, round(_progress(calendar, start, finish, pause, day))))
        out.reports.append((day, best, None, _note(node.step, best, day, w)))
    out.reports.append((finish, 100.0, finish, f"{node.name}已完成"))
    return out


def _open(rng: random.Random, node: Node, start: date, finish: date | None, as_of: date,
          profile: Profile, calendar: WorkCalendar, pause: Pause, w: Winters, most: int,
          cap: float = 100.0) -> Outcome:
    """An open node: stuck part way, overdue, or in a band of 序时进度.

    ``cap`` is the progress of the unfinished node ahead of it: this one is not
    further along.
    """
    days_in = (as_of - start).days
    if days_in < 3 or cap < 1:
        return Outcome()
    last = as_of - timedelta(days=rng.randint(1, min(12, days_in - 1)))
    quiet = as_of - timedelta(days=rng.randint(33, 45)) if days_in > 45 else None
    out = Outcome()
    if finish is None:  # stuck: progress stopped part way
        if quiet and rng.random() < profile.stale:
            last = quiet
        stop = start + (min(last, node.planned_date) - start) * rng.uniform(0.3, 0.8)
        level = min(cap, max(5.0, round(_progress(calendar, start, node.planned_date, pause,
                                                  stop) * rng.uniform(0.5, 0.9))))
        problem = rng.choice(PROBLEMS)
        best = 0.0
        for day in _report_days(rng, start, last, most):
            best = max(best, min(level, round(_progress(calendar, start, node.planned_date,
                                                        pause, day))))
            note = problem if day > stop else _note(node.step, best, day, w)
            out.reports.append((day, best, None, note))
    elif node.planned_date < as_of:  # overdue: progress as its own late timeline goes
        if quiet and rng.random() < profile.stale:
            last = quiet
        best = 0.0
        for day in _report_days(rng, start, last, most):
            value = _progress(calendar, start, finish, pause, day) + rng.uniform(-3, 3)
            best = max(best, min(95.0, cap, max(1.0, round(value))))
            out.reports.append((day, best, None, _note(node.step, best, day, w)))
    else:
        band = rng.choices(("green", "yellow", "red"), profile.bands)[0]
        if band == "yellow" and quiet and rng.random() < 0.4:
            band, last = "green", quiet
        expected = _progress(calendar, node.planned_start, node.planned_date, pause, as_of)
        target = expected - rng.uniform(*LAGS[band])
        days = _report_days(rng, start, last, most)
        best = 0.0
        for day in days:
            share = (day - start).days / max(1, (last - start).days)
            best = max(best, min(99.0, cap, max(1.0, round(target * share))))
            out.reports.append((day, best, None, _note(node.step, best, day, w)))
    out.percent, out.last_report = out.reports[-1][1], out.reports[-1][0]
    return out


def stuck_node(rng: random.Random, nodes: Sequence[Node], as_of: date) -> int | None:
    """Where a stuck project stopped: an early node of the works, later ones overdue too."""
    candidates = [i for i, node in enumerate(nodes)
                  if node.step.stage != "pre" and node.planned_start <= as_of - timedelta(days=60)
                  and sum(n.planned_date < as_of for n in nodes[i + 1:]) >= 2]
    return rng.choice(candidates[:2]) if candidates else None


# -- a project ------------------------------------------------------------------------
def _money(value: float) -> Decimal:
    step = 100 if value >= 10_000 else 10
    return Decimal(int(round(value / step) * step))


def _name(rng: random.Random, template: Template, region: Region, level: str,
          taken: set[str] | None) -> tuple[str, str]:
    """A project name (unique among ``taken``) and its owner company (建设单位).

    A county-level project belongs to its district: its hospital, not the city's.
    """
    for _ in range(12):
        fill = {"city": region.name if level == "county" else CITY, "region": region.name,
                "brand": rng.choice(BRANDS), "road": rng.choice(ROADS), "river": rng.choice(RIVERS),
                "ord": rng.choice(ORDINALS), "phase": rng.choice(PHASES),
                "n": rng.choice(template.sizes) if template.sizes else ""}
        name = template.name.format(**fill)
        if taken is None or name not in taken:
            break
    else:  # a second phase of the same project: 二期, 三期, ...
        base, tail = name[:-2], name[-2:]
        name = next(f"{base}{p}期{tail}" for p in "二三四五六七八九"
                    if f"{base}{p}期{tail}" not in taken)  # type: ignore[operator]
    if taken is not None:
        taken.add(name)
    return name, template.owner.format(**fill)


def _anchor(rng: random.Random, nodes: Sequence[Node], paused: bool) -> int:
    """A node of the second half to be under way; in winter, a long one if the works stop."""
    later = range(len(nodes) // 2, len(nodes))
    long = [i for i in later if not paused or nodes[i].days >= 40]
    return rng.choice(long or later)


def make_project(rng: random.Random, directory: Directory, code: str, category: str,
                 level: str, template: Template, profile: str, *, as_of: date,
                 calendar: WorkCalendar, default_pause: Pause, taken: set[str] | None = None,
                 created: datetime | None = None, most_reports: int = 4) -> ProjectPlan:
    """One project of the ledger with its nodes planned and its progress invented."""
    region = rng.choice(directory.tables.regions)
    nature = "new" if not template.outdoor or rng.random() < 0.6 else "continuing"
    lo, hi = LEVEL_INVESTMENT[level]
    hi = min(hi, CATEGORY_CEILING[category])
    total = math.exp(rng.uniform(math.log(min(lo, hi / 2)), math.log(hi)))
    if not template.outdoor:
        total = max(5_000.0, total / 3)
    share = rng.uniform(0.2, 0.6) if nature == "new" else rng.uniform(0.25, 0.5)
    name, owner_company = _name(rng, template, region, level, taken)
    department, department_email = directory.department(category, level, region)
    leader, leader_email = directory.leader(level, region)
    secretary, secretary_email = directory.secretary(level, region)
    # A few outdoor projects keep building through the winter (冬季施工: news in the north-east).
    winter_pause = ("none" if template.outdoor and rng.random() < 0.03 and profile != "stuck"
                    else None)
    pause = project_pause(template.outdoor, winter_pause, default_pause)
    scale = 1.0 + 0.15 * math.log10(total / 5_000)
    nodes = choose_steps(rng, template, category, nature, scale)
    # New projects' approvals began between the autumn before and the summer; the
    # works of continuing ones resume in spring. Most projects have a node under way
    # on the as-of date (the anchor).
    window = NEW_WINDOW if nature == "new" else CONTINUING_WINDOW
    first = window[0] + timedelta(days=rng.randint(0, (window[1] - window[0]).days))
    anchor = _anchor(rng, nodes, bool(pause)) if rng.random() < ANCHORED else None
    if profile == "stuck":  # started early, stopped in summer: most nodes due by now
        first, anchor = window[0] + timedelta(days=rng.randint(0, 60)), None
    schedule(rng, nodes, first, pause, window=window, anchor=anchor, as_of=as_of)
    while nodes[-1].planned_date > LAST_DEADLINE and nodes[-1].step.optional and len(nodes) > 6:
        nodes.pop()  # the programme's nodes end by 2027
    for _ in range(3):
        if nodes[-1].planned_date <= LAST_DEADLINE:
            break
        first -= timedelta(days=(nodes[-1].planned_date - LAST_DEADLINE).days + 30)
        schedule(rng, nodes, first, pause)
    stall = stuck_node(rng, nodes, as_of) if profile == "stuck" else None
    trouble_from = as_of - timedelta(days=rng.randint(60, 200))
    outcomes = simulate(rng, nodes, PROFILES[profile], as_of, calendar, pause, stall,
                        trouble_from, most_reports)
    owners = (directory.people.person(region.slug), directory.people.person(region.slug))
    stamp = created or utcnow()
    row = {"code": code, "name": name, "region": region.name, "department": department,
           "owner_company": owner_company, "category": category, "level": level,
           "nature": nature, "total_investment": _money(total),
           "annual_plan": _money(total * share), "leader": leader,
           "leader_email": leader_email, "secretary": secretary,
           "secretary_email": secretary_email, "department_email": department_email,
           "outdoor": template.outdoor, "winter_pause": winter_pause, "status": "active",
           "created_at": stamp, "updated_at": stamp}
    return ProjectPlan(row, nodes, outcomes, owners)


# -- writing ---------------------------------------------------------------------------
def _insert(conn: Connection, table: Any, rows: list[dict[str, Any]], batch: int) -> None:
    for i in range(0, len(rows), batch):
        conn.execute(insert(table), rows[i:i + batch])


def insert_programme(engine: Engine, plans: Sequence[ProjectPlan], *, batch: int = 10_000,
                     created: datetime | None = None) -> DemoInfo:
    """Write the plans with bulk inserts (executemany), in one transaction."""
    stamp = created or utcnow()
    with engine.begin() as conn:
        before = conn.execute(select(func.coalesce(func.max(P.c.id), 0))).scalar_one()
        _insert(conn, P, [plan.row for plan in plans], batch)
        project_ids = dict(conn.execute(select(P.c.code, P.c.id).where(P.c.id > before)).all())
        rows = []
        for plan in plans:
            pid = project_ids[plan.row["code"]]
            for seq, (node, out) in enumerate(zip(plan.nodes, plan.outcomes, strict=True), 1):
                owner, email = plan.owners[node.step.stage != "pre"]
                rows.append({
                    "project_id": pid, "seq": seq, "name": node.name, "kind": node.step.kind,
                    "planned_start": node.planned_start, "planned_date": node.planned_date,
                    "baseline_date": node.planned_date, "weight": 1.0, "owner": owner,
                    "owner_email": email, "percent": float(out.percent),
                    "actual_date": out.actual_date, "last_report_date": out.last_report,
                    "state": "planned", "state_since": None, "reason": "", "light_rules": "",
                    "light_facts": [], "updated_at": stamp})
        _insert(conn, M, rows, batch)
        first = min(project_ids.values(), default=before + 1)
        milestone_ids = {(pid, seq): mid for mid, pid, seq in conn.execute(
            select(M.c.id, M.c.project_id, M.c.seq).where(M.c.project_id >= first)).all()}
        reports = []
        for plan in plans:
            pid = project_ids[plan.row["code"]]
            for seq, (node, out) in enumerate(zip(plan.nodes, plan.outcomes, strict=True), 1):
                reporter = plan.owners[node.step.stage != "pre"][0]
                mid = milestone_ids[pid, seq]
                for day, percent, completed, note in out.reports:
                    reports.append({"milestone_id": mid, "report_date": day,
                                    "percent": float(percent), "completed_on": completed,
                                    "note": note, "reporter": reporter,
                                    "created_at": datetime.combine(day, REPORT_TIME)})
        _insert(conn, R, reports, batch)
    return DemoInfo(len(plans), len(rows), len(reports))


# -- the demo ----------------------------------------------------------------------------
def _quota(rng: random.Random, counts: dict[str, int]) -> list[str]:
    out = [key for key, n in counts.items() for _ in range(n)]
    rng.shuffle(out)
    return out


def demo_plans(as_of: date = DEMO_AS_OF, seed: int = DEMO_SEED) -> list[ProjectPlan]:
    """The demo programme, without touching a database."""
    rng = Dice(seed)
    directory = Directory(rng, Tables())
    calendar = demo_calendar()
    default_pause = WinterPauseConfig().pause
    categories = _quota(rng, DEMO_CATEGORIES)
    levels = _quota(rng, DEMO_LEVELS)
    # Each category's templates in turn, shuffled, so that the names vary.
    decks: dict[str, list[Template]] = {c: [] for c in CATEGORIES}
    picked = []
    for category in categories:
        if not decks[category]:
            decks[category] = rng.sample(TEMPLATES[category], len(TEMPLATES[category]))
        picked.append(decks[category].pop())
    eligible = [i for i, t in enumerate(picked) if t.outdoor and levels[i] != "county"]
    stuck = set(rng.sample(eligible, DEMO_STUCK))
    profiles = list(PROFILE_WEIGHTS)
    weights = list(PROFILE_WEIGHTS.values())
    taken: set[str] = set()
    plans = []
    for i, (category, level, template) in enumerate(zip(categories, levels, picked,
                                                        strict=True)):
        profile = "stuck" if i in stuck else rng.choices(profiles, weights)[0]
        plans.append(make_project(
            rng, directory, f"{DEMO_CODE_PREFIX}{i + 1:03d}", category, level, template,
            profile, as_of=as_of, calendar=calendar, default_pause=default_pause,
            taken=taken, created=DEMO_ENTERED))
    return plans


def build_demo(engine: Engine) -> DemoInfo:
    """Fill an empty, initialised database with the demo programme (one transaction)."""
    with engine.connect() as conn:
        if conn.execute(select(func.count()).select_from(P)).scalar_one():
            raise ValueError("the database already holds projects: the demo needs an empty one")
    return insert_programme(engine, demo_plans(), created=DEMO_ENTERED)


def is_demo_only(engine: Engine) -> bool:
    """True when every project in the database is a demo project (or there is none).

    Such a database is safe to empty and rebuild; one with any other project holds
    real data.
    """
    with engine.connect() as conn:
        return all(code in DEMO_CODES for code in conn.execute(select(P.c.code)).scalars())


def reset_database(engine: Engine) -> None:
    """Empty every Lights table of a demo database; refuses a database with real data."""
    if not is_demo_only(engine):
        raise ValueError("the database holds projects that are not the demo's")
    with engine.begin() as conn:
        for table in reversed(SQLModel.metadata.sorted_tables):
            conn.execute(table.delete())
