"""Render a bulletin as HTML (one self-contained file, charts inline), Markdown or CSV.

The HTML and Markdown come from Jinja2 templates in notifications/templates/bulletins/
(autoescaped HTML, StrictUndefined, a sandbox since deployments may edit them); the
Markdown escapes <, > and & in every value too (it is the plain-text part of the mail
and is often rendered as HTML). Both read the same plain view built here, so the
templates only lay it out; :mod:`.word` reads it for the Word document. CSV is written
with the csv module: one row per group and dimension, numbers as numbers, for Excel.
"""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined, select_autoescape
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup

from engine.bulletins import charts, written
from engine.bulletins.build import Bulletin
from engine.bulletins.problems import rate_of as problem_rate
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
FORMATS = ("html", "md", "csv", "docx")
NUMERALS = ("一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二", "十三",
            "十四", "十五")


@cache
def environment(fmt: str = "html") -> ImmutableSandboxedEnvironment:
    env = ImmutableSandboxedEnvironment(
        loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "xml"]),
        undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
        keep_trailing_newline=True, finalize=_md_escape if fmt == "md" else None)
    env.filters["cell"] = _md_cell
    return env


def _md_escape(value: Any) -> Any:
    """Every value a Markdown template prints: <script> in a project name stays text."""
    if isinstance(value, str):
        return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return value


def _md_cell(value: Any) -> str:
    """A Markdown table cell: pipes escaped, no line breaks."""
    return str(value).replace("|", "\\|").replace("\n", " ")


def render(bulletin: Bulletin, fmt: str, lang: str) -> str:
    """The bulletin as text in ``fmt`` (html, md or csv) and ``lang`` (zh or en)."""
    if fmt == "csv":
        return to_csv(bulletin, lang)
    template = environment(fmt).get_template(f"bulletin.{fmt}")
    return template.render(**view(bulletin, lang, with_charts=fmt == "html"))


# -- the view ---------------------------------------------------------------------------
def view(b: Bulletin, lang: str, with_charts: bool = False) -> dict[str, Any]:
    """Everything the templates print, already in words."""
    now, before = b.programme, b.programme_before
    prev_as_of = b.previous.end
    order = sections(b)
    scope = b.scope.label(lang)
    out: dict[str, Any] = {
        "lang": lang,
        "title": w("title", lang, noun=b.period.noun(lang)),
        "subtitle": w("subtitle_scope", lang, label=b.period.label(lang), scope=scope,
                      as_of=b.as_of) if scope
        else w("subtitle", lang, label=b.period.label(lang), as_of=b.as_of),
        "compared_with": w("compared_with", lang, label=b.previous.label(lang),
                           as_of=prev_as_of),
        "w": lambda key, **kw: w(key, lang, **kw),
        "sections": order,
        "h": {key: heading(order, key, lang, b.score is not None) for key in order},
        "assessment": written.overall(b, lang),
        "red_by_unit": written.red_by_unit(b, lang),
        "judgement": written.judgement(b, lang),
        "requirements": written.requirements(b, lang),
        "campaign": _campaign(b, lang),
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
        "rankings": [_ranking(b, dim, lang) for dim in b.rankings],
        "scored": b.score is not None,
        "score_formula": score_formula(b, lang),
        "too_few": w("rank.too_few", lang, n=b.min_due) if b.min_due > 1 else "",
        "groups": [_group_table(b, dim, lang) for dim in ("category", "level", "nature",
                                                           "region", "department")
                   if dim not in b.scope.given()],
        "red": [_node(r, lang) for r in b.red_nodes],
        "red_count": w("red_count", lang, n=len(b.red_nodes)),
        "problems": _problems(b, lang),
        "flagged": [_flagged(p, lang) for p in b.flagged],
        "due": [_node(r, lang) for r in b.due_next],
        "due_title": w("due_until", lang, from_=b.as_of + timedelta(days=1), until=b.due_until),
        "checks": [_check(c, lang) for c in b.checks],
        "closing": _closing(b, lang),
        "notes": [w(key, lang, **values) for key, values in b.notes],
        "chart_tables": chart_tables(b, lang),
        "charts": svg_charts(b, lang) if with_charts else {},
    }
    return out


def sections(b: Bulletin) -> list[str]:
    """The sections the bulletin has, in order (a campaign's, the checks' when any)."""
    order = ["overview"]
    if b.campaign is not None:
        order.append("campaign")
    order += ["rankings", "charts", "groups", "red"]
    if b.problems is not None:
        order.append("problems")
    order += ["invest", "due"]
    if b.checks:
        order.append("checks")
    order += ["judgement", "requirements", "closing"]
    return order


def heading(order: list[str], key: str, lang: str, scored: bool = False) -> str:
    """一、总体情况 / 1. Overview — numbered by its place."""
    i = order.index(key)
    word = w("sec.rankings_score" if scored and key == "rankings" else f"sec.{key}", lang)
    return f"{NUMERALS[i]}、{word}" if lang == "zh" else f"{i + 1}. {word}"


def score_formula(b: Bulletin, lang: str) -> str:
    """综合得分＝节点完成率×50%＋… — printed wherever the ranking is by score."""
    if b.score is None:
        return ""
    total = sum(b.score.weights.values())
    sep = "＋" if lang == "zh" else " + "
    parts = sep.join(f"{w(f'score.part.{k}', lang)}×{v / total * 100:g}%"
                     for k, v in b.score.weights.items() if v > 0)
    return w("score.formula", lang, parts=parts, red=f"{b.score.red_points:g}")


def _campaign(b: Bulletin, lang: str) -> dict[str, Any] | None:
    """The campaign's targets: where each rate stood when it began, now, and the gap."""
    c = b.campaign
    if c is None:
        return None
    rows = []
    for code, target in c.targets.items():
        now, start = written.rate_of(b, code), written.rate_of(b, code, "before")
        pct = None if now is None else now.percent
        gap = None if pct is None else max(target * 100 - pct, 0.0)
        rows.append({"label": w(f"rate.{code}", lang), "target": f"{target * 100:g}%",
                     "start": start.text() if start else "—",
                     "now": now.text() if now else "—",
                     "gap": "—" if gap is None else w("points", lang, sign="", v=f"{gap:.1f}"),
                     "met": "—" if pct is None else w(
                         "camp.yes" if pct >= target * 100 else "camp.no", lang)})
    regions = []
    if "region" not in b.scope.given():
        for name in sorted(b.now.groups["region"]):
            cells = []
            for code, target in c.targets.items():
                rate = written.rate_of(b, code, region=name)
                pct = None if rate is None else rate.percent
                cells.append({"text": rate.text() if rate else "—",
                              "met": pct is not None and pct >= target * 100})
            regions.append({"name": name, "cells": cells})
    return {"window": w("camp.window", lang, name=c.name, first=b.period.start,
                        last=b.period.end, as_of=b.as_of),
            "sentence": written.campaign(b, lang) or w("camp.none", lang), "rows": rows,
            "columns": [w(f"rate.{code}", lang) for code in c.targets], "regions": regions}


def _problems(b: Bulletin, lang: str) -> dict[str, Any] | None:
    """The problem rates by 主办单位 (best first: on time, closed, cleared, fewer overdue)."""
    if b.problems is None:
        return None

    def pct(rate: Any) -> str:
        return rate.text() if rate is not None else "—"

    def key(kv: tuple[str, Any]) -> tuple[Any, ...]:
        name, r = kv
        shares = [problem_rate(r, code) for code in ("closed_on_time", "closed", "cleared")]
        return (*(-(x.percent if x and x.percent is not None else -1) for x in shares),
                r.overdue, name)

    rows = []
    for name, r in sorted(b.problems.groups["lead"].items(), key=key):
        if not (r.due or r.raised or r.overdue):
            continue
        rows.append({"unit": name, "due": r.due, "closed": r.closed, "on_time": r.on_time,
                     "raised": r.raised, "cleared": r.raised_closed, "overdue": r.overdue,
                     "closing": pct(problem_rate(r, "closed")),
                     "on_time_rate": pct(problem_rate(r, "closed_on_time")),
                     "cleared_rate": pct(problem_rate(r, "cleared"))})
    return {"sentence": written.problems(b, lang), "rows": rows}


def _check(c: Any, lang: str) -> dict[str, Any]:
    return {"project": c.project, "project_name": c.project_name, "region": c.region,
            "department": c.department,
            "what": w(f"check.{c.kind}", lang, milestone=c.milestone,
                      **{k: wan(v) if k == "completed" else v for k, v in c.numbers.items()})}


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
                     "score": "—" if r.score is None else f"{r.score:.2f}",
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
            "reason": reason(r.findings, r.stored_reason, lang),
            "unit_reason": w("unit_reason", lang, date=format_day(r.unit_reason.as_of, lang),
                             text=r.unit_reason.text) if r.unit_reason else ""}


def _flagged(p: Any, lang: str) -> dict[str, Any]:
    return {"project": p.code, "project_name": p.name, "region": p.groups["region"],
            "department": p.groups["department"], "leader": p.leader,
            "light": p.invest_light, "light_label": light_label(p.invest_light, lang),
            "plan": wan(p.figures.annual_plan), "completed": wan(p.figures.completed),
            "reason": invest_reason(p.invest_findings, lang)}


def _closing(b: Bulletin, lang: str) -> list[str]:
    """The rules in force, in words (no codes): the investment preset and the node rules."""
    sep = "；" if lang == "zh" else "; "
    lines = [w("c.preset_words", lang, desc=b.preset.description(lang)),
             w("c.basis", lang, basis=w(f"basis.{b.params.basis}", lang)),
             w("c.rules_words", lang, rules=sep.join(rule_words(name, params, lang)
                                                     for name, params in b.rules))]
    if b.score is not None:
        lines.append(score_formula(b, lang))
    return lines


def rule_words(name: str, params: Any, lang: str) -> str:
    """A node rule as a sentence with its numbers; a rule the words do not know yet by
    its own description."""
    values = params.model_dump() if hasattr(params, "model_dump") else {}
    if name == "overdue" and values.get("grace_days"):
        return w("rule.overdue_grace", lang, **values)
    if name == "schedule_lag" and (values.get("yellow_points") is None
                                   or values.get("red_points") is None):
        values = {k: "—" if v is None else f"{v:g}" for k, v in values.items()}
    elif name in ("schedule_lag", "due_soon"):
        values = {k: f"{v:g}" if isinstance(v, float) else v for k, v in values.items()}
    try:
        return w(f"rule.{name}", lang, **values)
    except KeyError:
        from rules.registry import REGISTRY

        spec = REGISTRY.get(name)
        return spec.description if spec else name


def svg_charts(b: Bulletin, lang: str) -> dict[str, Markup]:
    regions = b.now.groups["region"]
    names = sorted(regions)
    lights = charts.light_bars([(n, regions[n].lights) for n in names], LIGHT_ORDER, lang,
                               w("chart.lights", lang))
    out = {"lights": lights}
    for dim, key in (("region", "rank"), ("department", "rank_dept")):
        if dim not in b.rankings:  # a region's bulletin does not rank regions
            out[key] = Markup("")
            continue
        out[key] = charts.rate_bars(
            [(r.name, r.rate.percent, str(r.rank) if r.rank else "") for r in b.rankings[dim]],
            w(f"chart.{key}", lang))
    out["invest"] = charts.investment_bars(
        [(n, regions[n].investment_rate.percent, regions[n].expected_rate.percent)
         for n in names], w("chart.invest", lang), w("chart.completed", lang),
        w("chart.expected", lang))
    return out


def chart_tables(b: Bulletin, lang: str) -> list[dict[str, Any]]:
    """The charts' numbers as tables (the Markdown's section 三, a Word file without a
    Chinese font): lights per region, the rankings' rates, investment per region."""
    regions = b.now.groups["region"]
    names = sorted(regions)
    present = [k for k in LIGHT_ORDER if any(regions[n].lights.get(k, 0) for n in names)]
    out = [{"title": w("chart.lights", lang),
            "header": [w("col.region", lang), *(light_label(k, lang) for k in present)],
            "rows": [[n, *(regions[n].lights.get(k, 0) for k in present)] for n in names],
            "align": ["---", *("---:" for _ in present)]}]
    for dim, key in (("region", "rank"), ("department", "rank_dept")):
        if dim not in b.rankings:
            continue
        measure = w("col.score", lang) if b.score else w("rate.node", lang)
        out.append({"title": w(f"chart.{key}", lang),
                    "header": [w("col.rank", lang), w(DIM_LABEL[dim], lang), measure],
                    "rows": [[r.rank or "—", r.name,
                              (f"{r.score:.2f}" if r.score is not None else "—") if b.score
                              else r.rate.text()] for r in b.rankings[dim]],
                    "align": ["---:", "---", "---:"]})
    out.append({"title": w("chart.invest", lang),
                "header": [w("col.region", lang), w("chart.completed", lang),
                           w("chart.expected", lang)],
                "rows": [[n, regions[n].investment_rate.text(), regions[n].expected_rate.text()]
                         for n in names],
                "align": ["---", "---:", "---:"]})
    return out


# -- CSV ------------------------------------------------------------------------------------
def to_csv(b: Bulletin, lang: str) -> str:
    """One row per group of every dimension: figures, rates, rank and movement.

    Numbers are numbers (rates in percent with one decimal, amounts in 亿元 with two,
    the movement as places climbed, negative when fallen); every header is used once;
    names Excel would read as formulas (=, +, -, @) are kept as text by the ledger
    export's guard. No BOM here: the command writes it to a file (Chinese Excel needs
    it), not to a pipe.
    """
    from engine.ledger.export import formula_safe

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    pct = [w("csv.pct", lang, label=w(f"rate.{k}", lang)) for k in ("expected", *RATE_KEYS)]
    header = [w("csv.section", lang), w("col.name", lang), w("col.projects", lang),
              w("col.total_yi", lang), w("col.plan_yi", lang), w("col.completed_yi", lang),
              *pct, w("col.due", lang), w("col.on_time", lang), w("col.rank", lang),
              w("col.move", lang), *([w("csv.score", lang)] if b.score else []),
              *(w("csv.light", lang, label=light_label(k, lang)) for k in LIGHT_ORDER)]
    assert len(set(header)) == len(header), header
    writer.writerow(header)
    ranks = {dim: {r.name: r for r in b.rankings[dim]} for dim in b.rankings}
    for dim in DIMENSIONS:
        for name, f in sorted(b.now.groups[dim].items(), key=lambda kv: _order(dim, kv[0])):
            ranked = ranks.get(dim, {}).get(name)
            rates = f.rates()
            score = [] if not b.score else [
                "" if ranked is None or ranked.score is None else ranked.score]
            row: list[Any] = [
                w(DIM_LABEL[dim], lang), group_label(dim, name, lang), f.projects,
                _yi(f.total_investment), _yi(f.annual_plan), _yi(f.completed),
                _pct(f.expected_rate), *(_pct(rates[k]) for k in RATE_KEYS), f.nodes_due,
                f.nodes_on_time, "" if ranked is None or ranked.rank is None else ranked.rank,
                "" if ranked is None or ranked.move is None else ranked.move, *score,
                *(f.lights.get(k, 0) for k in LIGHT_ORDER)]
            writer.writerow([formula_safe(v) if isinstance(v, str) else v for v in row])
    return buf.getvalue()


def _yi(wan_: Any) -> Decimal:
    """万元 → 亿元 as a number with two decimals (39.98)."""
    return (Decimal(wan_) / Decimal(10_000)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def _pct(rate: Any) -> Any:
    """A rate in percent with one decimal, empty without a denominator."""
    value = rate.percent
    return "" if value is None else round(value, 1)


__all__ = ["FORMATS", "render", "to_csv", "value_label", "view"]
