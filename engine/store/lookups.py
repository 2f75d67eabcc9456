"""Small reads every layer needs: find a project or milestone by what a person typed,
the latest night's date, the count of lights.

One place for them, so that no feature imports another feature's module (or a
private helper of the run) to look a row up.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Connection, func, select

from engine.config import Config
from engine.store.near import near, without_title
from engine.store.tables import FACT_COLUMNS, M, P, R
from rules.lights import Light


class NotFound(Exception):
    """Nothing by that name; ``suggestions``: the nearest known ones (engine.store.near)."""

    def __init__(self, what: str, ref: str, suggestions: Sequence[str] = ()) -> None:
        super().__init__(f"no {what} {ref!r}")
        self.what, self.ref, self.suggestions = what, ref, list(suggestions)


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
        raise NotFound("milestone", ref, _near_milestones(conn, ref))
    return row


def resolve_project(conn: Connection, code: str) -> Any:
    row = conn.execute(select(P).where(P.c.code == code)).first()
    if row is None:
        raise NotFound("project", code, _near_projects(conn, code))
    return row


def _near_projects(conn: Connection, typed: str) -> list[str]:
    """Codes near what was typed, or of projects whose name is near it (a name typed
    for a code)."""
    rows = conn.execute(select(P.c.code, P.c.name)).all()
    by_name = {name: code for code, name in rows}
    found = near(typed, [code for code, _ in rows])
    found += [f"{by_name[name]}（{name}）" for name in near(typed, by_name)
              if by_name[name] not in found]
    return found[:3]


def _near_milestones(conn: Connection, ref: str) -> list[str]:
    """For CODE/名称: the project's milestones near the name, or projects near the code."""
    if "/" not in ref:
        return []
    code, name = (part.strip() for part in ref.split("/", 1))
    project = conn.execute(select(P.c.id).where(P.c.code == code)).scalar()
    if project is None:  # the milestones of the projects whose code is near
        codes = near(code, conn.execute(select(P.c.code)).scalars())
        refs = [f"{c}/{n}" for c, n in conn.execute(
            select(P.c.code, M.c.name).select_from(M.join(P)).where(P.c.code.in_(codes)))]
        return near(f"{code}/{name}", refs, cutoff=0.8)
    names = conn.execute(select(M.c.name).where(M.c.project_id == project)).scalars()
    return [f"{code}/{n}" for n in near(name, names)]


NAMED = {"region": P.c.region, "department": P.c.department, "leader": P.c.leader,
         "project": P.c.code}


def known_names(conn: Connection, wanted: dict[str, str]) -> dict[str, str]:
    """Filter values (region, department, leader, project) as stored. A leader may be
    named without the title after it (王副市长 for 王副市长（总服务员）); a name nobody
    has is NotFound with the nearest known ones."""
    out = dict(wanted)
    for key, typed in wanted.items():
        column = NAMED[key]
        if conn.execute(select(column).where(column == typed).limit(1)).first():
            continue
        known = list(conn.execute(select(column).distinct()).scalars())
        if key == "leader":
            titled = [k for k in known if without_title(k) == without_title(typed)]
            if len(titled) == 1:
                out[key] = titled[0]
                continue
            if titled:
                raise NotFound(key, typed, titled)
        raise NotFound(key, typed, _near_projects(conn, typed) if key == "project"
                       else near(typed, known))
    return out


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
