"""Rankings (排名): regions and departments by node completion rate, with ties and movement.

Equal rates share a rank and the next rank skips (1, 2, 2, 4): two regions that
finished 3 of 4 and 6 of 8 nodes on time are tied, whatever the counts. A group with
fewer nodes due than ``bulletins.min_due`` (default 3) is listed with its rate but not
ranked: 1 of 1 is no achievement and 0 of 1 no failure. A group with no node due has no
rate ("—"). Unranked groups are listed after the ranked ones. With a combined score
(:mod:`.score`) the groups are ranked by it instead, under the same rule.
Movement compares with the ranking of the previous period, computed the same way
from the history as it stood then: ↑2 climbed two places, ↓1 fell one, → kept its
place; no arrow when the group had no rank then.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

from engine.bulletins.rates import Rate


@dataclass(frozen=True, slots=True)
class Ranked:
    name: str
    rate: Rate
    rank: int | None
    previous: int | None = None
    score: float | None = None  # the combined score, when the ranking is by it
    too_few: bool = False  # fewer nodes due than min_due: listed, not ranked

    @property
    def move(self) -> int | None:
        """Places climbed since the previous period (negative: fell); None if unknown."""
        if self.rank is None or self.previous is None:
            return None
        return self.previous - self.rank

    @property
    def arrow(self) -> str:
        move = self.move
        if move is None:
            return ""
        return f"↑{move}" if move > 0 else f"↓{-move}" if move < 0 else "→"


def _value(rate: Rate) -> Fraction | None:
    return None if rate.den == 0 else Fraction(rate.num) / Fraction(rate.den)


def rank(rates: Mapping[str, Rate], previous: Mapping[str, int | None] | None = None,
         min_due: int = 1, scores: Mapping[str, float | None] | None = None) -> list[Ranked]:
    """Best first; ties share a rank (standard competition ranking); unranked last.

    ``rates`` are the node completion rates (their denominators the nodes due); with
    ``scores`` the groups are ranked by score, rounded to 0.01 (what is shown).
    """
    previous = previous or {}
    scores = scores or {}

    def value(name: str) -> Fraction | None:
        if rates[name].den < min_due:
            return None
        if scores:
            got = scores.get(name)
            return None if got is None else Fraction(round(got * 100), 100)
        return _value(rates[name])

    values = {name: value(name) for name in rates}
    rated = sorted(((v, name) for name, v in values.items() if v is not None),
                   key=lambda item: (-item[0], item[1]))
    out: list[Ranked] = []
    last: Fraction | None = None
    place = 0
    for i, (v, name) in enumerate(rated, 1):
        if v != last:
            place, last = i, v
        out.append(Ranked(name, rates[name], place, previous.get(name), scores.get(name)))
    unranked = sorted((n for n, v in values.items() if v is None),
                      key=lambda n: (_value(rates[n]) is None, -(_value(rates[n]) or 0), n))
    for name in unranked:
        out.append(Ranked(name, rates[name], None, previous.get(name), scores.get(name),
                          too_few=0 < rates[name].den < min_due))
    return out


def positions(ranking: list[Ranked]) -> dict[str, int | None]:
    """Name → rank, for the next period's movement."""
    return {r.name: r.rank for r in ranking}


def top_and_bottom(ranking: list[Ranked], n: int) -> tuple[list[Ranked], list[Ranked]]:
    """The first and the last ``n`` ranked groups; a tie at the cut takes all of its members.

    With fewer than 2n ranked groups the two lists would overlap: the bottom list then
    holds only groups not already at the top.
    """
    ranked = [r for r in ranking if r.rank is not None]
    if not ranked:
        return [], []
    top = [r for r in ranked if r.rank <= ranked[min(n, len(ranked)) - 1].rank]  # type: ignore[operator]
    worst_first = sorted(ranked, key=lambda r: (-(r.rank or 0), r.name))
    cut = worst_first[min(n, len(worst_first)) - 1].rank
    bottom = [r for r in worst_first if (r.rank or 0) >= (cut or 0) and r not in top]
    return top, bottom
