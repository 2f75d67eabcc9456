"""Opening the database: SQLite (the embedded default) or PostgreSQL by URL."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import event, inspect
from sqlalchemy.engine import Engine, make_url
from sqlmodel import SQLModel, create_engine

import engine.investment  # noqa: F401  (registers investment_report)
from engine import models  # noqa: F401  (registers the tables on SQLModel.metadata)
from notifications import models as notice_models  # noqa: F401  (the notices' tables)


class NoDatabase(Exception):
    """The database does not exist yet or has no Lights tables."""


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
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def make_engine(url: str) -> Engine:
    url = normalise_url(url)
    engine = create_engine(url, pool_pre_ping=not url.startswith("sqlite"))
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def create_schema(engine: Engine) -> None:
    """Create missing tables (idempotent)."""
    SQLModel.metadata.create_all(engine)


def open_database(url: str, *, create: bool = False) -> Engine:
    """An engine on an initialised database; NoDatabase if there is none yet.

    Never creates an empty SQLite file as a side effect of a query command.
    """
    path = sqlite_path(url)
    if path is not None and not path.exists():
        if not create:
            raise NoDatabase(str(path))
        path.parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(url)
    if create:
        create_schema(engine)
    elif not inspect(engine).has_table("milestone"):
        engine.dispose()
        raise NoDatabase(str(path) if path else make_url(normalise_url(url)).render_as_string())
    return engine
