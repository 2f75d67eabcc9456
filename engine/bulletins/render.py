"""Render a bulletin as HTML (one self-contained file, charts inline), Markdown or CSV.

The HTML and Markdown come from Jinja2 templates in notifications/templates/bulletins/
(autoescaped HTML, StrictUndefined, a sandbox since deployments may edit them). Both
read the same plain view built here, so the templates only lay it out. CSV is written
with the csv module: one row per group and dimension with every rate, for Excel.
"""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined, select_autoescape
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup

from engine.bulletins import charts
from engine.bulletins.build import Bulletin
from engine.bulletins.ranking import Ranked
from engine.bulletins.rates import DIMENSIONS, Figures
from engine.bulletins.words import (
    DIM_LABEL,
    LIGHT_ORDER,
    RATE_KEYS,
    count_change,
    group_label,
    invest_reason,
    points,
    reason,
    w,
    wan,
    yi,
)
from engine.i18n import light_label, value_label
from rules.reasons import format_day

TEMPLATES = Path(__file__).resolve().parents[2] / "notifications" / "templates" / "bulletins"
FORMATS = ("html", "md", "csv")


@cache
def environment() -> ImmutableSandboxedEnvironment:
    env = ImmutableSandboxedEnvironment(
        loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "xml"]),
        undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
        keep_trailing_newline=True)
    env.filters["cell"] = _md_cell
    return env


def _md_cell(value: Any) -> str:
    """A Markdown table cell: pipes escaped, no line breaks."""
    return str(value).replace("|", "\\|").replace("\n", " ")


def render(bulletin: Bulletin, fmt: str, lang: str) -> str:
    """The bulletin as text in ``fmt`` (html, md or csv) and ``lang`` (zh or en)."""
    if fmt == "csv":
        return to_csv(bulletin, lang)
    template = environment().get_template(f"bulletin.{fmt}")
    return template.render(**view(bulletin, lang, with_charts=fmt == "html"))


# -- the view ---------------------------------------------------------------------------
def view(b: Bulletin, lang: str, with_charts: bool = False) -> dict[str, Any]:
    """Everything the templates print, already in words."""
    now, before = b.programme, b.programme_before
    prev_as_of = b.previous.end
    out: dict[str, Any] = {
        "lang": lang,
        "title": w("title", lang, noun=b.period.noun(lang)),
        "subtitle": w("subtitle", lang, label=b.period.label(lang), as_of=b.as_of),
        "compared_with": w("compared_with", lang, label=b.previous.label(lang),
                           as_of=prev_as_of),
        "w": lambda key, **kw: w(key, lang, **kw),
        "overview": _overview(b, lang),
        "rates": [{"label": w(f"rate.{k}", lang), "now": now.rates()[k].text(),
                   "before": before.rates()[k].text(),
                   "change": points(now.rates()[k].percent, before.rates()[k].percent, lang)}
                  for k in RATE_KEYS],
        "expected_rate": now.expected_rate.text(),
        "lights": [{"key": k, "label": light_label(k, lang), "now": now.lights.get(k, 0),
                    "before": before.lights.get(k, 0),
                    "change": count_change(now.lights.get(k, 0), before.lights.get(k, 0))}
                   for k in LIGHT_ORDER],
        "invest_lights": [{"key": k, "label": light_label(k, lang),
                           "now": now.invest_lights.get(k, 0),
                           "before": before.invest_lights.get(k, 0),
                           "change": count_change(now.invest_lights.get(k, 0),
                                                  before.invest_lights.get(k, 0))}
                          for k in ("red", "yellow", "green")],
        "rankings": [_ranking(b, dim, lang) for dim in ("region", "department")],
        "groups": [_group_table(b, dim, lang) for dim in ("category", "level", "nature",
                                                           "region", "department")],
        "red": [_node(r, lang) for r in b.red_nodes],
        "red_count": w("red_count", lang, n=len(b.red_nodes)),
        "flagged": [_flagged(p, lang) for p in b.flagged],
        "due": [_node(r, lang) for r in b.due_next],
        "due_title": w("due_until", lang, from_=b.as_of + timedelta(days=1), until=b.due_until),
        "closing": _closing(b, lang),
        "notes": [w(key, lang, **values) for key, values in b.notes],
        "charts": _charts(b, lang) if with_charts else {},
    }
    return out


def _overview(b: Bulletin, lang: str) -> list[dict[str, str]]:
    def yis(v: Any) -> str:
        return w("o.yi", lang, v=yi(v))

    f = b.programme
    natures = b.now.groups["nature"]
    new = natures.get("new", Figures()).total_investment
    cont = natures.get("continuing", Figures()).total_investment
    return [
        {"label": w("o.projects", lang),
         "value": w("o.projects_split", lang, n=f.projects, new=f.new, cont=f.continuing)},
        {"label": w("o.total", lang),
         "value": w("o.total_split", lang, all=yis(f.total_investment),
                    new=yis(new) if lang == "zh" else yi(new),
                    cont=yis(cont) if lang == "zh" else yi(cont))},
        {"label": w("o.plan", lang), "value": yis(f.annual_plan)},
        {"label": w("o.completed", lang),
         "value": f"{yis(f.completed)}（{f.investment_rate.text()}）" if lang == "zh"
         else f"{yis(f.completed)} ({f.investment_rate.text()})"},
        {"label": w("o.period_completed", lang), "value": yis(_in_period(b))},
        {"label": w("o.expected", lang),
         "value": f"{yis(f.expected)}（{f.expected_rate.text()}）" if lang == "zh"
         else f"{yis(f.expected)} ({f.expected_rate.text()})"},
        {"label": w("o.funds", lang),
         "value": f"{yis(f.funds)}（{f.funds_rate.text()}）" if lang == "zh"
         else f"{yis(f.funds)} ({f.funds_rate.text()})"},
    ]


def _in_period(b: Bulletin) -> Any:
    """Investment completed in the period: this year's total now less a period ago
    (the whole of it when the period starts a new year)."""
    if b.previous.end.year != b.as_of.year:
        return b.programme.completed
    return b.programme.completed - b.programme_before.completed


def _ranking(b: Bulletin, dim: str, lang: str) -> dict[str, Any]:
    groups = b.now.groups[dim]
    rows = []
    for r in b.rankings[dim]:
        f = groups[r.name]
        rows.append({"rank": r.rank if r.rank is not None else "—", "name": r.name,
                     "due": f.nodes_due, "on_time": f.nodes_on_time, "rate": r.rate.text(),
                     "arrow": r.arrow, "move": r.move, "red": f.lights.get("red", 0),
                     "yellow": f.lights.get("yellow", 0), "green": f.lights.get("green", 0)})
    return {"dim": dim, "title": w(f"s.rank.{dim}", lang), "column": w(DIM_LABEL[dim], lang),
            "rows": rows, "top": _names(b.top[dim], lang), "bottom": _names(b.bottom[dim], lang),
            "top_label": w("top", lang, n=b.top_n), "bottom_label": w("bottom", lang, n=b.top_n)}


def _names(rows: list[Ranked], lang: str) -> str:
    sep = "、" if lang == "zh" else ", "
    if not rows:
        return w("none", lang)
    form = "{}（{}）" if lang == "zh" else "{} ({})"
    return sep.join(form.format(r.name, r.rate.text()) for r in rows)


def _group_table(b: Bulletin, dim: str, lang: str) -> dict[str, Any]:
    rows = []
    for name, f in sorted(b.now.groups[dim].items(), key=lambda kv: _order(dim, kv[0])):
        rows.append(_group_row(dim, name, f, lang))
    return {"dim": dim, "column": w(DIM_LABEL[dim], lang), "rows": rows,
            "total": _group_row("programme", "", b.programme, lang)}


def _order(dim: str, value: str) -> tuple[int, str]:
    from engine.store.tables import CATEGORIES, LEVELS, NATURES

    known = {"category": CATEGORIES, "level": LEVELS, "nature": NATURES}.get(dim, ())
    return (known.index(value) if value in known else len(known), value)


def _group_row(dim: str, name: str, f: Figures, lang: str) -> dict[str, Any]:
    rates = f.rates()
    return {"name": group_label(dim, name, lang), "projects": f.projects,
            "total": yi(f.total_investment), "plan": yi(f.annual_plan),
            "completed": yi(f.completed), "expected": f.expected_rate.text(),
            **{k: rates[k].text() for k in RATE_KEYS},
            "lights": f"{f.lights.get('red', 0)}/{f.lights.get('yellow', 0)}/"
                      f"{f.lights.get('green', 0)}"}


def _node(r: Any, lang: str) -> dict[str, Any]:
    return {"project": r.project, "project_name": r.project_name, "milestone": r.milestone,
            "region": r.region, "department": r.department, "leader": r.leader,
            "planned": format_day(r.planned, lang), "days_late": r.days_late,
            "light": r.light, "light_label": light_label(r.light, lang),
            "reason": reason(r.findings, r.stored_reason, lang)}


def _flagged(p: Any, lang: str) -> dict[str, Any]:
    return {"project": p.code, "project_name": p.name, "region": p.groups["region"],
            "department": p.groups["department"], "leader": p.leader,
            "light": p.invest_light, "light_label": light_label(p.invest_light, lang),
            "plan": wan(p.figures.annual_plan), "completed": wan(p.figures.completed),
            "reason": invest_reason(p.invest_findings, lang)}


def _closing(b: Bulletin, lang: str) -> list[str]:
    rules = ", ".join(b.rule_names)
    lines = [w("c.preset", lang, name=b.preset.name, desc=b.preset.description(lang)),
             w("c.basis", lang, basis=w(f"basis.{b.params.basis}", lang)),
             w("c.rules", lang, rules=rules)]
    return lines


def _charts(b: Bulletin, lang: str) -> dict[str, Markup]:
    regions = b.now.groups["region"]
    names = sorted(regions)
    lights = charts.light_bars([(n, regions[n].lights) for n in names], LIGHT_ORDER, lang,
                               w("chart.lights", lang))
    out = {"lights": lights}
    for dim, key in (("region", "rank"), ("department", "rank_dept")):
        out[key] = charts.rate_bars(
            [(r.name, r.rate.percent, str(r.rank) if r.rank else "") for r in b.rankings[dim]],
            w(f"chart.{key}", lang))
    out["invest"] = charts.investment_bars(
        [(n, regions[n].investment_rate.percent, regions[n].expected_rate.percent)
         for n in names], w("chart.invest", lang), w("chart.completed", lang),
        w("chart.expected", lang))
    return out


# -- CSV ------------------------------------------------------------------------------------
def to_csv(b: Bulletin, lang: str) -> str:
    """One row per group of every dimension: figures, rates, rank and movement.

    The last column names the investment light preset in force (as every bulletin
    does), on each row so that the table stays rectangular for Excel.
    """
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    header = [w("csv.section", lang), w("col.name", lang), w("col.projects", lang),
              w("col.total_yi", lang), w("col.plan_yi", lang), w("col.completed_yi", lang),
              w("rate.expected", lang), *(w(f"rate.{k}", lang) for k in RATE_KEYS),
              w("col.due", lang), w("col.on_time", lang), w("col.rank", lang),
              w("col.move", lang), *(light_label(k, lang) for k in LIGHT_ORDER),
              w("col.preset", lang)]
    writer.writerow(header)
    ranks = {dim: {r.name: r for r in b.rankings[dim]} for dim in b.rankings}
    for dim in DIMENSIONS:
        for name, f in sorted(b.now.groups[dim].items(), key=lambda kv: _order(dim, kv[0])):
            ranked = ranks.get(dim, {}).get(name)
            rates = f.rates()
            writer.writerow([
                w(DIM_LABEL[dim], lang), group_label(dim, name, lang), f.projects,
                yi(f.total_investment), yi(f.annual_plan), yi(f.completed),
                f.expected_rate.text(), *(rates[k].text() for k in RATE_KEYS), f.nodes_due,
                f.nodes_on_time,
                "" if ranked is None else ("—" if ranked.rank is None else ranked.rank),
                "" if ranked is None else ranked.arrow,
                *(f.lights.get(k, 0) for k in LIGHT_ORDER), b.preset.name])
    return buf.getvalue()


__all__ = ["FORMATS", "render", "to_csv", "value_label", "view"]
