"""The core commands: init, demo, run, show, history and milestone actions (status has
its own module, engine.cli.status, to start quicker)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import click

from engine import actions, queries
from engine.cli import cli, views
from engine.cli.answers import answers_of, print_answers, print_reasons
from engine.cli.common import BY, DATE, FORMAT, REASON, App, common, emit, fail
from engine.cli.params import PERCENT
from engine.delays import reasons_of
from engine.i18n import light_label, trigger_label, value_label
from engine.store.db import read_only, sqlite_path
from engine.store.lookups import latest_as_of


# -- commands ---------------------------------------------------------------------
@cli.command()
@common
def init(app: App) -> None:
    """Create the database and its tables (safe to repeat) / 建立数据库."""
    engine = app.database(create=True)
    app.console.print(app.say("init.done", db=sqlite_path(app.config.database.url)
                              or engine.url.render_as_string()))


@cli.command()
@common
def demo(app: App) -> None:
    """Build the demo programme and light it / 生成演示数据并评估."""
    from engine.bulletins import demo as demo_bulletins
    from engine.demo import DEMO_AS_OF, build_demo, is_demo_only, reset_database
    from engine.demo.problems import add_demo_problems
    from engine.nightly import nightly
    from engine.web.demo import demo_accounts, demo_board
    from notifications.demo import add_demo_contacts, deliver_demo_mail, demo_config

    engine = app.database(create=True)
    if not is_demo_only(engine):
        fail(app.err, app.say("err.demo_real_data", db=app.config.database.url))
    reset_database(engine)
    info = build_demo(engine)
    app.console.print(app.say("demo.built", projects=info.projects, milestones=info.milestones,
                              reports=info.reports))
    config = demo_config(app.config)  # notices as .eml files in ./outbox, never SMTP
    board = demo_board(config)  # the e-mails link to the board that `lights serve` opens
    config = board.config
    add_demo_contacts(engine)
    month = demo_bulletins.prepare(engine, app.config, DEMO_AS_OF)  # investment, month ends
    add_demo_problems(engine, app.config)  # the problem list, every state and level
    with board.signing():
        summary = nightly(engine, config, DEMO_AS_OF, mode="manual", job="demo")
    app.console.print(views.run_summary(summary, app.lang))
    app.console.print(deliver_demo_mail(engine, config).describe(app.lang), markup=False)
    with read_only(engine).connect() as conn:
        worst = queries.project_lights(conn, limit=10)
    app.console.print(views.project_table(worst, app.lang))
    if worst:
        app.console.print(app.say("demo.next", code=worst[0]["project"]))
    app.console.print(demo_bulletins.write_bulletin(engine, app.config, month, app.lang),
                      markup=False)
    tried = demo_accounts(engine, config.web.base_url, worst[0]["leader"] if worst else "")
    click.echo(serve_words(app, board, tried))


def serve_words(app: App, board: Any, tried: list[tuple[str, str, str]]) -> str:
    """The command that serves the demo, and the accounts to sign in with."""
    from engine.links import SECRET_VARIABLE
    from engine.web.words import say as role_words

    db = sqlite_path(app.config.database.url) or app.config.database.url
    secret = "" if board.secret_given else f"{SECRET_VARIABLE}={board.secret} "
    lines = [app.say("demo.serve", command=f"{secret}lights serve --database {db}",
                     url=board.config.web.base_url)]
    lines += [app.say("demo.account", name=name, role=role_words(f"role.{role}", app.lang),
                      url=url) for name, role, url in tried]
    return "\n".join(lines)


@cli.command("run")
@click.option("--as-of", type=DATE, help="evaluate as of this date (default: today) / 评估日期")
@click.option("--dry-run", is_flag=True, help="show what would move, write nothing / 试运行")
@click.option("--replay", is_flag=True,
              help="evaluate an earlier date into a separate result / 回放历史日期")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.option("--force", is_flag=True, help="run a date more than run.max_days_ahead days past "
                                            "today / 强制评估较远的未来日期")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="split the run across N processes (PostgreSQL) / 并行进程数")
@common
def run_cmd(app: App, as_of: date | None, dry_run: bool, replay: bool, fmt: str,
            force: bool, workers: int) -> None:
    """Evaluate every open milestone and move the lights / 评估所有节点."""
    from engine.evaluation.run import run
    from engine.nightly import nightly  # the notices and their templates: only for a run
    from engine.nightly import replay as replay_night

    engine = app.database()
    if workers > 1 and engine.dialect.name != "postgresql":
        fail(app.err, "--workers 需要 PostgreSQL 数据库（SQLite 同一时间只允许一个写入者）"
             if app.lang == "zh" else
             "--workers needs a PostgreSQL database (SQLite has one writer at a time)")

    def night(progress: Any = None) -> Any:
        if dry_run:  # writes nothing, so it takes no lock
            return run(engine, app.config, as_of, dry_run=True, mode="manual",
                       progress=progress, workers=workers)
        if replay:
            return replay_night(engine, app.config, as_of)
        return nightly(engine, app.config, as_of, mode="manual", guard=not force,
                       progress=progress, workers=workers)

    if fmt == "table" and app.err.is_terminal:
        from rich.progress import Progress

        with Progress(console=app.err, transient=True) as bar:
            task = bar.add_task(app.say("run.progress"), total=None)
            summary = night(lambda done, total: bar.update(task, completed=done, total=total))
    else:
        summary = night()
    if fmt == "json":
        data = summary.as_json()
        if dry_run:
            data["would_move"] = [vars_of(m) for m in summary.moved]
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    app.console.print(views.run_summary(summary, app.lang))
    if dry_run and summary.moved:
        app.console.print(views.moves_table(summary.moved, app.lang))


def vars_of(obj: Any) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in obj.__slots__}


@cli.command()
@click.argument("project")
@FORMAT
@common
def show(app: App, project: str, fmt: str) -> None:
    """A project's milestones as a timeline, planned against actual / 项目时间节点图."""
    engine = app.database()
    with read_only(engine).connect() as conn:
        as_of = latest_as_of(conn) or app.config.today()
        info, rows = queries.project_timeline(conn, project, app.lang, as_of)
        answers = answers_of(conn, app.config, info["id"], [r["id"] for r in rows], as_of)
    for key in ("category", "level", "nature"):
        info[key] = value_label(info[key], app.lang)
    for r in rows:  # the unit's latest words on each node (JSON: delay_reason)
        said = answers.reasons.get(r["id"])
        r["delay_reason"] = None if said is None else \
            said.text if fmt == "csv" else said.as_json()
    table = views.timeline_table(info, rows, app.lang, app.kind_label) if fmt == "table" else None
    emit(app, fmt, rows, table)
    if fmt == "table":
        print_answers(app, answers, {r["id"]: r["milestone"] for r in rows})


@cli.command()
@click.argument("milestone")
@FORMAT
@common
def history(app: App, milestone: str, fmt: str) -> None:
    """Every move of a milestone (id or CODE/节点名称) / 节点变化记录."""
    engine = app.database()
    with read_only(engine).connect() as conn:
        row, moves = queries.history(conn, milestone, app.lang)
        said = reasons_of(conn, row.id)
    ref = f"{row.code}/{row.name}"
    if fmt == "table" and not moves:
        app.console.print(app.say("history.empty"))
    else:
        emit(app, fmt, moves,
             views.history_table(ref, moves, app.lang) if fmt == "table" else None)
    if fmt == "table" and said:
        print_reasons(app, said)


def _print_moves(app: App, moves: list[Any]) -> None:
    if not moves:
        app.console.print(app.say("unchanged"))
    for m in moves:
        app.console.print(app.say("moved", ref=f"{m.project}/{m.milestone}",
                                  frm=light_label(m.from_state, app.lang),
                                  to=light_label(m.to_state, app.lang),
                                  trigger=trigger_label(m.trigger, app.lang), reason=m.reason),
                          markup=False)


@cli.command()
@click.argument("milestone")
@click.argument("percent", type=PERCENT, required=False)
@click.option("--date", "report_date", type=DATE, help="report date (default today) / 报送日期")
@click.option("--done", "completed_on", type=DATE, help="completion date / 实际完成时间")
@click.option("--note", default="", help="note / 备注")
@BY
@common
def progress(app: App, milestone: str, percent: float | None, report_date: date | None,
             completed_on: date | None, note: str, actor: str) -> None:
    """Record progress (60%, 60 or 0.6; or --done DATE) for a milestone / 报送进展."""
    result = actions.record_progress(app.database(), app.config, milestone, percent,
                                     report_date=report_date, completed_on=completed_on,
                                     note=note, reporter=actor)
    shown = 100 if percent is None else percent
    app.console.print(app.say("progress.done", ref=milestone, percent=f"{shown:g}"), markup=False)
    _print_moves(app, result.moves)


@cli.command()
@click.argument("ref")
@click.option("--project", "whole_project", is_flag=True, help="REF is a project code / 整个项目")
@REASON
@BY
@common
def suspend(app: App, ref: str, whole_project: bool, reason: str, actor: str) -> None:
    """Suspend a milestone or a whole project / 暂停."""
    _print_moves(app, actions.suspend(app.database(), app.config, ref, reason=reason,
                                      actor=actor, project=whole_project))


@cli.command()
@click.argument("ref")
@click.option("--project", "whole_project", is_flag=True, help="REF is a project code / 整个项目")
@REASON
@BY
@common
def resume(app: App, ref: str, whole_project: bool, reason: str, actor: str) -> None:
    """Resume a suspended milestone or project / 恢复."""
    _print_moves(app, actions.resume(app.database(), app.config, ref, reason=reason,
                                     actor=actor, project=whole_project))


@cli.command()
@click.argument("milestone")
@click.argument("new_date", type=DATE)
@click.option("--start", "new_start", type=DATE, help="new planned start / 新的计划开始时间")
@REASON
@BY
@common
def replan(app: App, milestone: str, new_date: date, new_start: date | None, reason: str,
           actor: str) -> None:
    """Give a milestone a new planned date; the baseline is kept / 调整计划."""
    _print_moves(app, actions.replan(app.database(), app.config, milestone, new_date,
                                     reason=reason, new_start=new_start, actor=actor))


@cli.command()
@click.argument("milestone")
@REASON
@BY
@common
def cancel(app: App, milestone: str, reason: str, actor: str) -> None:
    """Cancel a milestone / 取消节点."""
    _print_moves(app, actions.cancel(app.database(), app.config, milestone, reason=reason,
                                     actor=actor))


@cli.command()
@click.argument("milestone")
@REASON
@BY
@common
def reopen(app: App, milestone: str, reason: str, actor: str) -> None:
    """Take back a finish or a cancellation / 重新打开."""
    _print_moves(app, actions.reopen(app.database(), app.config, milestone, reason=reason,
                                     actor=actor))
