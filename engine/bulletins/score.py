"""The combined score (综合得分) a bulletin may rank by instead of the node rate alone.

A unit that finished its three nodes due this month on time but holds nine red nodes
from earlier ones should not rank first. ``bulletins.score`` weighs, in percent:

- 节点完成率 (node): nodes due in the period and finished on time ÷ nodes due;
- 投资完成率 (investment): investment completed against 序时进度, at most 100;
- 办结率 (closed): problems closed ÷ problems due (the problem list);

and takes ``red_points`` off per red node the unit holds at the date. A part without a
value (no problem due, no annual plan) drops out and its weight is shared by the others
in proportion, so that a unit is not punished for having nothing to count. The formula
is printed in every bulletin that ranks by it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from engine.bulletins.config import Score
from engine.bulletins.rates import Figures, Rate


@dataclass(frozen=True, slots=True)
class Scored:
    value: float | None  # None: no node rate, no score
    parts: dict[str, float]  # the parts that counted, in percent
    red: int


def parts_of(f: Figures, closed: Rate | None) -> dict[str, float | None]:
    """The weighable parts of a group, in percent; None where there is nothing to count."""
    schedule = f.schedule_rate.percent
    return {"node": f.node_rate.percent,
            "investment": None if schedule is None else min(schedule, 100.0),
            "closed": None if closed is None else closed.percent}


def score(f: Figures, cfg: Score, closed: Rate | None = None) -> Scored:
    """The group's combined score: weighted mean of its parts, less the red nodes' points."""
    red = f.lights.get("red", 0)
    parts = parts_of(f, closed)
    if parts["node"] is None:
        return Scored(None, {}, red)
    counted = {k: v for k, v in parts.items() if v is not None and cfg.weights.get(k, 0) > 0}
    total = sum(cfg.weights[k] for k in counted)
    if total == 0:
        return Scored(None, {}, red)
    value = sum(cfg.weights[k] * v for k, v in counted.items()) / total
    return Scored(round(value - cfg.red_points * red, 2), counted, red)


def scores(groups: Mapping[str, Figures], cfg: Score,
           closed: Mapping[str, Rate | None] | None = None) -> dict[str, float | None]:
    """Every group's score (the ranking's values)."""
    closed = closed or {}
    return {name: score(f, cfg, closed.get(name)).value for name, f in groups.items()}
