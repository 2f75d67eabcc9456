"""The scheduler commands: ``lights scheduler [--once JOB]``, ``lights runs``, ``lights check``."""

from __future__ import annotations

import json
import sys
from typing import Any

import click
from rich import box
from rich.table import Table
from rich.text import Text

from engine.cli import cli
from engine.cli.common import BY, REASON, App, UserError, common
from engine.i18n import light_label, lookup
from engine.service import logs
from engine.service.jobs import JOBS, missing
from engine.service.once import JobContext, Outcome
from engine.service.scheduler import run_once, serve
from engine.service.watch import check, recent_runs

WORDS: dict[str, dict[str, str]] = {
    "once.ok": {"zh": "{job} 已完成：{as_of}，运行 #{run}，用时 {secs} 秒",
                "en": "{job} done for {as_of} (run #{run}, {secs} s)"},
    "once.ok_job": {"zh": "{job} 已完成：{as_of}，用时 {secs} 秒 {fields}",
                    "en": "{job} done for {as_of} ({secs} s) {fields}"},
    "once.done_before": {"zh": "{job} 在 {as_of} 已运行过（运行 #{run}），不再重复；"
                               "如需重新评估请用 lights run",
                         "en": "{job} already ran for {as_of} (run #{run}) and is not run "
                               "twice; to evaluate again use lights run"},
    "once.done_before_job": {"zh": "{job} 在 {as_of} 已运行过，不再重复",
                             "en": "{job} already ran for {as_of} and is not run twice"},
    "once.busy": {"zh": "待命：另一进程正在运行（{holder}），本次未运行",
                  "en": "Stood by: another process holds the run lock ({holder})"},
    "once.failed": {"zh": "{job}（{as_of}）失败：{error}",
                    "en": "{job} for {as_of} failed: {error}"},
    "once.interrupted": {"zh": "{job}（{as_of}）已中断：已提交的部分保留，再次运行即可续完",
                         "en": "{job} for {as_of} was interrupted; committed chunks are kept, "
                               "run it again to finish"},
    "once.stopped": {"zh": "已停止，未运行", "en": "Stopped before it started"},
    "once.unavailable": {"zh": "任务 {job} 暂不可用：{why}",
                         "en": "Job {job} is not available: {why}"},
    "runs.empty": {"zh": "尚无运行记录", "en": "No runs yet"},
    "undo.done": {"zh": "已撤销运行 #{run}（评估日期 {as_of}）：{reversed} 个节点的灯已还原；"
                        "撤回未发送的通知 {notices} 条（邮件 {messages} 封）{sent}；所有未完成节点"
                        "已按 {relit} 重新评估，变化 {moves} 个；本次撤销记为运行 #{undo}",
                  "en": "Run #{run} (as of {as_of}) undone: {reversed} milestones back to their "
                        "lights before it; {notices} notices not yet sent withdrawn ({messages} "
                        "messages){sent}; every open milestone lit again as of {relit}, {moves} "
                        "moved; the undo is run #{undo}"},
    "undo.sent": {"zh": "，另有 {n} 条已发出，无法撤回",
                  "en": "; {n} already sent cannot be withdrawn"},
    "status.undone": {"zh": "已撤销", "en": "undone"},
    "runs.title": {"zh": "最近的运行", "en": "Recent runs"},
    "col.run": {"zh": "运行", "en": "Run"},
    "col.job": {"zh": "任务", "en": "Job"},
    "col.as_of": {"zh": "评估日期", "en": "As of"},
    "col.status": {"zh": "状态", "en": "Status"},
    "col.started": {"zh": "开始时间", "en": "Started"},
    "col.duration": {"zh": "秒", "en": "Secs"},
    "col.evaluated": {"zh": "节点", "en": "Evaluated"},
    "col.moves": {"zh": "变化", "en": "Moves"},
    "col.counts": {"zh": "灯数", "en": "Lights"},
    "col.error": {"zh": "错误", "en": "Error"},
    "status.ok": {"zh": "正常", "en": "ok"},
    "status.failed": {"zh": "失败", "en": "failed"},
    "status.interrupted": {"zh": "已中断", "en": "interrupted"},
    "status.running": {"zh": "运行中", "en": "running"},
    "check.ok": {"zh": "正常：最近一次夜间评估 #{run}，评估日期 {last_ok}（应不早于 {expected}）",
                 "en": "OK: last nightly run #{run} as of {last_ok} (due: {expected})"},
    "check.never": {"zh": "异常：还没有夜间评估（应已有 {expected} 的评估）",
                    "en": "CRITICAL: no nightly run yet (due: {expected})"},
    "check.stale": {"zh": "异常：最近一次成功的夜间评估是 {last_ok}，"
                          "已过期（应有 {expected} 的评估）",
                    "en": "CRITICAL: the last good nightly run is as of {last_ok}, "
                          "older than due ({expected})"},
    "check.failed": {"zh": "异常：最近一次夜间评估 #{run}（{as_of}）失败：{error}",
                     "en": "CRITICAL: the last nightly run #{run} (as of {as_of}) failed: "
                           "{error}"},
    "check.interrupted": {"zh": "异常：最近一次夜间评估 #{run}（{as_of}）被中断，尚未续完",
                          "en": "CRITICAL: the last nightly run #{run} (as of {as_of}) was "
                                "interrupted and not finished since"},
}
STYLES = {"red": "bold red", "yellow": "bold yellow", "green": "bold green"}
STATUS_STYLES = {"ok": "green", "failed": "bold red", "interrupted": "yellow", "running": "cyan"}


say = lookup(WORDS)


@cli.command("scheduler")
@click.option("--once", "once", type=click.Choice(list(JOBS)), metavar="JOB",
              help="run one job now and exit: " + ", ".join(JOBS) + " / 立即运行一个任务")
@common
def scheduler_cmd(app: App, once: str | None) -> None:
    """Run the scheduler service (nightly run, retries, bulletins) / 定时调度服务."""
    engine = app.database()
    logs.setup(app.config.scheduler.log_file, app.config.zone)
    ctx = JobContext(engine, app.config)
    if once is None:
        serve(ctx)
        return
    why = missing(once, app.config)
    if why is not None:
        raise UserError(say("once.unavailable", app.lang, job=once, why=why))
    outcome = run_once(ctx, once)
    app.console.print(_outcome_line(outcome, app.lang), markup=False)
    if not outcome.success:
        sys.exit(1)


def _outcome_line(o: Outcome, lang: str) -> str:
    if o.status == "ok" and o.run_id is None:
        return say("once.ok_job", lang, job=o.job, as_of=o.night, secs=f"{o.duration_s:.2f}",
                   fields=" ".join(f"{k}={v}" for k, v in o.fields.items()))
    if o.status == "ok":
        return say("once.ok", lang, job=o.job, as_of=o.night, run=o.run_id,
                   secs=f"{o.duration_s:.2f}")
    if o.status == "stood_by":
        if o.holder is not None:
            return say("once.busy", lang, holder=o.holder)
        if o.run_id is None:
            return say("once.done_before_job", lang, job=o.job, as_of=o.night)
        return say("once.done_before", lang, job=o.job, as_of=o.night, run=o.run_id)
    if o.status in ("failed", "interrupted"):
        return say(f"once.{o.status}", lang, job=o.job, as_of=o.night, error=o.error)
    return say("once.stopped", lang)


@cli.group("runs", invoke_without_command=True)
@click.option("--last", type=click.IntRange(min=1), default=10, show_default=True,
              help="how many / 条数")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
@common
def runs_cmd(app: App, last: int, fmt: str) -> None:
    """Recent runs with their job, status, duration and counts / 运行记录.

    lights runs undo RUN_ID --reason R: undo a run that was a mistake / 撤销一次运行."""
    if click.get_current_context().invoked_subcommand is not None:
        return
    with app.database().connect() as conn:
        rows = recent_runs(conn, app.config, last)
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2, default=str))
    elif not rows:
        app.console.print(say("runs.empty", app.lang))
    else:
        app.console.print(_runs_table(rows, app.lang))


@runs_cmd.command("undo")
@click.argument("run_id", type=click.IntRange(min=1), metavar="RUN_ID")
@REASON
@BY
@common
def runs_undo(app: App, run_id: int, reason: str, actor: str) -> None:
    """Undo a run that was a mistake: its moves reversed from the audit, its notices not
    yet sent withdrawn, the lights as the latest night still standing left them / 撤销运行."""
    from engine.undo import undo_run

    done = undo_run(app.database(), app.config, run_id, reason=reason, actor=actor)
    sent = say("undo.sent", app.lang, n=done.notices_sent) if done.notices_sent else ""
    app.console.print(say("undo.done", app.lang, run=run_id, as_of=done.as_of,
                          reversed=done.reversed, notices=done.notices_withdrawn,
                          messages=done.messages_withdrawn, sent=sent,
                          relit=done.relit_as_of, moves=done.relit_moves,
                          undo=done.undo_run_id), markup=False)


def _runs_table(rows: list[dict[str, Any]], lang: str) -> Table:
    table = Table(title=say("runs.title", lang), header_style="bold", box=box.SIMPLE_HEAD)
    for key in ("run", "job", "as_of", "status", "started", "duration", "evaluated", "moves",
                "counts"):
        table.add_column(say(f"col.{key}", lang), no_wrap=True)
    errors = any(r["error"] for r in rows)
    if errors:
        table.add_column(say("col.error", lang), overflow="fold", min_width=20)
    for r in rows:
        status = WORDS.get(f"status.{r['status']}", {}).get(lang, r["status"])
        table.add_row(
            str(r["run"] or "—"), r["job"], str(r["as_of"]),
            Text(status, style=STATUS_STYLES.get(r["status"], "")),
            r["started"].strftime("%m-%d %H:%M:%S") if r["started"] else "—",
            "—" if r["duration_s"] is None else f"{r['duration_s']:.2f}",
            "—" if r["evaluated"] is None else str(r["evaluated"]),
            "—" if r["moves"] is None else str(r["moves"]),
            _open_lights(r["counts"], lang), *([r["error"]] if errors else []))
    return table


def _open_lights(counts: dict[str, int], lang: str) -> Text:
    """Red, yellow and green counts: what a run is about, in a narrow column."""
    parts = [(f"{light_label(light, lang)} {counts[light]}", STYLES[light])
             for light in ("red", "yellow", "green") if counts.get(light)]
    return Text("  ").join(Text(text, style=style) for text, style in parts)


@cli.command("check")
@common
def check_cmd(app: App) -> None:
    """Watchdog: exit 1 unless the last nightly run is fresh and finished / 夜间评估监控."""
    with app.database().connect() as conn:
        health = check(conn, app.config)
    click.echo(say(f"check.{health.reason}", app.lang, run=health.run_id or "—",
                   last_ok=health.last_ok, expected=health.expected, as_of=health.as_of,
                   error=health.error))
    if not health.ok:
        sys.exit(1)
