"""Opening the database: SQLite (the embedded default) or PostgreSQL by URL."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import MetaData, event, inspect, text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import SQLModel, create_engine

from engine.store import tables  # noqa: F401  (defines every table on SQLModel.metadata)


def lights_metadata() -> MetaData:
    """Every Lights table (migrations compare the database with it)."""
    return SQLModel.metadata


class NoDatabase(Exception):
    """The database does not exist yet or has no Lights tables."""


# The revisions in engine/migrations/versions, oldest first. Kept here so that every
# command can check a database's revision without importing Alembic (~0.3 s);
# tests/test_migrations.py fails when the two disagree.
SCHEMA_REVISIONS = ("0001", "0002", "0003")


class SchemaMismatch(Exception):
    """The database is not at this Lights' newest schema revision."""

    def __init__(self, revision: str | None) -> None:
        super().__init__(revision)
        self.revision = revision


class SchemaBehind(SchemaMismatch):
    """An older revision (None: from before migrations): ``lights db upgrade`` mends it."""


class SchemaTooNew(SchemaMismatch):
    """A revision this Lights does not know: a newer Lights migrated the database."""


def normalise_url(url: str) -> str:
    """``postgresql://`` means psycopg 3, the driver we install (not psycopg2)."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL, or None for other databases and :memory:."""
    parsed = make_url(normalise_url(url))
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
    # WAL + synchronous=NORMAL: ~30x faster commits; cannot corrupt, may lose the last
    # commits on power loss (LIBRARY-NOTES.md). Foreign keys are off by default in SQLite.
    # pysqlite's own deferred BEGIN is switched off: _sqlite_begin starts transactions.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA busy_timeout=10000")  # first: switching to WAL may have to wait
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


READ_ONLY = "lights_read_only"
WRITER = "lights_writer"


def _sqlite_begin(conn) -> None:  # type: ignore[no-untyped-def]
    # A transaction that reads and then writes (a run's chunk, an import) must hold the
    # write lock from its start: with a deferred BEGIN, a writer committing in between
    # makes its first write fail at once with "database is locked" (busy_timeout does
    # not apply to a stale snapshot). Such transactions use writer(): BEGIN IMMEDIATE
    # makes the other writer wait instead. Everything else keeps a deferred BEGIN, so
    # readers never queue for the write lock (in WAL they never block a writer).
    options = conn.get_execution_options()
    if options.get("isolation_level") == "AUTOCOMMIT":
        return
    immediate = options.get(WRITER) and not options.get(READ_ONLY)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def writer(engine: Engine) -> Engine:
    """The same database for a transaction that reads, then writes what it read.

    On SQLite its transactions take the write lock at BEGIN; elsewhere it is the
    engine itself (PostgreSQL's row locks and MVCC need no such step).
    """
    return engine.execution_options(**{WRITER: True})


def read_only(engine: Engine) -> Engine:
    """The same database for a reader that never writes (status, bulletins, exports).

    Its transactions never take SQLite's write lock, so a long report does not hold
    up the nightly run; elsewhere it is the engine itself.
    """
    return engine.execution_options(**{READ_ONLY: True})


def _postgres_utc(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
    # Timestamps are UTC; a server in another zone must not shift them on the way in.
    with dbapi_conn.cursor() as cur:
        cur.execute("SET TIME ZONE 'UTC'")
    dbapi_conn.commit()


def make_engine(url: str) -> Engine:
    url = normalise_url(url)
    engine = create_engine(url, pool_pre_ping=not url.startswith("sqlite"))
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    elif engine.dialect.name == "postgresql":
        event.listen(engine, "connect", _postgres_utc)
    return engine


def open_database(url: str, *, check_schema: bool = True) -> Engine:
    """An engine on an initialised database; NoDatabase if there is none yet.

    Never creates an empty SQLite file as a side effect of a query command (creating
    is :func:`engine.migrations.create_database`). A database at another schema
    revision than this Lights' is refused (SchemaMismatch) before a command meets a
    missing column half way through its work.
    """
    path = sqlite_path(url)
    if path is not None and not path.exists():
        raise NoDatabase(str(path))
    engine = make_engine(url)
    if not inspect(engine).has_table("milestone"):
        engine.dispose()
        raise NoDatabase(str(path) if path else make_url(normalise_url(url)).render_as_string())
    elif check_schema:
        try:
            check_revision(schema_revision(engine))
        except SchemaMismatch:
            engine.dispose()
            raise
    return engine


def schema_revision(engine: Engine) -> str | None:
    """The database's schema revision (one small query, no Alembic import); None when it
    has no ``alembic_version``: made before Lights had migrations."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one_or_none()


def check_revision(revision: str | None) -> None:
    """Refuse a revision that is not this Lights' newest: SchemaBehind or SchemaTooNew."""
    if revision == SCHEMA_REVISIONS[-1]:
        return
    if revision is not None and revision not in SCHEMA_REVISIONS:
        raise SchemaTooNew(revision)
    raise SchemaBehind(revision)
