"""The .xlsx reader (calamine, and the cells whose number format or error it adds back):
a workbook reads as Excel shows it, whichever way it is read."""

from __future__ import annotations

import re
import zipfile
from datetime import date, datetime
from pathlib import Path

from engine.config import load_config
from engine.ledger.problems import shown
from engine.ledger.validate import Ledger, read_ledger
from tests.ledger_files import MILESTONE_HEADERS, PROJECT_HEADERS, PROJECTS, workbook

TODAY = date(2026, 11, 23)


def _ledger(path: Path) -> Ledger:
    return read_ledger([path], load_config(env={}), "zh", TODAY)


def _formatted(path: Path) -> Path:
    """Cells whose format or error changes how they read: percent cells (one above
    100%), a month typed into a date cell, 2026.10 shown with two decimals, an error."""
    return workbook(path, {
        "项目": [PROJECT_HEADERS, *PROJECTS, [1001, "编号是数字的项目", "某公司", "市发改委",
                                             "南岗区", "产业", "新建", "市级", 10, 5, "张", "李"]],
        "节点": [MILESTONE_HEADERS,
               ["HB-001", "开工", "开工", "2026-03", "2026-10-31", 0.25],
               ["HB-001", "主体完工", "主体完工", "2026-11", datetime(2027, 6, 1), 1.5],
               ["HB-002", "施工许可", "施工许可", "2026-03", 2026.1, "#DIV/0!"],
               [1001, "竣工", "竣工", "2027-01", "2027-10-31", 40]]},
        formats={"节点": {"F2": "0%", "F3": "0.0%", "E3": 'yyyy"年"m"月"', "E4": "0.00",
                        "F4": "0%"}})


def test_cells_read_as_excel_shows_them(tmp_path):
    ledger = _ledger(_formatted(tmp_path / "台账.xlsx"))

    progress = {(r.code, r.name): r.get("percent") for r in ledger.reports}
    assert progress == {("HB-001", "开工"): 25.0, ("1001", "竣工"): 40.0}
    assert ledger.milestones[("HB-001", "主体完工")].get("planned_date") == date(2027, 6, 30)
    assert ledger.milestones[("HB-002", "施工许可")].get("planned_date") == date(2026, 10, 31)
    assert [p.text("zh") for p in ledger.problems] == [
        "台账.xlsx「节点」 第3行 F列「完成进度」 “1.5”：进度 150% 超过 100%",
        "台账.xlsx「节点」 第4行 F列「完成进度」 “#DIV/0!”：不是百分比（可写 60、60% 或 0.6）"]


def test_a_workbook_without_cell_addresses_reads_the_same(tmp_path):
    """Some writers leave out each cell's address (r="F3"): the scan for formats cannot
    place a cell then, and openpyxl reads the workbook instead, to the same ledger."""
    plain = _formatted(tmp_path / "台账.xlsx")
    bare = tmp_path / "bare" / "台账.xlsx"
    bare.parent.mkdir()
    with zipfile.ZipFile(plain) as zin, zipfile.ZipFile(bare, "w") as zout:
        for name in zin.namelist():
            data = zin.read(name)
            if name.startswith("xl/worksheets/"):
                data = re.sub(rb'(<c) r="[A-Z]+[0-9]+"', rb"\1", data)
            zout.writestr(name, data)
    assert b' r="F3"' not in zipfile.ZipFile(bare).read("xl/worksheets/sheet2.xml")

    read, again = _ledger(plain), _ledger(bare)

    def seen(ledger: Ledger) -> dict[tuple[str, str], dict[str, tuple[object, str]]]:
        return {key: {c: (cell.value, shown(cell.raw)) for c, cell in m.values.items()}
                for key, m in ledger.milestones.items()}
    assert seen(again) == seen(read)
    assert [p.text("zh") for p in again.problems] == [p.text("zh") for p in read.problems]
