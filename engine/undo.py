"""Undo a run that was a mistake (``lights runs undo RUN_ID --reason R``).

A run dated 2062 by a typo lights every open milestone red, and every later night is
refused as "before the latest run". Undoing it, in one transaction under the run lock:

1. its moves are reversed from the audit: each milestone it moved gets back the state
   it had before the run, with the reason and findings of its last move before it;
   each reversal is audited (trigger ``undo``, who, why);
2. the run is marked ``undone`` (it no longer counts as the latest evaluation) and
   the undo itself is recorded as a run (mode ``undo``) in ``lights runs``;
3. its notices not yet sent are withdrawn: those not in a message are removed, a
   message still waiting is withdrawn and the other notices it carried go back to be
   composed again; the escalation state of their milestones is rebuilt from the
   notices that remain (sent ones stay: people were told);
4. every open milestone is lit again as of the latest night still standing (today if
   none), so reasons and numbers are those of that night, not of the mistake.

Only the latest run can be undone: a later one was computed on top of it.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update
from sqlalchemy.engine import Engine

from engine.config import Config
from engine.evaluation.relight import relight
from engine.store.db import writer
from engine.store.lock import RunLock
from engine.store.lookups import BadInput, count_lights, latest_as_of
from engine.store.tables import ESC, NOTICE, OUTBOX, M, R, T, utcnow
from rules.lights import OPEN_STATES

_OPENED = re.compile(r"\.(\d{8})@")


@dataclass
class Undone:
    run_id: int
    as_of: date
    undo_run_id: int
    reversed: int = 0
    relit_as_of: date | None = None
    relit_moves: int = 0
    notices_withdrawn: int = 0
    messages_withdrawn: int = 0
    notices_sent: int = 0
    moves_by_trigger: dict[str, int] = field(default_factory=dict)


def undo_run(engine: Engine, config: Config, run_id: int, *, reason: str,
             actor: str = "") -> Undone:
    """Undo run ``run_id`` (see the module doc); BadInput names why it cannot be."""
    if not reason.strip():
        raise BadInput("--reason: an undo needs a reason", "--reason：撤销需要写明原因")
    lock = RunLock.for_config(engine, config, "undo").acquire()
    try:
        with writer(engine).begin() as conn:
            run = _undoable(conn, run_id)
            conn.execute(update(R).where(R.c.id == run_id).values(
                status="undone", error=f"undone by {actor or '—'}: {reason}"[:2000]))
            as_of = latest_as_of(conn) or config.today()
            undo_id = conn.execute(insert(R).values(
                as_of=as_of, mode="undo", job=f"undo:{run_id}", status="running",
                started_at=utcnow(), counts={}, moves_by_trigger={}, warnings=[],
                error=f"undo of run {run_id}: {reason}"[:2000])).inserted_primary_key[0]
            done = Undone(run_id, run.as_of, undo_id, relit_as_of=as_of)
            done.reversed = _reverse_moves(conn, run_id, undo_id, as_of, reason, actor)
            _withdraw_notices(conn, run_id, done)
            open_ids = list(conn.execute(select(M.c.id).where(M.c.state.in_(OPEN_STATES))
                                         .order_by(M.c.id)).scalars())
            moves = relight(conn, config, open_ids, as_of, actor=actor, run_id=undo_id).moves
            done.relit_moves = len(moves)
            done.moves_by_trigger = dict(Counter(m.trigger for m in moves))
            if done.reversed:
                done.moves_by_trigger["undo"] = done.reversed
            conn.execute(update(R).where(R.c.id == undo_id).values(
                status="ok", finished_at=utcnow(), evaluated=len(open_ids),
                moves=done.reversed + done.relit_moves, counts=count_lights(conn),
                moves_by_trigger=done.moves_by_trigger))
    finally:
        lock.release()
    return done


def _undoable(conn: Connection, run_id: int) -> Any:
    run = conn.execute(select(R).where(R.c.id == run_id)).first()
    if run is None or run.mode in ("replay", "undo"):
        raise BadInput(f"run {run_id}: no such run to undo (see lights runs)",
                       f"运行 {run_id}：没有可撤销的这次运行（见 lights runs）")
    if run.status == "undone":
        raise BadInput(f"run {run_id} was undone already", f"运行 {run_id} 已经撤销过")
    if run.status == "running":
        raise BadInput(f"run {run_id} is still running", f"运行 {run_id} 仍在进行")
    later = conn.execute(select(func.count()).select_from(R).where(
        R.c.id > run_id, R.c.mode.notin_(["replay", "undo"]),
        R.c.status != "undone")).scalar()
    if later:
        raise BadInput(f"run {run_id} is not the latest run ({later} later); undo those first",
                       f"运行 {run_id} 之后还有 {later} 次运行，须先撤销它们")
    return run


def _reverse_moves(conn: Connection, run_id: int, undo_id: int, as_of: date, reason: str,
                   actor: str) -> int:
    """Each milestone the run moved back to its state before the run, audited."""
    first: dict[int, Any] = {}
    for t in conn.execute(select(T).where(T.c.run_id == run_id).order_by(T.c.id)):
        first.setdefault(t.milestone_id, t)
    if not first:
        return 0
    states = dict(conn.execute(select(M.c.id, M.c.state).where(M.c.id.in_(list(first)))).all())
    audits = []
    for mid, t in first.items():
        before = conn.execute(select(T).where(T.c.milestone_id == mid, T.c.id < t.id)
                              .order_by(T.c.id.desc()).limit(1)).first()
        manual = before is None or before.rules.startswith("manual:")
        conn.execute(update(M).where(M.c.id == mid).values(
            state=t.from_state, state_since=before.as_of if before else None,
            reason=before.reason if before else "",
            light_rules=before.rules if before else "",
            light_facts=[] if manual else before.numbers, updated_at=utcnow()))
        audits.append({"milestone_id": mid, "run_id": undo_id, "trigger": "undo",
                       "from_state": states[mid], "to_state": t.from_state, "as_of": as_of,
                       "rules": "manual:undo", "reason": reason,
                       "numbers": [{"rule": "manual:undo",
                                    "numbers": {"run_id": run_id, "transition_id": t.id}}],
                       "actor": actor[:64], "created_at": utcnow()})
    conn.execute(insert(T), audits)
    return len(audits)


def _withdraw_notices(conn: Connection, run_id: int, done: Undone) -> None:
    """The run's notices not sent yet are withdrawn; escalation state follows."""
    notices = conn.execute(select(NOTICE.c.id, NOTICE.c.milestone_id, NOTICE.c.message_id)
                           .where(NOTICE.c.run_id == run_id)).all()
    if not notices:
        return
    message_ids = {n.message_id for n in notices if n.message_id is not None}
    status = dict(conn.execute(select(OUTBOX.c.id, OUTBOX.c.status)
                               .where(OUTBOX.c.id.in_(message_ids))).all()) if message_ids \
        else {}
    waiting = {mid for mid, s in status.items() if s in ("pending", "held")}
    gone = [n.id for n in notices if n.message_id is None or n.message_id in waiting]
    done.notices_sent = len(notices) - len(gone)
    if waiting:
        conn.execute(update(OUTBOX).where(OUTBOX.c.id.in_(waiting)).values(
            status="withdrawn", last_error=f"withdrawn: run {run_id} was undone"))
        conn.execute(update(NOTICE).where(NOTICE.c.message_id.in_(waiting),
                                          NOTICE.c.run_id != run_id).values(message_id=None))
    for start in range(0, len(gone), 500):
        conn.execute(delete(NOTICE).where(NOTICE.c.id.in_(gone[start:start + 500])))
    done.notices_withdrawn, done.messages_withdrawn = len(gone), len(waiting)
    for milestone_id in sorted({n.milestone_id for n in notices}):
        _rebuild_escalation(conn, milestone_id)


def _rebuild_escalation(conn: Connection, milestone_id: int) -> None:
    """A milestone's escalation episode as the notices that remain tell it."""
    conn.execute(delete(ESC).where(ESC.c.milestone_id == milestone_id))
    rows = conn.execute(select(NOTICE).where(NOTICE.c.milestone_id == milestone_id)
                        .order_by(NOTICE.c.id)).all()
    if not rows or rows[-1].label == "resolved":
        return
    latest = rows[-1]
    episode = [r for r in rows if r.thread == latest.thread]
    top = max(episode, key=lambda r: r.step)
    told: dict[str, dict[str, Any]] = {}
    for r in episode:
        told.setdefault(r.recipient, {"email": r.recipient, "name": r.recipient_name,
                                      "lang": r.lang, "roles": [x for x in r.roles.split(",")
                                                                if x]})
    found = _OPENED.search(latest.thread)
    opened = date(int(found.group(1)[:4]), int(found.group(1)[4:6]), int(found.group(1)[6:])) \
        if found else min(r.as_of for r in episode)
    conn.execute(insert(ESC).values(
        milestone_id=milestone_id, opened_on=opened, light=latest.light, step=top.step,
        step_name=top.step_name, notified=list(told.values()), last_sent=latest.as_of,
        last_label=latest.label, updated_at=utcnow()))
