"""The board's two charts of its own, as inline SVG: the red trend and the 时间节点图.

Drawn like the bulletins' charts (engine.bulletins.charts: its label widths and fonts),
in the lights' colours of the e-mails, every label escaped. The node chart is the wall
chart the offices pin up (挂图作战): a month axis, a line at the date the lights stand
at, each node's planned span with its progress filled in the colour of its light, ◆ the
planned date (◇ the original one when it was re-planned) and ● the actual finish.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from markupsafe import Markup, escape

from engine.bulletins.charts import FONT_FAMILY, text_width
from engine.i18n import light_label
from notifications.render import LIGHT_COLOURS

INK = "#1f2d3d"
MUTED = "#6b7785"
GRID = "#dfe3e8"
PLAN = "#e6eaef"
PLAN_EDGE = "#b8c1cc"
TODAY = "#c62828"
WIDTH = 1000


def colour(light: str) -> str:
    return LIGHT_COLOURS.get(light, "#80868b")


def _svg(width: float, height: float, title: str, body: list[str], css: str) -> Markup:
    return Markup(f'<svg xmlns="http://www.w3.org/2000/svg" class="{css}" role="img" '
                  f'viewBox="0 0 {width:.0f} {height:.0f}" width="100%" '
                  f'font-family="{FONT_FAMILY}" font-size="12">'
                  f"<title>{escape(title)}</title>{''.join(body)}</svg>")


def _short_day(day: date, lang: str) -> str:
    return f"{day.month}月{day.day}日" if lang == "zh" else day.strftime("%b %d")


# -- the red trend ---------------------------------------------------------------------
def trend(points: Sequence[tuple[date, int]], lang: str, *, dark: bool = False) -> Markup:
    """Red nodes at each week's end: bars with their numbers, the last one strongest."""
    width, height, left, top, bottom = 640, 220, 36, 24, 34
    title = "近12周红灯节点数" if lang == "zh" else "Red nodes, last 12 weeks"
    ink = "#e8eef6" if dark else INK
    grid = "#2b4a6f" if dark else GRID
    if not points:
        return _svg(width, height, title, [], "chart trend")
    peak = max(max(n for _, n in points), 1)
    step = _nice_step(peak)
    top_value = step * -(-peak // step)
    plot_h = height - top - bottom
    slot = (width - left - 8) / len(points)
    body: list[str] = []
    for value in range(0, top_value + 1, step):
        y = top + plot_h - value / top_value * plot_h
        body.append(f'<line x1="{left}" x2="{width - 4}" y1="{y:.1f}" y2="{y:.1f}" '
                    f'stroke="{grid}"/><text x="{left - 6}" y="{y + 4:.1f}" fill="{ink}" '
                    f'text-anchor="end" font-size="11">{value}</text>')
    for i, (day, n) in enumerate(points):
        x = left + i * slot + slot * 0.18
        bar_w = slot * 0.64
        h = n / top_value * plot_h
        y = top + plot_h - h
        last = i == len(points) - 1
        fill = colour("red") if last else ("#e57373" if not dark else "#ef5350")
        body.append(f'<rect class="week" x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" '
                    f'height="{h:.1f}" fill="{fill}"><title>{escape(_short_day(day, lang))} '
                    f"{n}</title></rect>")
        body.append(f'<text x="{x + bar_w / 2:.1f}" y="{y - 5:.1f}" text-anchor="middle" '
                    f'fill="{ink}" font-size="12" font-weight="{700 if last else 400}">'
                    f"{n}</text>")
        body.append(f'<text x="{x + bar_w / 2:.1f}" y="{height - bottom + 16:.1f}" '
                    f'text-anchor="middle" fill="{ink}" font-size="11">'
                    f"{escape(_short_day(day, lang))}</text>")
    return _svg(width, height, title, body, "chart trend")


def _nice_step(peak: int) -> int:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
        if peak / step <= 5:
            return step
    return 10 ** len(str(peak))


# -- the 时间节点图 -------------------------------------------------------------------------
ROW = 30
AXIS = 52


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _d(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def timeline(rows: Sequence[dict[str, Any]], as_of: date, lang: str) -> Markup:
    """Each node of a project on one line, in plan order, against a month axis."""
    title = "时间节点图" if lang == "zh" else "Node timeline"
    if not rows:
        return _svg(WIDTH, 60, title, [], "chart timeline")
    names = [r["milestone"] for r in rows]
    left = min(max(text_width(n) for n in names) + 24, 260)
    right = WIDTH - 56
    days = [as_of]
    for r in rows:
        days += [d for d in (_d(r["planned_start"]), _d(r["planned_date"]),
                             _d(r["baseline_date"]), _d(r["actual_date"])) if d]
    lo = _month_start(min(days))
    hi = _next_month(max(days))
    span = max((hi - lo).days, 1)

    def x(day: date) -> float:
        return left + (day - lo).days / span * (right - left)

    height = AXIS + len(rows) * ROW + 66
    body: list[str] = [f'<rect x="{left}" y="{AXIS - 6}" width="{right - left}" '
                       f'height="{len(rows) * ROW + 6}" fill="#fbfcfd"/>']
    body += _month_axis(lo, hi, x, height - 46, lang)
    for i, r in enumerate(rows):
        body += _node_row(r, AXIS + i * ROW, x, left, right, as_of, lang)
    tx = x(as_of)
    label = ("截至" if lang == "zh" else "as of ") + _short_day(as_of, lang)
    bottom = height - 46
    body.append(f'<line class="today" x1="{tx:.1f}" x2="{tx:.1f}" y1="{AXIS - 6}" '
                f'y2="{bottom}" stroke="{TODAY}" stroke-width="1.5" stroke-dasharray="5 3"/>'
                f'<rect x="{tx - text_width(label, 11) / 2 - 5:.1f}" y="{bottom}" '
                f'width="{text_width(label, 11) + 10:.1f}" height="16" rx="2" fill="{TODAY}"/>'
                f'<text x="{tx:.1f}" y="{bottom + 12}" fill="#fff" text-anchor="middle" '
                f'font-size="11" font-weight="700">{escape(label)}</text>')
    body += _legend(height - 4, left, lang)
    return _svg(WIDTH, height, title, body, "chart timeline")


def _month_axis(lo: date, hi: date, x: Any, bottom: float, lang: str) -> list[str]:
    """Two rows above the chart: the years, and each month (every 2nd, 3rd … when many)."""
    months = []
    day = lo
    while day < hi:
        months.append(day)
        day = _next_month(day)
    every = 1 if len(months) <= 18 else 2 if len(months) <= 36 else 3 if len(months) <= 54 \
        else 6
    out = []
    for i, m in enumerate(months):
        mx = x(m)
        new_year = m.month == 1 or i == 0
        out.append(f'<line x1="{mx:.1f}" x2="{mx:.1f}" y1="{AXIS - (26 if new_year else 6)}" '
                   f'y2="{bottom:.1f}" stroke="{"#b3bcc7" if new_year else GRID}"/>')
        if new_year:
            year = f"{m.year}年" if lang == "zh" else str(m.year)
            out.append(f'<text x="{mx + 4:.1f}" y="{AXIS - 30}" fill="{INK}" font-size="12" '
                       f'font-weight="700">{escape(year)}</text>')
        if (m.month - 1) % every:
            continue
        label = f"{m.month}月" if lang == "zh" else m.strftime("%b")
        out.append(f'<text x="{mx + 4:.1f}" y="{AXIS - 12}" fill="{MUTED}" '
                   f'font-size="11">{escape(label)}</text>')
    return out


def _node_row(r: dict[str, Any], y: float, x: Any, left: float, right: float, as_of: date,
              lang: str) -> list[str]:
    planned = _d(r["planned_date"])
    assert planned is not None
    start = _d(r["planned_start"]) or planned - timedelta(days=30)
    actual = _d(r["actual_date"])
    baseline = _d(r["baseline_date"])
    light = r["light"]
    mid = y + ROW / 2
    out = [f'<g class="node light-{escape(light)}" data-id="{int(r["id"])}">',
           f'<title>{escape(r["milestone"])}：{escape(light_label(light, lang))} '
           f'{escape(r["reason"])}</title>',
           f'<line x1="8" x2="{right + 50}" y1="{y + ROW:.1f}" y2="{y + ROW:.1f}" '
           f'stroke="#eef1f4"/>',
           f'<circle cx="14" cy="{mid:.1f}" r="5" fill="{colour(light)}"/>',
           f'<text x="24" y="{mid + 4:.1f}" fill="{INK}">{escape(r["milestone"])}</text>']
    x0, x1 = x(start), x(planned)
    out.append(f'<rect class="plan" x="{x0:.1f}" y="{mid - 7:.1f}" '
               f'width="{max(x1 - x0, 2):.1f}" height="14" rx="2" fill="{PLAN}" '
               f'stroke="{PLAN_EDGE}"/>')
    if actual is not None:
        xa = x(actual)
        out.append(f'<rect class="actual" x="{min(x0, xa):.1f}" y="{mid - 4:.1f}" '
                   f'width="{max(abs(xa - x0), 2):.1f}" height="8" rx="2" '
                   f'fill="{colour(light)}"/>')
    elif r["percent"]:
        xp = x0 + (x1 - x0) * min(float(r["percent"]), 100) / 100
        out.append(f'<rect class="actual" x="{x0:.1f}" y="{mid - 4:.1f}" '
                   f'width="{max(xp - x0, 2):.1f}" height="8" rx="2" fill="{colour(light)}"/>')
    if baseline is not None and baseline != planned:
        xb = x(baseline)
        out.append(f'<path d="M{xb:.1f} {mid - 7:.1f} l6 7 l-6 7 l-6 -7 z" fill="#fff" '
                   f'stroke="{MUTED}" stroke-width="1.2"/>')
    out.append(f'<path class="planned" d="M{x1:.1f} {mid - 8:.1f} l7 8 l-7 8 l-7 -8 z" '
               f'fill="{INK}"/>')
    if actual is not None:
        out.append(f'<circle class="finished" cx="{x(actual):.1f}" cy="{mid:.1f}" r="6" '
                   f'fill="{colour(light)}" stroke="#fff" stroke-width="1.5"/>')
    out.append(f'<text x="{right + 8}" y="{mid + 4:.1f}" fill="{MUTED}" font-size="11">'
               f'{float(r["percent"]):g}%</text>')
    out.append("</g>")
    return out


def _legend(y: float, left: float, lang: str) -> list[str]:
    words = {"zh": ("计划工期", "实际进度（按灯色）", "计划完成", "原计划", "实际完成"),
             "en": ("planned span", "progress (light colour)", "planned date", "baseline",
                    "finished")}[lang]
    out = []
    xpos = left
    shapes = [f'<rect x="{{x}}" y="{y - 9}" width="18" height="10" fill="{PLAN}" '
              f'stroke="{PLAN_EDGE}"/>',
              f'<rect x="{{x}}" y="{y - 7}" width="18" height="6" fill="{colour("green")}"/>',
              f'<path d="M{{xm}} {y - 10} l6 6 l-6 6 l-6 -6 z" fill="{INK}"/>',
              f'<path d="M{{xm}} {y - 10} l6 6 l-6 6 l-6 -6 z" fill="#fff" stroke="{MUTED}"/>',
              f'<circle cx="{{xm}}" cy="{y - 4}" r="5" fill="{colour("done")}"/>']
    for shape, word in zip(shapes, words, strict=True):
        out.append(shape.format(x=f"{xpos:.1f}", xm=f"{xpos + 9:.1f}"))
        out.append(f'<text x="{xpos + 24:.1f}" y="{y}" fill="{MUTED}" font-size="11">'
                   f"{escape(word)}</text>")
        xpos += 24 + text_width(word, 11) + 18
    return out
