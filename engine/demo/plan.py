"""A demo project's plan and what happened to it: nodes planned back from the deadline
(倒排工期), progress invented by the project's profile, reports that tell it."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import pairwise
from typing import Any, NamedTuple

from engine.demo.data import (
    BRANDS,
    CATEGORY_NAMES,
    CITY,
    DEMO_AS_OF,
    KIND_CATEGORIES,
    LIVES,
    ORDINALS,
    PHASES,
    PROBLEMS,
    RESUME,
    RIVERS,
    ROADS,
    Region,
    Step,
    Template,
)
from engine.demo.dates import (
    NO_WINTER,
    ONE_DAY,
    Winters,
    last_winter_end,
    nice_ceil,
    nice_floor,
    pause_around,
    project_pause,
    span_back,
    span_forward,
    winters,
)
from engine.demo.directory import Directory
from engine.store.tables import utcnow
from rules.calendar import Pause, WorkCalendar
from rules.milestone import Context, MilestoneFacts, expected_percent


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


