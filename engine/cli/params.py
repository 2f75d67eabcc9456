"""Parameter types for what people type on the command line, by the ledger's rules.

A percentage on the command line reads as it reads in a ledger (one rule,
:func:`engine.ledger.values.percent`): ``60%`` and ``60`` are 60%, ``0.6`` is 60%,
``1%`` must keep its ``%``. Its refusals are worded in both languages
(:class:`engine.cli.usage.Bad`).
"""

from __future__ import annotations

from typing import Any

import click

from engine.cli.usage import Bad
from engine.ledger.values import Invalid, percent
from engine.ledger.words import WHY

PERCENT_RULE = {
    "zh": "带 % 是百分数（60%）；不带 % 时大于 1 是百分数（60 即 60%），0 到 1 是小数"
          "（0.6 即 60%，1 即 100%），所以 1% 要写成 1%",
    "en": "with % it is a percentage (60%); without, a number above 1 is a percentage "
          "(60 = 60%) and one from 0 to 1 a fraction (0.6 = 60%, 1 = 100%), so 1% is "
          "written 1%",
}


class PercentType(click.ParamType):
    """60%, 60 or 0.6: the ledger's percent rule."""

    name = "PERCENT"

    def convert(self, value: Any, param: Any, ctx: Any) -> float:
        if isinstance(value, float):
            return value
        try:
            found = percent(str(value))
        except Invalid as exc:
            words = {lang: WHY[exc.why][lang].format(**exc.params) for lang in ("zh", "en")}
            raise Bad(f"“{value}”{words['zh']}；{PERCENT_RULE['zh']}",
                      f"{value!r}: {words['en']}; {PERCENT_RULE['en']}", ctx, param) from None
        if found is None:
            raise Bad(f"“{value}”{WHY['percent']['zh']}", f"{value!r}: {WHY['percent']['en']}",
                      ctx, param)
        return found


PERCENT = PercentType()
