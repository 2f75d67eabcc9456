"""Issue 12, ledgers: control characters refused at their cell, cells past the header are a
problem, a cell too long for the CSV reader is one sentence; and the terminal shows what
it prints of data (control characters made visible, never obeyed)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from engine.ledger import values as v
from engine.ledger.validate import read_ledger
from engine.migrations import create_database
from tests.builders import add_milestone, add_project
from tests.cli_runner import lights
from tests.hardening_helpers import snapshot
from tests.ledger_files import MILESTONE_HEADERS, PROGRESS_HEADERS, PROJECT_HEADERS, csv_file

TODAY = date(2026, 11, 24)
PROJECT = ["HB-001", "年产5万吨玉米深加工项目", "龙江农业科技有限公司", "市工信局", "双城区",
           "产业", "新建", "市级", 50000, 20000, "张副市长", "李秘书"]


def problems(config, *paths: Path) -> list[dict]:
    ledger = read_ledger(list(paths), config, "zh", TODAY)
    return [p.as_json("zh") for p in ledger.problems]


@pytest.mark.parametrize(("name", "char"), [
    ("玉米\x00深加工", "U+0000 NUL"), ("x\x1b[2Jy", "U+001B ESC"), ("玉米\r\n深加工", "U+000D CR"),
    ("玉米\n深加工", "U+000A LF"), ("项目\u202e工加深", "U+202E RLO"), ("a\x85b", "U+0085"),
])
def test_a_control_character_in_a_name_is_a_problem_at_its_cell(config, tmp_path, name, char):
    row = [*PROJECT]
    row[1] = name
    found = problems(config, csv_file(tmp_path / "项目.csv", [PROJECT_HEADERS, row]))
    assert [(p["row"], p["column"], p["problem"]) for p in found] == [(2, "B", "control")]
    assert char in found[0]["why"]


def test_line_breaks_are_allowed_in_a_note_and_spaces_at_the_ends_anywhere(config, tmp_path):
    row = [*PROJECT]
    row[1] = " 年产5万吨玉米深加工项目\n"  # a stray line break at the end is trimmed
    projects = csv_file(tmp_path / "项目.csv", [PROJECT_HEADERS, row])
    nodes = csv_file(tmp_path / "节点.csv", [MILESTONE_HEADERS, ["HB-001", "开工", "开工",
                                                                "2026-03-02", "2026-10-31"]])
    progress = csv_file(tmp_path / "进展.csv", [PROGRESS_HEADERS, [
        "HB-001", "开工", "2026-11-20", "60%", None, "基础施工中\n下周浇筑", "王工"]])
    assert problems(config, projects, nodes, progress) == []
    bad = csv_file(tmp_path / "进展2.csv", [PROGRESS_HEADERS, [
        "HB-001", "开工", "2026-11-20", "60%", None, "基础\x1b[31m施工", "王工"]])
    assert [p["column"] for p in problems(config, projects, nodes, bad)] == ["F"]


def test_control_characters_on_the_command_line(tmp_path):
    assert v.control_character("abc") is None
    assert v.control_character("\tabc\n") is None
    assert v.control_character("a\tb") == "U+0009 TAB"
    assert v.control_character("a\nb", lines=True) is None


def test_cells_past_the_header_of_a_csv_row_are_a_problem(config, tmp_path):
    row = [*PROJECT, "", "多出来的"]
    found = problems(config, csv_file(tmp_path / "项目.csv", [PROJECT_HEADERS, row]))
    assert [(p["row"], p["column"], p["value"], p["problem"]) for p in found] == \
        [(2, "N", "多出来的", "extra_cell")]
    assert "表头只到 L 列" in found[0]["why"]
    blank_tail = csv_file(tmp_path / "项目2.csv", [PROJECT_HEADERS, [*PROJECT, "", " "]])
    assert problems(config, blank_tail) == []


def test_a_cell_over_the_csv_readers_limit_is_a_problem_not_a_traceback(config, tmp_path):
    path = tmp_path / "项目.csv"
    path.write_text(",".join(PROJECT_HEADERS) + "\nHB-001,\"" + "长" * 140_000 + "\"\n",
                    encoding="utf-8")
    found = problems(config, path)
    assert [p["problem"] for p in found] == ["csv_field"]
    assert "131,072" in found[0]["why"] and "第 2 行" in found[0]["why"]


def test_the_import_command_refuses_them_and_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    create_database(f"sqlite:///{tmp_path / 'lights.db'}").dispose()
    before = snapshot(tmp_path / "lights.db")
    row = [*PROJECT]
    row[1] = "x\x1b[2Jy"
    out = lights(tmp_path, "import", str(csv_file(tmp_path / "项目.csv", [PROJECT_HEADERS, row])))
    assert out.returncode == 1
    assert "\x1b" not in out.stderr and "x␛[2Jy" in out.stderr  # shown, not obeyed
    assert "含有控制字符 U+001B ESC" in out.stderr
    assert snapshot(tmp_path / "lights.db") == before


def test_the_terminal_shows_control_characters_in_names_and_does_not_obey_them(tmp_path,
                                                                                monkeypatch):
    monkeypatch.chdir(tmp_path)
    engine = create_database(f"sqlite:///{tmp_path / 'lights.db'}")
    pid = add_project(engine, "HB-009", name="x\x1b[2Jy\u202e项目", region="南岗区")
    add_milestone(engine, pid, "开\x1b]0;owned\x07工", date(2026, 12, 31))
    engine.dispose()
    for args in (("show", "HB-009"), ("status",), ("history", "HB-009/开\x1b]0;owned\x07工")):
        out = lights(tmp_path, *args)
        assert out.returncode == 0, out.stderr
        assert "\x1b" not in out.stdout and "\u202e" not in out.stdout and "\x07" not in out.stdout
    assert "x␛[2Jy�项目" in lights(tmp_path, "show", "HB-009").stdout
    raw = json.loads(lights(tmp_path, "status", "--format", "json").stdout)
    assert raw[0]["project_name"] == "x\x1b[2Jy\u202e项目"  # data for scripts stays as stored


def test_contacts_in_chinese_headers_and_roles(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    create_database(f"sqlite:///{tmp_path / 'lights.db'}").dispose()
    (tmp_path / "联系人.csv").write_text(
        "姓名,邮箱,角色,所属地区,语言\n张副市长,zhang@example.cn,包保领导,,\n"
        "督查室,ducha@example.cn,督查室,北湖区,中文\n管理员,admin@example.cn,管理员,,英文\n",
        encoding="utf-8-sig")
    out = lights(tmp_path, "contacts", "load", "联系人.csv")
    assert out.returncode == 0, out.stderr
    rows = json.loads(lights(tmp_path, "contacts", "list", "--format", "json").stdout)
    assert {(r["email"], r["role"], r["region"]) for r in rows} == {
        ("zhang@example.cn", "leader", ""), ("ducha@example.cn", "supervision_office", "北湖区"),
        ("admin@example.cn", "admin", "")}
    (tmp_path / "错.csv").write_text("姓名,邮箱,角色\n李四,li@example.cn,队长\n",
                                    encoding="utf-8")
    bad = lights(tmp_path, "contacts", "load", "错.csv")
    assert bad.returncode == 1 and "unknown role '队长'" in bad.stderr


def test_the_templates_lists_sheet_has_the_columns_headers(tmp_path, monkeypatch):
    from openpyxl import load_workbook

    monkeypatch.chdir(tmp_path)
    assert lights(tmp_path, "template", "台账模板.xlsx").returncode == 0
    book = load_workbook(tmp_path / "台账模板.xlsx")
    headers = [c.value for c in book["选项"][1]]
    assert headers[:5] == ["项目类别", "项目级别", "建设性质", "节点类型", "室外作业"]
    assert not any(h.isascii() for h in headers)  # no parser's name (category, bool …)
    assert lights(tmp_path, "template", "t.xlsx", "--lang", "en").returncode == 0
    english = load_workbook(tmp_path / "t.xlsx")
    assert [c.value for c in english["lists"][1]][:2] == ["Category", "Level"]
