"""Opening the database: SQLite (the embedded default) or PostgreSQL by URL."""

from __future__ import annotations

import random
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import MetaData, create_engine, event, inspect, text
from sqlalchemy.engine import Engine, make_url

from engine.store import tables


def lights_metadata() -> MetaData:
    """Every Lights table (migrations compare the database with it)."""
    return tables.metadata


class NoDatabase(Exception):
    """The database does not exist yet or has no Lights tables."""


# The revisions in engine/migrations/versions, oldest first. Kept here so that every
# command can check a database's revision without importing Alembic (~0.3 s);
# tests/test_migrations.py fails when the two disagree.
SCHEMA_REVISIONS = ("0001", "0002", "0003", "0004", "0005", "0006")


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


# How long a writer waits for another process's write to end before it gives up with
# DatabaseBusy (the commands say who holds the database); PostgreSQL's lock_timeout.
# database.busy_seconds in config.yaml (make_engine's busy_seconds).
BUSY_SECONDS = 30.0


class DatabaseBusy(Exception):
    """Another connection held the write lock for longer than the writer would wait."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"waited {seconds:g} s for the write lock")
        self.seconds = seconds


def is_busy(exc: BaseException) -> bool:
    """SQLite's "database is locked" or PostgreSQL's lock_timeout, however wrapped."""
    if isinstance(exc, DatabaseBusy):
        return True
    orig = getattr(exc, "orig", None) or exc
    if getattr(orig, "sqlstate", None) == "55P03":  # lock_not_available
        return True
    return isinstance(orig, sqlite3.OperationalError) and "locked" in str(orig)


def _sqlite_pragmas(busy_ms: int) -> Callable[..., None]:
    def pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
        # WAL + synchronous=NORMAL: ~30x faster commits; cannot corrupt, may lose the last
        # commits on power loss (LIBRARY-NOTES.md). Foreign keys are off by default in
        # SQLite. pysqlite's own deferred BEGIN is switched off: _sqlite_begin starts
        # transactions. busy_timeout first: switching to WAL may have to wait; it is also
        # the writers' bound (_begin_immediate).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout={busy_ms}")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    return pragmas


READ_ONLY = "lights_read_only"
WRITER = "lights_writer"
WAIT = "lights_wait"  # a writer's own bound on the wait for the write lock, in seconds
_WRITING = "lights_writing"  # in a DBAPI connection's info: it holds SQLite's write lock

_open_writes = 0  # writer transactions open in this process (SQLite)
_open_writes_mutex = threading.Lock()


def writing() -> bool:
    """Whether a writer transaction of this process holds SQLite's write lock now.

    The run lock's heartbeat thread looks at it so that it never waits on a write lock
    its own process holds.
    """
    return _open_writes > 0


def _count_write(info: dict, opened: bool) -> None:  # type: ignore[type-arg]
    global _open_writes
    if opened == bool(info.get(_WRITING)):
        return
    with _open_writes_mutex:
        _open_writes += 1 if opened else -1
    if opened:
        info[_WRITING] = True
    else:
        info.pop(_WRITING, None)


def _begin_immediate(dbapi_conn: sqlite3.Connection, wait_s: float | None) -> None:
    """BEGIN IMMEDIATE, trying again every few milliseconds for up to ``wait_s`` (default:
    the connection's busy_timeout).

    SQLite's own busy handler sleeps up to 100 ms between tries; a writer whose
    transactions follow each other closely (the run's chunks) slips back in between
    and starves it. Short tries here, and a pause between the run's chunks, let every
    writer in. DatabaseBusy when the time is up.
    """
    busy_ms = dbapi_conn.execute("PRAGMA busy_timeout").fetchone()[0]
    wait_s = busy_ms / 1000 if wait_s is None else wait_s
    deadline = time.monotonic() + wait_s
    dbapi_conn.execute("PRAGMA busy_timeout=0")
    try:
        while True:
            try:
                dbapi_conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if not is_busy(exc):
                    raise
                if time.monotonic() >= deadline:
                    raise DatabaseBusy(wait_s) from None
            time.sleep(random.uniform(0.001, 0.005))
    finally:
        dbapi_conn.execute(f"PRAGMA busy_timeout={busy_ms}")


def _sqlite_begin(conn) -> None:  # type: ignore[no-untyped-def]
    # A transaction that writes (above all one that reads, then writes what it read: a
    # run's chunk, an import, composing digests) must hold the write lock from its
    # start: with a deferred BEGIN, a writer committing in between makes its first
    # write fail at once with "database is locked" (busy_timeout does not apply to a
    # stale snapshot). Such transactions use writer(): BEGIN IMMEDIATE makes the other
    # writer wait instead. Everything else keeps a deferred BEGIN, so readers never
    # queue for the write lock (in WAL they never block a writer).
    options = conn.get_execution_options()
    if options.get("isolation_level") == "AUTOCOMMIT":
        return
    if options.get(WRITER) and not options.get(READ_ONLY):
        _begin_immediate(conn.connection.dbapi_connection, options.get(WAIT))
        _count_write(conn.info, True)
    else:
        conn.exec_driver_sql("BEGIN")


def _sqlite_end(conn) -> None:  # type: ignore[no-untyped-def]
    _count_write(conn.info, False)


def _sqlite_checkin(_dbapi_conn, record) -> None:  # type: ignore[no-untyped-def]
    _count_write(record.info, False)



PAUSE_SECONDS = 0.01  # longer than a waiting writer's pause between tries (1–5 ms)


def let_others_write(engine: Engine) -> None:
    """Pause between two write transactions that follow each other closely (a run's
    chunks), so that a writer of another process waiting for SQLite's lock gets it."""
    if engine.dialect.name == "sqlite":
        time.sleep(PAUSE_SECONDS)


def writer(engine: Engine, *, wait: float | None = None) -> Engine:
    """The same database for a transaction that writes (and may first read what it writes).

    On SQLite its transactions take the write lock at BEGIN, waiting up to ``wait``
    seconds (default: the engine's busy_seconds) for another writer, then DatabaseBusy;
    elsewhere it is the engine itself (PostgreSQL's row locks and MVCC need no such step).
    """
    options: dict[str, object] = {WRITER: True}
    if wait is not None:
        options[WAIT] = wait
    return engine.execution_options(**options)


def read_only(engine: Engine) -> Engine:
    """The same database for a reader that never writes (status, bulletins, exports).

    Its transactions never take SQLite's write lock, so a long report does not hold
    up the nightly run; elsewhere it is the engine itself.
    """
    return engine.execution_options(**{READ_ONLY: True})


def _postgres_session(busy_ms: int) -> Callable[..., None]:
    def session(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
        # Timestamps are UTC; a server in another zone must not shift them on the way in.
        # A row lock is waited for as long as SQLite's write lock, then LockNotAvailable.
        with dbapi_conn.cursor() as cur:
            cur.execute("SET TIME ZONE 'UTC'")
            cur.execute(f"SET lock_timeout = {busy_ms}")
        dbapi_conn.commit()

    return session


def make_engine(url: str, *, busy_seconds: float = BUSY_SECONDS) -> Engine:
    """An engine whose writers wait up to ``busy_seconds`` for another's write."""
    url = normalise_url(url)
    busy_ms = max(1, int(busy_seconds * 1000))
    engine = create_engine(url, pool_pre_ping=not url.startswith("sqlite"))
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas(busy_ms))
        event.listen(engine, "begin", _sqlite_begin)
        event.listen(engine, "commit", _sqlite_end)
        event.listen(engine, "rollback", _sqlite_end)
        event.listen(engine, "checkin", _sqlite_checkin)
    elif engine.dialect.name == "postgresql":
        event.listen(engine, "connect", _postgres_session(busy_ms))
    return engine


def open_database(url: str, *, check_schema: bool = True,
                  busy_seconds: float = BUSY_SECONDS) -> Engine:
    """An engine on an initialised database; NoDatabase if there is none yet.

    Never creates an empty SQLite file as a side effect of a query command (creating
    is :func:`engine.migrations.create_database`). A database at another schema
    revision than this Lights' is refused (SchemaMismatch) before a command meets a
    missing column half way through its work.
    """
    path = sqlite_path(url)
    if path is not None and not path.exists():
        raise NoDatabase(str(path))
    engine = make_engine(url, busy_seconds=busy_seconds)
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
