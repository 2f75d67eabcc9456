"""The units' delay reasons on milestones: why a node is late and what is done about it.

A reason comes with a progress report (``--note``), a re-plan (``--reason``), an
acknowledgement, or the ledger's 存在问题及原因; each is kept (append-only,
``milestone_reason``) and the latest one, with its date, is what ``lights show``,
``history``, the notices, the export and the bulletin's red list show. A red or
listed milestone whose unit has said nothing for ``problems.reason_days`` working days
is a finding of its own in its notice (逾期未说明原因, rules.problems.unexplained_days).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, func, insert, select

from engine.store.lookups import BadInput, resolve_milestone
from engine.store.tables import REASON, utcnow

SOURCES = ("progress", "replan", "ack", "ledger", "web", "mail")


@dataclass(frozen=True, slots=True)
class DelayReason:
    text: str
    as_of: date
    author: str
    source: str

    def as_json(self) -> dict[str, Any]:
        return {"text": self.text, "date": self.as_of.isoformat(), "by": self.author,
                "source": self.source}


def record_reason(conn: Connection, milestone_id: int, text: str, as_of: date, *,
                  author: str = "", source: str) -> bool:
    """Keep a unit's words (blank text: nothing kept). The same text again from the
    same source on the same milestone is not kept twice (a ledger imported again)."""
    text = (text or "").strip()
    if not text:
        return False
    latest = latest_reasons(conn, [milestone_id]).get(milestone_id)
    if latest is not None and latest.text == text and latest.source == source:
        return False
    conn.execute(insert(REASON).values(milestone_id=milestone_id, as_of=as_of, text=text,
                                       author=(author or "")[:64], source=source,
                                       created_at=utcnow()))
    return True


def latest_reasons(conn: Connection, ids: Iterable[int]) -> dict[int, DelayReason]:
    """The latest reason of each milestone (latest by date, then by entry)."""
    wanted = sorted(set(ids))
    out: dict[int, DelayReason] = {}
    for start in range(0, len(wanted), 500):
        part = wanted[start:start + 500]
        last = (select(func.max(REASON.c.id).label("id")).where(REASON.c.milestone_id.in_(part))
                .group_by(REASON.c.milestone_id).subquery())
        for r in conn.execute(select(REASON).join(last, last.c.id == REASON.c.id)):
            out[r.milestone_id] = DelayReason(r.text, r.as_of, r.author, r.source)
    return out


def reasons_of(conn: Connection, milestone_id: int) -> list[DelayReason]:
    """Every reason a milestone was given, oldest first (its history)."""
    return [DelayReason(r.text, r.as_of, r.author, r.source) for r in conn.execute(
        select(REASON).where(REASON.c.milestone_id == milestone_id).order_by(REASON.c.id))]


def latest_reason_of(conn: Connection, project: str, milestone: str,
                     description: str = "") -> tuple[str, str]:
    """(title, description) for a problem raised from a milestone's latest reason: the
    reason's first sentence as the title, the whole of it as the description."""
    ref = milestone if milestone.isdigit() or "/" in milestone else f"{project}/{milestone}"
    row = resolve_milestone(conn, ref)
    reason = latest_reasons(conn, [row.id]).get(row.id)
    if reason is None:
        raise BadInput(f"milestone {milestone!r} has no reason from its unit: give --title",
                       f"节点“{milestone}”没有单位说明的原因：请用 --title 写明问题")
    first = reason.text
    for stop in ("。", "；", ";", "\n"):
        first = first.split(stop, 1)[0]
    return first.strip()[:200], description or reason.text

