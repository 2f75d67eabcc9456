"""`lights import`, `lights export` and `lights template` through the real entry point."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import pytest

from tests.ledger_files import MILESTONE_HEADERS, MILESTONES, ledger_xlsx, workbook
from tests.test_cli import lights, status_json


@pytest.fixture
def office(tmp_path: Path) -> Path:
    """An empty database and a ledger file in the working directory."""
    assert lights(tmp_path, "init").returncode == 0
    ledger_xlsx(tmp_path / "台账.xlsx")
    return tmp_path


def test_import_then_again_then_export_and_back(office):
    first = lights(office, "import", "台账.xlsx", "--by", "市发改委")
    assert first.returncode == 0, first.stderr
    assert "已导入 台账.xlsx" in first.stdout
    assert "项目：新增 2，更新 0，未变 0" in first.stdout
    assert "节点：新增 4，更新 0（其中调整计划 0），未变 0" in first.stdout
    assert "新增项目 HB-001 年产5万吨玉米深加工项目" in first.stdout
    rows = {(r["project"], r["milestone"]): r for r in status_json(office)}
    assert rows[("HB-002", "施工许可")]["light"] == "done"
    assert rows[("HB-001", "开工")]["light"] == "red"  # planned 2026-10-31 at 70%

    again = lights(office, "import", "台账.xlsx")
    assert again.returncode == 0
    assert "项目：新增 0，更新 0，未变 2" in again.stdout and "灯变化：0 个节点" in again.stdout

    exported = lights(office, "export", "导出.xlsx")
    assert exported.returncode == 0 and "已导出 2 个项目、4 个节点到 导出.xlsx" in exported.stdout
    back = json.loads(lights(office, "import", "导出.xlsx", "--format", "json").stdout)
    assert back["projects"] == {"new": 0, "updated": 0, "same": 2}
    assert back["milestones"]["same"] == 4 and back["changes"] == [] and back["moves"] == []


def test_dry_run_and_a_replan_from_the_command_line(office):
    assert lights(office, "import", "台账.xlsx").returncode == 0
    moved = [list(row) for row in MILESTONES]
    moved[0][4] = date(2027, 6, 30)
    workbook(office / "调整.xlsx", {"节点": [MILESTONE_HEADERS, *moved]})

    dry = lights(office, "import", "调整.xlsx", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "试导入 调整.xlsx：未写入任何数据" in dry.stdout
    assert "调整计划 HB-001/开工：2026-10-31 → 2027-06-30" in dry.stdout
    assert status_json(office, "--project", "HB-001", "--kind", "开工")[0]["planned_date"] == \
        "2026-10-31"

    done = lights(office, "import", "调整.xlsx", "--by", "李主任")
    assert done.returncode == 0
    row = status_json(office, "--project", "HB-001", "--kind", "开工")[0]
    assert (row["planned_date"], row["baseline_date"]) == ("2027-06-30", "2026-10-31")
    moves = json.loads(lights(office, "history", "HB-001/开工", "--format", "json").stdout)
    replan = next(m for m in moves if m["trigger"] == "replan")
    assert replan["reason"] == "由台账 调整.xlsx 导入" and replan["actor"] == "李主任"


def test_a_bad_ledger_lists_every_problem_and_imports_nothing(office):
    workbook(office / "bad.xlsx", {"节点": [
        ["项目编号", "项目名称", "所属地区", "责任单位", "节点名称", "计划开始时间", "计划完成时间",
         "完成进度"],
        ["HB-001", "玉米深加工", "双城区", "市工信局", "开工", "2026-03-01", "2026-10-31", "60%"],
        ["HB-001", None, None, None, "竣工", "2027-05-01", "2027-03-01", "120"],
        ["HB-009", None, None, None, "开工", None, "明年", None],
    ]})

    out = lights(office, "import", "bad.xlsx")

    assert out.returncode == 1 and "Traceback" not in out.stderr
    lines = out.stderr.strip().splitlines()
    assert lines[-1] == "lights: 台账有 4 个问题，未导入任何数据"
    assert lines[:4] == [
        "bad.xlsx「节点」 第3行 G列「计划完成时间」 “2027-03-01”："
        "计划完成时间早于计划开始时间 2027-05-01",
        "bad.xlsx「节点」 第3行 H列「完成进度」 “120”：进度 120% 超过 100%",
        "bad.xlsx「节点」 第4行 A列「项目编号」 “HB-009”："
        "项目 HB-009 既不在本文件中，也不在数据库中",
        "bad.xlsx「节点」 第4行 G列「计划完成时间」 “明年”：不是日期（可写 2026-10-31、2026/10/31、"
        "2026.10.31 或 2026年10月31日）",
    ]
    assert status_json(office) == []  # nothing imported, not even the good row

    english = lights(office, "import", "bad.xlsx", "--lang", "en")
    assert english.returncode == 1
    assert "bad.xlsx, sheet 节点, row 3, column H (完成进度), “120”: progress 120% is over 100%" \
        in english.stderr
    assert english.stderr.strip().endswith("the ledger has 4 problem(s); nothing was imported")
    as_json = lights(office, "import", "bad.xlsx", "--format", "json")
    assert as_json.returncode == 1
    found = json.loads(as_json.stdout)["problems"]
    assert found[1] == {"file": "bad.xlsx", "sheet": "节点", "row": 3, "column": "H",
                        "header": "完成进度", "value": "120", "problem": "percent_over",
                        "why": "进度 120% 超过 100%"}


def test_export_options_and_their_errors(office):
    assert lights(office, "import", "台账.xlsx").returncode == 0
    split = lights(office, "export", "分地区.xlsx", "--split", "region", "--lang", "en")
    assert split.returncode == 0 and "Exported 2 projects and 4 milestones" in split.stdout
    red = lights(office, "export", "红灯.csv", "--light", "红灯", "--encoding", "gb18030")
    assert red.returncode == 0
    head, *rows = csv.reader((office / "红灯.csv").read_bytes().decode("gb18030")
                             .splitlines())
    # HB-001/开工 (due 2026-10-31 at 70%) is red whenever this runs; later, others too.
    assert rows and {row[head.index("灯")] for row in rows} == {"红灯"}
    assert ["HB-001", "年产5万吨玉米深加工项目", "双城区"] in [row[:3] for row in rows]
    refused = lights(office, "export", "x.csv", "--split", "level")
    assert refused.returncode == 1 and "只适用于 .xlsx" in refused.stderr
    wrong = lights(office, "export", "x.pdf")
    assert wrong.returncode == 1 and "导出文件应为 .xlsx 或 .csv" in wrong.stderr


def test_template_then_import_it(tmp_path):
    out = lights(tmp_path, "template", "模板.xlsx")
    assert out.returncode == 0 and "已生成台账模板：模板.xlsx" in out.stdout
    assert lights(tmp_path, "init").returncode == 0
    imported = lights(tmp_path, "import", "模板.xlsx")
    assert imported.returncode == 0, imported.stderr
    assert "新增项目 示例-001" in imported.stdout
    assert lights(tmp_path, "template", "t.csv").returncode == 1


def test_import_needs_a_database_and_existing_files(tmp_path):
    ledger_xlsx(tmp_path / "台账.xlsx")
    no_db = lights(tmp_path, "import", "台账.xlsx")
    assert no_db.returncode == 1 and "尚未建立" in no_db.stderr
    missing = lights(tmp_path, "import", "没有.xlsx")
    assert missing.returncode == 2
