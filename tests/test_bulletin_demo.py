"""The demo's investment reports, month-end history and October bulletin."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from engine.bulletins import demo as demo_bulletins
from engine.bulletins.build import build
from engine.bulletins.render import render
from engine.config import load_config
from engine.demo import DEMO_AS_OF, DEMO_CODES, build_demo
from engine.evaluation.run import run
from engine.migrations import create_database
from engine.store.tables import IR, R, T

MONTH_ENDS = [date(2026, m + 1, 1) - timedelta(days=1) for m in range(1, 11)]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo as `lights demo` builds it, with October's bulletin rendered before and
    after the run of 2026-11-20."""
    engine = create_database(f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.db'}")
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(tmp_path_factory.mktemp("cwd"))
        config = load_config(env={})
    build_demo(engine)
    month = demo_bulletins.prepare(engine, config, DEMO_AS_OF)
    before = render(build(engine, config, month, today=DEMO_AS_OF), "md", "zh")
    run(engine, config, DEMO_AS_OF)
    yield engine, config, month, before
    engine.dispose()


def test_every_project_reports_its_investment_each_month(demo):
    engine, *_ = demo
    with engine.connect() as conn:
        rows = conn.execute(select(IR).order_by(IR.c.project_id, IR.c.report_date)).all()
    by_project = defaultdict(list)
    for r in rows:
        by_project[r.project_id].append(r)
    assert len(by_project) == len(DEMO_CODES)
    for reports in by_project.values():
        assert [r.report_date for r in reports] == MONTH_ENDS  # January to October
        ytd = [r.ytd_amount for r in reports]
        assert ytd == sorted(ytd)
        assert all(r.month_amount >= 0 and r.funds_in_place >= 0 for r in reports)
        assert sum(r.month_amount for r in reports) == reports[-1].ytd_amount


def test_month_end_evaluations_are_recorded_as_runs(demo):
    engine, *_ = demo
    with engine.connect() as conn:
        runs = conn.execute(select(R.c.as_of, R.c.job, R.c.status).order_by(R.c.id)).all()
        dates = set(conn.execute(select(T.c.as_of).distinct()).scalars())
    assert [(r.as_of, r.job, r.status) for r in runs[:2]] == [
        (date(2026, 9, 30), "demo-history", "ok"), (date(2026, 10, 31), "demo-history", "ok")]
    assert {date(2026, 9, 30), date(2026, 10, 31), DEMO_AS_OF} <= dates


def test_octobers_bulletin_reads_like_one(demo):
    engine, config, month, _ = demo
    b = build(engine, config, month, today=DEMO_AS_OF)
    assert b.compared and not b.partial and b.as_of == date(2026, 10, 31)
    f = b.programme
    assert f.projects == len(DEMO_CODES)
    assert all(r.percent is not None for r in f.rates().values())
    assert {k for k, n in f.invest_lights.items() if n} >= {"red", "yellow", "green"}
    arrows = {r.arrow[:1] for r in b.rankings["region"]}
    assert {"↑", "↓"} <= arrows
    assert b.red_nodes and all(r.findings and r.days_late >= 0 for r in b.red_nodes)
    assert b.due_next and all(date(2026, 11, 1) <= r.planned <= date(2026, 11, 30)
                              for r in b.due_next)


def test_octobers_bulletin_is_the_same_after_novembers_run(demo):
    engine, config, month, before = demo
    assert render(build(engine, config, month, today=DEMO_AS_OF), "md", "zh") == before


def test_lights_demo_writes_the_monthly_bulletin(lights_demo):
    home, out = lights_demo
    assert out.returncode == 0, out.stderr
    assert "月度通报（2026年10月）：bulletin-2026-10.html" in out.stdout
    html = (home / "bulletin-2026-10.html").read_text(encoding="utf-8")
    assert html.count("<svg") == 4 and "重点项目推进情况月度通报" in html
    # The same bulletin as a Word 通报 beside it, with the demo city's 红头.
    assert "Word 通报：bulletin-2026-10.docx" in out.stdout
    from docx import Document

    doc = Document(str(home / "bulletin-2026-10.docx"))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "松重项办〔2026〕10号" in text and "关于2026年10月重点项目推进情况的通报" in text
    assert "截至2026年10月31日，纳入调度的重点项目132个" in text and "2026年11月3日" in text
