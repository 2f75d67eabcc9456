"""`lights bulletin` and `lights invest`, run in process (tests/cli_runner.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from engine.config import load_config
from engine.migrations import create_database
from engine.store.db import open_database
from engine.store.tables import IR, OUTBOX
from tests.builders import copy_sqlite
from tests.bulletin_builders import small_programme
from tests.cli_runner import lights


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """The small programme's database, built once per module."""
    home = tmp_path_factory.mktemp("bulletin_cli")
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(home)
        engine = create_database(f"sqlite:///{home / 'lights.db'}")
        small_programme(engine, load_config(env={}))
        engine.dispose()
    return home / "lights.db"


@pytest.fixture
def workdir(built: Path, tmp_path: Path, monkeypatch) -> Path:
    """A copy of the small programme's database for one test."""
    monkeypatch.chdir(tmp_path)
    copy_sqlite(built, tmp_path)
    return tmp_path


def test_monthly_bulletin_as_markdown_on_stdout(workdir):
    out = lights(workdir, "bulletin", "--month", "2026-10")
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("# 重点项目推进情况月度通报\n")
    assert "| 节点完成率 | 66.7% |" in out.stdout


def test_html_to_a_file_named_by_out(workdir):
    out = lights(workdir, "bulletin", "--month", "2026-10", "--out", "oct.html", "--lang", "en")
    assert out.returncode == 0, out.stderr
    assert "written to oct.html (figures as of Oct 31, 2026)" in out.stdout
    html = (workdir / "oct.html").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and html.count("<svg") == 4
    assert "@page { size: A4;" in html


def test_csv_and_every_period_kind(workdir):
    for flag, value in (("--week", "2026-W44"), ("--half", "2026-10-2"), ("--month", "2026-10"),
                        ("--quarter", "2026Q3"), ("--year", "2026")):
        out = lights(workdir, "bulletin", flag, value, "--format", "csv", "--as-of",
                     "2026-11-23")
        assert out.returncode == 0, (flag, out.stderr)
        assert out.stdout.splitlines()[0].startswith("维度,名称,项目数")


@pytest.mark.parametrize(("args", "message"), [
    ((), "lights: 请给出一个期间：--week、--half、--month、--quarter 或 --year 之一\n"),
    (("--month", "2026-10", "--year", "2026"),
     "lights: 请给出一个期间：--week、--half、--month、--quarter 或 --year 之一\n"),
    (("--month", "2026-13"), "lights: --month：'2026-13' 不是有效的月份，格式如 2026-10\n"),
    (("--week", "2026-W60", "--lang", "en"),
     "lights: --week: '2026-W60' is not a week like 2026-W47\n"),
    (("--month", "2026-12", "--as-of", "2026-11-23"),
     "lights: 2026年12月尚未开始（2026年12月1日起），无法生成通报\n"),
    (("--month", "2026-10", "--send"),
     "lights: config.yaml 的 bulletins.send_to 为空：没有收件人\n"),
])
def test_bad_input_is_one_sentence(workdir, args, message):
    out = lights(workdir, "bulletin", *args)
    assert (out.returncode, out.stderr, out.stdout) == (1, message, "")


def test_send_queues_once_per_recipient(workdir):
    (workdir / "config.yaml").write_text(
        "bulletins:\n  send_to:\n    - {name: 市重点项目办, email: zdxmb@songjiang.example}\n"
        "    - {name: 市督查室, email: dcs@songjiang.example}\n", encoding="utf-8")
    first = lights(workdir, "bulletin", "--month", "2026-10", "--send")
    assert first.returncode == 0, first.stderr
    assert "已加入发送队列：2封（已在队列中而跳过0封）" in first.stdout
    again = lights(workdir, "bulletin", "--month", "2026-10", "--send")
    assert "已加入发送队列：0封（已在队列中而跳过2封）" in again.stdout
    engine = open_database(f"sqlite:///{workdir / 'lights.db'}")
    with engine.connect() as conn:
        rows = conn.execute(select(OUTBOX.c.recipient, OUTBOX.c.kind, OUTBOX.c.subject,
                                   OUTBOX.c.status, OUTBOX.c.html, OUTBOX.c.text)).all()
    engine.dispose()
    assert sorted(r.recipient for r in rows) == ["dcs@songjiang.example",
                                                 "zdxmb@songjiang.example"]
    row = rows[0]
    assert (row.kind, row.status) == ("bulletin", "pending")
    assert row.subject == "重点项目推进情况月度通报 · 2026年10月"
    assert "<svg" in row.html and row.text.startswith("# 重点项目推进情况月度通报")


def test_invest_records_a_report_and_derives_what_is_left_out(workdir):
    out = lights(workdir, "invest", "C1", "--date", "2026-10-31", "--month-amount", "120",
                 "--funds", "0.05亿", "--started", "2026-10-08")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == ("已记录：C1 2026年10月31日 本月完成120万元，本年累计120万元，"
                                  "到位资金500万元，实际开工2026年10月8日")
    out = lights(workdir, "invest", "C1", "--date", "2026-11-30", "--ytd", "200万", "--lang",
                 "en")
    assert out.stdout.strip() == ("Recorded: C1 on Nov 30, 2026: 80 this month, 200 this year, "
                                  "500 funds in place (10k yuan), started Oct 8, 2026")
    engine = open_database(f"sqlite:///{workdir / 'lights.db'}")
    with engine.connect() as conn:
        rows = conn.execute(select(IR.c.month_amount, IR.c.ytd_amount, IR.c.funds_in_place)
                            .order_by(IR.c.id)).all()
    engine.dispose()
    assert [tuple(map(str, r)) for r in rows[-2:]] == [("120.00", "120.00", "500.00"),
                                                       ("80.00", "200.00", "500.00")]


@pytest.mark.parametrize(("args", "message"), [
    (("C1", "--month-amount", "12O"),
     "lights: 输入有误：--month-amount: '12O' is not an amount in 万元 like 1200 or 3.5亿\n"),
    (("C1",), "lights: 输入有误：give at least one of --month-amount, --ytd, --funds, "
              "--started\n"),
    (("NOPE", "--ytd", "1"), "lights: 找不到项目：NOPE\n"),
    (("C1", "--date", "2026-10-01", "--started", "2026-10-08"),
     "lights: 输入有误：start date 2026-10-08 is after the report date 2026-10-01\n"),
    (("C1", "--date", "2026-10-31", "--month-amount", "50", "--ytd", "20"),
     "lights: 输入有误：year to date 20.00 万元 is less than this month's 50.00 万元\n"),
])
def test_invest_bad_input_is_one_sentence(workdir, args, message):
    out = lights(workdir, "invest", *args)
    assert (out.returncode, out.stderr) == (1, message)


def test_investment_lights_per_project_worst_first(workdir):
    """At 10-31 the year is 304/365 = 83.3% gone: B1 has 300 of 2,000 (15%), 68.3 points
    behind, and its spring resumption is 6 months late (red); A1 700 of 1,000, 13.3
    behind (yellow); C1 has no annual plan and no start this year (not judged)."""
    out = lights(workdir, "investment", "--as-of", "2026-10-31", "--format", "json")
    assert out.returncode == 0, out.stderr
    rows = json.loads(out.stdout)
    assert [(r["project"], r["light"]) for r in rows] == [("B1", "red"), ("A1", "yellow"),
                                                          ("C1", None)]
    b1 = rows[0]
    assert (b1["completion_pct"], b1["expected_pct"], b1["rules"]) == (
        15.0, 83.3, "investment_points,start_late")
    assert b1["reason"] == ("序时进度83.3%，累计完成300万元（15.0%），落后68.3个百分点；"
                            "计划2026年4月开工（复工），已过6个月仍未开工")
    # The same light and reason as the month's bulletin, which reads the same snapshot.
    md = lights(workdir, "bulletin", "--month", "2026-10").stdout
    assert b1["reason"] in md and rows[1]["reason"] in md

    # Without --as-of: the latest night's date (10-31 here), as lights status uses it.
    assert json.loads(lights(workdir, "investment", "--format", "json").stdout) == rows

    # Later reports count from their date: B1's 900 of 11-10, at 11-20 (88.8% gone).
    later = json.loads(lights(workdir, "investment", "--as-of", "2026-11-20", "--project",
                              "B1", "--format", "json").stdout)
    assert [(r["completed"], r["completion_pct"]) for r in later] == [(900.0, 45.0)]


@pytest.mark.parametrize(("args", "codes"), [
    (("--light", "red"), ["B1"]), (("--light", "none"), ["C1"]),
    (("--light", "red", "--light", "yellow"), ["B1", "A1"]), (("--region", "甲区"), ["A1"]),
    (("--department", "市住建局"), ["B1"]), (("--level", "县区级"), ["C1"]),
    (("--category", "industrial"), ["A1"]), (("--leader", "王副市长"), ["B1"]),
    (("--region", "甲区", "--light", "red"), []),
])
def test_investment_lights_filtered(workdir, args, codes):
    out = lights(workdir, "investment", "--as-of", "2026-10-31", "--format", "csv", *args)
    assert out.returncode == 0, out.stderr
    assert [line.split(",")[0] for line in out.stdout.splitlines()[1:]] == codes


def test_investment_lights_table_in_both_languages(workdir):
    zh = lights(workdir, "investment", "--as-of", "2026-10-31").stdout
    assert "项目投资红黄绿灯（截至2026年10月31日）" in zh
    assert "共 3 个项目    红灯 1  黄灯 1  — 1" in zh
    assert "投资预警规则：points——落后序时进度10至30个百分点黄灯" in zh
    assert "无法评价（无年度计划、本年无开工节点）" in zh
    en = lights(workdir, "investment", "--as-of", "2026-10-31", "--lang", "en").stdout
    assert "Investment lights of the projects (as of Oct 31, 2026)" in en
    assert "70.0% of the annual plan completed (700 10k yuan) against 83.3% expected, 13.3 " \
        "points behind" in " ".join(en.replace("│", " ").split())
    empty = lights(workdir, "investment", "--region", "甲区", "--light", "red")
    assert (empty.returncode, empty.stdout.strip()) == (0, "没有符合条件的项目")
    unknown = lights(workdir, "investment", "--region", "丁区")  # a name nobody has
    assert unknown.returncode == 1 and "找不到地区：丁区（是否是：" in unknown.stderr
