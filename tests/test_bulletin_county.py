"""A county's ledger from DOMAIN.md through `lights import` and into the bulletin's totals.

80 projects of 5 million yuan or more, total 95.94 亿元: 55 new with 39.98, 25
continuing with 55.96; annual plan 47.51. The ledger is written the way a county
office keeps it: a title row, amounts in 万元 for the new projects and in 亿元 for
the continuing ones, a totals row at the bottom.

New: 50 × 7,000 + 5 × 9,960 = 399,800 万元; plans 55 × 4,000 = 220,000.
Continuing: 20 × 2.2 亿 + 5 × 2.392 亿 = 559,600 万元; plans 25 × 1.0204 亿 = 255,100.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from tests.cli_runner import lights
from tests.ledger_files import workbook

HEADERS = ["项目编号", "项目名称", "所属地区", "责任单位", "建设性质", "项目类别", "项目级别",
           "总投资（万元）", "年度计划投资（万元）"]
TOWNS = ["城关镇", "新华镇", "永安乡", "太平镇", "经济开发区"]


def county_rows() -> list[list[object]]:
    rows: list[list[object]] = [["白桦县2026年重点项目台账（500万元以上）"], HEADERS]
    for i in range(55):
        total = 7000 if i < 50 else 9960
        rows.append([f"BH-N{i + 1:02d}", f"新建项目{i + 1}", TOWNS[i % 5], "县发改局", "新建",
                     "产业", "县区级", total, 4000])
    for i in range(25):
        total = "2.2亿元" if i < 20 else "2.392亿元"
        rows.append([f"BH-C{i + 1:02d}", f"续建项目{i + 1}", TOWNS[i % 5], "县住建局", "续建",
                     "基础设施", "县区级", total, "1.0204亿元"])
    rows.append(["合计", None, None, None, None, None, None, 959400, 475100])
    return rows


def test_county_ledger_totals_in_the_bulletin(tmp_path):
    workbook(tmp_path / "白桦县台账.xlsx", {"项目台账": county_rows()})
    assert lights(tmp_path, "init").returncode == 0
    imported = lights(tmp_path, "import", "白桦县台账.xlsx")
    assert imported.returncode == 0, imported.stderr
    # The ledger was entered today: this year's bulletin, as of today, counts it.
    year = str(datetime.now(ZoneInfo("Asia/Shanghai")).year)
    md = lights(tmp_path, "bulletin", "--year", year)
    assert md.returncode == 0, md.stderr
    assert "| 项目数 | 80个（新建55个，续建25个） |" in md.stdout
    assert "| 总投资 | 95.94亿元（新建39.98亿元，续建55.96亿元） |" in md.stdout
    assert "| 年度计划投资 | 47.51亿元 |" in md.stdout
    csv = lights(tmp_path, "bulletin", "--year", year, "--format", "csv")
    rows = {tuple(line.split(",")[:2]): line.split(",") for line in csv.stdout.splitlines()}
    header = csv.stdout.splitlines()[0].split(",")
    pick = [header.index(h) for h in ("项目数", "总投资（亿元）", "年度计划（亿元）")]
    assert [rows[("全部项目", "全部项目")][i] for i in pick] == ["80", "95.94", "47.51"]
    assert [rows[("建设性质", "新建")][i] for i in pick] == ["55", "39.98", "22.00"]
    assert [rows[("建设性质", "续建")][i] for i in pick] == ["25", "55.96", "25.51"]
    assert sum(int(rows[("县（市）区", town)][pick[0]]) for town in TOWNS) == 80


def test_county_investment_columns_in_the_bulletin(tmp_path):
    """The same county's October reconciliation on the ledger's own rows: each new
    project 2,000 万元 completed this year and 1,500 in place, each continuing one
    0.6 亿 and 0.5 亿. Completed 11.00 + 15.00 = 26.00 亿 of a 47.51 亿 plan (54.7%);
    funds 8.25 + 12.50 = 20.75 亿 (43.7%)."""
    rows = county_rows()
    rows[1] = [*HEADERS, "累计完成投资（万元）", "到位资金（万元）"]
    for row in rows[2:-1]:
        row += [2000, 1500] if row[4] == "新建" else ["0.6亿元", "0.5亿元"]
    workbook(tmp_path / "白桦县台账.xlsx", {"项目台账": rows})
    assert lights(tmp_path, "init").returncode == 0
    imported = lights(tmp_path, "import", "白桦县台账.xlsx")
    assert imported.returncode == 0, imported.stderr
    assert "投资报送：新增 80 条" in imported.stdout

    year = str(datetime.now(ZoneInfo("Asia/Shanghai")).year)
    md = lights(tmp_path, "bulletin", "--year", year)
    assert md.returncode == 0, md.stderr
    assert "| 本年累计完成投资 | 26.00亿元（54.7%） |" in md.stdout
    assert "| 到位资金 | 20.75亿元（43.7%） |" in md.stdout
    assert "| 投资完成率 | 54.7% |" in md.stdout and "| 资金到位率 | 43.7% |" in md.stdout
    again = lights(tmp_path, "import", "白桦县台账.xlsx")
    assert "投资报送：新增 0 条（80 条与上次报送相同" in again.stdout


def county_nodes() -> list[list[object]]:
    """The county's start nodes as its June ledger has them. New projects: 30 due to
    start by 05-31 (24 started on 05-20), 25 by 08-31; continuing: 25 due to resume by
    04-15 (20 resumed on 04-10). Start/resume rate on 06-30: (24 + 20) / (30 + 25) = 80%."""
    rows: list[list[object]] = [["项目编号", "节点名称", "节点类型", "计划开始时间",
                                 "计划完成时间", "完成进度", "实际完成时间"]]
    for i in range(55):
        started = date(2026, 5, 20) if i < 24 else None
        rows.append([f"BH-N{i + 1:02d}", "开工", "开工", date(2026, 3, 1),
                     date(2026, 5, 31) if i < 30 else date(2026, 8, 31),
                     "100%" if started else "30%", started])
    for i in range(25):
        resumed = date(2026, 4, 10) if i < 20 else None
        rows.append([f"BH-C{i + 1:02d}", "春季复工", "开工", date(2026, 3, 15),
                     date(2026, 4, 15), "100%" if resumed else "50%", resumed])
    return rows


def test_county_ledger_as_of_june_gives_its_june_bulletin(tmp_path):
    """An office adopting Lights later imports its June ledger as it stood on 06-30:
    the June bulletin has the programme (95.94 = 39.98 + 55.96 亿元, plan 47.51) and its
    start/resume rate, with the lights of 06-30 (not of today)."""
    workbook(tmp_path / "白桦县台账.xlsx", {"项目台账": county_rows(), "节点": county_nodes()})
    assert lights(tmp_path, "init").returncode == 0
    imported = lights(tmp_path, "import", "白桦县台账.xlsx", "--as-of", "2026-06-30")
    assert imported.returncode == 0, imported.stderr
    assert "灯按 2026年6月30日 评估" in imported.stdout
    md = lights(tmp_path, "bulletin", "--month", "2026年6月")
    assert md.returncode == 0, md.stderr
    assert "2026年6月　数据截至2026年6月30日" in md.stdout
    assert "| 总投资 | 95.94亿元（新建39.98亿元，续建55.96亿元） |" in md.stdout
    assert "| 年度计划投资 | 47.51亿元 |" in md.stdout
    assert "| 开复工率 | 80.0% | — | — |" in md.stdout
    assert "计划开复工项目55个，已开复工44个，开复工率80.0%。" in md.stdout
    assert "目前红灯节点11个" in md.stdout  # 6 new and 5 continuing late, as of 06-30
    assert "尚无红黄绿灯评估记录" not in md.stdout
    # One town's bulletin, as a 公文 in Word.
    docx = lights(tmp_path, "bulletin", "--month", "2026-06", "--region", "城关镇",
                  "--out", "城关镇6月.docx")
    assert docx.returncode == 0, docx.stderr
    from docx import Document

    text = "\n".join(p.text for p in Document(str(tmp_path / "城关镇6月.docx")).paragraphs)
    assert "截至2026年6月30日，城关镇纳入调度的重点项目16个（新建11个、续建5个）" in text
