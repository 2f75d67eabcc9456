"""The one way into the outbox: every message of every channel goes through :func:`enqueue`.

A message is known by a stable key (what it is about, for whom, for which night):
enqueuing a key that is already there queues nothing, so a night, a bulletin or an
alert done again after a crash or a restart adds no second message. The Message-ID
is derived from the key, so a message sent again after a crash is the same message
to the reader's mail client. A chat channel's message (notifications.channels) is a
row like an e-mail's, addressed to the channel; the dispatcher tells them apart.

:func:`enqueue` writes in the caller's transaction, which commits the messages
together with whatever caused them (the notices they carry, the run's moves). It
reads the keys before it writes: the caller's transaction is a writer
(:func:`engine.store.db.writer`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, insert, select
from sqlalchemy.dialects import postgresql, sqlite

from engine.store.tables import OUTBOX, utcnow

KEYS_PER_QUERY = 5000  # bound the IN (...) list


@dataclass(frozen=True)
class Outgoing:
    """One message to queue: its key, whom it goes to, and its rendered parts."""

    key: str  # stable: the same message always has the same key
    kind: str  # digest, storm, alert, bulletin, …
    as_of: date  # the night or period it belongs to
    recipient: str  # an e-mail address, or a channel's address
    subject: str
    text: str
    html: str = ""
    recipient_name: str = ""
    lang: str = "zh"
    step: str = ""  # the highest ladder step in it (digests)
    threads: Sequence[str] = ()  # the episodes it continues (In-Reply-To, References)
    held: bool = False  # held for confirmation (a storm) instead of pending


@dataclass
class Enqueued:
    """What :func:`enqueue` did: every key's outbox id, and how many were new."""

    ids: dict[str, int]
    queued: int = 0
    known: int = 0


def message_id(key: str, domain: str) -> str:
    """The same key gives the same Message-ID, so a resend after a crash is one message."""
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:40]}@{domain}>"


def _values(m: Outgoing, domain: str) -> dict[str, Any]:
    return {"dedup_key": m.key, "message_id": message_id(m.key, domain), "kind": m.kind,
            "as_of": m.as_of, "recipient": m.recipient, "recipient_name": m.recipient_name,
            "lang": m.lang, "step": m.step, "subject": m.subject, "text": m.text,
            "html": m.html, "threads": list(m.threads),
            "status": "held" if m.held else "pending", "attempts": 0, "last_error": "",
            "next_attempt_at": None, "sent_at": None, "reported_on": None,
            "created_at": utcnow()}


def _ids(conn: Connection, keys: Sequence[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for i in range(0, len(keys), KEYS_PER_QUERY):
        found.update(conn.execute(select(OUTBOX.c.dedup_key, OUTBOX.c.id).where(
            OUTBOX.c.dedup_key.in_(keys[i:i + KEYS_PER_QUERY]))).all())
    return found


def _insert(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Insert; a key another process queued meanwhile is skipped, not an error."""
    name = conn.dialect.name
    if name == "sqlite":
        conn.execute(sqlite.insert(OUTBOX).on_conflict_do_nothing(
            index_elements=["dedup_key"]), rows)
    elif name == "postgresql":
        conn.execute(postgresql.insert(OUTBOX).on_conflict_do_nothing(
            index_elements=["dedup_key"]), rows)
    else:
        conn.execute(insert(OUTBOX), rows)


def enqueue(conn: Connection, messages: Iterable[Outgoing], *, domain: str) -> Enqueued:
    """Queue the messages whose key is not in the outbox yet; ``domain`` for Message-IDs.

    Returns the outbox id of every key (new or queued before), e.g. to link the
    notices a digest carries to it.
    """
    unique: dict[str, Outgoing] = {}
    for m in messages:
        unique.setdefault(m.key, m)
    if not unique:
        return Enqueued({})
    keys = list(unique)
    before = _ids(conn, keys)
    new = [_values(m, domain) for key, m in unique.items() if key not in before]
    if new:
        _insert(conn, new)
    return Enqueued(_ids(conn, keys) if new else before, len(new), len(before))
