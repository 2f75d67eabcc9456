"""Rankings: equal rates share a rank, unrated groups come last, movement is in places."""

from __future__ import annotations

from engine.bulletins.ranking import positions, rank, top_and_bottom
from engine.bulletins.rates import Rate


def rates(**pairs: tuple[int, int]) -> dict[str, Rate]:
    return {name: Rate.of(num, den) for name, (num, den) in pairs.items()}


def test_ties_share_a_rank_and_the_next_rank_skips():
    ranking = rank(rates(甲=(3, 4), 乙=(6, 8), 丙=(1, 2), 丁=(0, 0), 戊=(1, 1), 己=(0, 3)))
    assert [(r.name, r.rank) for r in ranking] == [
        ("戊", 1), ("乙", 2), ("甲", 2), ("丙", 4), ("己", 5), ("丁", None)]
    assert [r.rate.text() for r in ranking] == ["100.0%", "75.0%", "75.0%", "50.0%", "0.0%",
                                                "—"]


def test_rates_that_only_look_equal_when_rounded_are_not_ties():
    ranking = rank(rates(甲=(2, 3), 乙=(667, 1000)))
    assert [(r.name, r.rank) for r in ranking] == [("乙", 1), ("甲", 2)]
    assert ranking[0].rate.text() == ranking[1].rate.text() == "66.7%"


def test_movement_against_the_previous_ranking():
    before = positions(rank(rates(甲=(1, 2), 乙=(1, 1), 丙=(0, 1), 丁=(0, 0))))
    assert before == {"乙": 1, "甲": 2, "丙": 3, "丁": None}
    now = rank(rates(甲=(2, 2), 乙=(1, 2), 丙=(1, 2), 丁=(1, 1), 戊=(0, 1)), before)
    assert [(r.name, r.rank, r.arrow) for r in now] == [
        ("丁", 1, ""),      # was unranked: no arrow
        ("甲", 1, "↑1"),
        ("丙", 3, "→"),     # tied for 3rd: same place as before
        ("乙", 3, "↓2"),
        ("戊", 5, ""),      # new
    ]


def test_without_a_previous_ranking_there_is_no_movement():
    assert [r.arrow for r in rank(rates(甲=(1, 2), 乙=(1, 1)))] == ["", ""]


def test_top_and_bottom_take_the_whole_tie_at_the_cut():
    ranking = rank(rates(a=(10, 10), b=(9, 10), c=(8, 10), d=(8, 10), e=(5, 10), f=(4, 10),
                         g=(3, 10), h=(0, 0)))
    top, bottom = top_and_bottom(ranking, 3)
    assert [r.name for r in top] == ["a", "b", "c", "d"]
    assert [r.name for r in bottom] == ["g", "f", "e"]


def test_top_and_bottom_do_not_overlap_on_a_short_list():
    ranking = rank(rates(a=(1, 1), b=(1, 2), c=(0, 1), d=(0, 0)))
    top, bottom = top_and_bottom(ranking, 5)
    assert [r.name for r in top] == ["a", "b", "c"]
    assert bottom == []
    assert top_and_bottom(rank(rates(d=(0, 0))), 5) == ([], [])
