"""Ledger commands: import, export, template (台账导入、导出、模板)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import click
from rich.text import Text

from engine.cli import cli, views
from engine.cli.common import BY, DATE, App, UserError, common
from engine.cli.filters import milestone_filters, status_filter
from engine.ledger.export import export_ledger
from engine.ledger.load import ImportSummary, OutOfOrder, import_ledger
from engine.ledger.problems import LedgerInvalid
from engine.ledger.template import write_template
from engine.ledger.validate import read_ledger
from engine.ledger.words import say
from rules.reasons import format_day

SHOWN = 20  # changes and moves listed on the terminal; --format json has them all
@cli.command("import")
@click.argument("files", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True,
              help="check and show what would change, write nothing / 只检查，不写入")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
@click.option("--as-of", "stood_on", type=DATE,
              help="a past ledger as it stood that day: entered then, its reports dated "
                   "then, lights evaluated as of it (import months in order) / 历史台账")
@BY
@common
def import_cmd(app: App, files: tuple[Path, ...], dry_run: bool, fmt: str, stood_on: date | None,
               actor: str) -> None:
    """Import ledgers (.xlsx, .csv): projects, milestones, progress / 导入台账."""
    engine = app.database()
    today = app.config.today()
    if stood_on is not None and stood_on > today:
        raise UserError(say("import.future", app.lang, day=format_day(stood_on, app.lang)))
    ledger = read_ledger(files, app.config, app.lang, stood_on or today)
    try:
        summary = import_ledger(engine, app.config, ledger, lang=app.lang, actor=actor,
                                dry_run=dry_run, today=today, stood_on=stood_on)
    except OutOfOrder as exc:
        raise UserError(say("import.out_of_order", app.lang,
                            day=format_day(exc.stood_on, app.lang),
                            latest=format_day(exc.latest, app.lang))) from None
    except LedgerInvalid as exc:
        if fmt == "json":
            click.echo(json.dumps({"problems": [p.as_json(app.lang) for p in exc.problems],
                                   "warnings": ledger.warnings}, ensure_ascii=False, indent=2))
        else:
            for warning in ledger.warnings:
                app.err.print(say("import.warning", app.lang, text=warning), markup=False)
            for problem in exc.problems:
                app.err.print(problem.text(app.lang), markup=False)
        raise UserError(say("import.problems", app.lang, n=len(exc.problems))) from None
    if fmt == "json":
        click.echo(json.dumps(summary.as_json(app.lang), ensure_ascii=False, indent=2))
        return
    _print_summary(app, summary)


def _print_summary(app: App, summary: ImportSummary) -> None:
    lang, out = app.lang, app.console
    files = "、".join(summary.files) if lang == "zh" else ", ".join(summary.files)
    title = say("import.title_dry", lang, files=files) if summary.dry_run else \
        say("import.title", lang, files=files, as_of=format_day(summary.as_of, lang))
    out.print(Text(title, style="bold"))
    out.print(say("import.projects", lang, **summary.projects), markup=False)
    out.print(say("import.milestones", lang, **summary.milestones), markup=False)
    out.print(say("import.reports", lang, **summary.reports), markup=False)
    if any(summary.investment.values()):
        out.print(say("import.investment", lang, **summary.investment), markup=False)
    out.print(say("import.moves", lang, n=len(summary.moves)), markup=False)
    for line in summary.change_lines(lang, SHOWN):
        out.print(f"  {line}", markup=False)
    if len(summary.changes) > SHOWN:
        out.print("  " + say("import.more", lang, n=len(summary.changes) - SHOWN),
                  markup=False)
    if summary.moves:
        table = views.moves_table(summary.moves[:SHOWN], lang)
        if not summary.dry_run:
            table.title = say("import.moved", lang)
        out.print(table)
        if len(summary.moves) > SHOWN:
            out.print(say("import.more", lang, n=len(summary.moves) - SHOWN), markup=False)
    for warning in summary.warnings:
        app.err.print(say("import.warning", lang, text=warning), markup=False)


@cli.command("export")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@milestone_filters
@click.option("--split", type=click.Choice(["level", "region"]),
              help="one milestone sheet per level or region (.xlsx) / 按级别或地区分表")
@click.option("--encoding", type=click.Choice(["utf-8-sig", "gb18030"]), default="utf-8-sig",
              show_default=True, help="CSV encoding / CSV 编码")
@common
def export_cmd(app: App, file: Path, filters: dict[str, Any], split: str | None,
               encoding: str) -> None:
    """Export the ledger with its lights to .xlsx or .csv / 导出台账（含红黄绿灯）."""
    suffix = file.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise UserError(say("export.suffix", app.lang, file=file))
    if split and suffix == ".csv":
        raise UserError(say("export.split_csv", app.lang))
    flt = status_filter(app, filters)
    done = export_ledger(app.database(), app.config, file, flt, lang=app.lang,
                         split=split, encoding=encoding)  # type: ignore[arg-type]
    app.console.print(say("export.done", app.lang, projects=done.projects,
                          milestones=done.milestones, file=file), markup=False)


@cli.command("template")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@common
def template_cmd(app: App, file: Path) -> None:
    """Write an empty ledger workbook to fill in / 生成台账模板."""
    if file.suffix.lower() != ".xlsx":
        raise UserError(say("template.suffix", app.lang, file=file))
    write_template(file, app.config, app.lang)
    app.console.print(say("template.done", app.lang, file=file), markup=False)
