"""Shared fixtures: real databases (a SQLite file, PostgreSQL when reachable)."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import sqlite3
import subprocess
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from sqlalchemy import MetaData
from sqlalchemy.engine import Engine

from engine.config import Config, load_config
from engine.migrations import create_database
from engine.store.lock import advisory_key
from tests.builders import copy_sqlite

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


def _need_pg() -> None:
    """Skip with the reason when the server is absent; in CI, fail instead."""
    if _PG_SKIP:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL must be reachable in CI: {_PG_SKIP}")
        pytest.skip(_PG_SKIP)


def _new_schema(**params: str) -> tuple[str, str]:
    """A new empty schema (a random name: parallel test processes never share one) and
    the URL whose connections use it."""
    import psycopg

    schema = f"lights_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_URL.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in PG_URL else "?"
    query = "".join(f"&{k}={quote(v)}" for k, v in params.items())
    return schema, f"{PG_URL}{sep}options={quote(f'-csearch_path={schema}')}{query}"


def _drop_schema(schema: str) -> None:
    import psycopg

    with psycopg.connect(PG_URL.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh schema on the real PostgreSQL server, dropped afterwards."""
    _need_pg()
    schema, url = _new_schema()
    yield url
    _drop_schema(schema)


DB_KINDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=DB_KINDS)
def db_url(request) -> str:
    """Each test using it runs on a SQLite file and on PostgreSQL."""
    name = "sqlite_url" if request.param == "sqlite" else "pg_url"
    return request.getfixturevalue(name)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """An empty database at the newest schema, made once per test process."""
    path = tmp_path_factory.mktemp("template") / "lights.db"
    create_database(f"sqlite:///{path}").dispose()
    return path


LOCK_NAMES = ("run", "outbox")  # RunLock's names (engine.store.lock, notifications.dispatch)


class PgPool:
    """One schema at the newest revision per test process, emptied for each test.

    Creating and migrating a schema costs ~0.7 s on PostgreSQL and dropping it ~0.15 s;
    emptying its tables ~0.05 s. What a test left connected to it (its connections carry
    an application_name) and the run locks it left held on it are ended before the next
    test; a schema that cannot be emptied is replaced by a new one.
    """

    def __init__(self) -> None:
        self.schema = ""
        self.url = ""
        self.app = ""
        self.empty_sql = ""
        self.tables: list[str] = []  # parents before children
        self.sequences: list[str] = []

    def fresh(self) -> str:
        if not self.schema or not self._empty():
            self._replace()
        return self.url

    def _replace(self) -> None:
        self.drop()
        self.app = f"lights-tests-{uuid.uuid4().hex[:10]}"
        self.schema, self.url = _new_schema(application_name=self.app)
        engine = create_database(self.url)
        tables = MetaData()
        tables.reflect(engine)
        with engine.connect() as conn:
            sequences = conn.exec_driver_sql(
                "SELECT sequence_name FROM information_schema.sequences "
                "WHERE sequence_schema = current_schema()").scalars().all()
        engine.dispose()
        self.tables = [t.name for t in tables.sorted_tables if t.name != "alembic_version"]
        self.sequences = list(sequences)
        self.empty_sql = "".join(
            [f'DELETE FROM "{self.schema}"."{t}";' for t in reversed(self.tables)]
            + [f'ALTER SEQUENCE "{self.schema}"."{s}" RESTART;' for s in sequences])

    def _empty(self) -> bool:
        import psycopg

        try:
            with psycopg.connect(PG_URL.replace("+psycopg", ""), autocommit=True) as conn:
                conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                             "WHERE application_name = %s", (self.app,))
                keys = [advisory_key(name, self.schema) for name in LOCK_NAMES]
                conn.execute("SELECT pg_terminate_backend(pid) FROM pg_locks "
                             "WHERE locktype = 'advisory' AND objsubid = 1 AND "
                             "(classid::bigint << 32 | objid::bigint) = ANY(%s)",
                             (keys,))
                with conn.transaction():
                    conn.execute("SET LOCAL lock_timeout = '5s'")
                    conn.execute("SET LOCAL synchronous_commit = off")
                    conn.execute(self.empty_sql)
        except psycopg.Error:
            return False
        return True

    def drop(self) -> None:
        if self.schema:
            _drop_schema(self.schema)
            self.schema = ""


@pytest.fixture(scope="session")
def pg_pool() -> Iterator[PgPool]:
    _need_pg()
    pool = PgPool()
    yield pool
    pool.drop()


@pytest.fixture(params=DB_KINDS)
def engine(request, tmp_path: Path) -> Iterator[Engine]:
    """An empty database at the newest schema, on a SQLite file and on PostgreSQL: a copy
    of a template file on SQLite, the test process's emptied schema on PostgreSQL."""
    if request.param == "sqlite":
        url = f"sqlite:///{copy_sqlite(request.getfixturevalue('sqlite_template'), tmp_path)}"
    else:
        url = request.getfixturevalue("pg_pool").fresh()
    eng = create_database(url)  # at the newest revision already: one read
    yield eng
    eng.dispose()


class Seeds:
    """Rows that many tests start from, built once per test process and database kind.

    The first test to ask builds them on its own (empty) database and a snapshot is
    kept: on SQLite a file (the backup API), on PostgreSQL a schema of plain copies of
    the tables and the sequences' positions. Each later test gets the snapshot's rows
    copied into its empty database, ids and sequences included, and the value the
    builder returned (ids are the same, sequences having restarted).
    """

    def __init__(self, home: Path) -> None:
        self.home = home
        self.kept: dict[tuple[str, str], tuple[Any, Any]] = {}
        self.schemas: list[str] = []

    def use(self, key: str, engine: Engine, build: Callable[[], Any],
            pool: PgPool | None) -> Any:
        kind = engine.dialect.name
        if (key, kind) in self.kept:
            value, snapshot = self.kept[(key, kind)]
            if pool is None:
                self._sqlite_restore(engine, snapshot)
            else:
                self._pg_restore(engine, snapshot, pool)
            return value
        value = build()
        snapshot = self._sqlite_keep(engine) if pool is None else self._pg_keep(engine, pool)
        self.kept[(key, kind)] = (value, snapshot)
        return value

    def _sqlite_keep(self, engine: Engine) -> Path:
        path = self.home / f"seed{len(self.kept)}.db"
        target = sqlite3.connect(path)
        with engine.connect() as conn:
            conn.connection.driver_connection.backup(target)  # type: ignore[union-attr]
        target.close()
        return path

    def _sqlite_restore(self, engine: Engine, snapshot: Path) -> None:
        engine.dispose()
        database = Path(engine.url.database or "")
        for suffix in ("-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
        shutil.copy(snapshot, database)

    def _pg_keep(self, engine: Engine, pool: PgPool) -> tuple[str, list[tuple[str, int, bool]]]:
        schema = f"lights_seed_{uuid.uuid4().hex[:10]}"
        self.schemas.append(schema)
        with engine.begin() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
            for t in pool.tables:
                conn.exec_driver_sql(
                    f'CREATE TABLE "{schema}"."{t}" AS TABLE "{pool.schema}"."{t}"')
            positions = [(s, *conn.exec_driver_sql(
                f'SELECT last_value, is_called FROM "{pool.schema}"."{s}"').one())
                for s in pool.sequences]
        return schema, positions

    def _pg_restore(self, engine: Engine, snapshot: tuple[str, list[tuple[str, int, bool]]],
                    pool: PgPool) -> None:
        schema, positions = snapshot
        with engine.begin() as conn:
            for t in pool.tables:  # parents first
                conn.exec_driver_sql(f'INSERT INTO "{pool.schema}"."{t}" OVERRIDING SYSTEM VALUE '
                                     f'SELECT * FROM "{schema}"."{t}"')
            for name, last, called in positions:
                conn.exec_driver_sql("SELECT setval(%(seq)s::regclass, %(last)s, %(called)s)",
                                     {"seq": f'"{pool.schema}"."{name}"', "last": last,
                                      "called": called})


@pytest.fixture(scope="session")
def _seeds(tmp_path_factory) -> Iterator[Seeds]:
    seeds = Seeds(tmp_path_factory.mktemp("seeds"))
    yield seeds
    for schema in seeds.schemas:
        _drop_schema(schema)


@pytest.fixture
def seed(_seeds: Seeds, engine: Engine, request) -> Callable[[str, Callable[[], Any]], Any]:
    """``seed(name, build)``: ``build()`` on this test's database the first time (per
    test process, module and database kind), the same rows copied in after that; returns
    what ``build`` returned. For builders that depend on nothing but the database and
    the default configuration."""
    pool = request.getfixturevalue("pg_pool") if engine.dialect.name == "postgresql" else None

    def use(name: str, build: Callable[[], Any]) -> Any:
        return _seeds.use(f"{request.module.__name__}:{name}", engine, build, pool)

    return use


@pytest.fixture(scope="session")
def lights_demo(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """`lights demo` run once per test run, for the tests that only read what it leaves
    (its database, bulletin and morning mail): a whole demo year takes seconds. Parallel
    test processes (pytest-xdist) share the one the first of them made. An SMTP server
    named in the environment (where nothing listens) must not change that the demo only
    ever writes files."""
    from tests.cli_runner import lights
    from tests.mailserver import free_port

    def make(home: Path) -> subprocess.CompletedProcess:
        return lights(home, "demo", env={"LIGHTS_SMTP_HOST": "127.0.0.1",
                                         "LIGHTS_SMTP_PORT": str(free_port())})

    if not os.environ.get("PYTEST_XDIST_WORKER"):
        home = tmp_path_factory.mktemp("demo")
        return home, make(home)
    shared = tmp_path_factory.getbasetemp().parent  # this run's, above each worker's own
    record = shared / "lights_demo.json"
    with (shared / "lights_demo.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # the others wait for the first one's demo
        if not record.exists():
            home = tmp_path_factory.mktemp("demo")
            out = make(home)
            record.write_text(json.dumps([str(home), out.returncode, out.stdout, out.stderr]),
                              encoding="utf-8")
    home_, code, stdout, stderr = json.loads(record.read_text(encoding="utf-8"))
    return Path(home_), subprocess.CompletedProcess(["lights", "demo"], code, stdout, stderr)
