"""``lights serve`` (the board on the web) and ``lights user`` (its accounts)."""

from __future__ import annotations

import sys

import click

from engine import accounts
from engine.cli import cli
from engine.cli.common import FORMAT, App, UserError, common, emit
from engine.i18n import lookup
from engine.links import SECRET_VARIABLE, secret_from_env

WORDS: dict[str, dict[str, str]] = {
    "serve.start": {"zh": "红黄绿灯看板：http://{host}:{port}/  （Ctrl+C 停止）",
                    "en": "Lights board at http://{host}:{port}/  (Ctrl+C stops it)"},
    "serve.no_secret": {"zh": "注意：未设置 {var}，重启后需重新登录，邮件中的链接无法验证",
                        "en": "Note: {var} is not set: sessions end at a restart and links in "
                              "e-mails cannot be checked"},
    "user.added": {"zh": "已开通账号 {name}（{role}{unit}）",
                   "en": "Account {name} opened ({role}{unit})"},
    "user.invite": {"zh": "请将以下一次性链接发给本人设置密码（{days}天内有效）：\n{url}",
                    "en": "Send this one-time link to the person to set a password (valid "
                          "{days} days):\n{url}"},
    "user.no_base": {"zh": "（未配置 web.base_url，请将下面路径接在看板地址之后）",
                     "en": "(web.base_url is not set: put this path after the board's address)"},
    "user.password_prompt": {"zh": "请输入密码（至少10位）", "en": "Password (10+ characters)"},
    "user.no_password": {"zh": "标准输入中没有密码：请用 --invite 生成邀请链接，或经管道传入密码",
                         "en": "No password on standard input: use --invite for an invitation "
                               "link, or pipe the password in"},
    "user.done": {"zh": "已完成", "en": "Done"},
    "role.admin": {"zh": "系统管理员", "en": "administrator"},
    "role.office": {"zh": "督查办公室", "en": "supervision office"},
    "role.leader": {"zh": "包保领导", "en": "leader"},
    "role.unit": {"zh": "责任单位", "en": "unit"},
}
say = lookup(WORDS)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="address to listen on / 监听地址")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option("--proxy-from", "proxy_from", default="127.0.0.1", show_default=True,
              help="the reverse proxy's address, trusted for X-Forwarded-For / 反向代理地址")
@common
def serve(app: App, host: str, port: int, proxy_from: str) -> None:
    """The supervision board on the web / 启动网页看板."""
    import uvicorn

    from engine.web.app import create_app

    engine = app.database()
    if secret_from_env() is None:
        app.err.print(say("serve.no_secret", app.lang, var=SECRET_VARIABLE), markup=False)
    app.console.print(say("serve.start", app.lang, host=host, port=port), markup=False)
    uvicorn.run(create_app(app.config, engine), host=host, port=port, log_level="info",
                proxy_headers=True, forwarded_allow_ips=proxy_from, server_header=False,
                access_log=True)


@cli.group("user")
def user() -> None:
    """Accounts of the web board / 网页看板账号."""


def _password_from_stdin(app: App) -> str:
    if sys.stdin.isatty():
        return click.prompt(say("user.password_prompt", app.lang), hide_input=True,
                            confirmation_prompt=True)
    value = sys.stdin.readline().rstrip("\r\n")
    if not value:
        raise UserError(say("user.no_password", app.lang))
    return value


def _invitation_url(app: App, token: str) -> str:
    base = app.config.web.base_url
    path = f"/invite/{token}"
    return f"{base}{path}" if base else f"{say('user.no_base', app.lang)}\n{path}"


@user.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(accounts.ROLES), required=True)
@click.option("--unit", default="", help="责任单位, region, or the leader's name / 单位")
@click.option("--email", default="", help="e-mail / 邮箱")
@click.option("--invite", is_flag=True,
              help="a one-time link to set the password instead of reading it / 生成邀请链接")
@common
def user_add(app: App, name: str, role: str, unit: str, email: str, invite: bool) -> None:
    """Open an account; the password is read from standard input / 开通账号."""
    engine = app.database()
    password = None if invite else _password_from_stdin(app)
    created = accounts.add_account(engine, name, role, unit=unit, email=email,
                                   password=password)
    shown = f"，{unit}" if app.lang == "zh" and unit else (f", {unit}" if unit else "")
    app.console.print(say("user.added", app.lang, name=created.account.name,
                          role=say(f"role.{role}", app.lang), unit=shown), markup=False)
    if created.invitation:
        app.console.print(say("user.invite", app.lang, days=accounts.INVITE_DAYS,
                              url=_invitation_url(app, created.invitation)), markup=False)


@user.command("invite")
@click.argument("name")
@common
def user_invite(app: App, name: str) -> None:
    """A new one-time link for an account to set its password / 重新生成邀请链接."""
    token = accounts.invite(app.database(), name)
    app.console.print(say("user.invite", app.lang, days=accounts.INVITE_DAYS,
                          url=_invitation_url(app, token)), markup=False)


@user.command("password")
@click.argument("name")
@common
def user_password(app: App, name: str) -> None:
    """Set an account's password from standard input / 设置密码."""
    accounts.set_password(app.database(), name, _password_from_stdin(app))
    app.console.print(say("user.done", app.lang))


@user.command("disable")
@click.argument("name")
@common
def user_disable(app: App, name: str) -> None:
    """Close an account (its sessions end at once) / 停用账号."""
    accounts.set_active(app.database(), name, False)
    app.console.print(say("user.done", app.lang))


@user.command("enable")
@click.argument("name")
@common
def user_enable(app: App, name: str) -> None:
    """Open a closed account again / 启用账号."""
    accounts.set_active(app.database(), name, True)
    app.console.print(say("user.done", app.lang))


@user.command("list")
@FORMAT
@common
def user_list(app: App, fmt: str) -> None:
    """Every account, its role and unit / 账号列表."""
    rows = accounts.list_accounts(app.database())
    table = None
    if fmt == "table":
        from rich.table import Table

        table = Table(header_style="bold")
        for key in ("name", "role", "unit", "email", "active", "password", "last_login"):
            table.add_column(key)
        for r in rows:
            table.add_row(r["name"], r["role"], r["unit"], r["email"], str(r["active"]),
                          str(r["password"]), r["last_login"] or "—")
    emit(app, fmt, rows, table)
