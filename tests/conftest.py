"""Shared fixtures: real databases (a SQLite file, PostgreSQL when reachable)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from sqlalchemy.engine import Engine

from engine.config import Config, load_config
from engine.migrations import create_database

PG_URL = os.environ.get("LIGHTS_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _pg_reason() -> str | None:
    """Why PostgreSQL tests cannot run here, or None when they can."""
    try:
        import psycopg
    except ImportError:
        return "psycopg is not installed (pip install -e '.[test]')"
    try:
        psycopg.connect(PG_URL.replace("+psycopg", ""), connect_timeout=3).close()
    except psycopg.Error as exc:
        return f"no PostgreSQL server at {PG_URL.split('@')[-1]}: {str(exc).strip()[:120]}"
    return None


_PG_SKIP = _pg_reason()


@pytest.fixture
def config(tmp_path, monkeypatch) -> Config:
    """The built-in defaults, unaffected by the caller's environment and ./config.yaml."""
    monkeypatch.chdir(tmp_path)
    return load_config(env={})


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'lights.db'}"


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh schema on the real PostgreSQL server, dropped afterwards."""
    if _PG_SKIP:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL must be reachable in CI: {_PG_SKIP}")
        pytest.skip(_PG_SKIP)
    import psycopg

    schema = f"lights_test_{uuid.uuid4().hex[:10]}"
    raw = PG_URL.replace("+psycopg", "")
    with psycopg.connect(raw, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in PG_URL else "?"
    yield f"{PG_URL}{sep}options={quote(f'-csearch_path={schema}')}"
    with psycopg.connect(raw, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request) -> str:
    """Each test using it runs on a SQLite file and on PostgreSQL."""
    name = "sqlite_url" if request.param == "sqlite" else "pg_url"
    return request.getfixturevalue(name)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = create_database(db_url)
    yield eng
    eng.dispose()
