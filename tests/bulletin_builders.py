"""A small programme whose bulletin figures are worked out by hand (see test_bulletins).

Three regions as of 2026-10-31, default configuration (preset ``points``):

甲区 / 市工信局 / industrial / city — A1, new, total 5000, plan 1000 万元:
  开工 (start) due 05-31, done 05-20; 主体完工 due 10-15, done 10-10; 设备安装 due 10-31
  (the month's last day), done 10-31; 竣工 due 11-01, open at 95%; 规划许可 due 10-05,
  cancelled on 10-03. Investment reported 10-31: 700 this year, funds 600.
乙区 / 市住建局 / infrastructure / provincial — B1, continuing, total 8000, plan 2000:
  春季复工 due 04-30, never done (red); 主体完工 due 10-20, done 10-25 (late);
  投产 (production) due 09-30, done 09-28. Investment reported 09-30: 300; 11-10: 900.
丙区 / 市发改委 / social / county — C1, new, total 3000, no annual plan: 立项 due 12-31.

Evaluated by the real run on 2026-09-30 and 2026-10-31.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, update
from sqlalchemy.engine import Engine

from engine.config import Config
from engine.evaluation.run import run
from engine.investment import record_investment
from engine.store.tables import REPORTS, M, T
from tests.builders import add_milestone, add_project

ENTERED = datetime(2026, 1, 5, 1, 0, tzinfo=UTC)
D = date


def cancel_on(engine: Engine, milestone_id: int, day: date, reason: str = "规划调整") -> None:
    """A cancellation recorded on ``day`` (the action itself dates it today)."""
    with engine.begin() as conn:
        conn.execute(update(M).where(M.c.id == milestone_id).values(
            state="cancelled", state_since=day, reason=reason))
        conn.execute(insert(T).values(
            milestone_id=milestone_id, trigger="cancel", from_state="planned",
            to_state="cancelled", as_of=day, rules="manual:cancel", reason=reason,
            numbers=[{"rule": "manual:cancel", "numbers": {}}], actor="测试",
            created_at=ENTERED))


def add_report(engine: Engine, milestone_id: int, day: date, percent: float,
               completed_on: date | None = None) -> None:
    """A progress report as the unit filed it (the milestone row already says the same)."""
    with engine.begin() as conn:
        conn.execute(insert(REPORTS).values(milestone_id=milestone_id, report_date=day,
                                            percent=percent, completed_on=completed_on,
                                            note="", reporter="", created_at=ENTERED))


def small_programme(engine: Engine, config: Config) -> dict[str, int]:
    ids: dict[str, int] = {}
    a1 = add_project(engine, "A1", name="玉米深加工项目", region="甲区", department="市工信局",
                     category="industrial", level="city", nature="new",
                     total_investment=Decimal(5000), annual_plan=Decimal(1000),
                     leader="李副市长", created_at=ENTERED)
    b1 = add_project(engine, "B1", name="江北大桥", region="乙区", department="市住建局",
                     category="infrastructure", level="provincial", nature="continuing",
                     total_investment=Decimal(8000), annual_plan=Decimal(2000),
                     leader="王副市长", created_at=ENTERED)
    c1 = add_project(engine, "C1", name="第三中学", region="丙区", department="市发改委",
                     category="social", level="county", nature="new",
                     total_investment=Decimal(3000), annual_plan=Decimal(0),
                     leader="赵县长", created_at=ENTERED)
    ids["A1/开工"] = add_milestone(engine, a1, "开工", D(2026, 5, 31), kind="start",
                                 planned_start=D(2026, 5, 1), actual_date=D(2026, 5, 20),
                                 percent=100, last_report_date=D(2026, 5, 20))
    ids["A1/主体完工"] = add_milestone(engine, a1, "主体完工", D(2026, 10, 15),
                                   kind="structure", planned_start=D(2026, 6, 1),
                                   actual_date=D(2026, 10, 10), percent=100,
                                   last_report_date=D(2026, 10, 10))
    ids["A1/设备安装"] = add_milestone(engine, a1, "设备安装", D(2026, 10, 31),
                                   kind="equipment", planned_start=D(2026, 9, 1),
                                   actual_date=D(2026, 10, 31), percent=100,
                                   last_report_date=D(2026, 10, 31))
    ids["A1/竣工"] = add_milestone(engine, a1, "竣工", D(2026, 11, 1), kind="completion",
                                 planned_start=D(2026, 10, 1), percent=95,
                                 last_report_date=D(2026, 10, 30))
    ids["A1/规划许可"] = add_milestone(engine, a1, "规划许可", D(2026, 10, 5),
                                   kind="planning_permit", planned_start=D(2026, 9, 1))
    ids["B1/春季复工"] = add_milestone(engine, b1, "春季复工", D(2026, 4, 30),
                                   planned_start=D(2026, 4, 1), percent=10,
                                   last_report_date=D(2026, 4, 10))
    ids["B1/主体完工"] = add_milestone(engine, b1, "主体完工", D(2026, 10, 20),
                                   kind="structure", planned_start=D(2026, 5, 1),
                                   actual_date=D(2026, 10, 25), percent=100,
                                   last_report_date=D(2026, 10, 25))
    ids["B1/投产"] = add_milestone(engine, b1, "投产", D(2026, 9, 30), kind="production",
                                 planned_start=D(2026, 9, 1), actual_date=D(2026, 9, 28),
                                 percent=100, last_report_date=D(2026, 9, 28))
    ids["C1/立项"] = add_milestone(engine, c1, "立项", D(2026, 12, 31), kind="approval",
                                 planned_start=D(2026, 11, 1))
    for key, day, percent, done in (
            ("A1/开工", D(2026, 5, 20), 100, D(2026, 5, 20)),
            ("A1/主体完工", D(2026, 10, 10), 100, D(2026, 10, 10)),
            ("A1/设备安装", D(2026, 10, 31), 100, D(2026, 10, 31)),
            ("A1/竣工", D(2026, 10, 30), 95, None),
            ("B1/春季复工", D(2026, 4, 10), 10, None),
            ("B1/主体完工", D(2026, 10, 25), 100, D(2026, 10, 25)),
            ("B1/投产", D(2026, 9, 28), 100, D(2026, 9, 28))):
        add_report(engine, ids[key], day, percent, done)
    cancel_on(engine, ids["A1/规划许可"], D(2026, 10, 3))
    record_investment(engine, "A1", report_date=D(2026, 10, 31), ytd_amount=Decimal(700),
                      funds_in_place=Decimal(600))
    record_investment(engine, "B1", report_date=D(2026, 9, 30), ytd_amount=Decimal(300))
    record_investment(engine, "B1", report_date=D(2026, 11, 10), ytd_amount=Decimal(900))
    run(engine, config, D(2026, 9, 30))
    run(engine, config, D(2026, 10, 31))
    return ids


def with_bulletins(config: Config, **changes: Any) -> Config:
    """The configuration with some ``bulletins:`` keys changed (validated as on load)."""
    section = type(config.bulletins).model_validate(
        {**config.bulletins.model_dump(by_alias=True, exclude_none=True), **changes})
    return config.model_copy(update={"bulletins": section})
