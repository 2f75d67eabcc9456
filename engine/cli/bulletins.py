"""The bulletin commands: ``lights bulletin`` (通报), ``lights invest`` (投资报送) and
``lights investment`` (each project's investment light)."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import click
from rich.table import Table
from rich.text import Text
from sqlalchemy import select

from engine.atomic import write_bytes_atomically
from engine.bulletins.build import Bulletin, BulletinError, build
from engine.bulletins.config import Campaign
from engine.bulletins.periods import EXAMPLES, KINDS, BadPeriod, Period, campaign, parse
from engine.bulletins.project_lights import (
    LIGHTS,
    ProjectFilter,
    ProjectLights,
    as_rows,
    project_lights,
)
from engine.bulletins.render import FORMATS, render
from engine.bulletins.scope import Scope
from engine.bulletins.words import w, wan
from engine.cli import cli
from engine.cli.common import BY, DATE, FORMAT, App, UserError, common, emit
from engine.cli.filters import project_codes, project_filters
from engine.cli.views import light_cell
from engine.i18n import light_label, value_code, value_label
from engine.investment import parse_amount, record_investment
from engine.store.db import read_only
from engine.store.tables import CATEGORIES, LEVELS, P
from rules.investment import PRESETS
from rules.reasons import format_day

SUFFIXES = {".html": "html", ".htm": "html", ".md": "md", ".markdown": "md", ".csv": "csv",
            ".docx": "docx"}


def _period(app: App, given: dict[str, str | None], chosen_campaign: Campaign | None,
            as_of: date | None) -> Period:
    chosen = [(kind, text) for kind, text in given.items() if text]
    if chosen_campaign is not None:
        # A campaign is its own period; --year says which year's (default: the as-of's).
        others = [kind for kind, _ in chosen if kind != "year"]
        if others:
            raise UserError(w("cli.campaign_period", app.lang, option=others[0]))
        year = parse("year", given["year"]).start.year if given["year"] else \
            (as_of or app.config.today()).year
        return campaign(chosen_campaign.name, *chosen_campaign.window(year))
    if len(chosen) != 1:
        raise UserError(w("cli.one_period", app.lang))
    kind, text = chosen[0]
    try:
        return parse(kind, text)  # type: ignore[arg-type]
    except BadPeriod:
        raise UserError(w("cli.bad_period", app.lang, kind=kind, text=text,
                          what=w(f"kind.{kind}", app.lang), example=EXAMPLES[kind])) from None


def _campaign(app: App, name: str | None) -> Campaign | None:
    if name is None:
        return None
    found = app.config.bulletins.campaign(name)
    if found is None:
        known = "、".join(c.name for c in app.config.bulletins.campaigns) or w("none", app.lang)
        raise UserError(w("cli.no_campaign", app.lang, name=name, known=known))
    return found


def _scope(app: App, region: str | None, level: str | None, category: str | None,
           engine: Any) -> Scope:
    """The scope asked for, codes checked; a region no project has is refused with the
    regions there are (a typo must not give an empty bulletin)."""
    scope = Scope(region, value_code(level) if level else None,
                  value_code(category) if category else None)
    for option, code, known in (("--level", scope.level, LEVELS),
                                ("--category", scope.category, CATEGORIES)):
        if code is not None and code not in known:
            raise UserError(w("cli.bad_scope", app.lang, option=option, value=code,
                              known="、".join(value_label(k, app.lang) for k in known)))
    if region is not None:
        with read_only(engine).connect() as conn:
            regions = sorted(conn.execute(select(P.c.region).distinct()).scalars())
        if region not in regions:
            raise UserError(w("cli.bad_scope", app.lang, option="--region", value=region,
                              known="、".join(regions) or w("none", app.lang)))
    return scope


def _format(fmt: str | None, out: str | None) -> str:
    if fmt:
        return fmt
    if out:
        return SUFFIXES.get(Path(out).suffix.lower(), "html")
    return "md"


@cli.command()
@click.option("--week", metavar="2026-W47", help="ISO week / 周")
@click.option("--half", metavar="2026-11-1", help="half month: 1 = 1st–15th, 2 = 16th–end / 半月")
@click.option("--month", metavar="2026-10", help="month / 月")
@click.option("--quarter", metavar="2026Q3", help="quarter / 季度")
@click.option("--year", metavar="2026", help="year / 年")
@click.option("--campaign", "campaign_name", metavar="NAME",
              help="a campaign of bulletins.campaigns (百日攻坚): its window, its targets")
@click.option("--region", help="one region's projects / 所属地区")
@click.option("--level", help="one level's projects: 省级|市级|县区级")
@click.option("--category", help="one category's projects: 产业|基础设施|…")
@click.option("--format", "fmt", type=click.Choice(FORMATS),
              help="html, md, csv or docx (default: from --out's suffix, else md)")
@click.option("--out", type=click.Path(dir_okay=False), help="write to this file / 输出文件")
@click.option("--as-of", type=DATE,
              help="for a period not over yet: figures as of this date (default today)")
@click.option("--issued", type=DATE, help="docx: the date of issue / 成文日期 (default today)")
@click.option("--number", type=click.IntRange(1), help="docx: the n of the 文号 pattern "
                                                      "(default: the month, quarter … number)")
@click.option("--send", is_flag=True,
              help="queue it for bulletins.send_to in the notices outbox / 发送")
@common
def bulletin(app: App, week: str | None, half: str | None, month: str | None,
             quarter: str | None, year: str | None, campaign_name: str | None,
             region: str | None, level: str | None, category: str | None, fmt: str | None,
             out: str | None, as_of: date | None, issued: date | None, number: int | None,
             send: bool) -> None:
    """A bulletin ranking regions and departments (通报): week, half month … year, or a
    campaign; of the whole programme or of one region, level or category."""
    chosen_campaign = _campaign(app, campaign_name)
    period = _period(app, dict(zip(KINDS, (week, half, month, quarter, year), strict=True)),
                     chosen_campaign, as_of)
    fmt = _format(fmt, out)
    if fmt == "docx" and not out:
        raise UserError(w("cli.docx_out", app.lang))
    engine = app.database()
    scope = _scope(app, region, level, category, engine)
    try:
        made = build(engine, app.config, period, as_of=as_of, scope=scope,
                     campaign=chosen_campaign)
    except BulletinError:
        raise UserError(w("cli.not_begun", app.lang, period=period.label(app.lang),
                          start=period.start)) from None
    if made.now.later_projects:
        app.err.print(w("note.later_projects", app.lang, n=made.now.later_projects,
                        as_of=made.as_of), markup=False)
    if out:
        _write(app, made, fmt, Path(out), issued, number)
        app.console.print(w("cli.written", app.lang, path=out, label=period.label(app.lang),
                            as_of=made.as_of), markup=False)
    elif not send:
        click.echo(render(made, fmt, app.lang), nl=False)
    if send:
        from engine.bulletins.send import NoRecipients, queue_bulletin

        try:
            queued = queue_bulletin(engine, app.config, made, app.lang)
        except NoRecipients as exc:
            raise UserError(str(exc)) from None
        app.console.print(w("cli.queued", app.lang, n=queued.queued, skipped=queued.skipped),
                          markup=False)


def _write(app: App, made: Bulletin, fmt: str, out: Path, issued: date | None,
           number: int | None) -> None:
    """The file: a Word document, a CSV with its BOM (Chinese Excel reads UTF-8 by it),
    or the text; written whole or not at all."""
    if fmt == "docx":
        from engine.bulletins.word import Issue, write_docx

        data, said = write_docx(made, app.lang, Issue(issued or app.config.today(), number),
                                app.config.bulletins.issuer, app.config.bulletins.fonts)
        for line in said:
            app.err.print(line, markup=False)
    else:
        text = render(made, fmt, app.lang)
        data = text.encode("utf-8-sig" if fmt == "csv" else "utf-8")
    write_bytes_atomically(out, data)  # whole or not at all; CannotWrite is one sentence


@cli.command()
@click.argument("project")
@click.option("--date", "report_date", type=DATE, help="report date (default today) / 报送日期")
@click.option("--month-amount", help="本月完成投资, 万元 (1200, 1200万, 0.12亿)")
@click.option("--ytd", help="本年累计完成投资, 万元 (default: previous + this month)")
@click.option("--funds", help="本年到位资金, 万元 (default: as last reported)")
@click.option("--started", type=DATE, help="实际开工（复工）时间")
@click.option("--note", default="", help="note / 备注")
@BY
@common
def invest(app: App, project: str, report_date: date | None, month_amount: str | None,
           ytd: str | None, funds: str | None, started: date | None, note: str,
           actor: str) -> None:
    """Record a project's investment report (投资报送): amounts in 万元."""
    rec = record_investment(
        app.database(), project, report_date=report_date or app.config.today(),
        month_amount=parse_amount(month_amount, "--month-amount"),
        ytd_amount=parse_amount(ytd, "--ytd"), funds_in_place=parse_amount(funds, "--funds"),
        actual_start=started, note=note, reporter=actor)
    started_text = format_day(rec.actual_start, app.lang) if rec.actual_start else "—"
    app.console.print(w("cli.invested", app.lang, project=rec.project,
                        day=format_day(rec.report_date, app.lang), month=wan(rec.month_amount),
                        ytd=wan(rec.ytd_amount), funds=wan(rec.funds_in_place),
                        started=started_text), markup=False)


@cli.command()
@project_filters
@click.option("--light", "lights_", multiple=True, type=click.Choice(LIGHTS),
              help="red, yellow, green or none (not judged) / 灯")
@click.option("--as-of", type=DATE, help="the figures as they stood that day (default: the "
                                         "latest night's date, else today)")
@FORMAT
@common
def investment(app: App, filters: dict[str, Any], lights_: tuple[str, ...],
               as_of: date | None, fmt: str) -> None:
    """Each project's investment light, worst first (投资红黄绿灯): money against 序时进度
    and the start of works, by the preset in config.yaml."""
    flt = ProjectFilter(**project_codes(filters, app), lights=lights_)
    found = project_lights(app.database(), app.config, as_of, flt)
    for warning in found.warnings:
        app.err.print(w("note.calendar", app.lang, text=warning), markup=False)
    rows = as_rows(found.projects, app.lang)
    if fmt != "table":
        emit(app, fmt, rows, None)
        return
    if not rows:
        app.console.print(w("inv.empty", app.lang))
        return
    app.console.print(_investment_table(found, rows, app))


def _investment_table(found: ProjectLights, rows: list[dict[str, Any]], app: App) -> Table:
    lang = app.lang
    counts = Counter(row["light"] or "none" for row in rows)
    preset = PRESETS[app.config.bulletins.preset]
    table = Table(title=w("inv.title", lang, as_of=found.as_of), header_style="bold",
                  caption_justify="left")
    for key in ("col.light", "col.project", "col.region", "col.department", "col.plan_wan",
                "col.completed_wan", "col.completion", "col.expected", "col.funds_wan",
                "col.reason"):
        table.add_column(w(key, lang), overflow="fold",
                         justify="right" if key in _NUMBERS else "left")
    for row, p in zip(rows, found.projects, strict=True):
        f = p.figures
        table.add_row(light_cell(row["light"], lang) if row["light"] else Text(" — "),
                      f"{row['project']} {row['project_name']}", row["region"],
                      row["department"], wan(f.annual_plan), wan(f.completed),
                      f.investment_rate.text(), f.expected_rate.text(), wan(f.funds),
                      row["reason"] or (w("inv.none", lang) if not row["light"] else ""))
    shown = "  ".join(f"{light_label(k, lang) if k != 'none' else '—'} {counts[k]}"
                      for k in LIGHTS if counts[k])
    table.caption = "\n".join([f"{w('inv.footer', lang, n=len(rows))}    {shown}",
                               w("c.preset", lang, name=preset.name,
                                 desc=preset.description(lang))])
    return table


_NUMBERS = frozenset({"col.plan_wan", "col.completed_wan", "col.completion", "col.expected",
                      "col.funds_wan"})
