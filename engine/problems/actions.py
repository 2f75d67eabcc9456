"""What people do to a problem: raise it, assign it, reply, ask for more time, close it.

Each function works in the caller's transaction (``with writer(engine).begin() as
conn``), so that the CLI, the web board and the ledger import (all-or-nothing) share
them. Each move goes through the state machine and leaves an event with who, when
and why; a refusal is :class:`~engine.store.lookups.BadInput` with one sentence in
the configured language, and nothing is written.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from engine.config import Config
from engine.problems.machine import RefusedMove, fire
from engine.problems.words import (
    LEVEL_LABELS,
    RESULT_LABELS,
    code_of,
    event_label,
    result_label,
    say,
    state_label,
)
from engine.store.lookups import BadInput, evaluation_date, resolve_milestone, resolve_project
from engine.store.tables import PB, PBE, utcnow
from rules.calendar import WorkCalendar
from rules.problems import (
    LEVELS,
    ExtensionReason,
    extension_decision,
    next_level,
    time_limits,
)


@dataclass(frozen=True, slots=True)
class ProblemMove:
    """What an action did: the problem, the trigger, the states, the deadline now."""

    code: str
    trigger: str
    from_state: str
    to_state: str
    deadline: date | None


class ProblemNotFound(BadInput):
    """No problem by that code."""


def bad(key: str, **values: Any) -> BadInput:
    """A refusal in both languages (the CLI says it in the user's); a value may be a
    function of the language (a state's or a result's words)."""
    def words(lang: str) -> str:
        return say(key, lang, **{k: v(lang) if callable(v) else v for k, v in values.items()})

    kind = ProblemNotFound if key == "bad.no_problem" else BadInput
    return kind(words("en"), words("zh"))


# -- reading one problem ------------------------------------------------------------
def resolve(conn: Connection, config: Config, code: str, *, lock: bool = True) -> Any:
    """The problem row by its code (locked for update on PostgreSQL)."""
    query = select(PB).where(PB.c.code == code.strip())
    if lock and conn.dialect.name == "postgresql":
        query = query.with_for_update()
    row = conn.execute(query).first()
    if row is None:
        raise bad("bad.no_problem", code=code)
    return row


@functools.lru_cache(maxsize=4)
def _shared_calendar(kind: str, fallback: str) -> WorkCalendar:
    return WorkCalendar(kind, fallback)  # type: ignore[arg-type]


def calendar_for(config: Config, *days: date | None) -> WorkCalendar:
    """One working-day table per kind of calendar for the process (building one reads
    the official schedule day by day: ~10 ms a year), extended to the days asked."""
    cal = _shared_calendar(config.calendar.kind, config.calendar.uncovered_years)
    cal.cover([d for d in days if d is not None])
    return cal


def _day(conn: Connection, config: Config, as_of: date | None) -> date:
    return as_of or evaluation_date(conn, config, None)


def _event(conn: Connection, row: Any, trigger: str, to_state: str, as_of: date, *,
           actor: str = "", unit: str = "", text: str = "", numbers: dict[str, Any] | None = None,
           run_id: int | None = None) -> None:
    conn.execute(insert(PBE).values(
        problem_id=row.id, run_id=run_id, trigger=trigger, from_state=row.state,
        to_state=to_state, as_of=as_of, actor=actor[:64], unit=unit[:100], text=text,
        numbers=numbers or {}, created_at=utcnow()))


def _fire(config: Config, row: Any, trigger: str) -> str:
    try:
        return fire(row.state, trigger)
    except RefusedMove:
        raise bad("bad.refused", state=lambda lang: state_label(row.state, lang),
                  event=lambda lang: event_label(trigger, lang)) from None


def _move(conn: Connection, config: Config, row: Any, trigger: str, as_of: date, *,
          actor: str = "", unit: str = "", text: str = "",
          numbers: dict[str, Any] | None = None, values: dict[str, Any] | None = None,
          run_id: int | None = None) -> ProblemMove:
    """Fire, write the problem's new values and the event, in one go."""
    state = _fire(config, row, trigger)
    changes = dict(values or {})
    if state != row.state:
        changes["state_since"] = as_of
    conn.execute(update(PB).where(PB.c.id == row.id).values(
        state=state, updated_at=utcnow(), **changes))
    _event(conn, row, trigger, state, as_of, actor=actor, unit=unit, text=text,
           numbers=numbers, run_id=run_id)
    deadline = changes.get("deadline", row.deadline)
    return ProblemMove(row.code, trigger, row.state, state, deadline)


def _limits(config: Config, start: date, days: int | None) -> dict[str, Any]:
    """The time-limit columns for an assignment (or a new start) on ``start``."""
    lead_days = days or config.problems.lead_days
    assist_days = min(config.problems.assist_days, lead_days)
    limits = time_limits(calendar_for(config, start), start, lead_days=lead_days,
                         assist_days=assist_days)
    return {"assigned_on": start, "due_date": limits.due, "assist_due": limits.assist_due,
            "deadline": limits.due, "step": None, "step_name": "", "raise_proposed_on": None}


def _check_days(config: Config, days: int | None) -> None:
    if days is not None and not 1 <= days <= 250:
        raise bad("bad.days", value=days)


def _need(config: Config, value: str, key: str) -> str:
    value = (value or "").strip()
    if not value:
        raise bad(key)
    return value


# -- parsing what people type ----------------------------------------------------------
def level_code(config: Config, text: str) -> str:
    """县区级 / 市级 / 省级 (or county, city, provincial) → the stored code."""
    code = code_of(LEVEL_LABELS, text)
    if code is None:
        raise bad("bad.level", value=text)
    return code


def result_code(config: Config, text: str) -> str:
    code = code_of(RESULT_LABELS, text)
    if code is None:
        raise bad("bad.result", value=text)
    return code


def category_name(config: Config, text: str) -> str:
    name = config.problems.category(text)
    if name is None:
        raise bad("bad.category", value=text,
                           known="、".join(config.problems.categories))
    return name


def next_code(conn: Connection, config: Config, year: int) -> str:
    """WT2026-0001, WT2026-0002, … (the prefix is ``problems.code_prefix``)."""
    prefix = f"{config.problems.code_prefix}{year}-"
    codes = conn.execute(select(PB.c.code).where(PB.c.code.like(f"{prefix}%"))).scalars()
    numbers = [int(c[len(prefix):]) for c in codes if c[len(prefix):].isdigit()]
    return f"{prefix}{max(numbers, default=0) + 1:04d}"


# -- the actions -------------------------------------------------------------------------
def add(conn: Connection, config: Config, project: str, *, title: str, category: str,
        level: str, lead: str, assist: Sequence[str] = (), milestone: str | None = None,
        description: str = "", days: int | None = None, by: str = "",
        as_of: date | None = None, code: str | None = None, assign: bool = True,
        source: str = "cli") -> ProblemMove:
    """Raise a problem on a project (and the milestone it blocks); assigned at once
    (交办: its time limit starts) unless ``assign`` is off (待交办)."""
    title = (title or "").strip()
    if not title or len(title) > 200:
        raise bad("bad.title")
    lead = _need(config, lead, "bad.lead")
    helpers = list(dict.fromkeys(u.strip() for u in assist if u.strip()))
    if lead in helpers:
        raise bad("bad.assist_is_lead", unit=lead)
    _check_days(config, days)
    proj = resolve_project(conn, project.strip())
    milestone_id = None
    if milestone:
        ref = milestone.strip()
        if not ref.isdigit() and "/" not in ref:
            ref = f"{proj.code}/{ref}"
        ms = resolve_milestone(conn, ref)
        if ms.project_id != proj.id:
            raise bad("bad.milestone_project", milestone=milestone,
                               project=proj.code)
        milestone_id = ms.id
    day = _day(conn, config, as_of)
    if code is None:
        code = next_code(conn, config, day.year)
    elif conn.execute(select(func.count()).where(PB.c.code == code)).scalar():
        raise bad("bad.code", code=code)
    values = {
        "code": code, "project_id": proj.id, "milestone_id": milestone_id, "title": title,
        "description": description.strip(), "category": category_name(config, category),
        "level": level if level in LEVELS else level_code(config, level), "lead": lead,
        "assist": helpers, "raised_by": by[:64], "raised_on": day, "state": "pending",
        "state_since": day, "step_name": "", "extension_reason": "", "result": "",
        "result_reason": "", "source": source, "created_at": utcnow(), "updated_at": utcnow()}
    problem_id = conn.execute(insert(PB).values(**values)).inserted_primary_key[0]
    row = conn.execute(select(PB).where(PB.c.id == problem_id)).one()
    _event(conn, row, "add", "pending", day, actor=by, text=title,
           numbers={"level": row.level, "lead": lead, "assist": helpers})
    if not assign:
        return ProblemMove(code, "add", "pending", "pending", None)
    return _assign(conn, config, row, day, by=by, days=days)


def _assign(conn: Connection, config: Config, row: Any, day: date, *, by: str,
            days: int | None) -> ProblemMove:
    limits = _limits(config, day, days)
    return _move(conn, config, row, "assign", day, actor=by, values=limits,
                 numbers={"due": limits["due_date"].isoformat(),
                          "assist_due": limits["assist_due"].isoformat(),
                          "days": days or config.problems.lead_days})


def assign(conn: Connection, config: Config, code: str, *, by: str = "",
           days: int | None = None, as_of: date | None = None) -> ProblemMove:
    """交办 a pending problem: its time limit starts on the day."""
    _check_days(config, days)
    row = resolve(conn, config, code)
    _fire(config, row, "assign")
    return _assign(conn, config, row, _day(conn, config, as_of), by=by, days=days)


def reply(conn: Connection, config: Config, code: str, *, text: str, unit: str = "",
          by: str = "", as_of: date | None = None) -> ProblemMove:
    """办复. From the lead unit (or with no unit named) the problem is replied and waits
    for the check; a helping unit's answer is recorded and moves nothing."""
    text = _need(config, text, "bad.text")
    row = resolve(conn, config, code)
    unit = (unit or "").strip()
    day = _day(conn, config, as_of)
    if unit and unit != row.lead:
        if unit not in (row.assist or []):
            raise bad("bad.unit", unit=unit, code=row.code, lead=row.lead)
        if row.state not in ("in_progress", "extension_requested", "replied"):
            _fire(config, row, "reply")  # refused with the state's words
        late = row.assist_due is not None and day > row.assist_due
        _event(conn, row, "assist_reply", row.state, day, actor=by, unit=unit, text=text,
               numbers={"assist_due": row.assist_due.isoformat() if row.assist_due else None,
                        "late": late})
        return ProblemMove(row.code, "assist_reply", row.state, row.state, row.deadline)
    return _move(conn, config, row, "reply", day, actor=by, unit=unit or row.lead, text=text,
                 values={"replied_on": day, "extension_to": None},
                 numbers={"deadline": _iso(row.deadline), "on_time": row.due_date is None
                          or day <= row.due_date})


def request_extension(conn: Connection, config: Config, code: str, *, to: date, reason: str,
                      by: str = "", as_of: date | None = None) -> ProblemMove:
    """申请延期: only at least ``extension_notice_days`` working days before the deadline."""
    reason = _need(config, reason, "bad.reason")
    row = resolve(conn, config, code)
    day = _day(conn, config, as_of)
    _fire(config, row, "request_extension")
    notice = config.problems.extension_notice_days
    decision = extension_decision(calendar_for(config, day, row.deadline, to), as_of=day,
                                  deadline=row.deadline, requested_to=to, notice_days=notice)
    if decision.reason is ExtensionReason.NO_DEADLINE:
        raise bad("bad.ext_none")
    if decision.reason is ExtensionReason.NOT_LATER:
        raise bad("bad.ext_not_later", to=to, deadline=row.deadline)
    if decision.reason is ExtensionReason.TOO_LATE:
        raise bad("bad.ext_late", n=notice, deadline=row.deadline,
                           latest=decision.latest_request)
    return _move(conn, config, row, "request_extension", day, actor=by, text=reason,
                 values={"extension_to": to, "extension_reason": reason},
                 numbers={"deadline": _iso(row.deadline), "to": to.isoformat(),
                          "latest_request": _iso(decision.latest_request)})


def decide_extension(conn: Connection, config: Config, code: str, *, grant: bool,
                     reason: str = "", by: str = "", as_of: date | None = None) -> ProblemMove:
    """Grant (the asked date becomes the time limit) or refuse (the old one holds)."""
    row = resolve(conn, config, code)
    day = _day(conn, config, as_of)
    if not grant:
        reason = _need(config, reason, "bad.reason")
        return _move(conn, config, row, "refuse_extension", day, actor=by, text=reason,
                     values={"extension_to": None},
                     numbers={"asked": _iso(row.extension_to), "deadline": _iso(row.deadline)})
    _fire(config, row, "grant_extension")
    to = row.extension_to
    return _move(conn, config, row, "grant_extension", day, actor=by, text=reason,
                 values={"due_date": to, "deadline": to, "extension_to": None, "step": None,
                         "step_name": ""},
                 numbers={"from": _iso(row.due_date), "to": _iso(to)})


def close(conn: Connection, config: Config, code: str, *, result: str, reason: str = "",
          by: str = "", as_of: date | None = None) -> ProblemMove:
    """销号 with the check's result; 部分解决 and 无法解决 need the reason."""
    outcome = result if result in ("solved", "partly", "unsolved") else result_code(config,
                                                                                     result)
    reason = (reason or "").strip()
    if outcome != "solved" and not reason:
        raise bad("bad.result_reason", result=lambda lang: result_label(outcome, lang))
    row = resolve(conn, config, code)
    day = _day(conn, config, as_of)
    on_time = row.due_date is None or day <= row.due_date
    return _move(conn, config, row, "close", day, actor=by, text=reason,
                 values={"closed_on": day, "result": outcome, "result_reason": reason,
                         "extension_to": None},
                 numbers={"result": outcome, "due": _iso(row.due_date), "on_time": on_time})


def reopen(conn: Connection, config: Config, code: str, *, reason: str, by: str = "",
           days: int | None = None, as_of: date | None = None) -> ProblemMove:
    """退回: the check finds it not solved; back to 办理中 with a new time limit."""
    reason = _need(config, reason, "bad.reason")
    _check_days(config, days)
    row = resolve(conn, config, code)
    day = _day(conn, config, as_of)
    _fire(config, row, "reopen")
    limits = _limits(config, day, days)
    limits.update(closed_on=None, replied_on=None, result="", result_reason="")
    return _move(conn, config, row, "reopen", day, actor=by, text=reason, values=limits,
                 numbers={"due": limits["due_date"].isoformat(), "was": row.state})


def raise_level(conn: Connection, config: Config, code: str, *, reason: str, by: str = "",
                days: int | None = None, as_of: date | None = None) -> ProblemMove:
    """提级: solved one level up (限时解决 → 挂牌督办 → 省级), with a new time limit."""
    reason = _need(config, reason, "bad.reason")
    _check_days(config, days)
    row = resolve(conn, config, code)
    up = next_level(row.level)
    if up is None:
        raise bad("bad.top_level")
    day = _day(conn, config, as_of)
    _fire(config, row, "raise_level")
    limits = _limits(config, day, days)
    limits.update(level=up, extension_to=None, replied_on=None)
    return _move(conn, config, row, "raise_level", day, actor=by, text=reason, values=limits,
                 numbers={"from": row.level, "to": up, "due": limits["due_date"].isoformat()})


def withdraw(conn: Connection, config: Config, code: str, *, reason: str, by: str = "",
             as_of: date | None = None) -> ProblemMove:
    """撤销: raised in error, or no longer a problem of this project."""
    reason = _need(config, reason, "bad.reason")
    row = resolve(conn, config, code)
    return _move(conn, config, row, "withdraw", _day(conn, config, as_of), actor=by,
                 text=reason, values={"extension_to": None})


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None
