"""The ledger's 问题 sheet (问题清单) and 存在问题及原因: imported all or nothing, exported so
that the file imports back unchanged, in the template; on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from engine.delays import latest_reasons
from engine.ledger.export import export_ledger
from engine.ledger.load import import_ledger
from engine.ledger.problems import LedgerInvalid
from engine.ledger.validate import read_ledger
from engine.problems.queries import list_problems, show_problem
from engine.queries import StatusFilter
from engine.store.tables import PB, PBE, M, P
from tests.ledger_files import MILESTONE_HEADERS, MILESTONES, PROJECT_HEADERS, PROJECTS, workbook

TODAY = date(2026, 11, 23)
PROBLEM_HEADERS = ["问题编号", "项目编号", "节点名称", "问题描述", "问题类别", "层级", "主办单位",
                   "协办单位", "提出日期", "办理时限", "办理情况", "状态"]
PROBLEMS = [
    [None, "HB-001", "开工", "施工用地指标尚未落实", "用地", "县区级", "市自然资源局",
     "市发改委、双城区政府", "2026-11-16", None, None, "办理中"],
    [None, "HB-002", None, "配套资金缺口", "资金", "市级", "市财政局", None, "2026-11-02",
     "2026-11-20", "已拨付首批资金", "已办复"],
    ["WT2026-0100", "HB-002", "主体完工", "审批材料退回补正", "审批服务", "市级", "市住建局", None,
     "2026-11-02", None, "已补正", "已销号"],
    ["WT2026-0101", "HB-001", None, "重复问题", "其他", "县区级", "市工信局", None, "2026-11-03",
     None, "与已交办问题重复", "已撤销"],
    ["WT2026-0102", "HB-001", None, "待交办的问题", "其他", "县区级", "市工信局", None,
     "2026-11-20", None, None, "待交办"],
]
REASON_MILESTONES = [[*row, "钢材到货延迟，已协调供货商" if row[1] == "开工" else None]
                     for row in MILESTONES]


def ledger(path: Path, problems=PROBLEMS, milestones=REASON_MILESTONES) -> Path:
    return workbook(path, {"项目": [PROJECT_HEADERS, *PROJECTS],
                           "节点": [[*MILESTONE_HEADERS, "存在问题及原因"], *milestones],
                           "问题": [PROBLEM_HEADERS, *problems]})


def load(engine, config, path: Path, lang: str = "zh"):
    return import_ledger(engine, config, read_ledger([path], config, lang, TODAY), lang="zh",
                         today=TODAY, as_of=TODAY)


def listed(engine, config) -> dict[str, dict]:
    with engine.connect() as conn:
        return {r["title"]: r for r in list_problems(conn, config, TODAY)}


def test_the_problem_sheet_and_the_reasons_import(engine, config, tmp_path):
    summary = load(engine, config, ledger(tmp_path / "台账.xlsx"))
    assert "问题清单：新增 5 个，更新 0 个" in summary.change_lines("zh")
    assert "存在问题及原因：1 个节点" in summary.change_lines("zh")
    got = listed(engine, config)
    assert {t: (r["state"], r["level"]) for t, r in got.items()} == {
        "施工用地指标尚未落实": ("in_progress", "county"), "配套资金缺口": ("replied", "city"),
        "审批材料退回补正": ("closed", "city"), "重复问题": ("withdrawn", "county"),
        "待交办的问题": ("pending", "county")}
    land = got["施工用地指标尚未落实"]
    assert (land["milestone"], land["assist"], land["deadline"]) == (
        "开工", ["市发改委", "双城区政府"], "2026-11-25")  # 7 working days from 11-16
    assert got["配套资金缺口"]["due_date"] == "2026-11-20"  # the ledger's own time limit
    assert got["审批材料退回补正"]["code"] == "WT2026-0100"
    with engine.connect() as conn:
        mid = conn.execute(select(M.c.id).join(P).where(P.c.code == "HB-001",
                                                        M.c.name == "开工")).scalar_one()
        reason = latest_reasons(conn, [mid])[mid]
        history = show_problem(conn, config, got["配套资金缺口"]["code"], TODAY)["history"]
    assert (reason.text, reason.source) == ("钢材到货延迟，已协调供货商", "ledger")
    assert [h["event"] for h in history] == ["add", "assign", "edit", "reply"]
    assert history[-1]["text"] == "已拨付首批资金"


def test_the_same_file_again_changes_nothing(engine, config, tmp_path):
    path = ledger(tmp_path / "台账.xlsx")
    load(engine, config, path)
    with engine.connect() as conn:
        events = conn.execute(select(func.count()).select_from(PBE)).scalar()
    again = load(engine, config, path)
    assert not [line for line in again.change_lines("zh") if "问题" in line]
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(PBE)).scalar() == events
        assert conn.execute(select(func.count()).select_from(PB)).scalar() == 5


def test_a_row_moves_a_known_problem_as_the_machine_allows(engine, config, tmp_path):
    load(engine, config, ledger(tmp_path / "台账.xlsx"))
    code = listed(engine, config)["施工用地指标尚未落实"]["code"]
    later = [[code, *PROBLEMS[0][1:10], "已落实用地指标", "已办复"]]
    summary = load(engine, config, ledger(tmp_path / "二.xlsx", later))
    assert "问题清单：新增 0 个，更新 1 个" in summary.change_lines("zh")
    assert listed(engine, config)["施工用地指标尚未落实"]["state"] == "replied"
    closed = [["WT2026-0100", *PROBLEMS[2][1:11], "已办复"]]  # 已销号 → 已办复: no such move
    with pytest.raises(LedgerInvalid) as caught:
        load(engine, config, ledger(tmp_path / "三.xlsx", closed))
    [found] = caught.value.problems
    assert found.where.header == "状态" and found.where.row == 2
    assert found.text("zh").endswith("问题现为已销号，不能直接改为此状态")


@pytest.mark.parametrize(("row", "header", "words"), [
    ([None, "HB-001", None, "x", "天气", "县区级", "市工信局", None, None, None, None, None],
     "问题类别", "不在配置的类别中"),
    ([None, "HB-001", None, "x", "用地", "乡镇级", "市工信局", None, None, None, None, None],
     "层级", "应为 县区级、市级 或 省级"),
    ([None, "HB-009", None, "x", "用地", "市级", "市工信局", None, None, None, None, None],
     "项目编号", "没有此项目"),
    ([None, "HB-001", "竣工", "x", "用地", "市级", "市工信局", None, None, None, None, None],
     "节点名称", "项目 HB-001 没有此节点"),
    ([None, "HB-001", None, "x", "用地", "市级", None, None, None, None, None, None],
     "主办单位", "必填"),
    ([None, "HB-001", None, "x", "用地", "市级", "市工信局", None, None, None, None, "进行中"],
     "状态", "不是可选值之一"),
    ([None, "HB-001", None, "x", "用地", "市级", "市工信局", None, None, None, None, "申请延期"],
     "状态", "台账不能直接设为此状态"),
    ([None, "HB-001", None, "x", "用地", "市级", "市工信局", "市工信局", None, None, None,
      None], "协办单位", "就是主办单位"),
])
def test_a_bad_row_imports_nothing_and_says_where(engine, config, tmp_path, row, header, words):
    with pytest.raises(LedgerInvalid) as caught:
        load(engine, config, ledger(tmp_path / "坏.xlsx", [*PROBLEMS[:1], row]))
    texts = [p.text("zh") for p in caught.value.problems]
    assert any(f"{header}" in t and words in t and "第3行" in t for t in texts), texts
    with engine.connect() as conn:  # all or nothing: not even the projects
        assert conn.execute(select(func.count()).select_from(P)).scalar() == 0
        assert conn.execute(select(func.count()).select_from(PB)).scalar() == 0


def test_export_writes_the_problem_sheet_and_it_imports_back_unchanged(engine, config,
                                                                        tmp_path):
    load(engine, config, ledger(tmp_path / "台账.xlsx"))
    out = tmp_path / "导出.xlsx"
    export_ledger(engine, config, out, StatusFilter(), lang="zh")
    book = load_workbook(out)
    assert book.sheetnames == ["项目", "节点", "问题"]
    header = [c.value for c in book["问题"][1]]
    assert header == PROBLEM_HEADERS
    rows = [[c.value for c in r] for r in book["问题"].iter_rows(min_row=2)]
    assert len(rows) == 5
    replied = next(r for r in rows if r[3] == "配套资金缺口")
    assert replied[10:] == ["已拨付首批资金", "已办复"]
    nodes = book["节点"]
    head = [c.value for c in nodes[1]]
    reasons = [r[head.index("存在问题及原因")].value for r in nodes.iter_rows(min_row=2)]
    assert "钢材到货延迟，已协调供货商" in reasons
    back = load(engine, config, out)
    assert not [line for line in back.change_lines("zh") if "问题" in line]
