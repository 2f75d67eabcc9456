"""Investment columns of a ledger (本月完成投资, 累计完成投资, 到位资金, 实际开工时间):
imported as investment reports, their blanks carried forward, exported and back."""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from engine.evaluation.run import run
from engine.investment import record_investment
from engine.ledger.export import export_ledger
from engine.queries import StatusFilter
from engine.store.tables import IR, P
from tests.ledger_files import csv_file, workbook
from tests.test_ledger_import import TODAY, load, problems, snapshot

HEADERS = ["项目编号", "项目名称", "所属地区", "责任单位", "年度计划投资（万元）", "投资报送日期",
           "本月完成投资（万元）", "2026年累计完成投资（万元）", "到位资金（万元）", "实际开工时间"]


def ledger(path: Path, *rows: list[Any], headers: list[str] = HEADERS) -> Path:
    return workbook(path, {"项目": [["2026年10月重点项目投资完成情况"], headers, *rows]})


def reports(engine, code: str) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(
            select(IR.c.report_date, IR.c.month_amount, IR.c.ytd_amount, IR.c.funds_in_place,
                   IR.c.actual_start).join(P, P.c.id == IR.c.project_id)
            .where(P.c.code == code).order_by(IR.c.id))]


def count(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(IR)).scalar_one()


OCTOBER = [
    ["HB-001", "玉米深加工", "双城区", "市工信局", 20000, "2026-10-31", 1500, 9000, "0.6亿",
     "2026-03-15"],
    ["HB-002", "医院门诊楼", "南岗区", "市卫健委", 3000, "2026-10-31", None, "2500万元", None,
     None],
]


def test_investment_columns_are_reports_dated_by_their_column(engine, config, tmp_path):
    summary = load(engine, config, ledger(tmp_path / "十月.xlsx", *OCTOBER), actor="市发改委")

    assert summary.investment == {"new": 2, "same": 0}
    assert summary.projects["new"] == 2  # the project columns are still the project's
    oct31, mar15 = date(2026, 10, 31), date(2026, 3, 15)
    assert reports(engine, "HB-001") == [
        (oct31, Decimal("1500.00"), Decimal("9000.00"), Decimal("6000.00"), mar15)]
    # Only the year to date: this month's is all of it (no earlier report this year).
    assert reports(engine, "HB-002") == [
        (oct31, Decimal("2500.00"), Decimal("2500.00"), Decimal("0.00"), None)]
    lines = summary.change_lines("zh")
    assert "投资 HB-001（2026-10-31）：本月 1,500 万元，累计 9,000 万元，到位 6,000 万元，" \
           "2026-03-15 开工" in lines


def test_the_same_file_again_adds_nothing(engine, config, tmp_path):
    path = ledger(tmp_path / "十月.xlsx", *OCTOBER)
    load(engine, config, path)
    before, n = snapshot(engine), count(engine)

    again = load(engine, config, path)

    assert again.investment == {"new": 0, "same": 2}
    assert count(engine) == n and snapshot(engine) == before and again.changes == []


def test_blanks_carry_forward_from_the_previous_report(engine, config, tmp_path):
    load(engine, config, ledger(tmp_path / "十月.xlsx", *OCTOBER))
    # November: this month's amount only; no date column, so the import's day (TODAY).
    november = ledger(tmp_path / "十一月.xlsx", ["HB-001", None, None, None, None, None, 1200],
                      headers=HEADERS[:7])

    summary = load(engine, config, november)

    assert summary.investment == {"new": 1, "same": 0}
    assert reports(engine, "HB-001")[-1] == (date(2026, 11, 23), Decimal("1200.00"),
                                             Decimal("10200.00"), Decimal("6000.00"),
                                             date(2026, 3, 15))


def test_figures_from_the_command_line_and_from_a_ledger_agree(engine, config, tmp_path):
    load(engine, config, ledger(tmp_path / "十月.xlsx", *OCTOBER))
    record_investment(engine, "HB-002", report_date=date(2026, 11, 10),
                      month_amount=Decimal(300))
    # A second November report giving the year to date: this month's is the difference
    # from the end of October, not from the 10 November report.
    load(engine, config, ledger(tmp_path / "十一月.xlsx",
                                ["HB-002", None, None, None, None, "2026-11-20", None, 3100]))
    assert [r[:3] for r in reports(engine, "HB-002")] == [
        (date(2026, 10, 31), Decimal("2500.00"), Decimal("2500.00")),
        (date(2026, 11, 10), Decimal("300.00"), Decimal("2800.00")),
        (date(2026, 11, 20), Decimal("600.00"), Decimal("3100.00"))]


def test_figures_that_cannot_be_true_are_problems_and_nothing_is_written(engine, config,
                                                                          tmp_path):
    load(engine, config, ledger(tmp_path / "十月.xlsx", *OCTOBER))
    before, n = snapshot(engine), count(engine)
    bad = ledger(tmp_path / "十一月.xlsx",
                 # the year to date below this month's amount
                 ["HB-006", "仓储中心", "双城区", "市商务局", 800, "2026-11-20", 1500, 1000],
                 # below what October's report had already counted
                 ["HB-002", None, None, None, None, "2026-11-20", None, 2000],
                 # started after the day it reports on
                 ["HB-003", "物流园", "南岗区", "市商务局", 800, "2026-11-20", 100, None, None,
                  "2026-11-21"],
                 # a report date in the future, and a date with no figures
                 ["HB-004", "污水厂", "南岗区", "市水务局", 500, "2026-12-01", 50],
                 ["HB-005", "学校", "南岗区", "市教育局", 500, "2026-11-20"])

    found = problems(engine, config, bad)

    assert sorted((p.where.row, p.where.letter, p.why) for p in found) == [
        (3, "H", "ytd_below_month"), (4, "H", "ytd_below_previous"),
        (5, "J", "start_after_report"), (6, "F", "future"), (7, "F", "invest_date_alone")]
    texts = {p.why: p.text("zh") for p in found}
    assert texts["ytd_below_month"].endswith("累计完成投资小于本月完成投资 1500.00 万元")
    assert "累计完成投资小于本月之前已累计的 2500.00 万元（见 2026-10-31 的报送" in \
        texts["ytd_below_previous"]
    assert "十一月.xlsx「项目」 第4行 H列「2026年累计完成投资（万元）」 “2000”：" in \
        texts["ytd_below_previous"]
    assert texts["start_after_report"].endswith("实际开工时间晚于投资报送日期 2026-11-20")
    assert snapshot(engine) == before and count(engine) == n


def test_english_headers(engine, config, tmp_path):
    headers = ["Project code", "Project name", "Region", "Responsible department",
               "Investment report date", "Investment this year to date (10k yuan)",
               "Funds in place (10k yuan)", "Actual start"]
    path = ledger(tmp_path / "en.xlsx", ["HB-001", "Corn", "双城区", "市工信局", "2026-09-30",
                                         "0.5亿", 3000, "2026-04-01"], headers=headers)
    load(engine, config, path, lang="en")
    assert reports(engine, "HB-001") == [(date(2026, 9, 30), Decimal("5000.00"),
                                          Decimal("5000.00"), Decimal("3000.00"),
                                          date(2026, 4, 1))]


def test_a_flat_ledger_gives_one_report_per_project(engine, config, tmp_path):
    header = ["项目编号", "项目名称", "所属地区", "责任单位", "累计完成投资", "节点名称",
              "计划完成时间"]
    path = workbook(tmp_path / "flat.xlsx", {"节点": [
        header,
        ["HB-001", "玉米深加工", "双城区", "市工信局", 9000, "开工", "2026-10-31"],
        [None, None, None, None, None, "主体完工", "2027-06-30"],
        ["HB-002", "医院门诊楼", "南岗区", "市卫健委", 2500, "施工许可", "2026-05-31"],
        ["HB-002", "医院门诊楼", "南岗区", "市卫健委", 2600, "主体完工", "2026-12-31"],
    ]}, merges={"节点": ["A2:A3", "B2:B3", "C2:C3", "D2:D3", "E2:E3"]})

    found = problems(engine, config, path)
    assert [(p.where.row, p.where.letter, p.why) for p in found] == [(5, "E", "conflict")]

    fixed = workbook(tmp_path / "fixed.xlsx", {"节点": [
        header,
        ["HB-001", "玉米深加工", "双城区", "市工信局", 9000, "开工", "2026-10-31"],
        ["HB-001", "玉米深加工", "双城区", "市工信局", 9000, "主体完工", "2027-06-30"],
    ]})
    assert load(engine, config, fixed).investment == {"new": 1, "same": 0}
    assert [r[2] for r in reports(engine, "HB-001")] == [Decimal("9000.00")]


def test_export_writes_the_latest_report_and_imports_back_unchanged(engine, config, tmp_path):
    load(engine, config, ledger(tmp_path / "十月.xlsx", *OCTOBER))
    record_investment(engine, "HB-001", report_date=date(2026, 11, 20),
                      month_amount=Decimal(1200))
    run(engine, config, TODAY)  # the export's date: the latest run's
    n = count(engine)

    xlsx, csv = tmp_path / "导出.xlsx", tmp_path / "导出.csv"
    export_ledger(engine, config, xlsx, StatusFilter(), lang="zh")
    export_ledger(engine, config, csv, StatusFilter(), lang="zh")

    from openpyxl import load_workbook
    sheet = load_workbook(xlsx)["项目"]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    head = rows[0]
    hb1 = dict(zip(head, next(r for r in rows if r[0] == "HB-001"), strict=True))
    assert hb1["投资报送日期"].date() == date(2026, 11, 20)
    assert (hb1["本月完成投资（万元）"], hb1["累计完成投资（万元）"], hb1["到位资金（万元）"]) == \
        (1200, 10200, 6000)
    assert hb1["实际开工时间"].date() == date(2026, 3, 15)
    # Its investment light as of the export's date (327 of 365 days: 89.6% expected).
    assert hb1["投资灯"] == "红灯"
    assert hb1["投资灯原因"] == "序时进度89.6%，累计完成10,200万元（51.0%），落后38.6个百分点"
    assert sheet[f"W{rows.index(next(r for r in rows if r[0] == 'HB-001')) + 1}"].fill \
        .fgColor.rgb == "FFFF0000"
    assert "累计完成投资（万元）" in csv.read_text(encoding="utf-8-sig").splitlines()[0]

    for path in (xlsx, csv):
        back = load(engine, config, path)
        assert back.investment == {"new": 0, "same": 2} and back.changes == []
    assert count(engine) == n


def test_a_csv_ledger_in_gb18030(engine, config, tmp_path):
    path = csv_file(tmp_path / "投资.csv", [HEADERS, *OCTOBER], encoding="gb18030")
    assert load(engine, config, path).investment == {"new": 2, "same": 0}


def test_export_writes_a_report_filed_after_the_last_run(engine, config, tmp_path):
    """The lights are as of the last night (11-20); the figures are the latest filed."""
    load(engine, config, ledger(tmp_path / "十月.xlsx", *OCTOBER))
    run(engine, config, date(2026, 11, 20))
    record_investment(engine, "HB-002", report_date=TODAY, month_amount=Decimal(300))
    path = tmp_path / "导出.csv"
    export_ledger(engine, config, path, StatusFilter(), lang="zh")
    head, *rows = csv.reader(path.read_text(encoding="utf-8-sig").splitlines())
    hb2 = dict(zip(head, next(r for r in rows if r[0] == "HB-002"), strict=True))
    assert (hb2["投资报送日期"], hb2["本月完成投资（万元）"], hb2["累计完成投资（万元）"]) == \
        ("2026-11-23", "300.00", "2800.00")
