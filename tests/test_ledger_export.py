"""Exporting the ledger with its lights, and the template: real .xlsx/.csv files that
import back unchanged, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from engine.ledger.export import display_width, export_ledger
from engine.ledger.template import write_template
from engine.migrations import create_database
from engine.queries import StatusFilter
from tests.ledger_files import MILESTONES, cells, ledger_xlsx
from tests.test_ledger_import import load, milestone, snapshot

ALL = StatusFilter()


@pytest.fixture
def ledger(engine, config, tmp_path, seed):
    """The two-project ledger, imported, then one milestone re-planned by a second file
    (imported once per test process and database kind, then copied)."""
    def imported() -> None:
        load(engine, config, ledger_xlsx(tmp_path / "台账.xlsx"))
        moved = [list(row) for row in MILESTONES]
        moved[0][4] = date(2027, 6, 30)
        load(engine, config, ledger_xlsx(tmp_path / "调整.xlsx", milestones=moved))

    seed("ledger", imported)
    return engine


@pytest.mark.parametrize(("name", "lang", "split"), [
    ("台账导出.xlsx", "zh", None), ("ledger.xlsx", "en", None), ("by-region.xlsx", "zh", "region"),
    ("by-level.xlsx", "zh", "level"), ("台账导出.csv", "zh", None), ("ledger.csv", "en", None)])
def test_the_export_imports_back_unchanged(ledger, config, tmp_path, name, lang, split):
    path = tmp_path / name
    export_ledger(ledger, config, path, ALL, lang=lang, split=split)
    before = snapshot(ledger)

    summary = load(ledger, config, path)

    assert snapshot(ledger) == before
    assert summary.projects == {"new": 0, "updated": 0, "same": 2}
    assert summary.milestones == {"new": 0, "updated": 0, "replanned": 0, "same": 4}
    assert summary.reports["new"] == 0


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_the_export_rebuilds_the_same_ledger_in_an_empty_database(ledger, config, tmp_path,
                                                                    suffix):
    first = tmp_path / f"first{suffix}"
    export_ledger(ledger, config, first, ALL, lang="zh")
    empty = create_database(f"sqlite:///{tmp_path / 'empty.db'}")
    try:
        load(empty, config, first)
        second = tmp_path / f"second{suffix}"
        export_ledger(empty, config, second, ALL, lang="zh")
        rebuilt = milestone(empty, "HB-001", "开工")
    finally:
        empty.dispose()
    if suffix == ".csv":
        assert second.read_bytes() == first.read_bytes()
    else:
        for sheet in ("项目", "节点"):
            assert cells(second, sheet) == cells(first, sheet)
    assert (rebuilt.planned_date, rebuilt.baseline_date) == (date(2027, 6, 30),
                                                             date(2026, 10, 31))


def test_the_xlsx_is_styled_for_reading(ledger, config, tmp_path):
    path = tmp_path / "台账.xlsx"
    export_ledger(ledger, config, path, ALL, lang="zh")
    book = load_workbook(path)
    assert book.sheetnames == ["项目", "节点"]
    ws = book["节点"]
    header = [c.value for c in ws[1]]
    assert header[:12] == ["项目编号", "项目名称", "所属地区", "节点序号", "节点名称", "节点类型",
                           "计划开始时间", "计划完成时间", "完成进度", "实际完成时间", "灯", "原因"]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:T{ws.max_row}"
    rows = {(r[0].value, r[4].value): r for r in ws.iter_rows(min_row=2)}
    permit = rows[("HB-002", "施工许可")]
    light = permit[header.index("灯")]
    assert light.value == "按期完成" and light.fill.fgColor.rgb == "FFC6EFCE"
    wing = rows[("HB-002", "主体完工")]
    assert wing[header.index("灯")].fill.fgColor.rgb in ("FFFF0000", "FFFFFF00", "FF00B050")
    planned = permit[header.index("计划完成时间")]
    assert planned.is_date and planned.value.date() == date(2026, 5, 31)
    progress = wing[header.index("完成进度")]
    assert (progress.value, progress.number_format) == (0.8, "0%")
    name_width = ws.column_dimensions["B"].width
    assert name_width >= display_width("第二人民医院门诊楼扩建工程") == 26
    assert ws.column_dimensions["L"].width == 60  # the reason, wrapped
    assert permit[header.index("原因")].alignment.wrap_text
    projects = book["项目"]
    amount = next(r for r in projects.iter_rows(min_row=2) if r[0].value == "HB-002")[8]
    assert (amount.value, amount.number_format) == (12000, "#,##0.00")


def test_one_sheet_per_level_or_region(ledger, config, tmp_path):
    export_ledger(ledger, config, tmp_path / "l.xlsx", ALL, lang="zh", split="level")
    export_ledger(ledger, config, tmp_path / "r.xlsx", ALL, lang="zh", split="region")
    export_ledger(ledger, config, tmp_path / "e.xlsx", ALL, lang="en", split="level")
    assert load_workbook(tmp_path / "l.xlsx").sheetnames == ["项目", "省级", "市级"]
    assert load_workbook(tmp_path / "r.xlsx").sheetnames == ["项目", "南岗区", "双城区"]
    assert load_workbook(tmp_path / "e.xlsx").sheetnames == ["projects", "provincial", "city"]
    assert {r[0] for r in cells(tmp_path / "r.xlsx", "双城区")[1:]} == {"HB-001"}


def test_filters_choose_the_milestones_and_their_projects(ledger, config, tmp_path):
    path = tmp_path / "south.xlsx"
    done = export_ledger(ledger, config, path, StatusFilter(region="南岗区"), lang="zh")
    assert (done.projects, done.milestones) == (1, 2)
    assert {r[0] for r in cells(path, "项目")[1:]} == {"HB-002"}
    done = export_ledger(ledger, config, path, StatusFilter(lights=("done",)), lang="zh")
    assert (done.projects, done.milestones) == (1, 1)
    assert [r[4] for r in cells(path, "节点")[1:]] == ["施工许可"]


def test_gb18030_csv_for_older_excel(ledger, config, tmp_path):
    path = tmp_path / "台账.csv"
    export_ledger(ledger, config, path, ALL, lang="zh", encoding="gb18030")
    text = path.read_bytes().decode("gb18030")
    assert text.startswith("项目编号,项目名称,所属地区")
    assert "HB-002,第二人民医院门诊楼扩建工程,南岗区" in text


# -- the template ---------------------------------------------------------------------------------
# its 2,000 formatted rows a sheet take a second to read: on SQLite only, the database
# being no part of what the template is (importing on PostgreSQL is test_ledger_import's)
@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_the_template_has_headers_lists_and_an_example_that_imports(engine, tmp_path,
                                                                     monkeypatch):
    from engine.config import load_config

    monkeypatch.chdir(tmp_path)
    config = load_config(env={}, overrides={("ledger", "regions"): ["双城区", "南岗区"]})
    path = tmp_path / "模板.xlsx"
    write_template(path, config, "zh")

    book = load_workbook(path)
    assert book.sheetnames == ["项目", "节点", "进展", "问题", "说明", "选项"]
    assert book["选项"].sheet_state == "hidden"
    projects = book["项目"]
    header = [c.value for c in projects[1]]
    assert header[:4] == ["项目编号", "项目名称", "所属地区", "责任单位"]
    assert projects["A1"].font.color.rgb == "FFC00000"  # required: red
    assert projects["A2"].value == "示例-001"
    lists = {str(dv.sqref).split(":")[0]: dv.formula1
             for dv in projects.data_validations.dataValidation}
    by_header = {header[_col(ref) - 1]: formula for ref, formula in lists.items()}
    assert set(by_header) >= {"所属地区", "项目类别", "项目级别", "建设性质", "室外作业"}
    assert by_header["项目级别"] == "'选项'!$B$2:$B$4"
    assert [c.value for c in book["选项"]["B"]][1:4] == ["省级", "市级", "县区级"]
    milestones = book["节点"]
    kinds = [dv for dv in milestones.data_validations.dataValidation]
    assert len(kinds) == 1 and "'选项'!$D$2" in kinds[0].formula1
    assert "完成进度：带 % 的按百分数" in "".join(c.value for c in book["说明"]["A"])

    summary = load(engine, config, path)
    assert summary.projects["new"] == 1 and summary.milestones["new"] == 1
    assert "问题清单：新增 1 个，更新 0 个" in summary.change_lines("zh")


def _col(ref: str) -> int:
    from openpyxl.utils import column_index_from_string

    return column_index_from_string("".join(ch for ch in ref if ch.isalpha()))


def test_the_english_template(config, tmp_path):
    path = tmp_path / "template.xlsx"
    write_template(path, config, "en")
    book = load_workbook(path)
    assert book.sheetnames[:3] == ["projects", "milestones", "progress"]
    assert [c.value for c in book["milestones"][1]][:3] == ["Project code", "Order", "Milestone"]
    assert Path(path).stat().st_size > 0


def test_csv_cells_that_excel_would_run_stay_text_and_import_back(ledger, config, tmp_path):
    from sqlalchemy import update

    from engine.store.models import Project

    evil = '=HYPERLINK("http://example.invalid","点我")'
    with ledger.begin() as conn:
        conn.execute(update(Project).where(Project.code == "HB-001")
                     .values(name=evil, owner_company="@SUM(1+1)"))
    path = tmp_path / "台账.csv"
    export_ledger(ledger, config, path, ALL, lang="zh")
    text = path.read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in text and "'@SUM(1+1)" in text
    assert ",=HYPERLINK" not in text and ',"=HYPERLINK' not in text
    before = snapshot(ledger)
    load(ledger, config, path)
    assert snapshot(ledger) == before
