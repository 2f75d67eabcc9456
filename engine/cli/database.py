"""``lights db upgrade`` and ``lights db current``: the database schema's revision.

After installing a new Lights, an operator runs ``lights db upgrade`` once (it is
safe to repeat and to run from a deployment script); ``lights db current`` says
where a database stands. Alembic is imported only by the upgrade.
"""

from __future__ import annotations

import json

import click

from engine.cli import cli
from engine.cli.common import App, UserError, common, mismatch
from engine.i18n import lookup
from engine.store.db import (
    SCHEMA_REVISIONS,
    SchemaBehind,
    SchemaTooNew,
    check_revision,
    make_engine,
    open_database,
    schema_revision,
    sqlite_path,
)

WORDS: dict[str, dict[str, str]] = {
    "db.created": {"zh": "已建立数据库，结构版本 {after}：{db}",
                   "en": "Database created at schema revision {after}: {db}"},
    "db.adopted": {"zh": "已接管旧版 Lights 建立的数据库（记为初始版本），结构版本 {after}：{db}",
                   "en": "Database made by an earlier Lights adopted (stamped as the initial "
                         "revision), now at schema revision {after}: {db}"},
    "db.upgraded": {"zh": "数据库结构已从版本 {before} 升级到 {after}：{db}",
                    "en": "Database schema upgraded from revision {before} to {after}: {db}"},
    "db.current": {"zh": "数据库结构版本 {after}，已是最新：{db}",
                   "en": "Database schema at revision {after}, the newest: {db}"},
    "current.head": {"zh": "数据库结构版本 {revision}（最新）",
                     "en": "Schema revision {revision} (the newest)"},
    "current.behind": {"zh": "数据库结构版本 {revision}，本版本 Lights 为 {head}："
                             "请运行 lights db upgrade",
                       "en": "Schema revision {revision}; this Lights is at {head}: "
                             "run lights db upgrade"},
    "current.none": {"zh": "数据库由旧版 Lights 建立，尚无结构版本记录（本版本为 {head}）：请运行 "
                           "lights db upgrade",
                     "en": "The database was made by an earlier Lights and records no schema "
                           "revision (this Lights is at {head}): run lights db upgrade"},
}


say = lookup(WORDS)


@cli.group("db")
def db() -> None:
    """The database schema: its revision, and upgrades / 数据库结构版本与升级."""


@db.command("upgrade")
@common
def upgrade_cmd(app: App) -> None:
    """Bring the database to this Lights' schema, creating it if need be / 升级数据库结构."""
    from engine.migrations import upgrade

    url = app.config.database.url
    path = sqlite_path(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(url)
    try:
        outcome = upgrade(engine)
    except SchemaTooNew as exc:
        raise UserError(mismatch(exc, app.lang)) from None
    finally:
        engine.dispose()
    where = path or engine.url.render_as_string()
    app.console.print(say(f"db.{outcome.how}", app.lang, before=outcome.before,
                          after=outcome.after, db=where), markup=False)


@db.command("current")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@common
def current_cmd(app: App, fmt: str) -> None:
    """The database's schema revision and whether it needs an upgrade / 数据库结构版本."""
    engine = open_database(app.config.database.url, check_schema=False)  # it says why
    try:
        revision = schema_revision(engine)
    finally:
        engine.dispose()
    newest = SCHEMA_REVISIONS[-1]
    if fmt == "json":
        click.echo(json.dumps({"revision": revision, "head": newest,
                               "up_to_date": revision == newest}))
        return
    try:
        check_revision(revision)
    except SchemaTooNew as exc:
        raise UserError(mismatch(exc, app.lang)) from None
    except SchemaBehind:
        key = "current.none" if revision is None else "current.behind"
        app.console.print(say(key, app.lang, revision=revision, head=newest), markup=False)
        return
    app.console.print(say("current.head", app.lang, revision=revision), markup=False)
