"""Charts for the HTML bulletin as inline SVG, drawn here: no scripts, no network.

Three kinds where people would rather look than read: stacked bars of the node
lights per region, bars of a ranking's rates, and the investment completed against
序时进度 per region. Every label is escaped; the SVG scales to the page width and
prints as vectors.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from markupsafe import Markup, escape

from engine.i18n import light_label

COLOURS = {"red": "#d6336c", "yellow": "#f2b705", "green": "#2b8a3e", "planned": "#ced4da",
           "done": "#74b816", "done_late": "#862e9c", "suspended": "#868e96",
           "cancelled": "#e9ecef"}
INK = "#212529"
GRID = "#dee2e6"
WIDTH = 680
ROW = 22
BAR = 14
FONT = 12
FONT_FAMILY = "'Noto Sans CJK SC','Source Han Sans SC','Microsoft YaHei','PingFang SC',sans-serif"


def text_width(text: str, size: float = FONT) -> float:
    """Generous width of a label: CJK characters are square, Latin ones narrower (a
    little wider than most fonts draw them, so that a label is never clipped)."""
    return sum(size if ord(c) > 0x2E7F else size * 0.62 for c in text)


def _svg(height: float, title: str, body: list[str]) -> Markup:
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
            f'viewBox="0 0 {WIDTH} {height:.0f}" width="100%" '
            f'font-family="{FONT_FAMILY}" font-size="{FONT}">'
            f"<title>{escape(title)}</title>")
    return Markup(head + "".join(body) + "</svg>")


def _label_column(labels: Sequence[str]) -> float:
    """The width left of the bars: the widest label as drawn, at most 35% of the chart."""
    return min(max((text_width(x) for x in labels), default=40) + 12, WIDTH * 0.35)


def fit(label: str, room: float, keep: str = "") -> str:
    """A label that fits ``room``: ``keep`` (a rank) and as much of the name as fits,
    with … where it was shortened. Never cut to the rank alone: the name keeps at least
    its first two characters (the full text is the bar's tooltip)."""
    if text_width(keep + label) <= room:
        return keep + label
    name = label
    while len(name) > 2 and text_width(f"{keep}{name}…") > room:
        name = name[:-1]
    return f"{keep}{name}…"


def _label(x: float, y: float, text: str, full: str) -> str:
    """A right-aligned label left of a bar, with its full text as a tooltip."""
    return (f'<text x="{x:.1f}" y="{y}" text-anchor="end"><title>{escape(full)}</title>'
            f"{escape(text)}</text>")


def _legend(items: Sequence[tuple[str, str]], x: float, y: float) -> list[str]:
    out = []
    for colour, label in items:
        out.append(f'<rect x="{x:.1f}" y="{y - 10:.1f}" width="10" height="10" '
                   f'fill="{colour}"/><text x="{x + 14:.1f}" y="{y:.1f}">{escape(label)}</text>')
        x += 14 + text_width(label) + 14
    return out


def light_bars(rows: Sequence[tuple[str, Mapping[str, int]]], order: Sequence[str],
               lang: str, title: str) -> Markup:
    """One stacked bar per group: how many of its nodes show each light."""
    left = _label_column([r[0] for r in rows])
    right = WIDTH - 40
    top = 30
    total_max = max((sum(c.get(k, 0) for k in order) for _, c in rows), default=0) or 1
    scale = (right - left) / total_max
    present = [k for k in order if any(c.get(k, 0) for _, c in rows)]
    body = _legend([(COLOURS[k], light_label(k, lang)) for k in present], left, 16)
    for i, (label, counts) in enumerate(rows):
        y = top + i * ROW
        body.append(_label(left - 6, y + BAR - 3, fit(label, left - 10), label))
        x = left
        for key in present:
            n = counts.get(key, 0)
            if not n:
                continue
            width = n * scale
            body.append(f'<rect class="seg-{key}" x="{x:.1f}" y="{y}" width="{width:.1f}" '
                        f'height="{BAR}" fill="{COLOURS[key]}"><title>{escape(label)} '
                        f"{escape(light_label(key, lang))} {n}</title></rect>")
            x += width
        body.append(f'<text x="{x + 4:.1f}" y="{y + BAR - 3}" fill="{INK}">'
                    f"{sum(counts.get(k, 0) for k in present)}</text>")
    return _svg(top + len(rows) * ROW + 6, title, body)


def rate_bars(rows: Sequence[tuple[str, float | None, str]], title: str,
              colour: str = "#1c7ed6") -> Markup:
    """One bar per group for a rate in %, best first; "—" where there is no rate."""
    left = _label_column([f"{r[2]} {r[0]}" if r[2] else r[0] for r in rows])
    right = WIDTH - 60
    top = 10
    body = _grid(left, right, top, len(rows))
    for i, (label, value, rank) in enumerate(rows):
        y = top + i * ROW
        keep = f"{rank} " if rank else ""
        body.append(_label(left - 6, y + BAR - 3, fit(label, left - 10, keep), keep + label))
        if value is None:
            body.append(f'<text x="{left + 4:.1f}" y="{y + BAR - 3}" fill="{INK}">—</text>')
            continue
        width = max(value, 0) / 100 * (right - left)
        body.append(f'<rect class="bar" x="{left:.1f}" y="{y}" width="{width:.1f}" '
                    f'height="{BAR}" fill="{colour}"/>'
                    f'<text x="{left + width + 4:.1f}" y="{y + BAR - 3}">{value:.1f}%</text>')
    return _svg(top + len(rows) * ROW + 16, title, body)


def investment_bars(rows: Sequence[tuple[str, float | None, float | None]], title: str,
                    completed: str, expected: str) -> Markup:
    """Per group: investment completed (% of the annual plan) and a mark at 序时进度."""
    left = _label_column([r[0] for r in rows])
    right = WIDTH - 60
    top = 30
    body = _legend([("#1c7ed6", completed), (INK, expected)], left, 16)
    body += _grid(left, right, top, len(rows))
    span = right - left
    for i, (label, done, due) in enumerate(rows):
        y = top + i * ROW
        body.append(_label(left - 6, y + BAR - 3, fit(label, left - 10), label))
        if done is None:
            body.append(f'<text x="{left + 4:.1f}" y="{y + BAR - 3}" fill="{INK}">—</text>')
            continue
        width = min(max(done, 0), 120) / 100 * span
        body.append(f'<rect class="bar" x="{left:.1f}" y="{y}" width="{width:.1f}" '
                    f'height="{BAR}" fill="#1c7ed6"/>'
                    f'<text x="{left + width + 4:.1f}" y="{y + BAR - 3}">{done:.1f}%</text>')
        if due is not None:
            x = left + min(max(due, 0), 120) / 100 * span
            body.append(f'<line class="expected" x1="{x:.1f}" x2="{x:.1f}" y1="{y - 3}" '
                        f'y2="{y + BAR + 3}" stroke="{INK}" stroke-width="2"/>')
    return _svg(top + len(rows) * ROW + 16, title, body)


def _grid(left: float, right: float, top: float, n: int) -> list[str]:
    """Vertical lines at 0, 25, 50, 75 and 100%, labelled below the bars."""
    bottom = top + n * ROW
    out = []
    for pct in (0, 25, 50, 75, 100):
        x = left + pct / 100 * (right - left)
        out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top - 4}" y2="{bottom}" '
                   f'stroke="{GRID}"/><text x="{x:.1f}" y="{bottom + 12}" '
                   f'text-anchor="middle" fill="#868e96" font-size="10">{pct}%</text>')
    return out
