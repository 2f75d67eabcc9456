"""What every ``lights`` command shares: options, dates, errors, output formats.

Every error a person can cause (bad date, unknown project, no database yet, bad
configuration, a refused move) is one sentence on stderr and exit status 1; usage
mistakes are click's, exit status 2. Never a traceback. A command module raises one
of the exceptions handled in :func:`common` (or :class:`UserError`) and prints
nothing on failure itself.
"""

from __future__ import annotations

import csv
import functools
import json
import os
import re
import socket
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import click
from rich.console import Console
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from engine.atomic import CannotWrite
from engine.cli.safe import SafeConsole
from engine.cli.usage import Bad
from engine.config import Config, ConfigError, database_url_problem, load_config
from engine.i18n import light_label, lookup, t, trigger_label
from engine.ledger.values import MAX_YEAR, MIN_YEAR
from engine.store import lookups
from engine.store.db import (
    SCHEMA_REVISIONS,
    DatabaseBusy,
    NoDatabase,
    SchemaMismatch,
    SchemaTooNew,
    is_busy,
    open_database,
)
from engine.store.lock import LockBusy, LockLost, current_holder


class UserError(Exception):
    """A failure explained in one sentence, already in the user's language."""


# -- dates ----------------------------------------------------------------------
_DATE_RE = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*$")


class DateType(click.ParamType):
    """2026-10-31, 2026/10/31, 2026.10.31 or 2026年10月31日."""

    name = "DATE"

    def convert(self, value: Any, param: Any, ctx: Any) -> date:
        if isinstance(value, date):
            return value
        match = _DATE_RE.match(str(value))
        try:
            if not match:
                raise ValueError
            found = date(*(int(g) for g in match.groups()))
        except ValueError:
            raise Bad(f"“{value}”不是有效日期（可写 2026-10-31、2026/10/31、2026.10.31 或 "
                      "2026年10月31日）", f"{value!r} is not a date like 2026-10-31",
                      ctx, param) from None
        if not MIN_YEAR <= found.year <= MAX_YEAR:  # the ledger's bounds: 9999 is a typo
            raise Bad(f"“{value}”的年份不在 {MIN_YEAR}–{MAX_YEAR} 之间",
                      f"{value!r}: the year is not between {MIN_YEAR} and {MAX_YEAR}",
                      ctx, param)
        return found


DATE = DateType()


# -- shared options and context ------------------------------------------------------
@dataclass
class App:
    config: Config
    lang: str
    console: Console
    err: Console

    def say(self, key: str, **values: Any) -> str:
        return t(key, self.lang, **values)

    def database(self, create: bool = False) -> Engine:
        """The configured database; ``create``: made, or brought to this schema, first."""
        if create:
            from engine.migrations import create_database  # Alembic: ~0.3 s, init and demo only

            return create_database(self.config.database.url)
        return open_database(self.config.database.url,
                             busy_seconds=self.config.database.busy_seconds)

    def kind_label(self, code: str, lang: str) -> str:
        return self.config.kind_label(code, lang)


def _database_url(value: str) -> str:
    url = value if "://" in value else f"sqlite:///{value}"
    problem = database_url_problem(url)
    if problem:
        raise ConfigError(f"--database: {problem}")
    return url


def common(func: Callable[..., Any]) -> Callable[..., Any]:
    """--config, --database and --lang on every command; errors become one sentence."""

    @click.option("--config", "config_path", type=click.Path(dir_okay=False),
                  help="config.yaml to use / 配置文件")
    @click.option("--database", "database", metavar="URL|FILE",
                  help="database URL or SQLite file / 数据库")
    @click.option("--lang", type=click.Choice(["zh", "en"]), help="language / 语言")
    @functools.wraps(func)
    def wrapper(config_path: str | None, database: str | None, lang: str | None,
                **kwargs: Any) -> Any:
        given = click.get_current_context().meta.setdefault("lights.global", {})
        config_path = config_path or given.get("config_path")  # given before the command
        database = database or given.get("database")
        lang = lang or given.get("lang")
        given.update(config_path=config_path, database=database, lang=lang)  # for a subcommand
        err = SafeConsole(stderr=True, highlight=False, soft_wrap=True)
        used = lang or "zh"  # the configured language once the configuration is read
        try:
            overrides = {("database", "url"): _database_url(database)} if database else {}
            config = load_config(config_path, overrides=overrides)
            used = lang or config.lang
            app = App(config, used, SafeConsole(highlight=False), err)
            return func(app, **kwargs)
        except ConfigError as exc:
            fail(err, t("err.config", used, msg=exc))
        except NoDatabase as exc:
            fail(err, t("err.no_database", used, db=exc))
        except SchemaMismatch as exc:  # Lights upgraded and the database not, or the reverse
            fail(err, mismatch(exc, used))
        except lookups.NotFound as exc:
            hint = t("did_you_mean", used, names=("、" if used == "zh" else ", ").join(
                exc.suggestions)) if getattr(exc, "suggestions", None) else ""
            fail(err, t("err.not_found", used, what=t(f"what.{exc.what}", used), ref=exc.ref)
                 + hint)
        except CannotWrite as exc:
            fail(err, t(f"err.write.{exc.why}", used, path=exc.path, dir=exc.path.parent,
                        detail=exc.detail))
        except LockBusy as exc:
            h = exc.holder
            fail(err, t("err.lock_busy", used, job=h.job, host=h.host, pid=h.pid,
                         since=h.since_text(config.zone)))
        except lookups.BadInput as exc:
            words = getattr(exc, "words", {})
            fail(err, t("err.bad_input", used, msg=words.get(used) or exc))
        except UserError as exc:
            fail(err, str(exc))
        except LockLost:
            fail(err, t("err.lock_lost", used))
        except (DatabaseBusy, SQLAlchemyError) as exc:
            if is_busy(exc):
                fail(err, busy_sentence(config, used, getattr(exc, "seconds", None)))
            msg = str(getattr(exc, "orig", None) or exc).splitlines()[0]
            fail(err, t("err.database", used, msg=msg))
        except Exception as exc:
            sentence = _refusal(exc, used)
            if sentence is None:
                raise
            fail(err, sentence)

    return wrapper


def _refusal(exc: Exception, lang: str) -> str | None:
    """The sentence for a refused run or move, or None for any other error. The
    evaluation's modules are loaded only when one is raised: a command that only reads
    does not load them."""
    from engine.evaluation.lifecycle import RefusedMove
    from engine.evaluation.run import RunAhead, RunRefused

    if isinstance(exc, RunRefused):
        return t("err.refused_run", lang, as_of=exc.as_of, latest=exc.latest)
    if isinstance(exc, RunAhead):
        return t("err.run_ahead", lang, as_of=exc.as_of, today=exc.today,
                 n=(exc.as_of - exc.today).days, days=exc.days)
    if isinstance(exc, RefusedMove):
        return t("err.refused_move", lang, state=light_label(exc.state, lang),
                 trigger=trigger_label(exc.trigger, lang))
    return None


def busy_sentence(config: Config, lang: str, seconds: float | None = None) -> str:
    """The database stayed busy: who holds it (the run lock's holder, or another process)."""
    holder = None
    try:
        engine = open_database(config.database.url, check_schema=False)
        try:
            holder = current_holder(engine, config.scheduler.lock.expiry_seconds)
        finally:
            engine.dispose()
    except Exception:  # naming the holder must not hide the refusal itself
        holder = None
    secs = f"{seconds or config.database.busy_seconds:g}"
    if holder is None or (holder.pid, holder.host) == (os.getpid(), socket.gethostname()[:100]):
        # this very process holds the run lock: the writer in its way is another one
        return t("err.db_busy_other", lang, secs=secs)
    return t("err.db_busy", lang, secs=secs, job=holder.job, host=holder.host, pid=holder.pid,
             since=holder.since_text(config.zone))


def fail(err: Console, message: str) -> None:
    err.print(f"lights: {message}", markup=False)
    sys.exit(1)


def emit(app: App, fmt: str, rows: list[dict[str, Any]], table: Any) -> None:
    if fmt == "json":
        click.echo(json_rows(rows))
    elif fmt == "csv":
        if rows:
            sys.stdout.write("\ufeff")  # the BOM: Chinese Excel reads the UTF-8 by it
            writer = csv.DictWriter(sys.stdout, fieldnames=list(rows[0]), lineterminator="\n")
            writer.writeheader()
            writer.writerows({k: _text_cell(v) for k, v in row.items()} for row in rows)
    else:
        app.console.print(table)


_ROW_JSON = json.JSONEncoder(ensure_ascii=False, default=str)


def json_rows(rows: list[dict[str, Any]]) -> str:
    """A JSON array with one object a line: json's C encoder (``indent`` would take its
    pure-Python one, ~0.3 ms a row, most of a large status query's time), one encoder for
    every row (json.dumps with options builds a new one each call: 40% of the time)."""
    if not rows:
        return "[]"
    return "[\n" + ",\n".join(map(_ROW_JSON.encode, rows)) + "\n]"


def _text_cell(value: Any) -> Any:
    """A text Excel would run as a formula (=, +, -, @ first) keeps a leading quote, as in
    the ledger export (whose import takes it off again)."""
    return "'" + value if isinstance(value, str) and value.startswith(("=", "+", "-", "@")) \
        else value


BY = click.option("--by", "actor", default="", help="who / 操作人")
REASON = click.option("--reason", required=True, help="why / 原因")
FORMAT = click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]),
                      default="table", show_default=True)


_SCHEMA_WORDS: dict[str, dict[str, str]] = {
    "err.behind": {"zh": "数据库结构版本 {revision} 旧于本版本 Lights（{head}）：请先运行 "
                         "lights db upgrade",
                   "en": "The database is at schema revision {revision}, older than this "
                         "Lights ({head}): run lights db upgrade first"},
    "err.none": {"zh": "数据库由旧版 Lights 建立，尚无结构版本记录（本版本为 {head}）：请先运行 "
                       "lights db upgrade",
                 "en": "The database was made by an earlier Lights and records no schema "
                       "revision (this Lights is at {head}): run lights db upgrade first"},
    "err.too_new": {"zh": "数据库结构版本 {revision} 来自更新版本的 Lights，本版本只到 {head}："
                          "请安装那个版本的 Lights",
                    "en": "The database is at schema revision {revision}, from a newer Lights; "
                          "this one goes up to {head}: install that newer Lights"},
}
_schema_say = lookup(_SCHEMA_WORDS)


def mismatch(exc: SchemaMismatch, lang: str) -> str:
    """The sentence for a database at another revision than this Lights' (every command)."""
    head = SCHEMA_REVISIONS[-1]
    if isinstance(exc, SchemaTooNew):
        return _schema_say("err.too_new", lang, revision=exc.revision, head=head)
    if exc.revision is None:
        return _schema_say("err.none", lang, head=head)
    return _schema_say("err.behind", lang, revision=exc.revision, head=head)
