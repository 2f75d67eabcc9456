"""`lights ARGS` for tests: in this process (most tests), or through the real entry point.

A new `lights` process pays for importing SQLAlchemy, pydantic and the engine every time
(0.5 s on a quiet machine, several seconds on a loaded one); click's CliRunner runs the
same group (engine.cli:cli) in this process in milliseconds. Both give a
CompletedProcess with returncode, stdout and stderr, so a test reads the same either
way. A handful of tests keep the real entry point (`lights_process`): exit codes, help
and "never a traceback" as a shell sees them.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from click.testing import CliRunner

LIGHTS = str(Path(sys.executable).with_name("lights"))


def _env(extra: dict[str, str] | None) -> dict[str, str | None]:
    """The caller's environment without LIGHTS_* (None unsets), wide rich tables."""
    env: dict[str, str | None] = {k: None for k in os.environ if k.startswith("LIGHTS_")}
    env.update({"COLUMNS": "200", **(extra or {})})
    return env


def _loggers() -> list[logging.Logger]:
    manager = logging.root.manager
    return [logging.root, *(lg for lg in list(manager.loggerDict.values())
                            if isinstance(lg, logging.Logger))]


@contextmanager
def _logging_restored() -> Iterator[None]:
    """Put the loggers back as they were: `lights scheduler` points the `lights` logger
    at the runner's stderr, which is closed once the command returns."""
    saved = {lg: (lg.handlers[:], lg.level, lg.propagate) for lg in _loggers()}
    try:
        yield
    finally:
        for lg in _loggers():
            handlers, level, propagate = saved.get(lg, ([], lg.level, lg.propagate))
            for handler in lg.handlers:
                if handler not in handlers:
                    handler.close()
            lg.handlers[:] = handlers
            lg.setLevel(level)
            lg.propagate = propagate


def lights(cwd: Path, *args: str, env: dict[str, str] | None = None,
           input: str | None = None) -> subprocess.CompletedProcess:
    """`lights ARGS` run in process from ``cwd``.

    An exception the command does not turn into its one sentence is raised here, with
    its traceback, and fails the test: the real command would have printed a traceback.
    """
    from engine.cli import cli

    old = os.getcwd()
    os.chdir(cwd)
    try:
        with _logging_restored():
            result = CliRunner().invoke(cli, list(args), input=input, env=_env(env),
                                        prog_name="lights", catch_exceptions=False)
    finally:
        os.chdir(old)
    return subprocess.CompletedProcess(["lights", *args], result.exit_code, result.stdout,
                                       result.stderr)


def lights_process(cwd: Path, *args: str,
                   env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """`lights ARGS` through the installed entry point, in a new process."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("LIGHTS_")}
    clean.update({"COLUMNS": "200", **(env or {})})
    return subprocess.run([LIGHTS, *args], cwd=cwd, env=clean, capture_output=True, text=True,
                          timeout=120)
