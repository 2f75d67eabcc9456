"""History from past ledgers: the monthly ledgers of January to November, each imported
as of its month's end, rebuild the year's bulletins with their rankings and movements.

Nine projects, three in each of three regions (so that each region has three nodes due
a month: ranked under min_due 3). Each project has a monthly node (月度推进计划) due on
the 20th. Project p (0..8) finishes month m's node on time unless (p + m) % 4 == 0; then
it finishes it late, on the 5th of the next month, reported in that month's ledger.

By hand for October (m = 10): late are p = 2 and 6, so 7 of 9 on time; 甲区 (p 0–2) 2/3,
乙区 (p 3–5) 3/3, 丙区 (p 6–8) 2/3. September (m = 9): late p = 3 and 7: 甲区 3/3,
乙区 2/3, 丙区 2/3. So 乙区 climbs from 2nd (tied) to 1st and 甲区 falls from 1st.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from engine.bulletins.build import build
from engine.bulletins.periods import parse
from engine.ledger.load import OutOfOrder, import_ledger
from engine.ledger.validate import read_ledger
from tests.ledger_files import workbook

REGIONS = ["甲区", "乙区", "丙区"]
HEADERS = ["项目编号", "项目名称", "所属地区", "责任单位", "建设性质", "项目类别", "项目级别",
           "总投资（万元）", "年度计划投资（万元）"]
NODE_HEADERS = ["项目编号", "节点名称", "计划开始时间", "计划完成时间", "完成进度", "实际完成时间",
                "报送日期"]


def month_end(month: int) -> date:
    return date(2026 + month // 12, month % 12 + 1, 1) - timedelta(days=1)


def finished(p: int, m: int) -> date:
    """When project p finished month m's node."""
    return date(2026, m, 18) if (p + m) % 4 else date(2026, m + 1, 5)


def ledger(path: Path, month: int) -> Path:
    """The ledger as it stood at the end of ``month``: every node planned this year, the
    finished ones with their dates."""
    projects = [HEADERS] + [
        [f"P{p}", f"项目{p}", REGIONS[p // 3], f"{REGIONS[p // 3]}政府", "新建", "产业",
         "市级", 10000, 5000] for p in range(9)]
    nodes = [NODE_HEADERS]
    for p in range(9):
        for m in range(1, 12):
            done = finished(p, m)
            known = done <= month_end(month)
            nodes.append([f"P{p}", f"{m}月节点", date(2026, m, 1), date(2026, m, 20),
                          "100%" if known else "0%", done if known else None,
                          done if known else None])
    return workbook(path, {"项目": projects, "节点": nodes})


def import_month(engine, config, tmp_path: Path, month: int) -> None:
    path = ledger(tmp_path / f"台账{month:02d}.xlsx", month)
    day = month_end(month)
    found = read_ledger([path], config, "zh", day)
    import_ledger(engine, config, found, lang="zh", stood_on=day)


@pytest.fixture
def year(engine, config, tmp_path, seed):
    def imported() -> None:
        for month in range(1, 12):
            import_month(engine, config, tmp_path, month)

    seed("year", imported)  # imported once per test process and database kind, then copied
    return engine


def test_monthly_ledgers_rebuild_the_years_bulletins(year, config):
    october = build(year, config, parse("month", "2026年10月"), today=date(2026, 12, 2))
    assert october.compared and october.now.evaluated_on == date(2026, 10, 31)
    f = october.programme
    assert (f.projects, f.nodes_due, f.nodes_on_time) == (9, 9, 7)
    regions = [(r.name, r.rank, r.previous, r.arrow) for r in october.rankings["region"]]
    assert regions == [("乙区", 1, 2, "↑1"), ("丙区", 2, 2, "→"), ("甲区", 2, 1, "↓1")]
    # Every month has its bulletin, compared with the month before from February on.
    for month in range(2, 12):
        b = build(year, config, parse("month", f"2026-{month:02d}"), today=date(2026, 12, 2))
        assert b.compared, month
        assert b.programme.nodes_due == 9, month
        assert all(r.rank is not None for r in b.rankings["region"]), month


def test_a_late_node_is_red_at_its_months_end_and_done_late_after(year, config):
    """P2 finished its October node on 11-05: red in October's bulletin (as it stood on
    10-31), done late in November's."""
    october = build(year, config, parse("month", "2026-10"), today=date(2026, 12, 2))
    assert sorted((r.project, r.milestone) for r in october.red_nodes) == [
        ("P2", "10月节点"), ("P6", "10月节点")]
    november = build(year, config, parse("month", "2026-11"), today=date(2026, 12, 2))
    assert ("P2", "10月节点") not in [(r.project, r.milestone) for r in november.red_nodes]


def test_a_ledger_older_than_the_latest_evaluation_is_refused(engine, config, tmp_path):
    import_month(engine, config, tmp_path, 5)
    with pytest.raises(OutOfOrder):
        import_month(engine, config, tmp_path, 4)
