"""Who a bulletin praises (表扬) and who it names (通报), by ``bulletins.judgement``.

Praised: the best ranked units, at most ``praise_top``, whose rate (or combined score)
is at least ``praise_min`` and who hold no more than ``praise_max_red`` red nodes.
Named: the units ranked below ``name_below``, worst first, and any unit holding
``name_red`` red nodes or more (ranked or not: a unit with few nodes due this period
may still hold many red ones), at most ``name_bottom``. A unit is never both.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from engine.bulletins.config import Judgement, Score
from engine.bulletins.ranking import Ranked
from engine.bulletins.rates import Figures


@dataclass
class Judged:
    praised: list[Ranked] = field(default_factory=list)
    named: list[tuple[Ranked, tuple[str, ...]]] = field(default_factory=list)  # why: low, red


def value(r: Ranked, score: Score | None) -> float | None:
    """What the ranking compares, in percent or points."""
    return r.score if score is not None else r.rate.percent


def judge(ranking: list[Ranked], groups: Mapping[str, Figures], rule: Judgement,
          score: Score | None) -> Judged:
    out = Judged()
    red = {name: f.lights.get("red", 0) for name, f in groups.items()}
    for r in ranking:
        v = value(r, score)
        if r.rank is None or v is None or len(out.praised) >= rule.praise_top:
            continue
        if v >= rule.praise_min and red.get(r.name, 0) <= rule.praise_max_red:
            out.praised.append(r)
    praised = {r.name for r in out.praised}
    worst = sorted((r for r in ranking if r.rank is not None),
                   key=lambda r: (-(r.rank or 0), r.name))
    worst += sorted((r for r in ranking if r.rank is None),
                    key=lambda r: (-red.get(r.name, 0), r.name))
    for r in worst:
        if len(out.named) >= rule.name_bottom or r.name in praised:
            continue
        v = value(r, score)
        why = tuple(reason for reason, hit in (
            ("low", r.rank is not None and v is not None and v < rule.name_below),
            ("red", rule.name_red is not None and red.get(r.name, 0) >= rule.name_red)) if hit)
        if why:
            out.named.append((r, why))
    return out
