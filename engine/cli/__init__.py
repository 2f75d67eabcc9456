"""The ``lights`` command: parse, call one engine function, print.

Commands live in one module per family; each module adds its commands to
:data:`cli` when imported. A module is imported only when one of its commands is
used (or help lists them all), so ``lights status`` does not pay for loading the
Excel, bulletin and scheduler code: every start of the command is quicker.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence
from typing import Any

import click

from engine.cli.usage import usage_lang, usage_sentence

# command name → the module under engine.cli that defines it
COMMANDS: dict[str, str] = {
    **dict.fromkeys(("init", "demo", "run", "show", "history", "progress", "suspend",
                     "resume", "replan", "cancel", "reopen"), "core"),
    "status": "status",
    **dict.fromkeys(("import", "export", "template"), "ledger"),
    **dict.fromkeys(("notices", "send", "preview", "ack", "silence", "contacts"), "notices"),
    **dict.fromkeys(("scheduler", "runs", "check"), "scheduler"),
    **dict.fromkeys(("bulletin", "invest", "investment"), "bulletins"),
    "db": "database",
    "channels": "channels",
    **dict.fromkeys(("serve", "user"), "web"),
    "problem": "problems",
}


# command name → its one-line help, so that ``lights --help`` lists every command
# without importing one (tests/test_start.py checks each against its docstring)
SUMMARIES: dict[str, str] = {
    "ack": "Acknowledge a milestone's notices: escalation holds for a while / 确认已知悉.",
    "bulletin": "A bulletin ranking regions and departments (通报): week, half month … year, "
                "or a campaign; of the whole programme or of one region, level or category.",
    "cancel": "Cancel a milestone / 取消节点.",
    "channels": "DingTalk, WeCom and Feishu group robots / 群机器人.",
    "check": "Watchdog: exit 1 unless the last nightly run is fresh and finished / 夜间评估监控.",
    "contacts": "Who receives notices for each role / 通知联系人.",
    "db": "The database schema: its revision, and upgrades / 数据库结构版本与升级.",
    "demo": "Build the demo programme and light it / 生成演示数据并评估.",
    "export": "Export the ledger with its lights to .xlsx or .csv / 导出台账（含红黄绿灯）.",
    "history": "Every move of a milestone (id or CODE/节点名称) / 节点变化记录.",
    "import": "Import ledgers (.xlsx, .csv): projects, milestones, progress / 导入台账.",
    "init": "Create the database and its tables (safe to repeat) / 建立数据库.",
    "invest": "Record a project's investment report (投资报送): amounts in 万元.",
    "investment": "Each project's investment light, worst first (投资红黄绿灯): money against "
                  "序时进度 and the start of works, by the preset in config.yaml.",
    "notices": "The outbox: notice e-mails and what became of them / 通知发件箱.",
    "preview": "Render a milestone's notice, or a person's digest, without sending / 预览通知.",
    "problem": "The problem list: blockages, their units and deadlines / 问题清单.",
    "progress": "Record progress (60%, 60 or 0.6; or --done DATE) for a milestone / 报送进展.",
    "reopen": "Take back a finish or a cancellation / 重新打开.",
    "replan": "Give a milestone a new planned date; the baseline is kept / 调整计划.",
    "resume": "Resume a suspended milestone or project / 恢复.",
    "run": "Evaluate every open milestone and move the lights / 评估所有节点.",
    "runs": "Recent runs with their job, status, duration and counts / 运行记录.",
    "scheduler": "Run the scheduler service (nightly run, retries, bulletins) / 定时调度服务.",
    "send": "Compose pending notices and flush the outbox / 发送通知.",
    "serve": "The supervision board on the web / 启动网页看板.",
    "show": "A project's milestones as a timeline, planned against actual / 项目时间节点图.",
    "silence": "Silence notices for a milestone, project or recipient / 静默通知.",
    "status": "The lights of every milestone that matches, worst first / 查询红黄绿灯.",
    "suspend": "Suspend a milestone or a whole project / 暂停.",
    "template": "Write an empty ledger workbook to fill in / 生成台账模板.",
    "user": "Accounts of the web board / 网页看板账号.",
}


class LazyGroup(click.Group):
    """A group that imports a command's module the first time the command is asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(COMMANDS))

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list of ``lights --help`` from :data:`SUMMARIES`: nothing imported
        (each command module pulls in its part of Lights, ~1 s in all)."""
        names = self.list_commands(ctx)
        if not names:
            return
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = []
        for name in names:
            command = self.commands.get(name) or click.Command(name, help=SUMMARIES.get(name))
            rows.append((name, command.get_short_help_str(limit)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in self.commands and name in COMMANDS:
            importlib.import_module(f"engine.cli.{COMMANDS[name]}")
        return super().get_command(ctx, name)

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True,
             **extra: Any) -> Any:
        """Click's own errors (a missing option, a bad value) as one sentence in the
        user's language (engine.cli.usage), exit status 2; nothing else changes."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, **extra)
        argv = list(sys.argv[1:] if args is None else args)
        try:
            code = super().main(argv, prog_name, complete_var, False, **extra)
        except click.ClickException as exc:
            from engine.cli.safe import visible  # what was typed is shown, not obeyed

            click.echo(visible(usage_sentence(exc, usage_lang(argv))), err=True)
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("Aborted!", err=True)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)


GLOBAL_OPTIONS = ("config_path", "database", "lang")


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", "config_path", type=click.Path(dir_okay=False),
              help="config.yaml to use / 配置文件")
@click.option("--database", "database", metavar="URL|FILE",
              help="database URL or SQLite file / 数据库")
@click.option("--lang", type=click.Choice(["zh", "en"]), help="language / 语言")
@click.version_option(package_name="milestone-lights")
@click.pass_context
def cli(ctx: click.Context, config_path: str | None, database: str | None,
        lang: str | None) -> None:
    """Lights: red/yellow/green milestone supervision (重点项目节点红黄绿灯管理).

    --config, --database and --lang go before the command or after it.
    """
    ctx.meta["lights.global"] = {"config_path": config_path, "database": database, "lang": lang}


def main() -> None:
    cli(prog_name="lights")
