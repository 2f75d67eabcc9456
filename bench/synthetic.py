"""A synthetic programme of about N milestones, for benchmarks (bench/run_bench.py).

Built with the demo's functions (:mod:`engine.demo`): the same kinds of projects,
plans and progress, only many more of them, across 40 regions and 60 departments,
with one progress report per started milestone (the latest). Written with Core
executemany in batches of 10,000 rows, in one transaction.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.engine import Engine

from engine.config import WinterPauseConfig
from engine.demo import (
    Dice,
    Directory,
    ProjectPlan,
    Tables,
    demo_calendar,
    insert_programme,
    make_project,
)
from engine.demo.data import (
    CATEGORY_DEPARTMENTS,
    DEPARTMENTS,
    MAIL_DOMAIN,
    REGIONS,
    TEMPLATES,
    Region,
)
from engine.store.tables import CATEGORIES, LEVELS

BENCH_AS_OF = date(2026, 11, 20)
BATCH = 10_000

CATEGORY_WEIGHTS = (40, 15, 18, 10, 10, 7)  # in the order of CATEGORIES
LEVEL_WEIGHTS = (10, 45, 45)  # provincial, city, county
PROFILE_WEIGHTS = {"good": 0.57, "slow": 0.27, "troubled": 0.13, "stuck": 0.03}

# More regions than the demo's twelve: two-character names, then 区 / 县 / 市.
_FIRST = "永长平宁丰和乐庆顺通宝阳泰福"
_SECOND = "安山林河源川"
_KINDS = (("区", "区政府", "区长", "quzhang"), ("县", "县政府", "县长", "xianzhang"),
          ("市", "市政府", "市长", "shizhang"))
EXTRA_DEPARTMENTS = {"市林草局": ("lcj", "industrial"), "市应急局": ("yjj", "infrastructure"),
                     "市人社局": ("rsj", "social")}


def bench_regions(count: int = 40) -> tuple[Region, ...]:
    """The demo's regions and invented ones, ``count`` in all."""
    regions = list(REGIONS)
    taken = {r.name[:2] for r in regions}
    k = 0
    for a in _FIRST:
        for b in _SECOND:
            if len(regions) >= count:
                return tuple(regions)
            if a + b in taken:
                continue
            suffix, government, head, head_slug = _KINDS[k % len(_KINDS)]
            name = f"{a}{b}{suffix}"
            regions.append(Region(name, f"r{k:02d}", f"{a}{b}{government}", head, head_slug))
            k += 1
    return tuple(regions)


def bench_tables() -> Tables:
    """40 regions; 20 city departments and 40 district governments (60 departments)."""
    departments = {c: list(names) for c, names in CATEGORY_DEPARTMENTS.items()}
    slugs = dict(DEPARTMENTS)
    for name, (slug, category) in EXTRA_DEPARTMENTS.items():
        departments[category].append(name)
        slugs[name] = slug
    return Tables(bench_regions(), {c: tuple(v) for c, v in departments.items()}, slugs,
                  MAIL_DOMAIN)


def plans(n_milestones: int, seed: int = 1) -> list[ProjectPlan]:
    """Projects until there are at least ``n_milestones`` milestones (6–10 each)."""
    rng = Dice(seed)
    directory = Directory(rng, bench_tables())
    calendar = demo_calendar()
    default_pause = WinterPauseConfig().pause
    profiles, weights = list(PROFILE_WEIGHTS), list(PROFILE_WEIGHTS.values())
    out: list[ProjectPlan] = []
    total = 0
    while total < n_milestones:
        category = rng.choices(CATEGORIES, CATEGORY_WEIGHTS)[0]
        level = rng.choices(LEVELS, LEVEL_WEIGHTS)[0]
        plan = make_project(
            rng, directory, f"B{seed}-{len(out) + 1:06d}", category, level,
            rng.choice(TEMPLATES[category]), rng.choices(profiles, weights)[0],
            as_of=BENCH_AS_OF, calendar=calendar, default_pause=default_pause,
            most_reports=1)
        out.append(plan)
        total += len(plan.nodes)
    return out


SLICE = 100_000  # milestones planned and written at a time (memory stays flat)


def generate(engine: Engine, n_milestones: int, seed: int = 1) -> None:
    """Write a synthetic programme of about ``n_milestones`` milestones.

    In slices of 100,000 (each its own seed and project codes), so that a programme of
    millions is never held in memory; up to 100,000 it is one slice, as it always was.
    """
    left, k = n_milestones, 0
    while left > 0:
        part = min(left, SLICE)
        insert_programme(engine, plans(part, seed + 1000 * k), batch=BATCH)
        left, k = left - part, k + 1
