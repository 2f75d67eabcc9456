"""The forms' actions: each reads its fields and calls the same function as the command.

``lights progress`` → :func:`engine.actions.record_progress`, a delay reason →
:func:`engine.delays.record_reason` (as the ledger's 存在问题及原因), ``lights ack`` →
:func:`notifications.actions.acknowledge`, ``lights replan`` / ``suspend`` / ``resume``
→ :mod:`engine.actions`. Those functions write in one transaction, light the node
again at once and record who did it, so a web action and a command are the same
event in the history. A field that cannot be read is a FormError before anything is
called; a refusal of the engine (BadInput, RefusedMove) comes back as the form's
message, and the transaction has written nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Engine

from engine import actions
from engine.config import Config
from engine.delays import record_reason
from engine.evaluation.evaluator import Move
from engine.store.db import writer
from engine.store.lookups import evaluation_date, resolve_milestone
from engine.web import forms
from notifications.actions import acknowledge

# Which roles may do what on a node they can see (a link's recipient: progress, ack).
ALLOWED: dict[str, tuple[str, ...]] = {
    "progress": ("admin", "office", "unit"),
    "reason": ("admin", "office", "unit"),
    "ack": ("admin", "office", "unit"),
    "replan": ("admin", "office"),
    "suspend": ("admin", "office"),
    "resume": ("admin", "office"),
}
BY_LINK = ("progress", "reason", "ack")
OPEN = ("planned", "green", "yellow", "red")
# The forms a node in each light offers (the engine would refuse the others).
FOR_LIGHT: dict[str, tuple[str, ...]] = {
    "progress": OPEN, "reason": ("yellow", "red"), "ack": ("yellow", "red"),
    "replan": (*OPEN, "suspended"), "suspend": OPEN, "resume": ("suspended",)}


def forms_for(light: str, allowed: list[str]) -> list[str]:
    """The forms to show: allowed to the person, and meaningful for the light."""
    return [name for name in allowed if light in FOR_LIGHT[name]]


@dataclass
class Done:
    action: str
    moves: list[Move]
    detail: dict[str, Any]


def progress(engine: Engine, config: Config, ref: str, form: Any, actor: str) -> Done:
    completed = forms.day(form, "done")
    percent = forms.percent(form, "percent", required=completed is None)
    report_date = forms.day(form, "date")
    note = forms.text(form, "note")
    result = actions.record_progress(engine, config, ref, percent, report_date=report_date,
                                     completed_on=completed, note=note, reporter=actor)
    shown = 100.0 if percent is None else percent
    return Done("progress", result.moves, {"percent": f"{shown:g}"})


def reason(engine: Engine, config: Config, ref: str, form: Any, actor: str) -> Done:
    """The unit's words on why the node is late and what is done (engine.delays, as the
    ledger's 存在问题及原因): the notices and reports show the latest."""
    text = forms.text(form, "said", required=True)
    with writer(engine).begin() as conn:
        row = resolve_milestone(conn, ref)
        record_reason(conn, row.id, text, evaluation_date(conn, config, None), author=actor,
                      source="web")
    return Done("reason", [], {})


def ack(engine: Engine, config: Config, ref: str, form: Any, actor: str) -> Done:
    reason = forms.text(form, "reason", required=True)
    days = forms.integer(form, "days", lo=1, hi=90, default=config.notices.ack_hold_days)
    got = acknowledge(engine, config, ref, by=actor, reason=reason, days=days)
    return Done("ack", [], {"until": got.hold_until.isoformat()})


def replan(engine: Engine, config: Config, ref: str, form: Any, actor: str) -> Done:
    new_date = forms.day(form, "new_date", required=True)
    start = forms.day(form, "new_start")
    reason = forms.text(form, "reason", required=True)
    assert new_date is not None
    moves = actions.replan(engine, config, ref, new_date, reason=reason, new_start=start,
                           actor=actor)
    return Done("replan", moves, {"date": new_date.isoformat()})


def suspend(engine: Engine, config: Config, ref: str, form: Any, actor: str) -> Done:
    reason = forms.text(form, "reason", required=True)
    return Done("suspend", actions.suspend(engine, config, ref, reason=reason, actor=actor), {})


def resume(engine: Engine, config: Config, ref: str, form: Any, actor: str) -> Done:
    reason = forms.text(form, "reason", required=True)
    return Done("resume", actions.resume(engine, config, ref, reason=reason, actor=actor), {})


ACTIONS: dict[str, Callable[[Engine, Config, str, Any, str], Done]] = {
    "progress": progress, "reason": reason, "ack": ack, "replan": replan, "suspend": suspend,
    "resume": resume}


def moves_for_session(moves: list[Move]) -> list[list[str]]:
    """The moves as plain lists (the session is JSON)."""
    return [[m.from_state, m.to_state, m.trigger] for m in moves]
