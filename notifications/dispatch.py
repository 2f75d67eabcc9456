"""Send what the outbox holds: at least once, never lost, retried with backoff.

Each pending message due now is built from its row (same Message-ID every time) and
handed to the transport, and its outcome is written back as soon as it is known, one
message at a time: a crash between a send and its write-back sends that one message
again with the same Message-ID, which a mail client shows as one message (at least
once, never lost, at most one duplicate per crash). A transport whose messages replace
themselves when sent again (the .eml files) has a batch's outcomes written together,
after it made them durable: a crash rewrites the batch's files, it duplicates none.

A temporary failure (4xx, timeout, dropped connection) is retried after
``base_seconds * 2**(attempts-1)``, capped at ``max_seconds``; one `send` waits for
retries up to ``wait_seconds`` and leaves the rest for the next. A permanent failure
(5xx), or a temporary one after ``attempts`` tries, marks the message failed with the
server's reply; it is listed by ``lights notices --status failed``, told to the
administrators in their next digest, and queued again by ``lights send --retry-failed``.

What holds for every transport is decided here, not in the transports:

- an outage (no connection at all: refused, 421 at the greeting) holds every mail
  message of the batch, counting no try for any of them, for a back-off that grows
  while the outage lasts; a server that is down delays the morning, it does not use
  up each message's tries one after another;
- a batch that takes longer than ``batch_seconds`` (a server that hangs after DATA
  costs each message its full timeout) stops the dispatch, and the messages not tried
  wait for the retry job instead of holding the outbox lock for the whole batch.

One dispatcher sends at a time (the ``outbox`` lock of :mod:`engine.store.lock`): the
scheduler's retry and a manual ``lights send`` never both send a message. Another
one finds the lock taken and leaves the outbox to it; a holder that died is
recovered (at once on PostgreSQL, when its heartbeat expires on SQLite).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.engine import Engine

from engine.config import Config
from engine.store.db import writer
from engine.store.lock import LockBusy, RunLock
from engine.store.tables import NOTICE, OUTBOX
from notifications.channels import Channels, is_channel
from notifications.message import build_message
from notifications.quiet import decide as timing
from notifications.transports import transport_for
from notifications.transports.base import (
    ConnectionFailure,
    PermanentFailure,
    TemporaryFailure,
    Transport,
)

BATCH = 100
# One outcome written back (built once: it runs once a message).
_OUTCOME = update(OUTBOX).where(OUTBOX.c.id == bindparam("b_id")).values(
    status=bindparam("b_status"), attempts=bindparam("b_attempts"),
    last_error=bindparam("b_error"), next_attempt_at=bindparam("b_next"),
    sent_at=bindparam("b_sent"))


def utc_now() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


@dataclass
class SendResult:
    sent: int = 0
    failed: int = 0
    deferred: int = 0
    attempts: int = 0
    held: int = 0
    released: int = 0
    transport: str = ""
    errors: list[tuple[str, str]] = field(default_factory=list)
    busy: str = ""  # another dispatcher holds the outbox: who
    outage: str = ""  # the mail server could not be reached: the last error
    stopped: bool = False  # a batch overran batch_seconds: the rest wait for the retry job


def backoff(attempts: int, base: float, cap: float) -> float:
    """Seconds to wait after the ``attempts``-th failed try: capped exponential."""
    return min(cap, base * 2 ** max(attempts - 1, 0))


def release_held(engine: Engine) -> int:
    """`lights send --confirm`: let the messages held by a storm go."""
    with writer(engine).begin() as conn:
        return conn.execute(update(OUTBOX).where(OUTBOX.c.status == "held")
                            .values(status="pending")).rowcount or 0


def requeue_failed(engine: Engine, since: date | None = None) -> int:
    """`lights send --retry-failed`: failed messages (of runs on or after ``since``) are
    pending again with their tries counted afresh; their last error stays until the next."""
    where = OUTBOX.c.status == "failed"
    if since is not None:
        where = where & (OUTBOX.c.as_of >= since)
    with writer(engine).begin() as conn:
        return conn.execute(update(OUTBOX).where(where).values(
            status="pending", attempts=0, next_attempt_at=None)).rowcount or 0


class Dispatcher:
    def __init__(self, engine: Engine, config: Config, transport: Transport | None = None,
                 sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], datetime] = utc_now) -> None:
        self.engine = engine
        self.clock = clock  # aware UTC; a test of quiet hours gives its own
        self.config = config
        self.transport = transport or transport_for(config)
        self.sleep = sleep
        self.lock: RunLock | None = None
        n = config.notices
        self.mail_from, self.from_name, self.retry = n.mail_from, n.mail_from_name, n.retry
        self.outage: tuple[datetime, str] | None = None  # mail waits until, and why
        self.outages = 0  # connection failures in a row: the outage's back-off grows
        self.channels = Channels(engine, config, sleep=sleep,
                                 clock=lambda: self.clock().timestamp())
        self.calendar = config.new_calendar()

    def _due(self, limit: int) -> list[Any]:
        """The next ``limit`` messages due, oldest first. Chosen by id in a subquery the
        status index answers alone, so that SQLite sorts ids, not whole messages (a
        large night's 37,000 pending digests: 0.04 s a batch, read whole, to 0.015)."""
        now = self.clock()
        due = (select(OUTBOX.c.id).where(OUTBOX.c.status == "pending",
                                         (OUTBOX.c.next_attempt_at.is_(None))
                                         | (OUTBOX.c.next_attempt_at <= now))
               .order_by(OUTBOX.c.id).limit(limit))
        with self.engine.connect() as conn:
            return list(conn.execute(select(OUTBOX).where(OUTBOX.c.id.in_(due))
                                     .order_by(OUTBOX.c.id)).all())

    def _next_retry(self) -> datetime | None:
        with self.engine.connect() as conn:
            return conn.execute(select(func.min(OUTBOX.c.next_attempt_at))
                                .where(OUTBOX.c.status == "pending")).scalar()

    def _batch(self, due: list[Any], result: SendResult) -> bool:
        """Try each message and write its outcome at once; False when the batch overran
        ``batch_seconds`` and the dispatch stops (the rest stay due, untried)."""
        urgent = self._urgent(due)
        ends = time.monotonic() + self.retry.batch_seconds
        together = getattr(self.transport, "replaces", False)  # see Transport
        waiting: list[dict[str, Any]] = []  # outcomes of mail the transport replaces
        try:
            for row in due:
                if time.monotonic() > ends:
                    result.stopped = True
                    return False
                outcome = (self._held_by_outage(row) or self._waits(row, row.id in urgent)
                           or self._outcome(row))
                if together and not is_channel(row.recipient):
                    waiting.append(outcome)
                else:
                    self._write([outcome])
                self._tally(result, outcome, row)
        finally:
            if waiting:
                self.transport.flush()  # type: ignore[attr-defined]
                self._write(waiting)
        return True

    def _held_by_outage(self, row: Any) -> dict[str, Any] | None:
        """During an outage of the mail server, a mail message waits untried."""
        if self.outage is None or is_channel(row.recipient) or self.outage[0] <= self.clock():
            return None
        until, error = self.outage
        return self._values(row, "pending", row.attempts, error, until)

    @staticmethod
    def _tally(result: SendResult, outcome: dict[str, Any], row: Any) -> None:
        result.attempts += outcome["b_attempts"] > row.attempts
        if outcome["b_status"] == "sent":
            result.sent += 1
        elif outcome["b_status"] == "failed":
            result.failed += 1
            result.errors.append((outcome["recipient"], outcome["b_error"]))

    def _outcome(self, row: Any) -> dict[str, Any]:
        """Try one message; the row's new values (never raises for a delivery problem)."""
        attempts = row.attempts + 1
        if is_channel(row.recipient):
            o = self.channels.deliver(row)
            return self._values(row, o.status, o.attempts, o.error, o.next_at, o.sent_at)
        try:
            message = build_message(row, self.mail_from, self.from_name)
            refused = self.transport.send(message, self.mail_from, [row.recipient])
            if row.recipient in refused:
                code, reply = refused[row.recipient]
                raise (TemporaryFailure if 400 <= code < 500 else PermanentFailure)(reply, code)
        except ConnectionFailure as exc:  # an outage: no try counted, the batch's mail waits
            self.outages += 1
            delay = backoff(self.outages, self.retry.base_seconds, self.retry.max_seconds)
            self.outage = (self.clock() + timedelta(seconds=delay), f"outage: {exc.reply}")
            return self._values(row, "pending", row.attempts, self.outage[1], self.outage[0])
        except TemporaryFailure as exc:
            if attempts >= self.retry.attempts:
                return self._values(row, "failed", attempts,
                                    f"gave up after {attempts} attempts: {exc.reply}")
            delay = backoff(attempts, self.retry.base_seconds, self.retry.max_seconds)
            return self._values(row, "pending", attempts, exc.reply,
                                self.clock() + timedelta(seconds=delay))
        except PermanentFailure as exc:
            return self._values(row, "failed", attempts, exc.reply)
        except ValueError as exc:  # a row that cannot make a valid message
            return self._values(row, "failed", attempts, f"cannot build the message: {exc}")
        self.outages, self.outage = 0, None
        return self._values(row, "sent", attempts, "", sent_at=self.clock())

    def _urgent(self, due: list[Any]) -> set[int]:
        """The messages telling of a red that is new (they may go in quiet hours)."""
        if not self.config.notices.urgent_red_now:
            return set()
        with self.engine.connect() as conn:
            return set(conn.execute(select(NOTICE.c.message_id).where(
                NOTICE.c.message_id.in_([r.id for r in due]), NOTICE.c.light == "red",
                NOTICE.c.label.in_(["new", "worse"]))).scalars())

    def _waits(self, row: Any, urgent: bool) -> dict[str, Any] | None:
        """Quiet hours or a day off (:mod:`notifications.quiet`): the row waits, untried."""
        n = self.config.notices
        now = self.clock().astimezone(self.config.zone)
        when = timing(now, n.quiet_window, working_days_only=n.working_days_only,
                      is_working_day=self.calendar.is_working_day, urgent=urgent,
                      urgent_red_now=n.urgent_red_now)
        if when.at is None:
            return None
        return self._values(row, "pending", row.attempts,
                            f"waits: {when.reason.value} until {when.at:%Y-%m-%d %H:%M}",
                            when.at.astimezone(UTC))

    @staticmethod
    def _values(row: Any, status: str, attempts: int, error: str,
                next_at: datetime | None = None, sent_at: datetime | None = None
                ) -> dict[str, Any]:
        return {"b_id": row.id, "b_status": status, "b_attempts": attempts,
                "b_error": error[:2000], "b_next": next_at, "b_sent": sent_at,
                "recipient": row.recipient}

    def _write(self, outcomes: list[dict[str, Any]]) -> None:
        if not outcomes:
            return
        with writer(self.engine).begin() as conn:
            conn.execute(_OUTCOME, outcomes)
            if self.lock is not None:  # the outbox lock renewed with the outcomes
                self.lock.beat(conn)

    def run(self, wait: bool = True) -> SendResult:
        """Send everything due; wait for retries up to ``retry.wait_seconds`` if ``wait``."""
        result = SendResult(transport=self.transport.describe())
        lock = RunLock.for_config(self.engine, self.config, "send", name="outbox")
        try:
            lock.acquire()
        except LockBusy as exc:
            result.busy = str(exc.holder)
            self.transport.close()
            return result
        self.lock = lock
        try:
            self._send_all(result, wait)
        finally:
            self.lock = None
            lock.release()
        return result

    def _send_all(self, result: SendResult, wait: bool) -> None:
        deadline = time.monotonic() + (self.retry.wait_seconds if wait else 0)
        try:
            while True:
                due = self._due(BATCH)
                if not due:
                    nxt = self._next_retry()
                    if nxt is None:
                        break
                    delay = max((_aware(nxt) - self.clock()).total_seconds(), 0.0)
                    if time.monotonic() + delay > deadline:
                        break
                    self.sleep(delay)
                    continue
                if not self._batch(due, result):
                    break
        finally:
            if self.channels.robots:
                result.transport += f"; {self.channels.describe()}"
            self.transport.close()
            self.channels.close()
        with self.engine.connect() as conn:
            counts = dict(conn.execute(select(OUTBOX.c.status, func.count())
                                       .where(OUTBOX.c.status.in_(["pending", "held"]))
                                       .group_by(OUTBOX.c.status)).all())
        result.deferred, result.held = counts.get("pending", 0), counts.get("held", 0)
        result.outage = self.outage[1] if self.outage is not None else ""


def dispatch(engine: Engine, config: Config, transport: Transport | None = None, *,
             wait: bool = True, sleep: Callable[[float], None] = time.sleep,
             clock: Callable[[], datetime] = utc_now) -> SendResult:
    return Dispatcher(engine, config, transport, sleep, clock).run(wait)
