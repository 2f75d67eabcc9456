"""Bulletins on a small programme whose figures are worked out by hand.

The programme is in tests/bulletin_builders.py. As of 2026-10-31 (October's bulletin):

- 投资完成率 = (700 + 300) / (1000 + 2000) = 33.3% (B1's report of 11-10 is later);
- 序时进度 = 304 / 365 of the plan = 83.3%; completed against it = 1000 / 2498.63 = 40.0%;
- 资金到位率 = 600 / 3000 = 20.0%;
- 开复工率: A1's 开工 and B1's 春季复工 are planned this year by then, A1 started: 1/2;
- 按期投产率: B1's 投产 due 09-30, done 09-28: 1/1;
- 节点完成率 for October: A1 主体完工 (on time), A1 设备安装 (due and done on the 31st),
  B1 主体完工 (late); A1 规划许可 was cancelled: 2/3 = 66.7%.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from engine import actions
from engine.bulletins.build import BulletinError, build
from engine.bulletins.periods import parse
from engine.bulletins.render import render
from engine.config import load_config
from engine.evaluation.run import run
from engine.investment import record_investment
from tests.builders import add_milestone, add_project
from tests.bulletin_builders import small_programme, with_bulletins

D = date


@pytest.fixture
def config(config):
    """Each region has one or two nodes due: ranked from one node due (min_due 1)."""
    return with_bulletins(config, min_due=1)


@pytest.fixture
def programme(engine, config, seed):
    seed("small_programme", lambda: small_programme(engine, config))  # built once, then copied
    return engine


def october(engine, config, **kw):
    return build(engine, config, parse("month", "2026-10"), today=D(2026, 11, 23), **kw)


def test_the_rates_of_the_programme(programme, config):
    b = october(programme, config)
    f = b.programme
    assert b.as_of == D(2026, 10, 31)
    assert (f.projects, f.new, f.continuing) == (3, 2, 1)
    assert (f.total_investment, f.annual_plan, f.completed, f.funds) == (
        Decimal(16000), Decimal(3000), Decimal(1000), Decimal(600))
    assert f.investment_rate.text() == "33.3%"
    assert f.expected_rate.text() == "83.3%"
    assert f.schedule_rate.text() == "40.0%"
    assert f.funds_rate.text() == "20.0%"
    assert (f.starts_done, f.starts_planned) == (1, 2)
    assert (f.production_on_time, f.production_due) == (1, 1)
    assert (f.nodes_on_time, f.nodes_due) == (2, 3)
    assert f.node_rate.text() == "66.7%"
    assert dict(f.lights) == {"done": 4, "done_late": 1, "red": 1, "green": 1, "planned": 1,
                              "cancelled": 1}
    assert dict(f.invest_lights) == {"yellow": 1, "red": 1, "none": 1}


def test_rates_by_region_with_an_empty_region_and_zero_denominators(programme, config):
    regions = october(programme, config).now.groups["region"]
    assert {name: g.node_rate.text() for name, g in regions.items()} == {
        "甲区": "100.0%", "乙区": "0.0%", "丙区": "—"}
    c = regions["丙区"]  # no plan, no start node, nothing due
    assert [c.investment_rate.text(), c.schedule_rate.text(), c.funds_rate.text(),
            c.start_rate.text(), c.production_rate.text()] == ["—"] * 5
    assert regions["甲区"].start_rate.text() == "100.0%"
    assert regions["乙区"].start_rate.text() == "0.0%"
    assert regions["乙区"].production_rate.text() == "100.0%"


def test_rates_by_department_category_level_and_nature(programme, config):
    groups = october(programme, config).now.groups
    assert groups["department"]["市工信局"].investment_rate.text() == "70.0%"
    assert groups["category"]["infrastructure"].investment_rate.text() == "15.0%"
    assert groups["level"]["county"].node_rate.text() == "—"
    assert groups["nature"]["new"].total_investment == Decimal(8000)
    assert groups["nature"]["continuing"].total_investment == Decimal(8000)
    # Every dimension adds up to the programme.
    for dim in ("region", "department", "category", "level", "nature"):
        assert sum(g.nodes_due for g in groups[dim].values()) == 3
        assert sum(g.completed for g in groups[dim].values()) == Decimal(1000)


def test_rankings_and_movement_since_the_previous_month(programme, config):
    b = october(programme, config)
    assert b.compared  # a run on 09-30 exists
    regions = [(r.name, r.rank, r.previous, r.arrow) for r in b.rankings["region"]]
    # September: only 乙区 had a node due (投产, on time): rank 1. October: 甲区 2/2, 乙区 0/1.
    assert regions == [("甲区", 1, None, ""), ("乙区", 2, 1, "↓1"), ("丙区", None, None, "")]
    departments = [(r.name, r.rank, r.arrow) for r in b.rankings["department"]]
    assert departments == [("市工信局", 1, ""), ("市住建局", 2, "↓1"), ("市发改委", None, "")]


def test_red_nodes_and_nodes_due_next(programme, config):
    b = october(programme, config)
    assert [(r.project, r.milestone, r.days_late, r.department, r.leader)
            for r in b.red_nodes] == [("B1", "春季复工", 184, "市住建局", "王副市长")]
    assert b.due_until == D(2026, 11, 30)
    assert [(r.project, r.milestone, r.light) for r in b.due_next] == [("A1", "竣工", "green")]
    assert [(p.code, p.invest_light) for p in b.flagged] == [("B1", "red"), ("A1", "yellow")]


def test_the_last_day_of_the_month_belongs_to_it(programme, config):
    """设备安装 is due and done on 10-31: October counts it, November does not."""
    nov = build(programme, config, parse("month", "2026-11"), as_of=D(2026, 11, 20))
    oct_ = october(programme, config)
    assert oct_.now.groups["region"]["甲区"].nodes_due == 2
    # In November only 竣工 (due 11-01) is due for 甲区, and it is not done.
    assert nov.now.groups["region"]["甲区"].nodes_due == 1
    assert nov.partial and nov.as_of == D(2026, 11, 20)


def test_the_week_that_spans_two_months(programme, config):
    """2026-W44 runs from Monday 10-26 to Sunday 11-01: 设备安装 (10-31) and 竣工 (11-01)."""
    b = build(programme, config, parse("week", "2026-W44"), today=D(2026, 11, 23))
    assert (b.period.start, b.period.end, b.as_of) == (D(2026, 10, 26), D(2026, 11, 1),
                                                       D(2026, 11, 1))
    f = b.now.groups["region"]["甲区"]
    assert (f.nodes_on_time, f.nodes_due) == (1, 2)
    assert b.programme.node_rate.text() == "50.0%"


def test_half_months_read_the_history_as_it_stood(programme, config):
    """主体完工 was finished on 10-10 but the evaluation only knew it on 10-31."""
    first = build(programme, config, parse("half", "2026-10-1"), today=D(2026, 11, 23))
    second = build(programme, config, parse("half", "2026-10-2"), today=D(2026, 11, 23))
    assert (first.programme.nodes_on_time, first.programme.nodes_due) == (0, 1)
    assert (second.programme.nodes_on_time, second.programme.nodes_due) == (1, 2)


def test_winter_pause_holds_the_expected_investment_on_working_days(programme, tmp_path,
                                                                    monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "config.yaml").write_text("bulletins:\n  preset: points_working_days\n",
                                          encoding="utf-8")
    working = load_config(env={})
    calendar_days = load_config(env={}, overrides={("bulletins", "preset"): "points"})
    halves = [parse("half", "2026-11-1"), parse("half", "2026-11-2")]
    # The works stop on 11-15: by then all the year's 序时进度 is due, and it stays so.
    assert [build(programme, working, p, today=D(2026, 12, 5)).programme.expected_rate.text()
            for p in halves] == ["100.0%", "100.0%"]
    # Counted in calendar days it goes on growing: day 319 and day 334 of 365.
    assert [build(programme, calendar_days, p, today=D(2026, 12, 5))
            .programme.expected_rate.text() for p in halves] == ["87.4%", "91.5%"]


def test_a_past_bulletin_does_not_change_after_later_events(programme, config):
    before = {fmt: render(october(programme, config), fmt, "zh") for fmt in ("md", "csv")}
    # November happens: a run, a report, a re-plan, a cancellation, a new project.
    run(programme, config, D(2026, 11, 20))
    record_investment(programme, "A1", report_date=D(2026, 11, 20), month_amount=Decimal(100))
    actions.replan(programme, config, "B1/主体完工", D(2026, 11, 30), reason="设计变更")
    actions.cancel(programme, config, "A1/竣工", reason="并入二期")
    d1 = add_project(programme, "D1", region="甲区", annual_plan=Decimal(500),
                     created_at=datetime.now(UTC))
    add_milestone(programme, d1, "开工", D(2026, 10, 31), kind="start")
    run(programme, config, D(2026, 11, 21))
    again = october(programme, config)
    assert {fmt: render(again, fmt, "zh") for fmt in ("md", "csv")} == before
    assert again.now.later_projects == 1
    # November sees all of it.
    nov = build(programme, config, parse("month", "2026-11"), as_of=D(2026, 11, 30))
    assert nov.programme.completed == Decimal(800 + 900)


def test_both_languages(programme, config):
    b = october(programme, config)
    zh, en = render(b, "md", "zh"), render(b, "md", "en")
    assert "# 重点项目推进情况月度通报" in zh
    assert "| 项目数 | 3个（新建2个，续建1个） |" in zh
    assert "| 总投资 | 1.60亿元（新建0.80亿元，续建0.80亿元） |" in zh
    assert "| 节点完成率 | 66.7% |" in zh
    assert "| 本期完成投资 | 0.07亿元 |" in zh  # 1000 now less 300 at the end of September
    assert "计划2026年4月30日完成，已逾期184天" in zh
    assert "计划2026年4月开工（复工），已过6个月仍未开工" in zh
    assert "投资红黄绿灯：落后序时进度10至30个百分点黄灯" in zh
    assert "points" not in zh and "overdue" not in zh and "schedule_lag" not in zh
    assert "超过计划完成时间仍未完成亮红灯" in zh
    assert "# Key projects: monthly bulletin" in en
    assert "| Projects | 3 (2 new, 1 continuing) |" in en
    assert "| Node completion rate | 66.7% |" in en
    assert "planned for Apr 30, 2026, 184 days overdue" in en
    assert "Investment lights: 10 to 30 points behind" in en
    assert "schedule_lag" not in en
    assert "October 2026 · figures as of Oct 31, 2026" in en


def test_csv_has_a_row_per_group_with_every_rate(programme, config):
    text = render(october(programme, config), "csv", "zh")
    header, *lines = list(csv.reader(io.StringIO(text)))
    assert header[:3] == ["维度", "名称", "项目数"]
    assert len(set(header)) == len(header)  # 按期完成 (a count) and the light: two names
    assert "按期完成" in header and "按期完成节点数" in header
    rows = {tuple(line[:2]): dict(zip(header, line, strict=True)) for line in lines}
    # Numbers are numbers: no % sign, no thousands separator, the movement signed.
    assert rows[("全部项目", "全部项目")]["节点完成率（%）"] == "66.7"
    assert rows[("县（市）区", "乙区")]["排名"] == "2"
    assert rows[("县（市）区", "乙区")]["升降"] == "-1"
    assert rows[("县（市）区", "丙区")]["排名"] == ""
    assert rows[("县（市）区", "丙区")]["节点完成率（%）"] == ""
    assert rows[("建设性质", "续建")]["总投资（亿元）"] == "0.80"
    assert "投资预警规则" not in header  # the preset is a code: the bulletin says it in words


def test_an_empty_programme_gives_dashes_not_errors(engine, config):
    b = build(engine, config, parse("year", "2026"), today=D(2026, 11, 23))
    f = b.programme
    assert f.projects == 0
    assert {k: r.text() for k, r in f.rates().items()} == {k: "—" for k in f.rates()}
    for fmt in ("html", "md", "csv"):
        for lang in ("zh", "en"):
            assert render(b, fmt, lang)
    assert b.rankings == {"region": [], "department": []}
    assert ("note.no_run", {"as_of": D(2026, 11, 23)}) in b.notes


def test_a_period_that_has_not_begun(engine, config):
    with pytest.raises(BulletinError):
        build(engine, config, parse("month", "2026-12"), today=D(2026, 11, 23))


def test_a_project_entered_later_counts_where_its_records_are_dated(programme, config):
    """A ledger imported today with October's investment report belongs in October."""
    add_project(programme, "E1", region="丙区", annual_plan=Decimal(400),
                total_investment=Decimal(900), created_at=datetime.now(UTC))
    record_investment(programme, "E1", report_date=D(2026, 10, 15), ytd_amount=Decimal(100))
    b = october(programme, config)
    assert b.programme.projects == 4 and b.now.later_projects == 0
    assert b.now.groups["region"]["丙区"].investment_rate.text() == "25.0%"
    september = build(programme, config, parse("month", "2026-09"), today=D(2026, 11, 23))
    assert september.programme.projects == 3 and september.now.later_projects == 1
