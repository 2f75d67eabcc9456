"""``lights problem``: the problem list (问题清单): raise, list, show, reply, extend, close.

Thin: each subcommand parses, calls one function of :mod:`engine.problems` in one
transaction, prints. JSON keeps the stored codes (``in_progress``, ``county``); the
tables show the Chinese (or English) words.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import click
from rich.table import Table

from engine.cli import cli
from engine.cli.common import DATE, App, UserError, common, emit
from engine.problems import actions as act
from engine.problems.words import (
    LEVEL_LABELS,
    STATE_LABELS,
    code_of,
    event_label,
    level_label,
    result_label,
    say,
    state_label,
)
from engine.store.db import read_only, writer
from engine.store.lookups import evaluation_date, latest_as_of
from rules.reasons import format_day

FORMATS = click.Choice(["table", "json", "csv"])


@cli.group("problem")
def problem() -> None:
    """The problem list: blockages, their units and deadlines / 问题清单."""


def _day(iso: str | None, lang: str) -> str:
    return format_day(date.fromisoformat(iso), lang) if iso else "—"


def _state(app: App, text: str | None) -> str | None:
    if text is None:
        return None
    code = code_of(STATE_LABELS, text)
    if code is None:
        raise UserError(say("bad.state", app.lang, value=text,
                            known="、".join(v[app.lang] for v in STATE_LABELS.values())))
    return code


def _level(app: App, text: str | None) -> str | None:
    if text is None:
        return None
    code = code_of(LEVEL_LABELS, text)
    if code is None:
        raise UserError(say("bad.level", app.lang, value=text))
    return code


def _done(app: App, move: act.ProblemMove) -> None:
    lang = app.lang
    deadline = say("done.deadline", lang, deadline=format_day(move.deadline, lang)) \
        if move.deadline and move.to_state not in ("closed", "withdrawn") else ""
    if move.trigger in ("assign", "add") and move.from_state == "pending":
        app.console.print(say("done.add", lang, code=move.code,
                              state=state_label(move.to_state, lang),
                              deadline=format_day(move.deadline, lang) if move.deadline
                              else "—"), markup=False)
        return
    app.console.print(say("done.move", lang, code=move.code, event=event_label(move.trigger, lang),
                          state=state_label(move.to_state, lang), deadline=deadline),
                      markup=False)


def _act(app: App, fn: Any, *args: Any, **kwargs: Any) -> act.ProblemMove:
    engine = app.database()
    with writer(engine).begin() as conn:
        move = fn(conn, app.config, *args, **kwargs)
    _done(app, move)
    return move


# -- raising and listing ---------------------------------------------------------------
@problem.command("add")
@click.argument("project")
@click.option("--title", help="the problem in a sentence (default: the milestone's latest "
                              "delay reason) / 问题")
@click.option("--milestone", help="the milestone it blocks (name or id) / 所涉节点")
@click.option("--category", required=True, help="要素保障, 用地, 资金, 审批服务, … / 问题类别")
@click.option("--level", required=True, help="县区级 | 市级 | 省级 / 层级")
@click.option("--lead", required=True, help="主办单位")
@click.option("--assist", multiple=True, help="协办单位 (repeat for several)")
@click.option("--days", type=click.IntRange(1, 250),
              help="working days for the lead unit (default problems.lead_days) / 办理时限")
@click.option("--description", default="", help="details / 问题描述")
@click.option("--pending", is_flag=True, help="record it, assign it later (待交办)")
@click.option("--on", "day", type=DATE, help="the day it was raised (default today) / 提出日期")
@click.option("--by", "by", default="", help="who raises it / 提出人")
@common
def add_cmd(app: App, project: str, title: str | None, milestone: str | None, category: str,
            level: str, lead: str, assist: tuple[str, ...], days: int | None,
            description: str, pending: bool, day: date | None, by: str) -> None:
    """Raise a problem on a project, assigned at once / 提出并交办问题."""
    engine = app.database()
    with writer(engine).begin() as conn:
        if not title and milestone:
            from engine.delays import latest_reason_of

            title, description = latest_reason_of(conn, project, milestone, description)
        move = act.add(conn, app.config, project, title=title or "", category=category,
                       level=level, lead=lead, assist=assist, milestone=milestone,
                       description=description, days=days, by=by, as_of=day,
                       assign=not pending)
    app.console.print(say("done.add", app.lang, code=move.code,
                          state=state_label(move.to_state, app.lang),
                          deadline=format_day(move.deadline, app.lang) if move.deadline
                          else "—"), markup=False)


def list_table(rows: list[dict[str, Any]], lang: str) -> Table:
    table = Table(title=say("title.list", lang, n=len(rows)), title_justify="left")
    for key in ("code", "project", "title", "category", "level", "lead", "assist", "state",
                "deadline", "step", "overdue"):
        table.add_column(say(f"col.{key}", lang), overflow="fold")
    for r in rows:
        step = r["step"] or "—"
        late = say("overdue_days", lang, n=r["overdue_days"]) if r["overdue_days"] else ""
        table.add_row(r["code"], r["project"],
                      r["title"],
                      r["category"], level_label(r["level"], lang), r["lead"],
                      "、".join(r["assist"]) or "—", state_label(r["state"], lang),
                      _day(r["deadline"], lang), step, late)
    return table


@problem.command("list")
@click.option("--state", help="待交办 办理中 申请延期 已办复 已销号 已撤销 (or the JSON codes)")
@click.option("--level", help="县区级 | 市级 | 省级")
@click.option("--unit", help="a lead or helping unit / 单位")
@click.option("--project", help="a project code / 项目编号")
@click.option("--overdue", is_flag=True, help="open and past the time limit / 逾期未办结")
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
@common
def list_cmd(app: App, state: str | None, level: str | None, unit: str | None,
             project: str | None, overdue: bool, fmt: str) -> None:
    """The problems that match, earliest deadline first / 问题清单."""
    from engine.problems.queries import list_problems

    engine = app.database()
    with read_only(engine).connect() as conn:
        as_of = latest_as_of(conn) or app.config.today()
        rows = list_problems(conn, app.config, max(as_of, app.config.today()),
                             state=_state(app, state), level=_level(app, level), unit=unit,
                             project=project, overdue=overdue)
    if fmt == "table":
        if not rows:
            app.console.print(say("none", app.lang))
            return
        names = {s.step: (s.zh if app.lang == "zh" else s.en)
                 for s in app.config.problems.ladder}
        for r in rows:
            r["step"] = names.get(r["step"] or "", r["step"])
        app.console.print(list_table(rows, app.lang))
        return
    if fmt == "csv":
        for r in rows:
            r["assist"] = "、".join(r["assist"])
    emit(app, fmt, rows, None)


@problem.command("show")
@click.argument("code")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
@common
def show_cmd(app: App, code: str, fmt: str) -> None:
    """One problem and its whole history / 问题详情及办理记录."""
    from engine.problems.queries import show_problem

    engine = app.database()
    with read_only(engine).connect() as conn:
        as_of = max(latest_as_of(conn) or app.config.today(), app.config.today())
        info = show_problem(conn, app.config, code, as_of)
    if fmt == "json":
        click.echo(json.dumps(info, ensure_ascii=False, indent=2))
        return
    lang = app.lang
    names = {s.step: (s.zh if lang == "zh" else s.en) for s in app.config.problems.ladder}
    head = Table.grid(padding=(0, 2))
    head.add_column(style="bold")
    head.add_column()
    fields = [
        ("col.project", f"{info['project']} {info['project_name']}"),
        ("col.milestone", info["milestone"] or "—"),
        ("col.category", info["category"]),
        ("col.level", level_label(info["level"], lang)),
        ("col.lead", info["lead"]),
        ("col.assist", "、".join(info["assist"]) or "—"),
        ("col.state", state_label(info["state"], lang)
         + (f"（{result_label(info['result'], lang)}）" if info["result"] else "")),
        ("col.deadline", _day(info["deadline"], lang)
         + (f"  {say('overdue_days', lang, n=info['overdue_days'])}"
            if info["overdue_days"] else "")),
        ("col.step", names.get(info["step"] or "", "—")),
    ]
    for key, value in fields:
        head.add_row(say(key, lang), value)
    app.console.print(say("title.show", lang, code=info["code"], title=info["title"]),
                      markup=False)
    if info["description"]:
        app.console.print(info["description"], markup=False)
    app.console.print(head)
    table = Table(title_justify="left")
    for key in ("date", "event", "who", "text"):
        table.add_column(say(f"col.{key}", lang), overflow="fold")
    for h in info["history"]:
        who = " ".join(dict.fromkeys(x for x in (h["unit"], h["by"]) if x)) or "—"
        table.add_row(_day(h["as_of"], lang), _event_text(h, lang, names), who,
                      h["text"] or "—")
    app.console.print(table)


def _event_text(h: dict[str, Any], lang: str, names: dict[str, str]) -> str:
    words = event_label(h["event"], lang)
    n = h["numbers"] or {}
    if h["event"] == "escalate" and n.get("step_name"):
        words = names.get(n["step_name"], n["step_name"])
        if n.get("deadline"):
            words += f"（{say('col.deadline', lang)} {_day(n['deadline'], lang)}）"
    elif h["event"] in ("assign", "reopen", "raise_level") and n.get("due"):
        words += f"（{say('col.deadline', lang)} {_day(n['due'], lang)}）"
    elif h["event"] in ("request_extension", "grant_extension") and n.get("to"):
        words += f"（→ {_day(n['to'], lang)}）"
    if h["event"] in ("raise_level", "propose_raise") and n.get("to"):
        words += f" {level_label(n.get('from', ''), lang)} → {level_label(n['to'], lang)}"
    if h["event"] == "close" and n.get("result"):
        words += f"：{result_label(n['result'], lang)}"
    return words


# -- the answers -------------------------------------------------------------------------
ON = click.option("--on", "day", type=DATE, help="the day it happened (default today) / 日期")


@problem.command("assign")
@click.argument("code")
@click.option("--days", type=click.IntRange(1, 250), help="working days / 办理时限（工作日）")
@click.option("--by", default="", help="who / 交办人")
@ON
@common
def assign_cmd(app: App, code: str, days: int | None, by: str, day: date | None) -> None:
    """Assign a pending problem: its time limit starts / 交办."""
    _act(app, act.assign, code, by=by, days=days, as_of=day)


@problem.command("reply")
@click.argument("code")
@click.option("--text", required=True, help="what was done / 办理情况")
@click.option("--by", "unit", default="", help="the unit replying (default: the lead unit) / "
                                               "办复单位")
@click.option("--person", default="", help="who wrote it / 经办人")
@ON
@common
def reply_cmd(app: App, code: str, text: str, unit: str, person: str, day: date | None) -> None:
    """Reply to a problem (办复); a helping unit's answer is recorded beside it."""
    _act(app, act.reply, code, text=text, unit=unit, by=person or unit, as_of=day)


@problem.command("extend")
@click.argument("code")
@click.option("--to", "to", type=DATE, help="the date asked for / 申请延期至")
@click.option("--reason", default="", help="why / 理由")
@click.option("--grant", is_flag=True, help="grant the extension asked for / 同意延期")
@click.option("--refuse", is_flag=True, help="refuse it (with --reason) / 不同意延期")
@click.option("--by", default="", help="who / 办理人")
@ON
@common
def extend_cmd(app: App, code: str, to: date | None, reason: str, grant: bool, refuse: bool,
               by: str, day: date | None) -> None:
    """Ask for more time (at least a working day before the deadline), or decide on it."""
    if grant and refuse:
        raise UserError(say("bad.grant_refuse", app.lang))
    if grant or refuse:
        _act(app, act.decide_extension, code, grant=grant, reason=reason, by=by, as_of=day)
        return
    if to is None:
        raise UserError(say("bad.extend_to", app.lang))
    _act(app, act.request_extension, code, to=to, reason=reason, by=by, as_of=day)


@problem.command("close")
@click.argument("code")
@click.option("--result", required=True, help="解决 | 部分解决 | 无法解决")
@click.option("--reason", default="", help="why, for 部分解决 and 无法解决 / 原因")
@click.option("--by", default="", help="who checked it / 督核人")
@ON
@common
def close_cmd(app: App, code: str, result: str, reason: str, by: str, day: date | None) -> None:
    """Close a problem with the check's result (销号)."""
    _act(app, act.close, code, result=result, reason=reason, by=by, as_of=day)


@problem.command("reopen")
@click.argument("code")
@click.option("--reason", required=True, help="what the check found / 退回理由")
@click.option("--days", type=click.IntRange(1, 250), help="working days / 新办理时限")
@click.option("--by", default="", help="who / 办理人")
@ON
@common
def reopen_cmd(app: App, code: str, reason: str, days: int | None, by: str,
               day: date | None) -> None:
    """Send a problem back: not solved (退回), with a new time limit."""
    _act(app, act.reopen, code, reason=reason, by=by, days=days, as_of=day)


@problem.command("raise-level")
@click.argument("code")
@click.option("--reason", required=True, help="why / 提级理由")
@click.option("--days", type=click.IntRange(1, 250), help="working days / 新办理时限")
@click.option("--by", default="", help="who / 办理人")
@ON
@common
def raise_cmd(app: App, code: str, reason: str, days: int | None, by: str,
              day: date | None) -> None:
    """Raise a problem a level: 县区级 → 市级 → 省级 (提级)."""
    _act(app, act.raise_level, code, reason=reason, by=by, days=days, as_of=day)


@problem.command("withdraw")
@click.argument("code")
@click.option("--reason", required=True, help="why / 撤销理由")
@click.option("--by", default="", help="who / 办理人")
@ON
@common
def withdraw_cmd(app: App, code: str, reason: str, by: str, day: date | None) -> None:
    """Withdraw a problem raised in error (撤销)."""
    _act(app, act.withdraw, code, reason=reason, by=by, as_of=day)


# -- rates -------------------------------------------------------------------------------
@problem.command("rates")
@click.option("--from", "start", type=DATE, help="first day (default: the month's first)")
@click.option("--to", "end", type=DATE, help="last day (default: today)")
@click.option("--by", "by", type=click.Choice(["lead", "region", "department", "level", "all"]),
              default="lead", show_default=True, help="group by / 分组")
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
@common
def rates_cmd(app: App, start: date | None, end: date | None, by: str, fmt: str) -> None:
    """办结率, 按期办结率, 销号率 and 逾期未办结 by unit, ranked / 问题办理情况排名."""
    from engine.problems.queries import problem_rates

    engine = app.database()
    with read_only(engine).connect() as conn:
        end = end or evaluation_date(conn, app.config, None)
        start = start or end.replace(day=1)
        units = problem_rates(conn, start, end, by=by)  # type: ignore[arg-type]
    rows = [u.as_json() for u in units]
    if fmt != "table":
        emit(app, fmt, rows, None)
        return
    lang = app.lang
    table = Table(title=say("title.rates", lang, start=format_day(start, lang),
                            end=format_day(end, lang)), title_justify="left")
    for key in ("rank", "unit", "due", "closed", "closing_rate", "on_time_rate", "raised",
                "cancel_rate", "overdue_open"):
        table.add_column(say(f"rate.{key}", lang), justify="left" if key == "unit" else "right")
    for r in rows:
        unit = level_label(r["unit"], lang) if by == "level" else r["unit"] or "—"
        table.add_row(str(r["rank"]), unit, str(r["due"]), str(r["closed"]),
                      _pct(r["closing_rate"]), _pct(r["on_time_rate"]), str(r["raised"]),
                      _pct(r["cancel_rate"]), str(r["overdue_open"]))
    app.console.print(table)


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"

