"""The night's part for problems: deadlines passed climb the ladder, and who is told.

:func:`move_problems` reads the problems 办理中 whose time limit has passed, asks the
pure decision (:func:`rules.problems.decide`) what the date brings, and writes each
step as an ``escalate`` (or ``propose_raise``) event with the run's id, the problem's
new step and deadline, and a notice for every person the step reaches: all in the
caller's transaction, so a notice commits with the move that caused it.

Idempotent: the step reached follows from the time limit and the date alone, so a
second run for the same date decides NOTHING and writes nothing; a night that did
not run is caught up (the problem goes straight to the step its dates give).
:func:`replay_problems` says what step each problem stood at on a past date, from
its events, writing nothing.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update
from sqlalchemy.engine import Engine

from engine.config import Config
from engine.problems.actions import ProblemMove, calendar_for
from engine.problems.machine import fire
from engine.store.db import writer
from engine.store.tables import PB, PBE, PBN, M, P, utcnow
from rules.problems import StepReason, decide, next_level


@dataclass
class ProblemNight:
    """What the night did to problems."""

    moves: list[ProblemMove] = field(default_factory=list)
    notices: int = 0
    unrouted: dict[str, int] = field(default_factory=dict)

    @property
    def climbed(self) -> int:
        return sum(m.trigger == "escalate" for m in self.moves)

    @property
    def proposed(self) -> int:
        return sum(m.trigger == "propose_raise" for m in self.moves)


def move_problems(conn: Connection, config: Config, as_of: date,
                  run_id: int | None = None) -> ProblemNight:
    """Climb every late problem's ladder as of ``as_of`` (see the module's text)."""
    out = ProblemNight()
    ladder = config.problems.ladder
    rows = conn.execute(select(PB).where(PB.c.state == "in_progress",
                                         PB.c.due_date.is_not(None), PB.c.due_date < as_of)
                        .order_by(PB.c.id)).all()
    if not rows:
        return out
    cal = calendar_for(config, as_of, *(r.due_date for r in rows))
    planned: list[tuple[Any, ProblemMove, int | None]] = []
    updates: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    now = utcnow()
    for row in rows:
        d = decide(ladder, cal, state=row.state, due=row.due_date, step=row.step,
                   deadline=row.deadline, raise_proposed=row.raise_proposed_on is not None,
                   can_raise=next_level(row.level) is not None, as_of=as_of)
        if d.reason is StepReason.CLIMB:
            trigger, step = "escalate", ladder[d.step]  # type: ignore[index]
            change = {"b_step": d.step, "b_name": step.step, "b_deadline": d.deadline,
                      "b_raise": row.raise_proposed_on}
            numbers = {"step": d.step, "step_name": step.step, "colour": step.colour,
                       "due": row.due_date.isoformat(),
                       "deadline": d.deadline.isoformat() if d.deadline else None,
                       "from_step": row.step}
        elif d.reason is StepReason.PROPOSE_RAISE:
            trigger = "propose_raise"
            change = {"b_step": row.step, "b_name": row.step_name, "b_deadline": row.deadline,
                      "b_raise": as_of}
            numbers = {"from": row.level, "to": next_level(row.level), "step": row.step}
        else:
            continue
        state = fire(row.state, trigger)  # the machine checks (both keep 办理中)
        updates.append({"b_id": row.id, **change})
        events.append({"problem_id": row.id, "run_id": run_id, "trigger": trigger,
                       "from_state": row.state, "to_state": state, "as_of": as_of,
                       "actor": "nightly", "unit": "", "text": d.note, "numbers": numbers,
                       "created_at": now})
        move = ProblemMove(row.code, trigger, row.state, state, change["b_deadline"])
        out.moves.append(move)
        planned.append((row, move, d.step))
    if updates:  # in bulk: one statement for the problems, one for their events
        conn.execute(update(PB).where(PB.c.id == bindparam("b_id")).values(
            step=bindparam("b_step"), step_name=bindparam("b_name"),
            deadline=bindparam("b_deadline"), raise_proposed_on=bindparam("b_raise"),
            updated_at=now), updates)
        conn.execute(insert(PBE), events)
    out.notices, out.unrouted = _notify(conn, config, as_of, run_id, planned)
    return out


# -- who is told -------------------------------------------------------------------------
def _people(conn: Connection, config: Config) -> Any:
    from notifications.plan import load_directory

    return load_directory(conn, config)


@dataclass(frozen=True, slots=True)
class _Target:
    """The row the notices' Directory routes on (a milestone-like record)."""

    code: str
    region: str
    department: str
    department_email: str
    owner: str = ""
    owner_email: str = ""
    secretary: str = ""
    secretary_email: str = ""
    leader: str = ""
    leader_email: str = ""


def recipients(conn: Connection, config: Config, problem_ids: list[int],
               roles_of: dict[int, tuple[str, ...]]) -> tuple[
                   dict[int, dict[str, tuple[Any, list[str]]]], dict[str, int]]:
    """{problem id: {email: (person, roles)}} for the roles each problem's step reaches,
    and the roles nobody answers for (counted).

    ``lead`` and ``assist`` are units: the contacts of role ``department`` for that
    unit (in the project's region, or anywhere), else the 责任单位 address a project of
    that unit gives in the ledger. The other roles are the project's, as for a milestone.
    """
    directory = _people(conn, config)
    rows = conn.execute(
        select(PB.c.id, PB.c.lead, PB.c.assist, P.c.code, P.c.region, P.c.department,
               P.c.department_email, P.c.leader, P.c.leader_email, P.c.secretary,
               P.c.secretary_email, M.c.owner, M.c.owner_email)
        .select_from(PB.join(P, P.c.id == PB.c.project_id)
                     .outerjoin(M, M.c.id == PB.c.milestone_id))
        .where(PB.c.id.in_(problem_ids))).all()
    unit_mail = dict(conn.execute(select(P.c.department, P.c.department_email)
                                  .where(P.c.department_email != "")).all())
    out: dict[int, dict[str, tuple[Any, list[str]]]] = {}
    gaps: dict[str, int] = defaultdict(int)
    for r in rows:
        project = _Target(r.code, r.region, r.department, r.department_email or "",
                          r.owner or "", r.owner_email or "", r.secretary, r.secretary_email,
                          r.leader, r.leader_email)
        people: dict[str, tuple[Any, list[str]]] = {}
        for role in roles_of[r.id]:
            if role in ("lead", "assist"):
                units = [r.lead] if role == "lead" else list(r.assist or [])
                found = []
                for unit in units:
                    target = _Target("", r.region, unit, unit_mail.get(unit, ""))
                    found += directory.resolve("department", target)[0]
            else:
                found = directory.resolve(role, project)[0]
            if not found:
                gaps[role] += 1
            for person in found:
                if person.email in people:
                    people[person.email][1].append(role)
                else:
                    people[person.email] = (person, [role])
        out[r.id] = people
    return out, dict(gaps)


def _notify(conn: Connection, config: Config, as_of: date, run_id: int | None,
            planned: list[tuple[Any, ProblemMove, int | None]]) -> tuple[int, dict[str, int]]:
    """One notice per person the step reaches; the supervision office hears of a
    proposal to raise the level. Keys make a second night's notice the same row."""
    if not planned or not config.notices.enabled:
        return 0, {}
    ladder = config.problems.ladder
    roles_of: dict[int, tuple[str, ...]] = {}
    for row, move, step in planned:
        roles_of[row.id] = ladder[step].roles if move.trigger == "escalate" and \
            step is not None else ("supervision_office", "leader")
    people, gaps = recipients(conn, config, [row.id for row, _, _ in planned], roles_of)
    new: list[dict[str, Any]] = []
    for row, move, step in planned:
        label = "step" if move.trigger == "escalate" else "raise"
        for email, (person, roles) in people.get(row.id, {}).items():
            key = f"problem|{row.id}|{label}|{step}|{row.due_date}|{email}"
            new.append({"dedup_key": key[:300], "run_id": run_id, "as_of": as_of,
                        "problem_id": row.id, "recipient": email,
                        "recipient_name": person.name[:64], "roles": ",".join(roles)[:200],
                        "lang": person.lang, "label": label, "step": step,
                        "step_name": ladder[step].step if step is not None else "",
                        "deadline": move.deadline, "message_id": None, "created_at": utcnow()})
    if not new:
        return 0, gaps
    have = set(conn.execute(select(PBN.c.dedup_key).where(
        PBN.c.dedup_key.in_([n["dedup_key"] for n in new]))).scalars())
    new = [n for n in new if n["dedup_key"] not in have]
    if new:
        conn.execute(insert(PBN), new)
    return len(new), gaps


# -- replay ----------------------------------------------------------------------------
_RESTARTS = ("assign", "grant_extension", "reopen", "raise_level")  # a new time limit


def replay_problems(conn: Connection, config: Config, as_of: date) -> list[dict[str, Any]]:
    """Each problem raised by ``as_of`` as it stood that night, from its events up to that
    date: its state, level, time limit, ladder step and deadline. Writes nothing."""
    ladder = config.problems.ladder
    problems = {r.id: r for r in conn.execute(select(PB).where(PB.c.raised_on <= as_of))}
    stood: dict[int, dict[str, Any]] = {
        pid: {"code": r.code, "state": "pending", "level": None, "due_date": None,
              "step": None, "deadline": None} for pid, r in problems.items()}
    for e in conn.execute(select(PBE).where(PBE.c.as_of <= as_of,
                                            PBE.c.problem_id.in_(list(problems)))
                          .order_by(PBE.c.id)):
        now = stood[e.problem_id]
        numbers = e.numbers or {}
        now["state"] = e.to_state
        if e.trigger == "add":
            now["level"] = numbers.get("level")
        elif e.trigger in _RESTARTS:
            due = numbers.get("to" if e.trigger == "grant_extension" else "due")
            now.update(due_date=due, deadline=due, step=None)
            if e.trigger == "raise_level":
                now["level"] = numbers.get("to")
        elif e.trigger == "escalate":
            step = numbers.get("step")
            now.update(step=ladder[step].step if step is not None and step < len(ladder)
                       else numbers.get("step_name"), deadline=numbers.get("deadline"))
    for pid, now in stood.items():
        now["level"] = now["level"] or problems[pid].level
    return [stood[pid] for pid in sorted(stood)]


def after_run(engine: Engine, config: Config, summary: Any) -> ProblemNight:
    """The nightly composition's hook (engine.nightly): one transaction after the run's
    moves and before the notices are composed, so that tonight's steps are in tonight's
    digests. Roles nobody answers for are added to the run's warnings."""
    if summary.run_id is None:
        return ProblemNight()
    with writer(engine).begin() as conn:
        night = move_problems(conn, config, summary.as_of, summary.run_id)
    for role, n in sorted(night.unrouted.items()):
        summary.warnings.append(f"problems: no contact for role {role} "
                                f"({n} problem{'s' if n != 1 else ''})")
    return night
