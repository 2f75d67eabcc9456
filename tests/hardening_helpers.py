"""A small programme for the hardening tests, and a way to say "the database is unchanged"."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData, create_engine, select

from engine.config import load_config
from engine.evaluation.run import run
from engine.migrations import create_database
from tests.builders import add_milestone, add_project

AS_OF = date(2026, 11, 23)


def build_programme(home: Path) -> Path:
    """Two projects in two regions, lit as of 2026-11-23, in ``home``/lights.db."""
    url = f"sqlite:///{home / 'lights.db'}"
    engine = create_database(url)
    p1 = add_project(engine, "HB-001", name="年产5万吨玉米深加工项目", region="双城区",
                     department="市工信局", leader="张副市长（总服务员）", outdoor=False)
    p2 = add_project(engine, "HB-002", name="第二人民医院门诊楼扩建工程", region="北湖区",
                     department="市卫健委", leader="王副市长（总服务员）", outdoor=False)
    add_milestone(engine, p1, "开工", date(2026, 10, 31), kind="start",
                  planned_start=date(2026, 3, 2), percent=60,
                  last_report_date=date(2026, 11, 20))
    add_milestone(engine, p1, "主体完工", date(2027, 6, 30), kind="structure",
                  planned_start=date(2026, 11, 1), percent=5, last_report_date=date(2026, 11, 20))
    add_milestone(engine, p2, "主体完工", date(2026, 12, 31), kind="structure",
                  planned_start=date(2026, 6, 1), percent=80, last_report_date=date(2026, 11, 18))
    run(engine, load_config(env={}), AS_OF)
    engine.dispose()
    return home / "lights.db"


def snapshot(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in order: equal snapshots mean nothing was written."""
    engine = create_engine(f"sqlite:///{db}")
    meta = MetaData()
    meta.reflect(engine)
    with engine.connect() as conn:
        found = {name: [tuple(r) for r in conn.execute(select(table).order_by(
            *table.primary_key.columns or table.columns))]
            for name, table in meta.tables.items()}
    engine.dispose()
    return found
