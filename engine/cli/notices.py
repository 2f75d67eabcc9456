"""The notices commands: notices, send, preview, ack, silence, contacts.

Thin as the others: parse, call one function of :mod:`notifications`, print.
"""

from __future__ import annotations

import sys
from datetime import date
from typing import Any

import click
from rich.table import Table

from engine.cli import cli
from engine.cli.common import BY, DATE, FORMAT, REASON, App, UserError, common, emit
from engine.i18n import lookup
from notifications import actions
from notifications.channels import is_channel
from notifications.dispatch import dispatch, release_held, requeue_failed
from notifications.message import build_message
from notifications.parts import compose_pending
from notifications.render import TemplateProblem

WORDS: dict[str, dict[str, str]] = {
    "status.pending": {"zh": "待发送", "en": "pending"},
    "status.held": {"zh": "暂缓", "en": "held"},
    "status.sent": {"zh": "已发送", "en": "sent"},
    "status.failed": {"zh": "失败", "en": "failed"},
    "status.withdrawn": {"zh": "已撤回", "en": "withdrawn"},
    "col.id": {"zh": "编号", "en": "Id"},
    "col.status": {"zh": "状态", "en": "Status"},
    "col.date": {"zh": "日期", "en": "Date"},
    "col.to": {"zh": "收件人", "en": "To"},
    "col.subject": {"zh": "主题", "en": "Subject"},
    "col.attempts": {"zh": "尝试", "en": "Tries"},
    "col.error": {"zh": "最后错误", "en": "Last error"},
    "col.scope": {"zh": "范围", "en": "Scope"},
    "col.target": {"zh": "对象", "en": "Target"},
    "col.until": {"zh": "截止", "en": "Until"},
    "col.every": {"zh": "每周", "en": "Every"},
    **{f"day.{i}": {"zh": f"周{zh}", "en": en} for i, zh, en in zip(
        range(1, 8), "一二三四五六日", ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
        strict=True)},
    "col.by": {"zh": "操作人", "en": "By"},
    "col.reason": {"zh": "原因", "en": "Reason"},
    "col.state": {"zh": "状态", "en": "State"},
    "col.name": {"zh": "姓名", "en": "Name"},
    "col.email": {"zh": "邮箱", "en": "E-mail"},
    "col.role": {"zh": "角色", "en": "Role"},
    "col.where": {"zh": "范围", "en": "Scope"},
    "notices.empty": {"zh": "发件箱中没有符合条件的邮件", "en": "No message in the outbox matches"},
    "notices.pending_notices": {"zh": "另有 {n} 条通知尚未合成邮件（lights send 会先合成）",
                                "en": "{n} notices not yet in a message (lights send composes "
                                      "them first)"},
    "send.released": {"zh": "已放行暂缓的邮件 {n} 封", "en": "Released {n} held messages"},
    "send.composed": {"zh": "合成邮件 {n} 封", "en": "Composed {n} messages"},
    "send.busy": {"zh": "另一个发送进程正在发送（{holder}），本次未发送；发件箱由它处理",
                  "en": "Another sender is at work ({holder}); nothing sent, it handles "
                        "the outbox"},
    "send.done": {"zh": "发送 {sent} 封，失败 {failed} 封，待重试 {deferred} 封，暂缓 {held} 封"
                        "（{where}）",
                  "en": "{sent} sent, {failed} failed, {deferred} waiting to retry, {held} held "
                        "({where})"},
    "send.failed": {"zh": "  失败：{to}：{error}", "en": "  failed: {to}: {error}"},
    "send.requeued": {"zh": "已将发送失败的邮件 {n} 封重新排队", "en": "Queued {n} failed messages "
                                                                "again"},
    "send.outage": {"zh": "邮件服务器无法连接，邮件均未计入尝试次数，稍后自动重试：{error}",
                    "en": "The mail server cannot be reached; no message's tries were used, "
                          "they are retried later: {error}"},
    "send.stopped": {"zh": "本批发送超过 notices.retry.batch_seconds，已停止；其余邮件由定时重试"
                           "任务发送",
                     "en": "A batch took longer than notices.retry.batch_seconds and the send "
                           "stopped; the retry job sends the rest"},
    "send.since_alone": {"zh": "--since 只与 --retry-failed 一起使用",
                         "en": "--since goes with --retry-failed"},
    "send.held_hint": {"zh": "有邮件因通知过多而暂缓：核实后运行 lights send --confirm",
                       "en": "Messages are held as a storm: check, then lights send --confirm"},
    "preview.to": {"zh": "收件人（{n}）：{to}", "en": "Recipients ({n}): {to}"},
    "preview.not_due": {"zh": "（今晚对该节点无新通知；以下为首次通知的样式）",
                        "en": "(nothing is due about it tonight; this is how a first notice "
                              "reads)"},
    "preview.none": {"zh": "没有要发给 {to} 的通知", "en": "Nothing would be sent to {to}"},
    "ack.done": {"zh": "已确认：{ref}，暂缓升级至 {until}",
                 "en": "Acknowledged: {ref}; escalation held until {until}"},
    "silence.added": {"zh": "已静默（编号 {id}）", "en": "Silenced (id {id})"},
    "silence.ended": {"zh": "静默 {id} 已结束", "en": "Silence {id} ended"},
    "silence.empty": {"zh": "没有生效中的静默", "en": "No active silence"},
    "contacts.loaded": {"zh": "新增联系人 {added} 个，已存在 {seen} 个",
                        "en": "{added} contacts added, {seen} already there"},
    "contacts.empty": {"zh": "尚无联系人", "en": "No contacts yet"},
}


_words = lookup(WORDS)
BUSY = 3  # `lights send` found another sender at work: nothing sent by this one


def say(app: App, key: str, **values: Any) -> str:
    return _words(key, app.lang, **values)


def _template_errors(func: Any) -> Any:
    """A broken template is a user error (a deployment edits them), one sentence."""
    import functools

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except TemplateProblem as exc:
            raise UserError(str(exc)) from None

    return wrapper


# -- the outbox ---------------------------------------------------------------------------
@cli.command()
@click.option("--status", type=click.Choice(["pending", "held", "sent", "failed"]),
              help="only messages in this state / 状态")
@click.option("--since", type=DATE, help="only messages of runs on or after / 起始日期")
@click.option("--limit", type=click.IntRange(min=1), default=200, show_default=True)
@FORMAT
@common
def notices(app: App, status: str | None, since: date | None, limit: int, fmt: str) -> None:
    """The outbox: notice e-mails and what became of them / 通知发件箱."""
    engine = app.database()
    rows = actions.list_outbox(engine, status=status, since=since, limit=limit)
    waiting = actions.pending_notices(engine)
    if fmt == "table" and not rows:
        app.console.print(say(app, "notices.empty"))
    elif fmt == "table":
        table = Table(show_lines=False)
        for key in ("col.id", "col.status", "col.date", "col.to", "col.subject",
                    "col.attempts", "col.error"):
            table.add_column(say(app, key), overflow="fold")
        for r in rows:
            table.add_row(str(r["id"]), say(app, f"status.{r['status']}"), str(r["as_of"]),
                          r["recipient"], r["subject"], str(r["attempts"]), r["last_error"])
        app.console.print(table)
    else:
        emit(app, fmt, rows, None)
    if waiting and fmt == "table":
        app.console.print(say(app, "notices.pending_notices", n=waiting))


@cli.command()
@click.option("--confirm", is_flag=True,
              help="also send the messages held as a storm / 放行暂缓的邮件")
@click.option("--no-wait", is_flag=True, help="do not wait for retries / 不等待重试")
@click.option("--retry-failed", is_flag=True,
              help="queue the failed messages again first / 重新发送失败的邮件")
@click.option("--since", type=DATE, help="with --retry-failed: only messages of runs on or "
                                         "after / 起始日期")
@common
@_template_errors
def send(app: App, confirm: bool, no_wait: bool, retry_failed: bool,
         since: date | None) -> None:
    """Compose pending notices and flush the outbox / 发送通知.

    Exit status: 0 done, 1 a message failed, 3 another sender holds the outbox (nothing
    was sent by this one)."""
    if since is not None and not retry_failed:
        raise UserError(say(app, "send.since_alone"))
    engine = app.database()
    composed = compose_pending(engine, app.config)
    if composed.messages or composed.held:
        app.console.print(say(app, "send.composed", n=composed.messages + composed.held))
    for warning in composed.warnings:
        app.err.print(f"lights: {warning}", markup=False)
    if confirm:
        app.console.print(say(app, "send.released", n=release_held(engine)))
    if retry_failed:
        app.console.print(say(app, "send.requeued", n=requeue_failed(engine, since)))
    result = dispatch(engine, app.config, wait=not no_wait)
    if result.busy:
        app.console.print(say(app, "send.busy", holder=result.busy), markup=False)
        sys.exit(BUSY)
    if result.outage:
        app.err.print(say(app, "send.outage", error=result.outage), markup=False)
    if result.stopped:
        app.err.print(say(app, "send.stopped"))
    app.console.print(say(app, "send.done", sent=result.sent, failed=result.failed,
                          deferred=result.deferred, held=result.held, where=result.transport),
                      markup=False)
    for to, error in result.errors:
        app.console.print(say(app, "send.failed", to=to, error=error), markup=False)
    if result.held:
        app.console.print(say(app, "send.held_hint"))
    if result.failed:
        sys.exit(1)


@cli.command()
@click.argument("milestone", required=False)
@click.option("--recipient", help="what this address would get / 收件人邮箱")
@click.option("--part", type=click.Choice(["text", "html", "eml"]), default="text",
              show_default=True, help="which part to print / 输出哪一部分")
@click.option("--as-of", type=DATE, help="as the night of this date would send it "
                                         "(default today) / 按该日预览")
@common
@_template_errors
def preview(app: App, milestone: str | None, recipient: str | None, part: str,
            as_of: date | None) -> None:
    """Render a milestone's notice, or a person's digest, without sending / 预览通知."""
    engine = app.database()
    result = actions.preview(engine, app.config, milestone=milestone, recipient=recipient,
                             as_of=as_of)
    if not result.messages:
        app.console.print(say(app, "preview.none", to=recipient or milestone), markup=False)
        return
    if milestone is not None:  # on stderr when stdout is the HTML or the .eml itself
        out = app.console if part == "text" else app.err
        out.print(say(app, "preview.to", n=len(result.recipients),
                      to=", ".join(result.recipients)), markup=False)
        if not result.due_tonight:
            out.print(say(app, "preview.not_due"))
    row = result.messages[0]
    if is_channel(row.recipient):  # a chat channel's summary: every part as sent
        for part in (m for m in result.messages if m.recipient == row.recipient):
            click.echo(f"To: {part.recipient}\nSubject: {part.subject}\n\n{part.text}\n")
        return
    n = app.config.notices
    message = build_message(row, n.mail_from, n.mail_from_name)
    if part == "eml":
        sys.stdout.buffer.write(message.as_bytes())
        return
    if part == "html":
        click.echo(row.html)
        return
    for header in ("From", "To", "Subject", "Message-ID", "In-Reply-To"):
        if message[header]:
            click.echo(f"{header}: {message[header]}")
    click.echo()
    click.echo(row.text)


# -- acknowledgement and silences -------------------------------------------------------------
@cli.command()
@click.argument("milestone")
@REASON
@BY
@click.option("--days", type=click.IntRange(1, 3660),
              help="hold escalation this many days (default: notices.ack_hold_days) / 暂缓天数")
@common
def ack(app: App, milestone: str, reason: str, actor: str, days: int | None) -> None:
    """Acknowledge a milestone's notices: escalation holds for a while / 确认已知悉."""
    result = actions.acknowledge(app.database(), app.config, milestone, by=actor,
                                 reason=reason, days=days)
    app.console.print(say(app, "ack.done", ref=result.ref, until=result.hold_until),
                      markup=False)


@cli.group(invoke_without_command=True)
@click.pass_context
def silence(ctx: click.Context) -> None:
    """Silence notices for a milestone, project or recipient / 静默通知."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(silence_list)


@silence.command("add")
@click.option("--milestone", help="milestone id or CODE/节点名称")
@click.option("--project", help="project code / 项目编号")
@click.option("--recipient", help="e-mail address, or channel:NAME / 收件人邮箱或群")
@click.option("--until", type=DATE, help="last day silenced / 截止日期 (required)")
@click.option("--from", "starts", type=DATE, help="first day (default today) / 开始日期")
@click.option("--every", help="only on these days, e.g. 周六,周日 (then --until may be left "
                              "out) / 每周重复")
@REASON
@BY
@common
def silence_add(app: App, milestone: str | None, project: str | None, recipient: str | None,
                until: date | None, starts: date | None, every: str | None, reason: str,
                actor: str) -> None:
    """Add a silence: an author, a reason and an end date are required / 新增静默."""
    sid = actions.add_silence(app.database(), app.config, milestone=milestone, project=project,
                              recipient=recipient, by=actor, reason=reason, until=until,
                              starts=starts, every=every)
    app.console.print(say(app, "silence.added", id=sid))


@silence.command("list")
@click.option("--all", "all_", is_flag=True, help="ended and expired ones too / 含已结束")
@FORMAT
@common
def silence_list(app: App, all_: bool = False, fmt: str = "table") -> None:
    """Silences with who set them, why and until when / 静默列表."""
    rows = actions.list_silences(app.database(), app.config, all_=all_)
    if fmt == "table" and not rows:
        app.console.print(say(app, "silence.empty"))
        return
    table = None
    if fmt == "table":
        table = Table()
        for key in ("col.id", "col.scope", "col.target", "col.until", "col.every", "col.by",
                    "col.reason", "col.state"):
            table.add_column(say(app, key), overflow="fold")
        for r in rows:
            state = r["state"] + (f" ({r['ended_by']}: {r['end_reason']})"
                                  if r["state"] == "ended" else "")
            every = "、".join(say(app, f"day.{d}") for d in r["every"].split(",") if d)
            table.add_row(str(r["id"]), r["scope"], r["target"], str(r["until"] or "—"),
                          every or "—", r["by"], r["reason"], state)
    emit(app, fmt, rows, table)


@silence.command("end")
@click.argument("silence_id", type=int)
@REASON
@BY
@common
def silence_end(app: App, silence_id: int, reason: str, actor: str) -> None:
    """End a silence early; it stays listed with who ended it / 结束静默."""
    actions.end_silence(app.database(), silence_id, by=actor, reason=reason)
    app.console.print(say(app, "silence.ended", id=silence_id))


# -- contacts ----------------------------------------------------------------------------------
@cli.group()
def contacts() -> None:
    """Who receives notices for each role / 通知联系人."""


@contacts.command("load")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--replace", is_flag=True, help="empty the table first / 先清空")
@common
def contacts_load(app: App, file: str, replace: bool) -> None:
    """Load contacts from YAML or CSV (name, email, role, region, department, project)."""
    entries = actions.read_contacts(file)
    added, seen = actions.load_contacts(app.database(), entries, replace=replace)
    app.console.print(say(app, "contacts.loaded", added=added, seen=seen))


@contacts.command("list")
@FORMAT
@common
def contacts_list(app: App, fmt: str) -> None:
    """Every contact, from the table and from config.yaml / 联系人列表."""
    rows = actions.list_contacts(app.database(), app.config)
    if fmt == "table" and not rows:
        app.console.print(say(app, "contacts.empty"))
        return
    table = None
    if fmt == "table":
        table = Table()
        for key in ("col.name", "col.email", "col.role", "col.where"):
            table.add_column(say(app, key), overflow="fold")
        for r in rows:
            where = " / ".join(x for x in (r["region"], r["department"], r["project"]) if x)
            table.add_row(r["name"], r["email"], r["role"], where or "*")
    emit(app, fmt, rows, table)
