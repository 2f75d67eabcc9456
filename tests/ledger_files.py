"""Real ledger files for tests: .xlsx workbooks built with openpyxl, CSVs in real encodings."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook

PROJECT_HEADERS = ["项目编号", "项目名称", "建设单位", "责任单位", "所属地区", "项目类别",
                   "建设性质", "项目级别", "总投资（万元）", "年度计划投资", "包保领导", "服务秘书"]
MILESTONE_HEADERS = ["项目编号", "节点名称", "节点类型", "计划开始时间", "计划完成时间",
                     "完成进度", "实际完成时间", "报送日期"]
PROGRESS_HEADERS = ["项目编号", "节点名称", "报送日期", "完成进度", "实际完成时间", "备注",
                    "报送人"]

PROJECTS = [
    ["HB-001", "年产5万吨玉米深加工项目", "龙江农业科技有限公司", "市工信局", "双城区", "产业",
     "新建", "市级", 50000, 20000, "张副市长", "李秘书"],
    ["HB-002", "第二人民医院门诊楼扩建工程", "市第二人民医院", "市卫健委", "南岗区", "医疗卫生",
     "续建", "省级", "1.2亿元", "3000万元", "王副市长", "赵秘书"],
]
MILESTONES = [
    ["HB-001", "开工", "开工", date(2026, 3, 2), date(2026, 10, 31), "60%", None,
     date(2026, 11, 20)],
    ["HB-001", "主体完工", "主体完工", date(2026, 11, 1), date(2027, 6, 30), None, None, None],
    ["HB-002", "施工许可", "施工许可", "2026/3/1", "2026年5月31日", 1, "2026.5.20", "2026-05-20"],
    ["HB-002", "主体完工", "主体完工", "2026-06-01", "2026-12-31", 0.8, None, "2026-11-18"],
]
PROGRESS = [["HB-001", "开工", "2026-11-22", "70%", None, "主体基础施工中", "王工"]]


def workbook(path: Path, sheets: dict[str, Sequence[Sequence[Any]]],
             merges: dict[str, Sequence[str]] | None = None,
             formats: dict[str, dict[str, str]] | None = None) -> Path:
    """A workbook with one sheet per entry (rows as given); merged ranges and number formats."""
    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        ws = book.create_sheet(name)
        for row in rows:
            ws.append(list(row))
        for cells in (merges or {}).get(name, ()):
            ws.merge_cells(cells)
        for cell, fmt in (formats or {}).get(name, {}).items():
            ws[cell].number_format = fmt
    book.save(path)
    return path


def ledger_xlsx(path: Path, *, projects: Sequence[Sequence[Any]] = PROJECTS,
                milestones: Sequence[Sequence[Any]] = MILESTONES,
                progress: Sequence[Sequence[Any]] = PROGRESS) -> Path:
    """A ledger as offices keep it: a merged title and a units line above the projects'
    header, blank rows, a totals row; milestones and progress on their own sheets."""
    return workbook(path, {
        "项目": [["2026年市级重点项目台账"], ["填报单位：市发改委", None, None, None, None, None,
                                       None, None, "单位：万元"], [], PROJECT_HEADERS, *projects,
               [], ["合计", None, None, None, None, None, None, None, 62000]],
        "节点": [MILESTONE_HEADERS, *milestones],
        "进展": [PROGRESS_HEADERS, *progress],
    }, merges={"项目": ["A1:L1"]})


def csv_file(path: Path, rows: Sequence[Sequence[Any]], encoding: str = "utf-8-sig",
             delimiter: str = ",") -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows(
        [["" if x is None else (x.isoformat() if isinstance(x, date) else x) for x in row]
         for row in rows])
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def cells(path: Path, sheet: str) -> list[list[Any]]:
    """Every row of a sheet as values (for comparing exports)."""
    book = load_workbook(path)
    try:
        return [list(r) for r in book[sheet].iter_rows(values_only=True)]
    finally:
        book.close()
