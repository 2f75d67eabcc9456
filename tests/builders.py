"""Small programmes for tests, written through the ORM so every default applies."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from engine.store.models import Milestone, Project


def add_project(engine: Engine, code: str = "P1", **fields: Any) -> int:
    values = {"name": f"{code} 项目", "region": "南岗区", "department": "市发改委",
              "leader": "张副市长", **fields}
    with Session(engine) as session:
        project = Project(code=code, **values)
        session.add(project)
        return _id_committed(session, project)


def add_milestone(engine: Engine, project_id: int, name: str, planned_date: date,
                  **fields: Any) -> int:
    fields.setdefault("baseline_date", planned_date)
    with Session(engine) as session:
        milestone = Milestone(project_id=project_id, name=name, planned_date=planned_date,
                              **fields)
        session.add(milestone)
        return _id_committed(session, milestone)


def _id_committed(session: Session, row: Any) -> int:
    """The new row's id, read at the flush: after the commit reading it would load the
    row again (a query for each of the hundreds of rows some tests add)."""
    session.flush()
    new_id: int = row.id
    session.commit()
    return new_id


def copy_sqlite(source: Path, target_dir: Path) -> Path:
    """A copy of a SQLite database built once per module, for one test to change."""
    for suffix in ("", "-wal", "-shm"):  # a WAL left behind holds committed rows
        if Path(f"{source}{suffix}").exists():
            shutil.copy(f"{source}{suffix}", target_dir / f"{source.name}{suffix}")
    return target_dir / source.name
