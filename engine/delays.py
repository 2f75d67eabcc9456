"""The units' delay reasons on milestones: why a node is late and what is done about it.

A reason comes with a progress report (``--note``), a re-plan (``--reason``), an
acknowledgement (each kept where it is recorded), or the ledger's 存在问题及原因 and
later a reply on the web (``milestone_reason``, append-only). The latest one of all
of them, with its date, is what ``lights show``,
``history``, the notices, the export and the bulletin's red list show. A red or
listed milestone whose unit has said nothing for ``problems.reason_days`` working days
is a finding of its own in its notice (逾期未说明原因, rules.problems.unexplained_days).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, func, insert, literal, select

from engine.store.lookups import BadInput, resolve_milestone
from engine.store.tables import ACK, REASON, REPORTS, T, utcnow

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
    """Keep a unit's words from the ledger or the web (blank text: nothing kept). The
    words the milestone shows already are not kept again (a ledger imported twice)."""
    text = (text or "").strip()
    if not text:
        return False
    latest = latest_reasons(conn, [milestone_id]).get(milestone_id)
    if latest is not None and latest.text == text:
        return False
    conn.execute(insert(REASON).values(milestone_id=milestone_id, as_of=as_of, text=text,
                                       author=(author or "")[:64], source=source,
                                       created_at=utcnow()))
    return True


def _sources(part: list[int], until: date | None = None) -> list[Any]:
    """One query per source: each milestone's latest entry of that source (given on or
    before ``until``, when it is given)."""
    def latest(table: Any, key: Any, day: Any, *where: Any) -> Any:
        if until is not None:
            where = (*where, day <= until)
        last = (select(func.max(table.c.id).label("id"))
                .where(key.in_(part), *where).group_by(key).subquery())
        return last

    reports = latest(REPORTS, REPORTS.c.milestone_id, REPORTS.c.report_date,
                     REPORTS.c.note != "")
    replans = latest(T, T.c.milestone_id, T.c.as_of, T.c.trigger == "replan",
                     T.c.rules == "manual:replan")
    acks = latest(ACK, ACK.c.milestone_id, ACK.c.as_of)
    own = latest(REASON, REASON.c.milestone_id, REASON.c.as_of)
    return [
        select(REPORTS.c.milestone_id, REPORTS.c.note.label("text"),
               REPORTS.c.report_date.label("as_of"), REPORTS.c.reporter.label("author"),
               REPORTS.c.created_at, literal("progress").label("source"))
        .join(reports, reports.c.id == REPORTS.c.id),
        select(T.c.milestone_id, T.c.reason.label("text"), T.c.as_of,
               T.c.actor.label("author"), T.c.created_at, literal("replan").label("source"))
        .join(replans, replans.c.id == T.c.id),
        select(ACK.c.milestone_id, ACK.c.reason.label("text"), ACK.c.as_of,
               ACK.c.author, ACK.c.created_at, literal("ack").label("source"))
        .join(acks, acks.c.id == ACK.c.id),
        select(REASON.c.milestone_id, REASON.c.text, REASON.c.as_of, REASON.c.author,
               REASON.c.created_at, REASON.c.source)
        .join(own, own.c.id == REASON.c.id),
    ]


def latest_reasons(conn: Connection, ids: Iterable[int],
                   until: date | None = None) -> dict[int, DelayReason]:
    """The latest words of each milestone's unit, from wherever it gave them: a progress
    report's note, a re-plan's reason, an acknowledgement's reason, or a reason of its
    own (the ledger's 存在问题及原因, a reply on the web). Latest by date, then by entry;
    ``until``: as they stood on that day (a past month's bulletin)."""
    wanted = sorted(set(ids))
    best: dict[int, tuple[Any, ...]] = {}
    for start in range(0, len(wanted), 500):
        for query in _sources(wanted[start:start + 500], until):
            for r in conn.execute(query):
                key = (r.as_of, r.created_at)
                if r.milestone_id not in best or key >= best[r.milestone_id][0]:
                    best[r.milestone_id] = (key, r)
    return {mid: DelayReason(r.text.strip(), r.as_of, r.author or "", r.source)
            for mid, (_, r) in best.items()}


def reasons_of(conn: Connection, milestone_id: int) -> list[DelayReason]:
    """Every reason a milestone was given, oldest first (its history)."""
    rows: list[Any] = []
    for table, text, day, author, source, where in (
            (REPORTS, REPORTS.c.note, REPORTS.c.report_date, REPORTS.c.reporter, "progress",
             REPORTS.c.note != ""),
            (T, T.c.reason, T.c.as_of, T.c.actor, "replan", T.c.rules == "manual:replan"),
            (ACK, ACK.c.reason, ACK.c.as_of, ACK.c.author, "ack", True),
            (REASON, REASON.c.text, REASON.c.as_of, REASON.c.author, None, True)):
        src = REASON.c.source if source is None else literal(source)
        rows += conn.execute(select(text.label("text"), day.label("as_of"),
                                    author.label("author"), table.c.created_at,
                                    src.label("source"))
                             .where(table.c.milestone_id == milestone_id, where)).all()
    rows.sort(key=lambda r: (r.as_of, r.created_at))
    return [DelayReason(r.text.strip(), r.as_of, r.author or "", r.source) for r in rows]


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

