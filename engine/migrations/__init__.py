"""Schema migrations (Alembic), shipped inside the package and configured in code.

:func:`upgrade` is what :func:`create_database` (``lights init``, ``lights
demo``, the tests) and ``lights db upgrade`` call. It brings a database to the head
revision, whatever it was:

- at head already: nothing (one read, no lock);
- empty: ``create_all`` from the models, then stamped at head. It is what running
  the migrations gives (tests/test_migrations.py proves it on SQLite and
  PostgreSQL) at 40% of the cost on SQLite: ~25 ms instead of ~60 ms a database,
  and the tests create hundreds;
- made by ``create_all`` before Lights had migrations (its tables, no
  ``alembic_version``): it is adopted — the tables of the initial revision it lacks
  (the run lock and job tables were made only when first used) are created from
  that revision's own definitions, it is stamped at the initial revision, then
  upgraded like any other;
- at an older revision: upgraded.

All of it is one transaction holding the schema lock (SQLite's write lock, or a
PostgreSQL advisory lock for the schema), so two ``lights init`` at once do the work
once. ``alembic_version`` lives beside the tables, in the schema the connection uses
(its search_path on PostgreSQL). ``python -m engine.migrations`` writes new revisions.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from alembic import command
from alembic.config import Config
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect, text
from sqlalchemy.engine import Engine

from engine.store.db import SchemaTooNew, lights_metadata, make_engine, sqlite_path, writer

HERE = Path(__file__).resolve().parent
INITIAL = "0001"


@dataclass(frozen=True)
class Outcome:
    """What :func:`upgrade` did: ``how`` is created, adopted, upgraded or current."""

    before: str | None
    after: str
    how: str


def config(connection: Connection | None = None) -> Config:
    """Alembic's configuration, in code: the scripts are this package's directory."""
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE).replace("%", "%%"))
    cfg.attributes["connection"] = connection
    return cfg


@functools.cache
def scripts() -> ScriptDirectory:
    """The revisions shipped with this Lights (read once per process)."""
    return ScriptDirectory.from_config(config())


def head() -> str:
    heads = scripts().get_heads()
    if len(heads) != 1:  # two revisions with the same parent: a merge is missing
        raise RuntimeError(f"engine/migrations has {len(heads)} heads: {heads}")
    return heads[0]


def current(conn: Connection) -> str | None:
    """The database's revision; None when it has no ``alembic_version`` (yet)."""
    return MigrationContext.configure(conn).get_current_revision()


def create_database(url: str) -> Engine:
    """An engine on the database at ``url``, created or brought to the newest schema
    (idempotent): what ``lights init``, ``lights demo`` and the tests open."""
    path = sqlite_path(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(url)
    upgrade(engine)
    return engine


def upgrade(engine: Engine, *, migrate_empty: bool = False) -> Outcome:
    """Bring the database to the head revision (idempotent; see the module's text).

    ``migrate_empty``: an empty database runs the migrations instead of create_all
    (the tests that keep the two the same use it).
    """
    target = head()
    with engine.connect() as conn:
        before = current(conn)
    if before == target:
        return Outcome(before, target, "current")
    with migrating(engine) as conn:
        before = current(conn)  # again, under the lock: another process may have done it
        if before == target:
            return Outcome(before, target, "current")
        if before is not None and before not in known():
            raise SchemaTooNew(before)
        how = "upgraded"
        if before is None:
            present = set(inspect(conn).get_table_names()) & set(initial_tables())
            how = "adopted" if present else "created"
            if present:
                _adopt(conn, present)
            elif not migrate_empty:
                lights_metadata().create_all(conn)
                MigrationContext.configure(conn).stamp(scripts(), "head")
                return Outcome(None, target, how)
        command.upgrade(config(conn), "head")
    return Outcome(before, target, how)


def known() -> set[str]:
    """Every revision this Lights ships."""
    return {script.revision for script in scripts().walk_revisions()}


def initial_tables() -> list[str]:
    """The tables of the initial revision, in the order it creates them."""
    return list(_initial().TABLES)


def _initial() -> ModuleType:
    """The initial revision's module: its TABLES create one table each."""
    script = scripts().get_revision(INITIAL)
    assert script is not None
    return script.module


def _adopt(conn: Connection, present: set[str]) -> None:
    """A database made by ``create_all``: complete it as the initial revision, stamp it."""
    context = MigrationContext.configure(conn)
    with Operations.context(context):
        for name, create in _initial().TABLES.items():
            if name not in present:
                create()
    context.stamp(scripts(), INITIAL)


@contextlib.contextmanager
def migrating(engine: Engine) -> Iterator[Connection]:
    """A transaction that may change the schema, holding the schema lock.

    On SQLite, foreign keys are off meanwhile (as SQLite's own procedure for altering
    a table asks: batch mode copies a table, drops the old one and renames the copy,
    which must not cascade or fail) and checked before the commit.
    """
    with writer(engine).connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:  # outside any transaction, or SQLite ignores it
            conn.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        try:
            with conn.begin():  # SQLite: BEGIN IMMEDIATE (writer), the write lock
                if conn.dialect.name == "postgresql":
                    conn.execute(text("SELECT pg_advisory_xact_lock("
                                      "hashtext('lights.schema:' || current_schema()))"))
                yield conn
                if sqlite:
                    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").first()
                    if broken is not None:
                        raise RuntimeError(f"the migration broke a foreign key: {tuple(broken)}")
        finally:
            if sqlite:
                conn.connection.driver_connection.execute("PRAGMA foreign_keys=ON")
