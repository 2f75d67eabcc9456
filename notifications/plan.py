"""Plan notices: read milestones in bulk, decide with the ladder, write notices in bulk.

Runs twice a night. As a run :data:`~engine.run.Stage`, inside each chunk's transaction
for the milestones that moved, so a notice commits or rolls back with the move that
caused it. Then once after the run over every yellow/red milestone and every open
episode, for what time alone brings: ladder steps by days held, repeat reminders and
recoveries that have outlasted the anti-flap window. Deciding again is harmless: the
escalation state written with each notice makes the second decision NOTHING, so
re-running a night enqueues nothing new.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import (
    Connection,
    Text,
    and_,
    bindparam,
    delete,
    func,
    or_,
    select,
    type_coerce,
    update,
)

from engine.config import Config
from engine.store.bulk import insert_rows
from engine.store.tables import (
    ACK,
    CONTACT,
    ESC,
    NOTICE,
    SIL,
    M,
    P,
    utcnow,
)
from notifications.config import CHANNEL_PREFIX
from notifications.ladder import (
    ACTIVE,
    Decision,
    Episode,
    Policy,
    Reason,
    days_to_climb,
    decide,
    step_for,
)
from notifications.routing import Directory, Person, route
from notifications.streaks import Streaks, streaks
from rules.calendar import WorkCalendar

BATCH = 5000  # ids per IN (...) list
NO_STREAK = Streaks()


@dataclass
class PlanResult:
    decisions: Counter[str] = field(default_factory=Counter)
    notices: int = 0
    problems: Counter[str] = field(default_factory=Counter)

    def add(self, other: PlanResult) -> None:
        self.decisions.update(other.decisions)
        self.notices += other.notices
        self.problems.update(other.problems)


def policy_of(config: Config) -> Policy:
    n = config.notices
    return Policy(n.ladder, n.repeat_every_days, n.flap_window_days)


def mail_domain(config: Config) -> str:
    return config.notices.mail_from.rsplit("@", 1)[1]


def thread_id(milestone_id: int, opened_on: date, domain: str) -> str:
    """The Message-ID-like id that every notice about one episode refers to."""
    return f"<lights.m{milestone_id}.{opened_on:%Y%m%d}@{domain}>"


def load_directory(conn: Connection, config: Config) -> Directory:
    rows = list(conn.execute(select(CONTACT)).all())
    return Directory([*rows, *config.notices.contacts], config.lang, config.notices.channels)


def active_silences(conn: Connection, as_of: date) -> set[tuple[str, str]]:
    """The silences in force on ``as_of`` (a recurring one only on its weekdays)."""
    rows = conn.execute(select(SIL.c.scope, SIL.c.target, SIL.c.weekdays).where(
        SIL.c.ended_at.is_(None), SIL.c.starts <= as_of, SIL.c.ends >= as_of)).all()
    day = str(as_of.isoweekday())
    return {(r.scope, r.target) for r in rows
            if not r.weekdays or day in r.weekdays.split(",")}


def milestone_columns() -> list[Any]:
    return [M.c.id, M.c.project_id, M.c.name, M.c.kind, M.c.state, M.c.state_since,
            M.c.owner, M.c.owner_email, P.c.code, P.c.name.label("project_name"), P.c.region,
            P.c.department, P.c.leader, P.c.leader_email, P.c.secretary, P.c.secretary_email,
            P.c.department_email]


# An episode's columns, those told as their stored JSON text: a night decides about every
# yellow and red milestone and reads who was told only for the few it tells again.
_EPISODE = [*(c for c in ESC.c if c.name != "notified"),
            type_coerce(ESC.c.notified, Text).label("notified")]


def told_before(esc: Any) -> list[dict[str, Any]]:
    """Who an episode told (``_EPISODE``'s text on SQLite; PostgreSQL's driver decodes)."""
    return json.loads(esc.notified) if isinstance(esc.notified, str) else esc.notified


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for i in range(0, len(ids), BATCH):
        yield ids[i:i + BATCH]


class Planner:
    """Decides and writes notices as of one date; one per run."""

    def __init__(self, config: Config, as_of: date, run_id: int | None = None,
                 calendar: WorkCalendar | None = None) -> None:
        self.config = config
        self.as_of = as_of
        self.run_id = run_id
        self.policy = policy_of(config)
        self.calendar = calendar or config.new_calendar()
        self.domain = mail_domain(config)
        self.guard = True  # drop notices already written for the date (off for previews)
        self.key_prefix = ""

    def held_days(self, since: date | None) -> int:
        if since is None or since >= self.as_of:
            return 0
        self.calendar.cover([since, self.as_of])  # estimated years: the run reports them
        return self.calendar.count(since, self.as_of)

    # -- the two entry points -----------------------------------------------------
    def stage(self, conn: Connection, chunk: Any) -> None:
        """The run stage: plan for the milestones this chunk moved."""
        self.run_id = chunk.run_id
        tonight = {m.milestone_id: m.to_state for m in chunk.moves}  # the last move wins
        if not tonight:
            return
        # Only a yellow or red light, or an episode to resolve, can tell anyone: on a
        # first night most moves are to green, planned or done and are not read again.
        quiet = [i for i, state in tonight.items() if state not in ACTIVE]
        episodes = set(conn.execute(select(ESC.c.milestone_id).where(
            ESC.c.milestone_id.between(min(quiet), max(quiet)))).scalars()) if quiet else set()
        ids = sorted(i for i, state in tonight.items() if state in ACTIVE or i in episodes)
        if ids:
            self.plan(conn, ids)

    def followups(self, conn: Connection) -> PlanResult:
        """After the run: every yellow/red milestone and every open episode that time
        alone can make tell someone tonight (see :meth:`_may_tell`)."""
        ids = sorted({*conn.execute(select(M.c.id).where(
                          M.c.state.in_(sorted(ACTIVE)),
                          ~select(ESC.c.milestone_id).where(ESC.c.milestone_id == M.c.id)
                          .exists()))
                      .scalars(),
                      *conn.execute(select(ESC.c.milestone_id).join(M, M.c.id == ESC.c.milestone_id)
                                    .where(self._may_tell())).scalars()})
        result = PlanResult()
        for part in _chunks(ids):
            result.add(self.plan(conn, part))
        return result

    def _may_tell(self) -> Any:
        """Which open episodes :func:`~notifications.ladder.decide` may send for tonight:
        the milestone is no longer yellow or red (a resolution); or it may climb (a
        higher step for its light, and held long enough for it: a working day is a
        calendar day, so fewer calendar days than the step's working days cannot reach
        it); or it is red and its reminder is due. The others (most of a large
        programme's, night after night) it would leave alone."""
        ladder, due = self.policy.ladder, self.as_of - timedelta(self.policy.repeat_every_days)
        climbs = []
        for light in sorted(ACTIVE):
            for step in range(len(ladder)):
                days = days_to_climb(ladder, light, step)
                if days is not None:
                    climbs.append(and_(M.c.state == light, ESC.c.step == step,
                                       M.c.state_since <= self.as_of - timedelta(days))
                                  if days else and_(M.c.state == light, ESC.c.step == step))
        return or_(M.c.state.not_in(sorted(ACTIVE)), *climbs,
                   and_(M.c.state == "red", ESC.c.last_sent <= due))

    # -- deciding ----------------------------------------------------------------
    def decisions(self, conn: Connection, ids: Sequence[int]
                  ) -> list[tuple[Any, Decision, Any]]:
        """(milestone row, decision, escalation row or None) for each id; writes nothing."""
        rows = conn.execute(select(*milestone_columns()).select_from(M.join(P))
                            .where(M.c.id.in_(ids))).all()
        escalations = {r.milestone_id: r for r in conn.execute(
            select(*_EPISODE).where(ESC.c.milestone_id.in_(ids)))}
        holds = dict(conn.execute(select(ACK.c.milestone_id, func.max(ACK.c.hold_until))
                                  .where(ACK.c.milestone_id.in_(ids))
                                  .group_by(ACK.c.milestone_id)).all())
        silenced = active_silences(conn, self.as_of)
        months = streaks(conn, rows, self.as_of, self.policy.ladder)  # {} unless a step asks
        out = []
        for m in rows:
            esc = escalations.get(m.id)
            streak = months.get(m.id, NO_STREAK)
            # The ladder may have been shortened since: the highest step that still exists.
            episode = Episode(min(esc.step, len(self.policy.ladder) - 1), esc.light,
                              esc.last_sent) if esc else None
            decision = decide(
                self.policy, m.state, held_days=self.held_days(m.state_since),
                since=m.state_since, as_of=self.as_of, episode=episode,
                hold_until=holds.get(m.id), streak=streak.own, project_streak=streak.project,
                silenced=("milestone", str(m.id)) in silenced or ("project", m.code) in silenced)
            out.append((m, decision, esc))
        return out

    def recipients(self, directory: Directory, m: Any, decision: Decision, esc: Any,
                   silenced: set[tuple[str, str]]) -> tuple[list[tuple[Person, list[str]]],
                                                            list[str]]:
        """Who is told: the step's roles, or for RESOLVED exactly those told before."""
        if decision.reason is Reason.RESOLVED:
            people = [(Person(p["name"], p["email"], p["lang"]), p.get("roles", []))
                      for p in (told_before(esc) if esc is not None else [])]
            problems: list[str] = []
        else:
            step = self.policy.ladder[decision.step]  # type: ignore[index]
            routed, problems = route(directory, step.roles, m)
            people = list(routed.values())
        channels = {c.address for c in self.config.notices.channels}
        return [(p, roles) for p, roles in people  # a channel told before may be gone since
                if ("recipient", p.email) not in silenced
                and (not p.email.startswith(CHANNEL_PREFIX) or p.email in channels)], problems

    # -- writing -------------------------------------------------------------------
    def plan(self, conn: Connection, ids: Sequence[int]) -> PlanResult:
        """Decide for ``ids`` and write notices and escalation state, in bulk."""
        result = PlanResult()
        directory = load_directory(conn, self.config)
        silenced = active_silences(conn, self.as_of)
        notices: list[dict[str, Any]] = []
        inserts: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        resolved: list[int] = []
        now = utcnow()
        for m, decision, esc in self.decisions(conn, ids):
            result.decisions[decision.reason.value] += 1
            if not decision.sends:
                continue
            people, problems = self.recipients(directory, m, decision, esc, silenced)
            result.problems.update(problems)
            opened = esc.opened_on if esc is not None else self.as_of
            thread = thread_id(m.id, opened, self.domain)
            step = self.policy.ladder[decision.step]  # type: ignore[index]
            label = decision.reason.value
            for person, roles in people:
                notices.append({
                    "dedup_key": f"{self.key_prefix}{self.as_of}|m{m.id}|{label}|{step.step}|"
                                 f"{person.email}",
                    "run_id": self.run_id, "as_of": self.as_of, "milestone_id": m.id,
                    "recipient": person.email, "recipient_name": person.name,
                    "roles": ",".join(roles)[:200], "lang": person.lang, "label": label,
                    "step": decision.step, "step_name": step.step,
                    "light": m.state if m.state in ACTIVE else (esc.light if esc else m.state),
                    "since": m.state_since, "thread": thread, "message_id": None,
                    "created_at": now,
                    "climbed_by": decision.climb.value if decision.climb else "",
                    "streak": decision.months})
            told = [{"email": p.email, "name": p.name, "lang": p.lang, "roles": roles}
                    for p, roles in people]
            if decision.reason is Reason.RESOLVED:
                resolved.append(m.id)
            elif esc is None:
                inserts.append({"milestone_id": m.id, "opened_on": self.as_of, "light": m.state,
                                "step": decision.step, "step_name": step.step, "notified": told,
                                "last_sent": self.as_of, "last_label": label, "updated_at": now})
            else:
                merged = {p["email"]: p for p in told_before(esc)}
                for p in told:
                    merged.setdefault(p["email"], p)
                top = min(max(esc.step, decision.step or 0), len(self.policy.ladder) - 1)
                updates.append({"b_id": m.id, "b_light": m.state, "b_step": top,
                                "b_step_name": self.policy.ladder[top].step,
                                "b_notified": list(merged.values()), "b_label": label})
        if self.guard:
            notices = self._unseen(conn, notices)
        insert_rows(conn, NOTICE, notices)  # a first night's hundreds of thousands: in bulk
        insert_rows(conn, ESC, inserts)
        if updates:
            conn.execute(update(ESC).where(ESC.c.milestone_id == bindparam("b_id")).values(
                light=bindparam("b_light"), step=bindparam("b_step"),
                step_name=bindparam("b_step_name"), notified=bindparam("b_notified"),
                last_sent=self.as_of, last_label=bindparam("b_label"), updated_at=now), updates)
        if resolved:
            conn.execute(delete(ESC).where(ESC.c.milestone_id.in_(resolved)))
        result.notices = len(notices)
        return result

    def _unseen(self, conn: Connection, notices: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Drop notices already written for this date (a guard; the state prevents them)."""
        if not notices:
            return notices
        ids = sorted({n["milestone_id"] for n in notices})
        seen = set(conn.execute(select(NOTICE.c.dedup_key).where(
            NOTICE.c.as_of == self.as_of, NOTICE.c.milestone_id.in_(ids))).scalars())
        return [n for n in notices if n["dedup_key"] not in seen]


def plan_stage(config: Config) -> Callable[[Connection, Any], None] | None:
    """The run stage writing the move-caused notices, or None when notices are off."""
    if not config.notices.enabled:
        return None
    planners: dict[date, Planner] = {}

    def stage(conn: Connection, chunk: Any) -> None:
        planner = planners.get(chunk.as_of)
        if planner is None:
            planner = planners[chunk.as_of] = Planner(config, chunk.as_of, chunk.run_id)
        planner.stage(conn, chunk)

    return stage


def coverage(conn: Connection, config: Config) -> Counter[str]:
    """For every yellow/red milestone, the roles of its current step that reach nobody.

    Checked after each run so that a gap in the contacts is reported every night it
    matters, not only on the night a notice happened to need it.
    """
    ladder = Planner(config, config.today()).policy.ladder
    directory = load_directory(conn, config)
    problems: Counter[str] = Counter()
    first = {light: step_for(ladder, light, 0) for light in ACTIVE}  # no episode yet
    for m in conn.execute(select(*_COVERAGE).select_from(
            M.join(P).outerjoin(ESC, ESC.c.milestone_id == M.c.id))
            .where(M.c.state.in_(sorted(ACTIVE)))):
        step = m.esc_step if m.esc_step is not None else first[m.state]
        if step is None or step >= len(ladder):
            continue
        for role in ladder[step].roles:
            gap = directory.gap(role, m)
            if gap is not None:
                problems[gap] += 1
    return problems


# What coverage needs of a milestone: its light, its episode's step, and what routing
# reads (the ledger's names and addresses, the project's code, region and department).
_COVERAGE = [M.c.state, ESC.c.step.label("esc_step"), M.c.owner, M.c.owner_email, P.c.code,
             P.c.region, P.c.department, P.c.leader, P.c.leader_email, P.c.secretary,
             P.c.secretary_email, P.c.department_email]
