"""What the terminal is shown of data: control characters made visible, never obeyed.

A project name holding ``x\\x1b[2Jy`` would clear a supervisor's screen when ``lights
show`` or ``lights import`` prints it, and U+202E would turn the rest of a line round.
Names come from ledgers, mail addresses and the command line, so every text a command
prints goes through :func:`visible`: C0 and C1 control characters (except newline and
tab) become their Control Pictures symbol (␛, ␍) or U+FFFD, bidirectional overrides
become U+FFFD. One character for one, so rich's styles over a text keep their places.

:class:`SafeConsole` applies it to every string and Text it renders; our own colours
are styles, not characters in the text, and are not affected.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.console import Console, ConsoleOptions
from rich.segment import Segment
from rich.text import Text

BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_TABLE = {code: 0x2400 + code for code in range(0x20) if chr(code) not in "\n\t"}
_TABLE[0x7F] = 0x2421  # ␡
_TABLE.update({code: 0xFFFD for code in range(0x80, 0xA0)})
_TABLE.update({ord(ch): 0xFFFD for ch in BIDI})


def visible(text: str) -> str:
    """``text`` with control characters and direction overrides shown, not obeyed."""
    return text.translate(_TABLE)


def _visible_text(text: Text) -> Text:
    plain = text.plain
    clean = visible(plain)
    if clean == plain:
        return text
    copy = text.copy()
    copy.plain = clean  # same length: the spans (styles) stay where they were
    return copy


class SafeConsole(Console):
    """A rich Console that shows control characters in data instead of sending them."""

    def render_str(self, text: str, **kwargs: Any) -> Text:
        return super().render_str(visible(text), **kwargs)

    def render(self, renderable: Any, options: ConsoleOptions | None = None
               ) -> Iterable[Segment]:
        if isinstance(renderable, Text):
            renderable = _visible_text(renderable)
        return super().render(renderable, options)
