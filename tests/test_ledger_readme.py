"""The ledger format the README shows is a ledger that imports."""

from __future__ import annotations

from pathlib import Path

from tests.ledger_files import workbook
from tests.test_ledger_import import load, milestone, project

README = Path(__file__).resolve().parent.parent / "README.md"


def _tables() -> dict[str, list[list[str]]]:
    """The example tables of the README's ledger section, by the sheet name before each."""
    text = README.read_text(encoding="utf-8")
    section = text.split("<!-- section: ledger -->", 1)[1].split("<!-- section:", 1)[0]
    tables: dict[str, list[list[str]]] = {}
    name = None
    for line in section.splitlines():
        if line.startswith(("项目 (projects)", "节点 (milestones)", "进展 (progress)")):
            name = line.split(" ", 1)[0]
            tables[name] = []
        elif name and line.startswith("|") and not line.startswith("| ---"):
            tables[name].append([cell.strip() or None for cell in line.strip("|").split("|")])
        elif name and tables[name] and not line.startswith("|"):
            name = None
    return tables


def test_the_readme_example_imports(engine, config, tmp_path):
    tables = _tables()
    assert set(tables) == {"项目", "节点", "进展"}
    summary = load(engine, config, workbook(tmp_path / "readme.xlsx", tables))
    assert summary.projects["new"] == 2 and summary.milestones["new"] == 3
    assert project(engine, "HB-002").total_investment == 12000
    assert milestone(engine, "HB-001", "开工").percent == 70.0
    assert milestone(engine, "HB-002", "施工许可").state == "done"
