"""Start-up: `lights --help` lists every command without importing them, and the read
commands import only what they use (what an import costs is not timed here: the
benchmark measures it; these tests keep the heavy modules off the path)."""

from __future__ import annotations

import subprocess
import sys

import click

from engine.cli import COMMANDS, SUMMARIES, cli


def test_every_command_has_its_own_summary_in_the_help_table():
    ctx = click.Context(cli)
    assert set(SUMMARIES) == set(COMMANDS)
    for name in COMMANDS:
        command = cli.get_command(ctx, name)
        assert command is not None
        listed = click.Command(name, help=SUMMARIES[name])
        assert command.get_short_help_str(200) == listed.get_short_help_str(200), name


def _modules_after(args: list[str]) -> set[str]:
    code = ("import sys\n"
            "from engine.cli import cli\n"
            f"try:\n    cli.main({args!r}, prog_name='lights', standalone_mode=False)\n"
            "except SystemExit:\n    pass\n"
            "print('\\n'.join(sorted(sys.modules)))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    return set(out.stdout.split())


def test_help_imports_no_command_module():
    loaded = _modules_after(["--help"])
    assert not {m for m in loaded if m.startswith("engine.cli.")} - {"engine.cli.usage"}
    assert not {"sqlalchemy", "numpy", "pydantic", "jinja2", "sqlmodel"} & loaded


def test_status_loads_sqlalchemy_core_and_what_it_reads(tmp_path):
    """`lights status` (the command people run most) reads through SQLAlchemy Core: not
    the ORM or SQLModel, the evaluation, templates, Alembic or the ledger's Excel (most of
    its 1.0 s at 100,000 milestones went to loading them)."""
    from engine.migrations import create_database

    db = tmp_path / "lights.db"
    create_database(f"sqlite:///{db}").dispose()
    loaded = _modules_after(["status", "--format", "json", "--database", str(db)])
    assert {"sqlalchemy", "engine.queries", "engine.cli.status"} <= loaded  # it ran the query
    assert not {"sqlmodel", "sqlalchemy.orm", "engine.store.models", "numpy", "jinja2",
                "transitions", "alembic", "openpyxl", "engine.evaluation.run",
                "engine.actions"} & loaded
