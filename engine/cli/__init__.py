"""The ``lights`` command: parse, call one engine function, print.

Commands live in one module per family (``core``: the lights themselves); each
module adds its commands to :data:`cli` when imported below.
"""

from __future__ import annotations

import click


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="milestone-lights")
def cli() -> None:
    """Lights: red/yellow/green milestone supervision (重点项目节点红黄绿灯管理)."""


def main() -> None:
    cli(prog_name="lights")


# Command modules register themselves on `cli` (imported last: they import `cli`).
import engine.cli.bulletins  # noqa: E402
import engine.cli.ledger  # noqa: E402
import engine.cli.notices  # noqa: E402, F401
from engine.cli import core, scheduler  # noqa: E402, F401
