"""`lights status` as a table lists the worst rows and counts them all; JSON and CSV give
every row. A region of 25,000 milestones took 40 s to print as a table in full."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, insert

from engine.cli.status import TABLE_ROWS
from engine.config import load_config
from engine.evaluation.run import run
from engine.migrations import create_database
from engine.queries import StatusFilter, status
from engine.store.db import open_database
from engine.store.tables import M, column_defaults
from tests.builders import add_project
from tests.cli_runner import lights

MORE = 7  # milestones past the table's rows
AS_OF = date(2026, 11, 23)


@pytest.fixture
def region(tmp_path: Path, monkeypatch) -> Path:
    """One region with TABLE_ROWS + MORE milestones: 10 of them overdue (red)."""
    monkeypatch.chdir(tmp_path)  # load_config: defaults, not the repository's file
    engine = create_database(f"sqlite:///{tmp_path / 'lights.db'}")
    project = add_project(engine, "HB-100", region="双城区", outdoor=False)
    rows = []
    for i in range(TABLE_ROWS + MORE):
        planned = AS_OF + timedelta(days=(-20 if i < 10 else 30 + i))
        rows.append({**column_defaults(M), "project_id": project, "seq": i, "name": f"节点{i:03d}",
                     "planned_start": date(2026, 3, 1), "planned_date": planned,
                     "baseline_date": planned, "percent": 50.0,
                     "last_report_date": AS_OF - timedelta(days=3)})
    with engine.begin() as conn:
        conn.execute(insert(M), rows)
    run(engine, load_config(env={}), AS_OF)
    engine.dispose()
    return tmp_path


def _listed(out: str) -> set[str]:
    return set(re.findall(r"节点\d{3}", out))


def test_the_table_lists_the_worst_and_counts_every_row(region):
    table = lights(region, "status", "--region", "双城区")
    assert table.returncode == 0
    listed = _listed(table.stdout)
    assert len(listed) == TABLE_ROWS and {f"节点{i:03d}" for i in range(10)} <= listed
    total = TABLE_ROWS + MORE
    red = sum(r["light"] == "red" for r in json.loads(
        lights(region, "status", "--format", "json").stdout))
    assert f"共 {total} 个节点" in table.stdout and f"红灯  {red} " in table.stdout
    assert f"只列出最严重的 {TABLE_ROWS} 个（共 {total} 个）" in table.stdout
    english = lights(region, "status", "--lang", "en").stdout
    assert f"Only the worst {TABLE_ROWS} of {total} are listed" in english


def test_all_limit_json_and_csv_give_what_they_ask(region):
    total = TABLE_ROWS + MORE
    every = lights(region, "status", "--all").stdout
    assert len(_listed(every)) == total and "只列出" not in every
    limited = lights(region, "status", "--limit", "3").stdout
    assert len(_listed(limited)) == 3 and "共 3 个节点" in limited and "只列出" not in limited
    rows = json.loads(lights(region, "status", "--format", "json").stdout)
    assert len(rows) == total and rows[0]["light"] == "red"
    assert len(lights(region, "status", "--format", "csv").stdout.splitlines()) == total + 1


def test_a_page_is_the_slice_of_the_whole_list_found_from_the_index(region):
    """--limit and the board's pages (offset) give the rows of the whole list in place; on
    SQLite the page is found from ix_milestone_project_order alone, the table's rows read
    only for the page (a region of 25,844 milestones: 0.02 s rather than 0.17 s)."""
    engine = open_database(f"sqlite:///{region / 'lights.db'}")
    statements: list[tuple[str, object]] = []
    event.listen(engine, "before_cursor_execute",
                 lambda conn, cursor, sql, params, *_: statements.append((sql, params)))
    with engine.connect() as conn:
        whole = status(conn, StatusFilter(region="双城区"), "zh", AS_OF)
        for offset in (0, 10, TABLE_ROWS):
            page = status(conn, StatusFilter(region="双城区", limit=7, offset=offset), "zh", AS_OF)
            assert page == whole[offset:offset + 7]
        sql, params = statements[-1]
        plan = " ".join(str(row[-1]) for row in
                        conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params))
    engine.dispose()
    assert "COVERING INDEX ix_milestone_project_order" in plan
