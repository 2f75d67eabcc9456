"""An import writes each new milestone once, already lit: with the light, reason,
findings, move and audit row that relighting it right after the insert would give."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import select, update

from engine.config import load_config
from engine.evaluation.relight import relight
from engine.ledger.load import import_ledger
from engine.ledger.validate import read_ledger
from engine.store.tables import M, P, T
from tests.ledger_files import MILESTONE_HEADERS, PROJECT_HEADERS, workbook

TODAY = date(2026, 11, 23)
LIT = (M.c.state, M.c.state_since, M.c.reason, M.c.light_rules, M.c.light_facts)


def _ledger(path: Path) -> Path:
    """Outdoor and indoor projects, one with its own winter pause; site works and
    paperwork, late, slow, on time, done and not started, some across the winter."""
    headers = [*PROJECT_HEADERS, "室外作业", "冬季停工期"]
    base = ["市发改委", "南岗区", "产业", "新建", "市级", 1000, 500, "张", "李"]
    projects = [["HB-001", "室外项目", "甲公司", *base, "是", None],
                ["HB-002", "室内项目", "乙公司", *base, "否", None],
                ["HB-003", "自定冬休", "丙公司", *base, "是", "12-01..03-31"]]
    rows = []
    for code, _, _, *_rest in projects:
        rows += [[code, "开工", "开工", "2026-09-01", "2026-10-31", "40%", None, "2026-11-20"],
                 [code, "主体完工", "主体完工", "2026-10-01", "2026-12-15", "55%", None,
                  "2026-11-20"],
                 [code, "竣工", "竣工", "2027-01-01", "2027-06-30", None, None, None],
                 [code, "施工许可", "施工许可", "2026-08-01", "2026-11-10", "100%", "2026-11-09",
                  "2026-11-09"],
                 [code, "投产", "投产", "2026-11-01", "2026-12-01", "70%", None, "2026-11-22"]]
    return workbook(path, {"项目": [headers, *projects], "节点": [MILESTONE_HEADERS, *rows]})


def test_new_milestones_are_written_lit_as_relight_lights_them(engine, tmp_path):
    config = load_config(env={})
    ledger = read_ledger([_ledger(tmp_path / "台账.xlsx")], config, "zh", TODAY)
    summary = import_ledger(engine, config, ledger, lang="zh", today=TODAY, as_of=TODAY)
    with engine.connect() as conn:
        ids = list(conn.execute(select(M.c.id).order_by(M.c.id)).scalars())
        written = conn.execute(select(M.c.id, *LIT).order_by(M.c.id)).all()
        audits = conn.execute(select(T.c.milestone_id, T.c.trigger, T.c.from_state,
                                     T.c.to_state, T.c.rules, T.c.reason, T.c.numbers,
                                     T.c.run_id.is_not(None)).order_by(T.c.milestone_id)).all()
    assert len(ids) == 15 and {row.state for row in written} >= {"red", "yellow", "green"}
    assert len({row.reason for row in written}) > 5

    with engine.connect() as conn, conn.begin() as transaction:
        # as they stood between the insert and the relight of earlier versions
        conn.execute(update(M).values(state="planned", state_since=None, reason="",
                                      light_rules="", light_facts=[]))
        conn.execute(T.delete())
        relit = relight(conn, config, ids, TODAY, actor="", run_id=None)
        again = conn.execute(select(M.c.id, *LIT).order_by(M.c.id)).all()
        audited = conn.execute(select(T.c.milestone_id, T.c.trigger, T.c.from_state,
                                      T.c.to_state, T.c.rules, T.c.reason, T.c.numbers)
                               .order_by(T.c.milestone_id)).all()
        transaction.rollback()

    assert again == written
    assert [tuple(a)[:7] for a in audits] == [tuple(a) for a in audited]
    assert all(a[7] for a in audits)  # each in the import's run
    assert sorted((m.milestone_id, m.project, m.milestone, m.from_state, m.to_state,
                   m.trigger, m.reason) for m in summary.moves) == \
        sorted((m.milestone_id, m.project, m.milestone, m.from_state, m.to_state, m.trigger,
                m.reason) for m in relit.moves)
    with engine.connect() as conn:  # the winter pauses counted: default, none, its own
        works = conn.execute(select(M.c.reason).join(P).where(M.c.name == "主体完工")
                             .order_by(P.c.code)).scalars().all()
    assert len(set(works)) == 3
