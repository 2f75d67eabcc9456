"""Alembic's entry point for Lights' migrations, run by :mod:`engine.migrations`.

There is no alembic.ini: the configuration is built in code and hands over an open
connection (``config.attributes["connection"]``) inside the caller's transaction,
which already holds the schema lock, so Alembic neither connects nor commits itself.
"""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy.types import TypeDecorator

from engine.store.db import lights_metadata


def render_item(kind: str, obj: Any, _autogen: Any) -> str | bool:
    """Our own types (engine.store.tables.UTCDateTime; SQLModel's before it) as the
    SQLAlchemy types they store as (DateTime(timezone=True)): revisions import neither."""
    if (kind == "type" and isinstance(obj, TypeDecorator)
            and type(obj).__module__.startswith(("sqlmodel.", "engine."))):
        return f"sa.{obj.impl_instance!r}"
    return False


def run() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("Lights' migrations run through engine.migrations, "
                           "with a connection (python -m engine.migrations --help)")
    context.configure(
        connection=connection,
        target_metadata=lights_metadata(),
        # SQLite cannot ALTER most things: batch mode copies the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        render_item=render_item,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run()
