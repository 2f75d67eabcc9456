"""One write discipline: every write takes the write lock at its start, a busy database is
one sentence naming who holds it, the lock's heartbeat never waits on its own process,
and a failed run records what it committed. Real SQLite files and real PostgreSQL."""

from __future__ import annotations

import ast
import sqlite3
import threading
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from engine.config import load_config
from engine.evaluation.run import run
from engine.migrations import create_database
from engine.store import db
from engine.store.db import DatabaseBusy, sqlite_path, writer
from engine.store.lock import RunLock
from engine.store.tables import L, M, R
from tests.cli_runner import lights
from tests.sched_helpers import programme, start_holder

ROOT = Path(__file__).resolve().parent.parent


# -- every .begin() of the application is a writer's or a reader's -----------------------
def _lock_sources(tree: ast.AST) -> set[str]:
    """Names bound to writer(...)/read_only(...) or to a connection of one."""
    def from_lock(node: ast.AST | None) -> bool:
        return any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
                   and n.func.id in ("writer", "read_only") for n in ast.walk(node or ast.Pass()))

    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and from_lock(node.value):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        elif isinstance(node, ast.withitem) and isinstance(node.optional_vars, ast.Name) \
                and from_lock(node.context_expr):
            names.add(node.optional_vars.id)
    return names


def test_every_transaction_of_the_application_says_whether_it_writes():
    """A deferred BEGIN that writes after reading fails at once when another connection
    committed in between ("database is locked", whatever busy_timeout says): every
    transaction is writer(engine).begin(), read_only(engine)…, or on a connection of one."""
    loose = []
    for path in sorted([*ROOT.glob("engine/**/*.py"), *ROOT.glob("notifications/**/*.py"),
                        *ROOT.glob("bench/*.py")]):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        sources = _lock_sources(tree)
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "begin" and not node.args):
                continue
            target = node.func.value
            ok = (isinstance(target, ast.Call) and isinstance(target.func, ast.Name)
                  and target.func.id in ("writer", "read_only")) or \
                (isinstance(target, ast.Name) and target.id in sources)
            if not ok:
                loose.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert loose == []


# -- the busy sentence --------------------------------------------------------------------
def _busy_config(cwd: Path) -> None:
    """Writers wait 0.3 s for a busy database (each waits it out here)."""
    (cwd / "config.yaml").write_text("database:\n  busy_seconds: 0.3\n", encoding="utf-8")


def _hold_write_lock(url: str) -> sqlite3.Connection:
    conn = sqlite3.connect(sqlite_path(url), isolation_level=None, check_same_thread=False)
    conn.execute("BEGIN IMMEDIATE")
    return conn


def _hold_row_lock(url: str, milestone_id: int):  # type: ignore[no-untyped-def]
    import psycopg

    base, _, query = url.replace("+psycopg", "").partition("?")
    conn = psycopg.connect(base, options=query.split("options=", 1)[1].replace("%3D", "=")
                           .replace("%20", " ") if "options=" in query else "")
    conn.execute("SELECT id FROM milestone WHERE id = %s FOR UPDATE", (milestone_id,))
    return conn


def _held(url: str, engine, first: int):  # type: ignore[no-untyped-def]
    if engine.dialect.name == "sqlite":
        return _hold_write_lock(url)
    return _hold_row_lock(url, first)


def test_a_busy_database_is_one_sentence_naming_the_runs_holder(db_url, tmp_path):
    engine = create_database(db_url)
    programme(engine, 3)
    with engine.connect() as conn:
        first = conn.execute(select(M.c.id).order_by(M.c.id)).scalars().first()
    _busy_config(tmp_path)
    holder = start_holder(db_url, job="nightly")
    blocker = _held(db_url, engine, first)
    try:
        started = time.monotonic()
        out = lights(tmp_path, "progress", str(first), "50", "--lang", "en",
                     env={"LIGHTS_DATABASE_URL": db_url})
        waited = time.monotonic() - started
    finally:
        blocker.rollback()
        blocker.close()
        holder.kill()
        holder.wait()
    lines = out.stderr.strip().splitlines()
    assert out.returncode == 1 and len(lines) == 1, out.stderr
    assert lines[0].startswith("lights: The database stayed busy for 0.3 s and nothing was "
                               "written: the run nightly on ")
    assert f"(pid {holder.pid}, since " in lines[0]
    assert "locked" not in out.stderr and "Traceback" not in out.stderr
    assert waited < 15
    with engine.connect() as conn:  # nothing half-written
        assert conn.execute(select(M.c.percent).where(M.c.id == first)).scalar() == 0
    engine.dispose()


def test_without_a_run_the_sentence_says_another_process_is_writing(db_url, tmp_path):
    engine = create_database(db_url)
    programme(engine, 2)
    with engine.connect() as conn:
        first = conn.execute(select(M.c.id).order_by(M.c.id)).scalars().first()
    _busy_config(tmp_path)
    blocker = _held(db_url, engine, first)
    try:
        out = lights(tmp_path, "ack", str(first), "--by", "王工", "--reason", "在办",
                     env={"LIGHTS_DATABASE_URL": db_url})
        if engine.dialect.name == "sqlite":
            send = lights(tmp_path, "send", "--no-wait", env={"LIGHTS_DATABASE_URL": db_url})
            assert send.returncode == 1 and "另一个进程正在写入" in send.stderr
    finally:
        blocker.rollback()
        blocker.close()
    assert out.returncode == 1
    assert out.stderr.strip() == ("lights: 数据库正被占用，等了 0.3 秒仍未轮到，本次未写入："
                                  "另一个进程正在写入；请稍后再试")
    engine.dispose()


# -- the heartbeat never waits on its own process's write -----------------------------------
def test_the_heartbeat_waits_while_its_process_writes_and_beats_after(sqlite_url):
    engine = create_database(sqlite_url)
    lock = RunLock(engine, "nightly", heartbeat_s=0.05, expiry_s=30).acquire()
    try:
        with engine.connect() as conn:
            before = conn.execute(select(L.c.heartbeat_at)).scalar()
        with writer(engine).begin() as conn:  # a long write of this process
            assert db.writing()
            conn.execute(select(1))
            time.sleep(0.5)  # ten heartbeats' time: the thread must not queue behind it
        assert not db.writing()
        with engine.connect() as conn:  # the write committed nothing of the thread's
            assert conn.execute(select(L.c.heartbeat_at)).scalar() == before

        def beaten() -> bool:
            with engine.connect() as c:
                return c.execute(select(L.c.heartbeat_at)).scalar() > before

        deadline = time.monotonic() + 5
        while not beaten():
            assert time.monotonic() < deadline, "no heartbeat once the write was over"
            time.sleep(0.05)
        assert not lock.lost
    finally:
        lock.release()
    engine.dispose()


def test_a_writer_waits_its_bound_then_says_database_busy(sqlite_url):
    engine = create_database(sqlite_url)
    blocker = _hold_write_lock(sqlite_url)
    threading.Timer(0.3, blocker.rollback).start()  # released within the bound: it waits
    with writer(engine, wait=5).begin() as conn:
        conn.execute(select(1))
    blocker.execute("BEGIN IMMEDIATE")
    try:
        started = time.monotonic()
        with pytest.raises(DatabaseBusy) as busy, writer(engine, wait=0.5).begin():
            pass
        assert busy.value.seconds == 0.5 and 0.45 < time.monotonic() - started < 3
    finally:
        blocker.rollback()
        blocker.close()
    engine.dispose()


# -- a failed run records what it committed ------------------------------------------------
def test_a_failed_run_records_the_chunks_it_committed(engine, tmp_path):
    programme(engine, 350)
    config = load_config(env={})
    config.run.chunk_size = 100
    seen: list[int] = []

    def breaks_on_the_third_chunk(conn, chunk) -> None:  # type: ignore[no-untyped-def]
        seen.append(len(chunk.moves))
        if len(seen) == 3:
            raise RuntimeError("the third chunk breaks")

    with pytest.raises(RuntimeError):
        run(engine, config, date.today() + timedelta(days=1), stages=[breaks_on_the_third_chunk])
    with engine.connect() as conn:
        row = conn.execute(select(R)).one()
        moved = conn.execute(select(M.c.id).where(M.c.state != "planned")).scalars().all()
    assert (row.status, row.evaluated, row.moves) == ("failed", 200, 200)
    assert row.moves_by_trigger == {"miss": 200}
    assert len(moved) == 200  # the third chunk rolled back
    assert "the third chunk breaks" in row.error
