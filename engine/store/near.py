"""Names a person nearly typed: the nearest known ones, to suggest in the refusal.

``--region 北湖`` finds nothing; the sentence should say 北湖区？. Close spellings are
found by difflib (characters compared, which suits Chinese names), and a known name
that contains what was typed, or is contained in it, counts as near too.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

_TITLE = re.compile(r"\s*[（(][^（）()]*[）)]\s*$")


def near(word: str, candidates: Iterable[str], n: int = 3, cutoff: float = 0.5) -> list[str]:
    """Up to ``n`` known names nearest to ``word``, the closest first (``cutoff``: how
    alike by difflib's ratio; long references that share a prefix want more)."""
    known = [c for c in dict.fromkeys(candidates) if c]
    word = word.strip()
    if not word or not known:
        return []
    close = difflib.get_close_matches(word, known, n=n, cutoff=cutoff)
    inside = sorted((c for c in known if c not in close and (word in c or c in word)),
                    key=lambda c: (abs(len(c) - len(word)), c))
    return (close + inside)[:n]


def without_title(name: str) -> str:
    """王副市长（总服务员） → 王副市长: a leader is looked for by name without the title."""
    return _TITLE.sub("", name).strip()
