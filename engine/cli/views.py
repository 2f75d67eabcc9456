"""Rich renderings for the terminal: tables of lights, run summaries, timelines."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Any

from rich.console import Group
from rich.table import Table
from rich.text import Text

from engine.i18n import light_label, t, trigger_label
from rules.reasons import LANGS, calendar_warning, format_day

if TYPE_CHECKING:  # a type only: status's table need not load the evaluation
    from engine.evaluation.run import RunSummary

LIGHT_STYLES = {
    "red": "bold white on red",
    "yellow": "bold black on yellow",
    "green": "bold white on green",
    "done": "green",
    "done_late": "red",
    "planned": "dim",
    "suspended": "magenta",
    "cancelled": "dim strike",
}
# The wall chart's bars: the light's colour as the text, not a filled cell.
BAR_STYLES = {"red": "bold red", "yellow": "bold yellow", "green": "bold green",
              "done": "green", "done_late": "red", "planned": "dim", "suspended": "magenta",
              "cancelled": "dim strike"}
LIGHT_ORDER = ("red", "yellow", "green", "planned", "done", "done_late", "suspended",
               "cancelled")


def light_cell(light: str, lang: str) -> Text:
    return Text(f" {light_label(light, lang)} ", style=LIGHT_STYLES.get(light, ""))


def counts_line(counts: dict[str, int], lang: str) -> Text:
    line = Text()
    for light in LIGHT_ORDER:
        if counts.get(light):
            line.append_text(light_cell(light, lang))
            line.append(f" {counts[light]}   ")
    return line


def _day(iso: str | None, lang: str) -> str:
    return format_day(date.fromisoformat(iso), lang) if iso else "—"


def _milestone_name(row: dict[str, Any], lang: str, kind_label: Any) -> str:
    """The node's name, with its kind when the name does not say it already."""
    kind = kind_label(row["kind"], lang)
    if row["kind"] == "custom" or kind in row["milestone"]:
        return row["milestone"]
    return f"{row['milestone']}（{kind}）" if lang == "zh" else f"{row['milestone']} ({kind})"


def status_table(rows: list[dict[str, Any]], counts: dict[str, int], lang: str,
                 kind_label: Any) -> Table:
    """The rows with the counts of the whole selection (more than the rows when capped)."""
    total = sum(counts.values())
    table = Table(show_lines=False, expand=False, header_style="bold",
                  caption=t("status.footer", lang, total=total), caption_justify="left")
    for key in ("col.light", "col.project", "col.milestone", "col.region", "col.department",
                "col.planned", "col.percent", "col.reason"):
        table.add_column(t(key, lang), overflow="fold",
                         justify="right" if key == "col.percent" else "left")
    for row in rows:
        table.add_row(light_cell(row["light"], lang),
                      f"{row['project']} {row['project_name']}",
                      _milestone_name(row, lang, kind_label),
                      row["region"], row["department"], _day(row["planned_date"], lang),
                      f"{row['percent']:g}%", row["reason"])
    table.caption = Text.assemble(t("status.footer", lang, total=total), "    ",
                                  counts_line(counts, lang))
    return table


def run_summary(summary: RunSummary, lang: str) -> Group:
    as_of = format_day(summary.as_of, lang)
    title_key = ("run.title_replay" if summary.mode == "replay"
                 else "run.title_dry" if summary.dry_run else "run.title")
    parts: list[Any] = [Text(t(title_key, lang, as_of=as_of), style="bold"),
                        counts_line(summary.counts, lang),
                        Text(t("run.evaluated", lang, n=summary.evaluated, moves=summary.moves,
                               secs=f"{summary.duration_s:.2f}"))]
    if summary.moves_by_trigger:
        moves = "  ".join(f"{trigger_label(k, lang)} {v}"
                          for k, v in sorted(summary.moves_by_trigger.items(),
                                             key=lambda kv: -kv[1]))
        parts.append(Text(f"{t('run.moves', lang)}: {moves}"))
    if summary.status == "interrupted":
        parts.append(Text(t("run.interrupted", lang), style="bold yellow"))
    for warning in _localised(summary, lang):
        parts.append(Text(t("warning", lang, text=warning), style="yellow"))
    return Group(*parts)


def _localised(summary: RunSummary, lang: str) -> list[str]:
    """The run's warnings, the calendar one in ``lang`` whatever the configured language."""
    years, fallback = summary.estimated_years, summary.calendar_fallback
    calendar_texts = {calendar_warning(years, fallback, x) for x in LANGS} if years else set()
    return [calendar_warning(years, fallback, lang) if w in calendar_texts else w
            for w in summary.warnings]


def moves_table(moves: Iterable[Any], lang: str) -> Table:
    table = Table(title=t("run.would_move", lang), header_style="bold")
    for key in ("col.project", "col.milestone", "col.move", "col.reason"):
        table.add_column(t(key, lang), overflow="fold")
    for m in moves:
        table.add_row(m.project, m.milestone,
                      Text.assemble(light_cell(m.from_state, lang), " → ",
                                    light_cell(m.to_state, lang)),
                      m.reason)
    return table


def project_table(projects: list[dict[str, Any]], lang: str) -> Table:
    table = Table(title=t("demo.worst", lang), header_style="bold")
    for key in ("col.light", "col.project", "col.region", "col.leader", "col.counts"):
        table.add_column(t(key, lang), overflow="fold")
    for p in projects:
        table.add_row(light_cell(p["light"], lang), f"{p['project']} {p['name']}", p["region"],
                      p["leader"], counts_line(p["counts"], lang))
    return table


def _bar(row: dict[str, Any], lo: date, hi: date, width: int = 24) -> Text:
    """One line of the wall chart (挂图作战): the plan span, ◆ planned, ● actual."""
    span = max((hi - lo).days, 1)

    def pos(iso: str | None) -> int | None:
        if not iso:
            return None
        return min(width - 1, max(0, round((date.fromisoformat(iso) - lo).days / span
                                           * (width - 1))))

    cells = [" "] * width
    start, planned, actual = pos(row["planned_start"]), pos(row["planned_date"]), \
        pos(row["actual_date"])
    if start is not None and planned is not None:
        for i in range(start, planned + 1):
            cells[i] = "─"
    if planned is not None:
        cells[planned] = "◆"
    if actual is not None:
        cells[actual] = "●"
    return Text("".join(cells), style=BAR_STYLES.get(row["light"], ""))


def timeline_table(project: dict[str, Any], rows: list[dict[str, Any]], lang: str,
                   kind_label: Any) -> Table:
    title = t("show.title", lang, code=project["code"], name=project["name"],
              region=project["region"], department=project["department"],
              leader=project["leader"] or "—")
    table = Table(title=title, header_style="bold", title_justify="left")
    for key in ("col.milestone", "col.start", "col.planned", "col.actual", "col.percent",
                "col.light", "col.timeline", "col.reason"):
        table.add_column(t(key, lang), overflow="fold", no_wrap=key == "col.timeline",
                         justify="right" if key == "col.percent" else "left")
    days = [date.fromisoformat(d) for r in rows
            for d in (r["planned_start"], r["planned_date"], r["actual_date"]) if d]
    lo, hi = (min(days), max(days)) if days else (date.today(), date.today())
    for r in rows:
        planned = _day(r["planned_date"], lang)
        if r["baseline_date"] != r["planned_date"]:
            planned += f"\n({t('col.baseline', lang)} {_day(r['baseline_date'], lang)})"
        table.add_row(_milestone_name(r, lang, kind_label),
                      _day(r["planned_start"], lang), planned, _day(r["actual_date"], lang),
                      f"{r['percent']:g}%", light_cell(r["light"], lang), _bar(r, lo, hi),
                      r["reason"])
    return table


def history_table(ref: str, moves: list[dict[str, Any]], lang: str) -> Table:
    table = Table(title=t("history.title", lang, ref=ref), header_style="bold",
                  title_justify="left")
    for key in ("col.date", "col.move", "col.rules", "col.reason", "col.by"):
        table.add_column(t(key, lang), overflow="fold")
    for m in moves:
        table.add_row(_day(m["as_of"], lang),
                      Text.assemble(light_cell(m["from"], lang), " → ", light_cell(m["to"], lang),
                                    f" {trigger_label(m['trigger'], lang)}"),
                      m["rules"], m["reason"], m["actor"] or (f"run {m['run_id']}"
                                                              if m["run_id"] else ""))
    return table
