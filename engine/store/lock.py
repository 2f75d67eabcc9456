"""The run lock: one evaluation at a time per database, with a named holder.

Every path that writes a night's lights (``lights run``, the demo, the scheduler's
jobs) takes it through :func:`engine.nightly.nightly` or :mod:`engine.service.once`; a second
one is refused with :class:`LockBusy`, which names the holder.

- SQLite (and any database but PostgreSQL): a row in ``run_lock`` with the owner,
  its host and pid, and a heartbeat. A row whose heartbeat is older than the expiry
  was left by a dead process and is taken over. The holder renews the heartbeat in
  its own write transactions (:meth:`RunLock.beat`: the run after each chunk, the
  night after each step), so the renewal never competes with its writes for SQLite's
  write lock, and a chunk written after the lock was taken over rolls back. A thread
  renews it while the holder writes nothing (e.g. while mail is being sent); it
  never waits on a write lock its own process holds (:func:`engine.store.db.writing`).
- PostgreSQL: ``pg_try_advisory_lock`` on a dedicated connection outside the pool,
  held for the whole run; it needs no heartbeat. The server frees it when that
  connection dies; TCP keepalives at the heartbeat interval notice a machine that
  vanished, and a thread pings the connection to notice it broke. The holder is
  named by the connection's ``application_name``.

A holder that loses its lock (taken over after its heartbeat expired, or its
PostgreSQL connection broke) reports it through :attr:`RunLock.lost`; runs stop
after the chunk in progress (``should_stop``), and :meth:`RunLock.beat` raises
:class:`LockLost` inside the transaction that would have written without it.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select, text, update
from sqlalchemy.engine import Engine, create_engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.pool import NullPool

from engine.store.db import DatabaseBusy, is_busy, writer, writing
from engine.store.tables import L, R, utcnow

log = logging.getLogger("lights.lock")


@dataclass(frozen=True)
class Holder:
    """Who holds the lock: shown to the person whose run was refused."""

    job: str
    host: str
    pid: int
    since: datetime | None

    def since_text(self, zone: Any = UTC) -> str:
        return self.since.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S") if self.since else "?"

    def __str__(self) -> str:
        return f"{self.job or '?'} on {self.host or '?'} (pid {self.pid}) since {self.since_text()}"


class LockBusy(Exception):
    """Another run holds the lock."""

    def __init__(self, holder: Holder) -> None:
        super().__init__(f"the run lock is held by {holder}")
        self.holder = holder


class LockLost(Exception):
    """The lock was taken over by another process (this one's heartbeat had expired)."""

    def __init__(self) -> None:
        super().__init__("the run lock was taken over by another process")


def _epoch(seconds: float | None) -> datetime | None:
    return datetime.fromtimestamp(seconds, UTC) if seconds else None


class RunLock:
    """The lock for one run; use as a context manager or acquire()/release()."""

    def __init__(self, engine: Engine, job: str, *, heartbeat_s: float = 10,
                 expiry_s: float = 60, name: str = "run") -> None:
        self.engine, self.job, self.name = engine, job or "run", name
        self.heartbeat_s, self.expiry_s = heartbeat_s, expiry_s
        self.host, self.pid = socket.gethostname()[:100], os.getpid()
        self.owner = f"{self.host}:{self.pid}:{os.urandom(4).hex()}"
        self.recovered_from: Holder | None = None
        self._lost = threading.Event()
        self._done = threading.Event()
        self._thread: threading.Thread | None = None
        self._pg: _PgSession | None = None
        self._last_beat = 0.0  # time.monotonic() of the last heartbeat written
        self.held = False

    @classmethod
    def for_config(cls, engine: Engine, config: Any, job: str, name: str = "run") -> RunLock:
        lock = config.scheduler.lock
        return cls(engine, job, heartbeat_s=lock.heartbeat_seconds, expiry_s=lock.expiry_seconds,
                   name=name)

    # -- public --------------------------------------------------------------------
    @property
    def lost(self) -> bool:
        return self._lost.is_set()

    def should_stop(self, other: Callable[[], bool] | None = None) -> Callable[[], bool]:
        """A run's stop test: the caller's, or this lock lost."""
        return lambda: self.lost or (other is not None and other())

    def acquire(self) -> RunLock:
        if self.engine.dialect.name == "postgresql":
            self._pg = _PgSession.open(self)
        else:
            self.recovered_from = self._acquire_row()
            if self.recovered_from is not None:
                log.warning("recovered a stale run lock left by %s", self.recovered_from)
        self.held = True
        self._thread = threading.Thread(target=self._beat_loop, name="lights-lock-heartbeat",
                                        daemon=True)
        self._thread.start()
        return self

    def release(self) -> None:
        if not self.held:
            return
        self._done.set()
        if self._thread is not None:
            self._thread.join()
        try:
            if self._pg is not None:
                self._pg.close()
            else:
                with writer(self.engine).begin() as conn:
                    conn.execute(delete(L).where(L.c.name == self.name, L.c.owner == self.owner))
        except (SQLAlchemyError, DatabaseBusy) as exc:  # the row stays until it expires
            log.warning("could not release the run lock (it expires by itself): %s",
                        "another process is writing" if is_busy(exc)
                        else str(exc).splitlines()[0])
        finally:
            self.held = False

    def beat(self, conn: Connection) -> None:
        """Renew the heartbeat in the caller's write transaction; LockLost if taken over.

        On PostgreSQL the advisory lock needs no heartbeat: only a lost connection is
        reported.
        """
        if self._pg is None:
            if time.monotonic() - self._last_beat < self.heartbeat_s / 4:
                return  # renewed a moment ago (a dispatcher beats with every outcome)
            if not conn.execute(update(L).where(L.c.name == self.name, L.c.owner == self.owner)
                                .values(heartbeat_at=time.time())).rowcount:
                self._lost.set()
                raise LockLost
            self._last_beat = time.monotonic()
        elif self.lost:
            raise LockLost

    def __enter__(self) -> RunLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()

    # -- the lock row --------------------------------------------------------------
    def _acquire_row(self) -> Holder | None:
        """Insert the row, or take over one whose heartbeat expired; None when fresh."""
        holder = None
        for _ in range(5):
            now = time.time()
            mine = {"owner": self.owner, "job": self.job, "host": self.host, "pid": self.pid,
                    "acquired_at": now, "heartbeat_at": now}
            try:
                with writer(self.engine).begin() as conn:
                    conn.execute(insert(L).values(name=self.name, **mine))
                self._last_beat = time.monotonic()
                return None
            except IntegrityError:
                pass
            with self.engine.connect() as conn:
                row = conn.execute(select(L).where(L.c.name == self.name)).first()
            if row is None:
                continue  # released meanwhile: try again
            holder = Holder(row.job, row.host, row.pid, _epoch(row.acquired_at))
            if row.heartbeat_at >= now - self.expiry_s:
                raise LockBusy(holder)
            with writer(self.engine).begin() as conn:
                took = conn.execute(update(L).where(
                    L.c.name == self.name, L.c.owner == row.owner,
                    L.c.heartbeat_at < now - self.expiry_s).values(**mine)).rowcount
            if took:
                self._last_beat = time.monotonic()
                return holder
        raise LockBusy(holder or Holder("?", "?", 0, None))

    def _beat_loop(self) -> None:
        if self._pg is not None:
            while not self._done.wait(self.heartbeat_s):
                try:
                    self._pg.ping()
                except SQLAlchemyError as exc:
                    log.error("the run lock is lost (its connection broke: %s)",
                              str(exc).splitlines()[0])
                    self._lost.set()
                    return
            return
        tick = max(0.05, min(1.0, self.heartbeat_s / 2))
        since_warned = time.monotonic()
        while not self._done.wait(tick):
            if time.monotonic() - self._last_beat < self.heartbeat_s or writing():
                continue  # beaten lately, or this process is writing (and beats when done)
            try:  # a short wait: another process's write ends soon, or the next tick tries
                with writer(self.engine, wait=tick).begin() as conn:
                    self.beat(conn)
            except LockLost:
                log.error("the run lock was taken over by another process")
                return
            except (SQLAlchemyError, DatabaseBusy) as exc:
                stale = time.monotonic() - self._last_beat
                if stale > self.expiry_s / 2 and time.monotonic() - since_warned > self.expiry_s:
                    since_warned = time.monotonic()
                    log.warning("the run lock's heartbeat is %.0f s old: %s", stale,
                                "another process is writing" if is_busy(exc)
                                else str(exc).splitlines()[0])


# -- PostgreSQL --------------------------------------------------------------------------
def advisory_key(name: str, schema: str) -> int:
    """A signed 64-bit key per lock name and schema (two deployments may share a database)."""
    digest = hashlib.blake2b(f"lights:{name}:{schema}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class _PgSession:
    """The dedicated, non-pooled connection that holds the advisory lock."""

    def __init__(self, lock_engine: Engine, conn: Connection, key: int) -> None:
        self.lock_engine, self.conn, self.key = lock_engine, conn, key
        self.mutex = threading.Lock()

    @classmethod
    def open(cls, lock: RunLock) -> _PgSession:
        beat = max(1, int(lock.heartbeat_s))
        lock_engine = create_engine(
            lock.engine.url, poolclass=NullPool,
            connect_args={"application_name": f"lights:{lock.job}:{lock.host}:{lock.pid}"[:63],
                          "keepalives": 1, "keepalives_idle": beat,
                          "keepalives_interval": beat,
                          "keepalives_count": max(1, int(lock.expiry_s // beat) - 1)})
        conn = lock_engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            schema = conn.execute(text("SELECT current_schema()")).scalar() or "public"
            key = advisory_key(lock.name, schema)
            if not conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar():
                raise LockBusy(_pg_holder(conn, key))
        except BaseException:
            conn.close()
            lock_engine.dispose()
            raise
        return cls(lock_engine, conn, key)

    def ping(self) -> bool:
        with self.mutex:
            self.conn.execute(text("SELECT 1"))
        return True

    def close(self) -> None:
        with self.mutex:
            try:
                self.conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self.key})
            except SQLAlchemyError:
                pass  # the connection is gone: the server has released the lock already
            finally:
                self.conn.close()
                self.lock_engine.dispose()


def _pg_holder(conn: Connection, key: int) -> Holder:
    row = conn.execute(text(
        "SELECT a.application_name, a.backend_start FROM pg_locks l "
        "JOIN pg_stat_activity a ON a.pid = l.pid "
        "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 "
        "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
        "AND l.classid::bigint = :hi AND l.objid::bigint = :lo"),
        {"hi": (key >> 32) & 0xFFFFFFFF, "lo": key & 0xFFFFFFFF}).first()
    if row is None:
        return Holder("?", "?", 0, None)
    parts = (row.application_name or "").split(":")
    if len(parts) == 4 and parts[0] == "lights" and parts[3].isdigit():
        return Holder(parts[1], parts[2], int(parts[3]), row.backend_start)
    return Holder(row.application_name or "?", "?", 0, row.backend_start)


def current_holder(engine: Engine, expiry_s: float, name: str = "run") -> Holder | None:
    """Who holds the lock ``name`` now (a fresh heartbeat, or a held advisory lock), or None.

    Told to a person whose write waited in vain: the run is the usual long writer.
    """
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            schema = conn.execute(text("SELECT current_schema()")).scalar() or "public"
            holder = _pg_holder(conn, advisory_key(name, schema))
            return None if holder.pid == 0 and holder.since is None else holder
        row = conn.execute(select(L).where(L.c.name == name,
                                           L.c.heartbeat_at >= time.time() - expiry_s)).first()
    return Holder(row.job, row.host, row.pid, _epoch(row.acquired_at)) if row else None


def close_abandoned_runs(engine: Engine, lock: RunLock) -> int:
    """Mark as failed the runs left ``running`` by a process that died holding the lock.

    Whoever holds the lock is the only one running, so a Run row still ``running``
    now was abandoned (its committed chunks stay; running the night again finishes it).
    """
    with writer(engine).begin() as conn:
        closed = conn.execute(update(R).where(R.c.status == "running").values(
            status="failed", finished_at=utcnow(),
            error="abandoned: the process running it ended without recording how")).rowcount
    if closed:
        log.warning("marked %d abandoned run(s) as failed (lock taken by %s)", closed, lock.owner)
    return closed
