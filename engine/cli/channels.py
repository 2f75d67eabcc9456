"""The chat channels' commands: channels list, channels test NAME.

Thin as the others: parse, call one function of :mod:`notifications.channels`, print.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import click
from rich.table import Table

from engine.cli import cli
from engine.cli.common import FORMAT, App, UserError, common, emit
from engine.i18n import lookup
from notifications.channels import test_channel
from notifications.transports.base import DeliveryFailure

WORDS: dict[str, dict[str, str]] = {
    "col.name": {"zh": "名称", "en": "Name"},
    "col.kind": {"zh": "类型", "en": "Kind"},
    "col.roles": {"zh": "角色", "en": "Roles"},
    "col.scope": {"zh": "范围", "en": "Scope"},
    "col.pace": {"zh": "每分钟", "en": "Per minute"},
    "col.env": {"zh": "环境变量", "en": "Environment"},
    "env.set": {"zh": "{name}（已设置）", "en": "{name} (set)"},
    "env.unset": {"zh": "{name}（未设置）", "en": "{name} (NOT set)"},
    "empty": {"zh": "没有配置群机器人（notices.channels）",
              "en": "No chat channel configured (notices.channels)"},
    "sent": {"zh": "已发送到 {name}，服务答复：{answer}", "en": "Sent to {name}; the service "
                                                              "answered: {answer}"},
    "refused": {"zh": "{name} 未能发送：{reply}", "en": "{name}: not sent: {reply}"},
}
_words = lookup(WORDS)


def say(app: App, key: str, **values: Any) -> str:
    return _words(key, app.lang, **values)


@cli.group()
def channels() -> None:
    """DingTalk, WeCom and Feishu group robots / 群机器人."""


@channels.command("list")
@FORMAT
@common
def channels_list(app: App, fmt: str) -> None:
    """The configured channels and whether their variables are set (never their values)."""
    rows = []
    for c in app.config.notices.channels:
        env = [c.webhook_env, *([c.secret_env] if c.secret_env else [])]
        rows.append({"name": c.name, "kind": c.kind, "roles": ",".join(c.roles),
                     "scope": " / ".join([*c.regions, *c.departments]) or "*",
                     "per_minute": c.pace, "mention": c.mention,
                     "env": {v: bool(os.environ.get(v)) for v in env}})
    if fmt == "table" and not rows:
        app.console.print(say(app, "empty"))
        return
    table = None
    if fmt == "table":
        table = Table()
        for key in ("col.name", "col.kind", "col.roles", "col.scope", "col.pace", "col.env"):
            table.add_column(say(app, key), overflow="fold")
        for r in rows:
            env = "、".join(say(app, "env.set" if ok else "env.unset", name=v)
                           for v, ok in r["env"].items())
            table.add_row(r["name"], r["kind"], r["roles"], r["scope"], str(r["per_minute"]),
                          env)
    emit(app, fmt, rows, table)


@channels.command("test")
@click.argument("name")
@common
def channels_test(app: App, name: str) -> None:
    """Send one test message to a channel now and print the service's answer / 发送测试消息."""
    try:
        answer = test_channel(app.config, name)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    except DeliveryFailure as exc:
        app.err.print(say(app, "refused", name=name, reply=exc.reply), markup=False)
        sys.exit(1)
    app.console.print(say(app, "sent", name=name, answer=answer), markup=False)
