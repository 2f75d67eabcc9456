"""Issue 12, delivery: at most one duplicate per crash, outages that use no tries, a batch
deadline, failed messages queued again, a busy sender's own exit status, fsync.

Real parts: an aiosmtpd server on loopback, a SQLite file, the `lights` command (the
crash test kills a real `lights send` process with SIGKILL while it delivers).
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.engine import Engine

from engine.config import Config, load_config
from engine.migrations import create_database
from engine.store.lock import RunLock
from engine.store.tables import OUTBOX
from notifications.dispatch import dispatch, requeue_failed
from notifications.transports import files
from notifications.transports.files import FileTransport
from tests.cli_runner import LIGHTS, lights
from tests.mailserver import Recorder, free_port, smtp_server
from tests.sched_helpers import wait_for_expiry


def make_config(tmp_path: Path, port: int, expiry: float = 1.5, **retry: float) -> Config:
    retry = {"attempts": 2, "base_seconds": 0.05, "max_seconds": 0.2, "wait_seconds": 0, **retry}
    text = f"""
notices:
  mail_from: lights@zdxm.example.cn
  outbox_dir: {tmp_path / 'outbox'}
  smtp: {{host: 127.0.0.1, port: {port}, security: none, timeout_seconds: 5}}
  retry: {{{", ".join(f"{k}: {v}" for k, v in retry.items())}}}
scheduler:
  lock: {{heartbeat_seconds: {expiry / 3}, expiry_seconds: {expiry}}}
"""
    (tmp_path / "config.yaml").write_text(text, encoding="utf-8")
    return load_config(tmp_path / "config.yaml", env={})


def queue(engine: Engine, n: int, as_of: date = date(2026, 11, 26)) -> None:
    """``n`` pending messages, one per recipient, as the composer leaves them."""
    now = datetime.now(UTC)
    with engine.begin() as conn:
        conn.execute(insert(OUTBOX), [{
            "dedup_key": f"digest|{as_of}|p{i}", "message_id": f"<m{i}.{as_of}@zdxm.example.cn>",
            "kind": "digest", "as_of": as_of, "recipient": f"p{i}@example.cn",
            "subject": f"提醒 {i}", "text": "红灯", "html": "<p>红灯</p>", "threads": [],
            "status": "pending", "created_at": now} for i in range(n)])


def rows(engine: Engine) -> list:
    with engine.connect() as conn:
        return list(conn.execute(select(OUTBOX).order_by(OUTBOX.c.id)))


@pytest.fixture
def db(tmp_path, monkeypatch) -> Iterator[Engine]:
    monkeypatch.chdir(tmp_path)
    engine = create_database(f"sqlite:///{tmp_path / 'lights.db'}")
    yield engine
    engine.dispose()


# -- outages use no tries ------------------------------------------------------------------
def test_an_outage_holds_the_batch_and_uses_nobodys_tries(db, tmp_path):
    port = free_port()
    config = make_config(tmp_path, port, base_seconds=0.01, max_seconds=0.04)
    queue(db, 5)
    for _ in range(6):  # six dispatches in a long outage, each past the back-off
        result = dispatch(db, config, wait=False)
        assert result.sent == result.failed == 0 and "Connection refused" in result.outage
        time.sleep(0.05)
    assert [(r.status, r.attempts) for r in rows(db)] == [("pending", 0)] * 5
    assert all(r.last_error.startswith("outage: cannot connect") for r in rows(db))
    with smtp_server(port) as (server, _):
        assert dispatch(db, config, wait=False).sent == 5
    assert len(server.received) == 5


@contextmanager
def greeting_421() -> Iterator[int]:
    """A server that answers every connection with 421 and hangs up (a busy relay)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            conn.sendall(b"421 mx.example.cn Service not available, try later\r\n")
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join()
        listener.close()


def test_421_at_the_greeting_is_an_outage_too(db, tmp_path):
    with greeting_421() as port:
        config = make_config(tmp_path, port, base_seconds=0.01, max_seconds=0.04)
        queue(db, 3)
        for _ in range(4):  # each past the back-off
            result = dispatch(db, config, wait=False)
            time.sleep(0.05)
    assert "421" in result.outage
    assert [(r.status, r.attempts) for r in rows(db)] == [("pending", 0)] * 3


# -- a server that hangs: the batch's deadline ------------------------------------------------
class Hangs(Recorder):
    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(3)  # longer than the client's timeout
        return await super().handle_DATA(server, session, envelope)


def test_a_hanging_server_stops_the_batch_at_its_deadline(db, tmp_path):
    from aiosmtpd.controller import Controller

    port = free_port()
    config = make_config(tmp_path, port, batch_seconds=1.2)
    config.notices.smtp.timeout_seconds = 0.5
    queue(db, 8)
    controller = Controller(Hangs(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        started = time.monotonic()
        result = dispatch(db, config)
        took = time.monotonic() - started
    finally:
        controller.stop()
    assert result.stopped and took < 2.5  # not 8 × 0.5 s
    tried = [r for r in rows(db) if r.attempts]
    assert 2 <= len(tried) <= 4 and all(r.status == "pending" for r in rows(db))
    assert sum(1 for r in rows(db) if r.attempts == 0 and r.next_attempt_at is None) >= 4


# -- failed messages can be queued again ------------------------------------------------------
def test_send_retry_failed_queues_the_failed_again(db, tmp_path):
    with smtp_server() as (server, port):
        config = make_config(tmp_path, port)
        queue(db, 2, date(2026, 11, 20))
        queue_more = [("p9@example.cn", date(2026, 11, 26))]
        with db.begin() as conn:
            conn.execute(insert(OUTBOX).values(
                dedup_key="digest|late|p9", message_id="<m9@zdxm.example.cn>", kind="digest",
                as_of=queue_more[0][1], recipient=queue_more[0][0], subject="s", text="t",
                html="h", threads=[], status="pending", created_at=datetime.now(UTC)))
        server.rcpt = {f"p{i}@example.cn": ["550 no such user"] for i in (0, 1, 9)}
        assert dispatch(db, config, wait=False).failed == 3
        server.rcpt = {}
        out = lights(tmp_path, "send", "--retry-failed", "--since", "2026-11-25", "--no-wait")
        assert out.returncode == 0, out.stderr
        assert "已将发送失败的邮件 1 封重新排队" in out.stdout
        assert {r.recipient: r.status for r in rows(db)} == {
            "p0@example.cn": "failed", "p1@example.cn": "failed", "p9@example.cn": "sent"}
        assert requeue_failed(db) == 2
        assert dispatch(db, config, wait=False).sent == 2
    assert lights(tmp_path, "send", "--since", "2026-11-25").returncode == 1


def test_send_says_so_with_its_own_status_when_another_sender_holds_the_outbox(db, tmp_path):
    config = make_config(tmp_path, free_port())
    queue(db, 1)
    holder = RunLock.for_config(db, config, "send", name="outbox")
    holder.acquire()
    try:
        out = lights(tmp_path, "send", "--no-wait")
    finally:
        holder.release()
    assert out.returncode == 3 and "另一个发送进程正在发送" in out.stdout
    assert [r.status for r in rows(db)] == ["pending"]


# -- the file transport makes its writes durable before they count as sent ------------------------
def test_the_file_transport_syncs_the_files_then_names_them_then_their_directory(
        db, tmp_path, monkeypatch):
    config = make_config(tmp_path, free_port())
    queue(db, 2)
    outbox = tmp_path / "outbox"
    synced: list[tuple[str, str, int, list[str]]] = []

    def seen(call: str, fd: int) -> None:  # what was flushed, which files were there,
        with db.connect() as conn:  # and how many messages were recorded as sent by then
            sent = conn.execute(select(func.count()).select_from(OUTBOX)
                                .where(OUTBOX.c.status == "sent")).scalar()
        synced.append((call, os.readlink(f"/proc/self/fd/{fd}"), sent,
                       sorted(p.suffix for p in outbox.iterdir())))

    real_fsync, real_syncfs = os.fsync, files.SYNCFS
    monkeypatch.setattr(os, "fsync", lambda fd: (seen("fsync", fd), real_fsync(fd))[1])
    if real_syncfs is not None:  # the OS call, watched as os.fsync is
        monkeypatch.setattr(files, "SYNCFS", lambda fd: (seen("syncfs", fd), real_syncfs(fd))[1])
    result = dispatch(db, config, FileTransport(outbox), wait=False)
    assert result.sent == 2
    assert len(list(outbox.glob("*.eml"))) == 2 and not list(outbox.glob("*.tmp"))
    # the two files' data reach the disk under their temporary names (one syncfs of the
    # file system, or an fsync each), then they are renamed and the directory flushed,
    # all before either is recorded as sent
    data = [(".tmp", ".tmp")] * (1 if real_syncfs is not None else 2)
    assert [tuple(names) for _, _, _, names in synced] == [*data, (".eml", ".eml")]
    assert synced[-1][:3] == ("fsync", str(outbox), 0)
    assert {sent for _, _, sent, _ in synced} == {0}
    assert sys.platform != "linux" or synced[0][:2] == ("syncfs", str(outbox))


def test_a_file_is_named_alike_from_the_message_built_and_from_its_parsed_bytes(
        db, tmp_path):
    """The file transport names a message we built by the values its headers were
    written from, without parsing them: the same name as its parsed headers give."""
    from email import message_from_bytes, policy

    from notifications.message import build_message

    queue(db, 1)
    transport = FileTransport(tmp_path)
    (row,) = rows(db)
    built = build_message(row, "lights@example.org", "Lights")
    parsed = message_from_bytes(built.as_bytes(), policy=policy.SMTP)
    assert transport.path_for(built) == transport.path_for(parsed)
    assert transport.path_for(built).name.startswith(f"{row.created_at:%Y%m%d}-")


_DIES_BEFORE_THE_OUTCOMES = """
import os, sys
from pathlib import Path
from engine.config import load_config
from engine.store.db import open_database
from notifications import dispatch as d
from notifications.transports import files
from notifications.transports.files import FileTransport
d.Dispatcher._write = lambda self, outcomes: os._exit(9)  # dies the moment it would record
tmp = Path(sys.argv[1])
d.dispatch(open_database(f"sqlite:///{tmp / 'lights.db'}"),
           load_config(tmp / "config.yaml", env={}), FileTransport(tmp / "outbox"), wait=False)
"""


def test_a_death_between_the_files_and_their_outcomes_rewrites_them_and_adds_none(
        db, tmp_path):
    """The .eml files of a batch count as sent only after the directory is flushed and
    their outcomes written together: a process killed in between left files whose rows
    are still pending; the next send writes the same files again, no second copy."""
    make_config(tmp_path, free_port(), expiry=0.6)
    queue(db, 5)
    died = subprocess.run([sys.executable, "-c", _DIES_BEFORE_THE_OUTCOMES, str(tmp_path)],
                          capture_output=True, text=True, timeout=60)
    assert died.returncode == 9, died.stderr
    first = sorted((tmp_path / "outbox").glob("*.eml"))
    assert len(first) == 5 and {r.status for r in rows(db)} == {"pending"}
    wait_for_expiry(db, "outbox", 0.6)  # the dead sender's outbox lock
    config = load_config(tmp_path / "config.yaml", env={})
    result = dispatch(db, config, FileTransport(tmp_path / "outbox"), wait=False)
    assert result.sent == 5 and {r.status for r in rows(db)} == {"sent"}
    assert sorted((tmp_path / "outbox").glob("*.eml")) == first  # the same five files
    assert not list((tmp_path / "outbox").glob("*.tmp"))


# -- kill -9 during delivery: at most one duplicate per kill ---------------------------------------
class Slow(Recorder):
    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(0.02)
        return await super().handle_DATA(server, session, envelope)


def test_a_kill_during_delivery_sends_at_most_one_message_twice(db, tmp_path):
    from aiosmtpd.controller import Controller

    port = free_port()
    expiry = 0.6  # a short lock: the next sender takes over soon after each kill
    make_config(tmp_path, port, expiry=expiry)
    total, kills = 60, 3
    queue(db, total)
    handler = Slow()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIGHTS_")}
    try:
        for k in range(1, kills + 1):
            goal = len(handler.received) + 8
            proc = subprocess.Popen([LIGHTS, "send", "--no-wait"], cwd=tmp_path, env=env,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            deadline = time.monotonic() + 60
            while len(handler.received) < goal and time.monotonic() < deadline:
                time.sleep(0.005)
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            assert len(handler.received) < total, f"kill {k} came after the last message"
            wait_for_expiry(db, "outbox", expiry)
        done = lights(tmp_path, "send")  # the last one in process: only the killed need one
        assert done.returncode == 0, done.stderr
    finally:
        controller.stop()
    ids = Counter(m["Message-ID"] for _, m in handler.received)
    assert len(ids) == total  # nothing lost
    duplicates = sum(n - 1 for n in ids.values())
    assert duplicates <= kills, f"{duplicates} duplicates after {kills} kills"
    assert {r.status for r in rows(db)} == {"sent"}
    assert sys.platform != "win32"


# -- a CR/LF in a name adds no line to the plain-text digest ---------------------------------
def test_a_line_break_in_a_name_does_not_forge_a_line_in_the_text_digest(db, tmp_path):
    from tests.test_notices_night import SECRETARY, night, programme
    from tests.test_notices_night import make_config as notices_config

    config = notices_config(tmp_path, send_after_run=False)
    programme(db, name="玉米项目\r\n■ HB-999 伪造的项目（南岗区，责任单位：督查室）",
              secretary="李秘书\n伪造：请立即转账")
    night(db, config, date(2026, 11, 26))
    text = next(r.text for r in rows(db) if r.recipient == SECRETARY)
    lines = text.splitlines()
    assert not any(line.startswith("■ HB-999") for line in lines)
    assert not any(line.startswith("伪造") for line in lines)
    assert "玉米项目  ■ HB-999 伪造的项目" in text  # still there, on its own line's end
