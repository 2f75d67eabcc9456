"""The bulletin's SVG charts as PNG pictures, for the Word document (python-docx embeds
PNG, not SVG), with resvg (resvg-py: a wheel, no system library).

resvg draws text with the fonts it finds on the machine; where none has Chinese glyphs
the labels silently vanish. :func:`has_cjk_font` finds out by drawing 中文 and nothing
and comparing the two pictures, so the caller can say so instead of printing charts
without their labels (Debian: ``apt-get install fonts-noto-cjk``).
"""

from __future__ import annotations

from functools import cache

import resvg_py

PROBE = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 20" width="40" '
         'height="20"><text x="2" y="16" font-size="14" font-family="{family}">{text}</text>'
         '</svg>')
FAMILY = "Noto Sans CJK SC, Source Han Sans SC, WenQuanYi Micro Hei, Microsoft YaHei, sans-serif"


@cache
def has_cjk_font(skip_system_fonts: bool = False) -> bool:
    """Whether resvg finds a font that draws Chinese (``skip_system_fonts``: as on a
    machine without any, for the test of what is said then)."""
    def draw(text: str) -> bytes:
        return resvg_py.svg_to_bytes(svg_string=PROBE.format(family=FAMILY, text=text),
                                     skip_system_fonts=skip_system_fonts)

    return draw("中文") != draw("")


def png(svg: str, width: int = 1800, skip_system_fonts: bool = False) -> bytes:
    """A chart as a PNG ``width`` pixels wide (its height follows its viewBox), on white."""
    return resvg_py.svg_to_bytes(svg_string=str(svg), width=width, background="#ffffff",
                                 skip_system_fonts=skip_system_fonts)
