"""Every word table says everything in Chinese and in English, with the same blanks.

A key missing in one language, or a ``{placeholder}`` only one language fills, would
only show when a user in that language meets that message: a KeyError instead of a
sentence. Each feature keeps its own table; this walks them all.
"""

from __future__ import annotations

import importlib
import string
from typing import Any

import pytest

from engine.i18n import lookup

TABLES = {
    "engine.i18n": ("LIGHT_LABELS", "TRIGGER_LABELS", "VALUE_LABELS", "WORDS"),
    "engine.ledger.words": ("WHY", "WORDS"),
    "engine.bulletins.words": ("WORDS",),
    "engine.cli.channels": ("WORDS",),
    "engine.cli.database": ("WORDS",),
    "engine.cli.notices": ("WORDS",),
    "engine.cli.scheduler": ("WORDS",),
    "engine.cli.web": ("WORDS",),
    "engine.web.words": ("WORDS",),
    "notifications.alerts": ("ALERTS",),
    "notifications.digest": ("LABELS",),
    "notifications.summary": ("WORDS",),
    "rules.investment": ("TEXTS",),
    "rules.reasons": ("TEMPLATES",),
}


def _blanks(text: Any) -> list[Any]:
    """The placeholders of a text (or of each text of a tuple); a field named for one
    language (``late_zh``/``late_en``: the words differ, not the fact) counts as one."""
    if isinstance(text, tuple):
        return [_blanks(part) for part in text]
    names = {name for _, name, _, _ in string.Formatter().parse(text) if name}
    return sorted(name.removesuffix("_zh").removesuffix("_en") for name in names)


@pytest.mark.parametrize(("module", "name"),
                         [(m, n) for m, names in TABLES.items() for n in names])
def test_every_entry_in_both_languages_with_the_same_blanks(module, name):
    table = getattr(importlib.import_module(module), name)
    assert table, f"{module}.{name} is empty"
    for key, texts in table.items():
        assert set(texts) == {"zh", "en"}, f"{module}.{name}[{key!r}]: {sorted(texts)}"
        assert _blanks(texts["zh"]) == _blanks(texts["en"]), f"{module}.{name}[{key!r}]"


def test_lookup_fills_the_words_of_the_language():
    say = lookup({"done": {"zh": "已完成 {n} 个", "en": "{n} done"}})
    assert say("done", "zh", n=3) == "已完成 3 个"
    assert say("done", "en", n=3) == "3 done"
    with pytest.raises(KeyError):
        say("done", "en")  # a blank left unfilled is a bug, not an empty string
