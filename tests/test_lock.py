"""The run lock between real processes, on a SQLite file and on PostgreSQL."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.engine import Engine

from engine.migrations import create_database
from engine.store.lock import LockBusy, RunLock
from engine.store.models import Run
from engine.store.tables import L
from tests.cli_runner import lights
from tests.sched_helpers import start_holder, wait_for


def _runs(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(Run)).scalar()


def test_a_second_lock_is_refused_and_names_the_holder(engine):
    with RunLock(engine, "nightly"):
        with pytest.raises(LockBusy) as busy:
            RunLock(engine, "manual").acquire()
        assert busy.value.holder.job == "nightly" and busy.value.holder.pid == os.getpid()
    with RunLock(engine, "manual") as again:  # released: free for the next one
        assert again.held


def test_a_manual_run_is_refused_while_another_process_runs(db_url, tmp_path: Path):
    engine = create_database(db_url)
    lang = "zh" if engine.dialect.name == "sqlite" else "en"
    holder = start_holder(db_url, job="nightly")
    try:
        out = lights(tmp_path, "run", "--lang", lang, env={"LIGHTS_DATABASE_URL": db_url})
        with pytest.raises(LockBusy) as busy:
            RunLock(engine, "manual").acquire()
    finally:
        holder.kill()
        holder.wait()
    host = busy.value.holder.host
    assert out.returncode == 1 and len(out.stderr.strip().splitlines()) == 1
    assert (f"nightly（主机 {host}，进程 {holder.pid}" if lang == "zh"
            else f"A run is in progress: nightly on {host} (pid {holder.pid})") in out.stderr
    assert _runs(engine) == 0  # refused: nothing was written
    engine.dispose()


def test_a_killed_holders_lock_is_recovered(db_url):
    engine = create_database(db_url)
    holder = start_holder(db_url, heartbeat=0.5, expiry=2)
    holder.kill()  # SIGKILL: no release, as in a crash
    holder.wait()
    lock = RunLock(engine, "nightly", heartbeat_s=0.5, expiry_s=2)
    if engine.dialect.name == "sqlite":
        with pytest.raises(LockBusy):  # its heartbeat is still fresh
            lock.acquire()

    def acquired() -> bool:
        """the lock, once the dead holder's heartbeat expired (its connection closed on PG)"""
        try:
            lock.acquire()
        except LockBusy:
            return False
        return True

    wait_for(acquired, timeout=20, every=0.1)
    if engine.dialect.name == "sqlite":
        assert lock.recovered_from is not None and lock.recovered_from.pid == holder.pid
    lock.release()
    engine.dispose()


def test_a_holder_that_loses_its_lock_stops(sqlite_url):
    engine = create_database(sqlite_url)
    lock = RunLock(engine, "nightly", heartbeat_s=0.1, expiry_s=0.5).acquire()
    should_stop = lock.should_stop()
    assert not should_stop()
    with engine.begin() as conn:  # as if another process had taken it over
        conn.execute(update(L).values(owner="elsewhere:1:x"))

    def lost() -> bool:
        """the holder notices at its next heartbeat"""
        return should_stop()

    wait_for(lost, timeout=10)
    lock.release()
    with engine.connect() as conn:  # it does not delete the other owner's row
        assert conn.execute(select(L.c.owner)).scalar() == "elsewhere:1:x"
