"""Small reads every layer needs: find a project or milestone by what a person typed,
the latest night's date, the count of lights.

One place for them, so that no feature imports another feature's module (or a
private helper of the run) to look a row up.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, func, select

from engine.config import Config
from engine.store.tables import FACT_COLUMNS, M, P, R
from rules.lights import Light


class NotFound(Exception):
    def __init__(self, what: str, ref: str) -> None:
        super().__init__(f"no {what} {ref!r}")
        self.what, self.ref = what, ref


class BadInput(Exception):
    """A value a person typed that cannot be used; the message says which and why
    (in English, and in Chinese when ``zh`` is given)."""

    def __init__(self, message: str, zh: str | None = None) -> None:
        super().__init__(message)
        self.words = {"en": message, "zh": zh or message}


def resolve_milestone(conn: Connection, ref: str) -> Any:
    """A milestone row (its facts and ``project_id``) by id, or by ``PROJECTCODE/节点名称``."""
    query = select(*FACT_COLUMNS, M.c.project_id).select_from(M.join(P))
    if ref.isdigit():
        row = conn.execute(query.where(M.c.id == int(ref))).first()
    elif "/" in ref:
        code, name = ref.split("/", 1)
        row = conn.execute(query.where(P.c.code == code.strip(),
                                       M.c.name == name.strip())).first()
    else:
        row = None
    if row is None:
        raise NotFound("milestone", ref)
    return row


def resolve_project(conn: Connection, code: str) -> Any:
    row = conn.execute(select(P).where(P.c.code == code)).first()
    if row is None:
        raise NotFound("project", code)
    return row


def latest_as_of(conn: Connection) -> date | None:
    return conn.execute(select(func.max(R.c.as_of)).where(
        R.c.mode != "replay", R.c.status.in_(["ok", "interrupted"]))).scalar()


def count_lights(conn: Connection) -> dict[str, int]:
    rows = conn.execute(select(M.c.state, func.count()).group_by(M.c.state)).all()
    counts = {light.value: 0 for light in Light}
    counts.update({state: n for state, n in rows})
    return counts


def evaluation_date(conn: Connection, config: Config, when: date | None) -> date:
    """The date to evaluate at: given, else today, never before the latest run."""
    latest = latest_as_of(conn)
    today = when or config.today()
    return max(today, latest) if latest and when is None else today
