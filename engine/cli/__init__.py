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
    **dict.fromkeys(("init", "demo", "run", "status", "show", "history", "progress",
                     "suspend", "resume", "replan", "cancel", "reopen"), "core"),
    **dict.fromkeys(("import", "export", "template"), "ledger"),
    **dict.fromkeys(("notices", "send", "preview", "ack", "silence", "contacts"), "notices"),
    **dict.fromkeys(("scheduler", "runs", "check"), "scheduler"),
    **dict.fromkeys(("bulletin", "invest", "investment"), "bulletins"),
    "db": "database",
    "channels": "channels",
    **dict.fromkeys(("serve", "user"), "web"),
    "problem": "problems",
}


class LazyGroup(click.Group):
    """A group that imports a command's module the first time the command is asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(COMMANDS))

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
