"""Each project's investment light as of a date, outside a bulletin (``lights investment``).

The same snapshot a bulletin reads (:func:`engine.bulletins.rates.snapshot`), so a
project's light here and in the bulletin for a period ending that day are the same,
with the same reason and numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.engine import Engine

from engine.bulletins.rates import ProjectFigures, Rate, snapshot, worst_first
from engine.bulletins.words import invest_reason
from engine.config import Config
from engine.i18n import light_label
from engine.store.db import read_only
from engine.store.lookups import latest_as_of

LIGHTS = ("red", "yellow", "green", "none")


@dataclass(frozen=True)
class ProjectFilter:
    """Which projects to show; every field given must match."""

    region: str | None = None
    department: str | None = None
    leader: str | None = None
    level: str | None = None
    category: str | None = None
    project: str | None = None
    lights: tuple[str, ...] = ()  # red, yellow, green, none ("—": nothing to judge)

    def keeps(self, p: ProjectFigures) -> bool:
        given = {"region": self.region, "department": self.department,
                 "level": self.level, "category": self.category}
        return (all(v is None or p.groups[k] == v for k, v in given.items())
                and self.leader in (None, p.leader) and self.project in (None, p.code)
                and (not self.lights or (p.invest_light or "none") in self.lights))


@dataclass
class ProjectLights:
    as_of: date
    projects: list[ProjectFigures]
    warnings: list[str]


def project_lights(engine: Engine, config: Config, as_of: date | None = None,
                   flt: ProjectFilter = ProjectFilter()) -> ProjectLights:
    """The investment light of every project that matches, worst first; by default as
    of the latest night's date (as ``lights status`` and the export), else today."""
    with read_only(engine).connect() as conn:
        as_of = as_of or latest_as_of(conn) or config.today()
        snap = snapshot(conn, config, as_of, (as_of, as_of))
    chosen = sorted((p for p in snap.projects if flt.keeps(p)), key=worst_first)
    return ProjectLights(as_of, chosen, snap.warnings)


def _pct(rate: Rate) -> float | None:
    value = rate.percent
    return None if value is None else round(value, 1)


def as_rows(projects: list[ProjectFigures], lang: str) -> list[dict[str, Any]]:
    """Plain rows (JSON, CSV, the table): amounts in 万元, rates in percent."""
    rows = []
    for p in projects:
        f = p.figures
        rows.append({
            "project": p.code, "project_name": p.name, "region": p.groups["region"],
            "department": p.groups["department"], "leader": p.leader,
            "annual_plan": float(f.annual_plan), "completed": float(f.completed),
            "completion_pct": _pct(f.investment_rate), "expected": float(f.expected),
            "expected_pct": _pct(f.expected_rate), "of_expected_pct": _pct(f.schedule_rate),
            "funds": float(f.funds), "funds_pct": _pct(f.funds_rate),
            "planned_start": p.planned_start.isoformat() if p.planned_start else None,
            "started_on": p.started_on.isoformat() if p.started_on else None,
            "light": p.invest_light, "light_label": light_label(p.invest_light, lang)
            if p.invest_light else "—",
            "rules": ",".join(x.rule for x in p.invest_findings),  # one CSV cell
            "reason": invest_reason(p.invest_findings, lang)})
    return rows
