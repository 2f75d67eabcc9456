"""The ``lights`` command: parse, call one engine function, print.

Commands live in one module per family; each module adds its commands to
:data:`cli` when imported. A module is imported only when one of its commands is
used (or help lists them all), so ``lights status`` does not pay for loading the
Excel, bulletin and scheduler code: every start of the command is quicker.
"""

from __future__ import annotations

import importlib

import click

# command name → the module under engine.cli that defines it
COMMANDS: dict[str, str] = {
    **dict.fromkeys(("init", "demo", "run", "status", "show", "history", "progress",
                     "suspend", "resume", "replan", "cancel", "reopen"), "core"),
    **dict.fromkeys(("import", "export", "template"), "ledger"),
    **dict.fromkeys(("notices", "send", "preview", "ack", "silence", "contacts"), "notices"),
    **dict.fromkeys(("scheduler", "runs", "check"), "scheduler"),
    **dict.fromkeys(("bulletin", "invest", "investment"), "bulletins"),
    "db": "database",
}


class LazyGroup(click.Group):
    """A group that imports a command's module the first time the command is asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(COMMANDS))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in self.commands and name in COMMANDS:
            importlib.import_module(f"engine.cli.{COMMANDS[name]}")
        return super().get_command(ctx, name)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="milestone-lights")
def cli() -> None:
    """Lights: red/yellow/green milestone supervision (重点项目节点红黄绿灯管理)."""


def main() -> None:
    cli(prog_name="lights")
