"""Importing ledgers into real databases (a SQLite file and PostgreSQL): upsert, re-plan,
progress, every problem at once, nothing half-written."""

from __future__ import annotations

import zipfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from engine import actions
from engine.config import load_config
from engine.ledger import excel, read
from engine.ledger.load import ImportSummary, import_ledger
from engine.ledger.problems import LedgerInvalid
from engine.ledger.validate import read_ledger
from engine.store.tables import IR, REPORTS, M, P, T
from tests.ledger_files import (
    MILESTONE_HEADERS,
    MILESTONES,
    PROGRESS,
    PROGRESS_HEADERS,
    PROJECT_HEADERS,
    PROJECTS,
    csv_file,
    ledger_xlsx,
    workbook,
)

AS_OF = TODAY = date(2026, 11, 23)


def load(engine, config, *paths: Path, **options: Any) -> ImportSummary:
    ledger = read_ledger(list(paths), config, options.pop("lang", "zh"), TODAY)
    return import_ledger(engine, config, ledger, lang="zh", today=TODAY, as_of=AS_OF,
                         **options)


def problems(engine, config, *paths: Path, lang: str = "zh") -> list[Any]:
    with pytest.raises(LedgerInvalid) as caught:
        load(engine, config, *paths, lang=lang)
    return caught.value.problems


def snapshot(engine) -> dict[str, list[tuple]]:
    """Every row of every table the import writes, in id order."""
    with engine.connect() as conn:
        return {t.name: [tuple(r) for r in conn.execute(select(t).order_by(t.c.id))]
                for t in (P, M, REPORTS, T)}


def milestone(engine, code: str, name: str) -> Any:
    with engine.connect() as conn:
        return conn.execute(select(M).join(P).where(P.c.code == code, M.c.name == name)).one()


def project(engine, code: str) -> Any:
    with engine.connect() as conn:
        return conn.execute(select(P).where(P.c.code == code)).one()


def moves_of(engine, code: str, name: str) -> list[Any]:
    mid = milestone(engine, code, name).id
    with engine.connect() as conn:
        return conn.execute(select(T).where(T.c.milestone_id == mid).order_by(T.c.id)).all()


def reports_of(engine, code: str, name: str) -> list[Any]:
    mid = milestone(engine, code, name).id
    with engine.connect() as conn:
        return conn.execute(select(REPORTS).where(REPORTS.c.milestone_id == mid)
                            .order_by(REPORTS.c.id)).all()


# -- a ledger as offices keep it ---------------------------------------------------------------
def test_a_ledger_as_offices_keep_it_is_imported_and_lit(engine, config, tmp_path):
    summary = load(engine, config, ledger_xlsx(tmp_path / "台账.xlsx"), actor="市发改委")

    assert summary.projects == {"new": 2, "updated": 0, "same": 0}
    assert summary.milestones == {"new": 4, "updated": 0, "replanned": 0, "same": 0}
    assert summary.reports == {"new": 4, "dup": 0}
    hospital = project(engine, "HB-002")
    assert (hospital.name, hospital.region, hospital.department, hospital.level,
            hospital.category, hospital.nature) == (
        "第二人民医院门诊楼扩建工程", "南岗区", "市卫健委", "provincial", "health", "continuing")
    assert hospital.total_investment == Decimal("12000.00")  # 1.2亿元
    assert hospital.annual_plan == Decimal("3000.00")
    assert project(engine, "HB-001").category == "industrial"

    start = milestone(engine, "HB-001", "开工")
    assert (start.kind, start.planned_start, start.planned_date, start.baseline_date) == \
        ("start", date(2026, 3, 2), date(2026, 10, 31), date(2026, 10, 31))
    # The milestone row's 60% (reported 11-20) and the progress row's 70% (11-22).
    assert [(r.report_date, r.percent) for r in reports_of(engine, "HB-001", "开工")] == \
        [(date(2026, 11, 20), 60.0), (date(2026, 11, 22), 70.0)]
    assert (start.percent, start.last_report_date) == (70.0, date(2026, 11, 22))
    assert start.state == "red" and start.reason.startswith("计划2026年10月31日完成，已逾期23天")
    permit = milestone(engine, "HB-002", "施工许可")
    assert (permit.percent, permit.actual_date, permit.state) == (100.0, date(2026, 5, 20), "done")
    assert milestone(engine, "HB-002", "主体完工").percent == 80.0  # 0.8 is 80%
    assert [m.trigger for m in moves_of(engine, "HB-001", "开工")] == ["miss"]
    assert moves_of(engine, "HB-001", "开工")[0].actor == "市发改委"
    assert {(m.project, m.milestone, m.to_state) for m in summary.moves} >= {
        ("HB-001", "开工", "red"), ("HB-002", "施工许可", "done")}


def test_importing_the_same_file_twice_changes_nothing(engine, config, tmp_path):
    path = ledger_xlsx(tmp_path / "台账.xlsx")
    load(engine, config, path)
    before = snapshot(engine)

    again = load(engine, config, path)

    assert snapshot(engine) == before
    assert again.projects == {"new": 0, "updated": 0, "same": 2}
    assert again.milestones == {"new": 0, "updated": 0, "replanned": 0, "same": 4}
    # The progress row and the milestone row's 60% of 11-20 (no longer the latest) are
    # both stored already: neither is added again.
    assert again.reports == {"new": 0, "dup": 2}
    assert again.moves == [] and again.changes == []


def test_a_changed_planned_date_is_a_replan_with_the_baseline_kept(engine, config, tmp_path):
    load(engine, config, ledger_xlsx(tmp_path / "台账.xlsx"))
    moved = [list(row) for row in MILESTONES]
    moved[0][4] = "2027年6月30日"
    changed = ledger_xlsx(tmp_path / "台账-调整.xlsx", milestones=moved)

    summary = load(engine, config, changed, actor="李主任")

    assert summary.milestones["replanned"] == 1 and summary.milestones["updated"] == 1
    start = milestone(engine, "HB-001", "开工")
    assert (start.planned_date, start.baseline_date) == (date(2027, 6, 30), date(2026, 10, 31))
    assert start.state != "red"
    trail = moves_of(engine, "HB-001", "开工")
    assert [m.trigger for m in trail][:2] == ["miss", "replan"]
    replan = trail[1]
    assert replan.reason == "由台账 台账-调整.xlsx 导入" and replan.actor == "李主任"
    assert replan.numbers == [{"rule": "manual:replan",
                               "numbers": {"old_date": "2026-10-31", "new_date": "2027-06-30"}}]
    assert trail[-1].to_state == start.state  # lit again at once
    assert ("HB-001", "开工", "red") in {(m.project, m.milestone, m.from_state)
                                        for m in summary.moves}
    before = snapshot(engine)
    load(engine, config, changed)
    assert snapshot(engine) == before


def test_the_import_names_the_calendar_years_it_had_to_estimate(engine, config, tmp_path):
    """A node planned in a year the official calendar does not cover yet is lit with
    estimated working days, and the import says so, as the nightly run does."""
    late = [list(row) for row in MILESTONES]
    late[1][4] = "2030年6月30日"
    summary = load(engine, config, ledger_xlsx(tmp_path / "台账.xlsx", milestones=late))
    said = [w for w in summary.warnings if "2030" in w]
    assert len(said) == 1 and "估算" in said[0], summary.warnings


def test_english_reasons_when_configured_in_english(engine, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    english = load_config(env={"LIGHTS_LANG": "en"})
    load(engine, english, ledger_xlsx(tmp_path / "a.xlsx"))
    moved = [list(row) for row in MILESTONES]
    moved[0][4] = date(2026, 12, 31)
    load(engine, english, ledger_xlsx(tmp_path / "b.xlsx", milestones=moved))
    assert moves_of(engine, "HB-001", "开工")[1].reason == "imported from b.xlsx"


def test_a_suspended_milestone_is_not_replanned_by_a_ledger(engine, config, tmp_path):
    load(engine, config, ledger_xlsx(tmp_path / "台账.xlsx"))
    actions.suspend(engine, config, "HB-001/开工", reason="资金未到位")
    before = snapshot(engine)
    moved = [list(row) for row in MILESTONES]
    moved[0][4] = date(2026, 12, 31)

    found = problems(engine, config, ledger_xlsx(tmp_path / "台账2.xlsx", milestones=moved))

    assert [(p.where.sheet, p.where.row, p.where.letter, p.why) for p in found] == [
        ("节点", 2, "E", "replan_refused")]
    assert "节点状态为“暂停”，不能调整计划" in found[0].text("zh")
    assert snapshot(engine) == before


def test_progress_rows_are_reports_and_move_the_milestone(engine, config, tmp_path):
    load(engine, config, ledger_xlsx(tmp_path / "台账.xlsx"))
    path = workbook(tmp_path / "进展11月.xlsx", {"进展": [
        PROGRESS_HEADERS,
        ["HB-001", "开工", "2026-11-21", None, "2026-11-21", "已开工", "王工"],
        ["HB-001", "开工", "2026-11-01", "65%", None, "补报", "王工"],  # older: kept, not current
        ["HB-002", "主体完工", "2026-11-23", "85", None, None, None],
    ]})

    summary = load(engine, config, path)

    assert summary.reports == {"new": 3, "dup": 0}
    assert summary.milestones["updated"] == 2
    start = milestone(engine, "HB-001", "开工")
    assert (start.percent, start.actual_date, start.state) == (100.0, date(2026, 11, 21),
                                                               "done_late")
    reports = reports_of(engine, "HB-001", "开工")
    assert {(r.report_date, r.percent, r.completed_on, r.note) for r in reports} >= {
        (date(2026, 11, 21), 100.0, date(2026, 11, 21), "已开工"),
        (date(2026, 11, 1), 65.0, None, "补报")}
    assert start.last_report_date == date(2026, 11, 22)  # the newest report still wins
    wing = milestone(engine, "HB-002", "主体完工")
    assert (wing.percent, wing.last_report_date) == (85.0, date(2026, 11, 23))


def test_dry_run_reports_what_would_change_and_writes_nothing(engine, config, tmp_path):
    load(engine, config, ledger_xlsx(tmp_path / "台账.xlsx"))
    before = snapshot(engine)
    moved = [list(row) for row in MILESTONES]
    moved[0][4] = date(2027, 6, 30)
    projects = [list(row) for row in PROJECTS]
    projects[0][10] = "刘副市长"

    summary = load(engine, config, ledger_xlsx(tmp_path / "b.xlsx", projects=projects,
                                               milestones=moved), dry_run=True)

    assert snapshot(engine) == before
    assert summary.dry_run and summary.milestones["replanned"] == 1
    assert summary.projects["updated"] == 1
    lines = summary.change_lines("zh")
    assert "项目 HB-001：包保领导 张副市长 → 刘副市长" in lines
    assert "调整计划 HB-001/开工：2026-10-31 → 2027-06-30" in lines
    assert any(m.milestone == "开工" and m.from_state == "red" for m in summary.moves)


# -- every problem at once -----------------------------------------------------------------------
def test_every_problem_is_reported_at_once_and_nothing_is_written(engine, tmp_path,
                                                                   monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = load_config(env={}, overrides={("ledger", "regions"): ["双城区", "南岗区"]})
    load(engine, config, ledger_xlsx(tmp_path / "台账.xlsx"))
    before = snapshot(engine)
    bad = workbook(tmp_path / "有错的台账.xlsx", {
        "项目": [
            PROJECT_HEADERS,
            ["HB-003", "新区污水处理厂", "", "市住建局", "松北区", "基础设施", "新建", "市级",
             "-500"],
            ["HB-003", "新区污水处理厂", "", "市住建局", "南岗区"],
            ["HB-004", None, "", "市住建局", "南岗区"],
            ["HB-005", "冷链物流园", "", "市商务局", "双城区", "服务业", "新建", "国家级", 5000,
             9000],
        ],
        "节点": [
            MILESTONE_HEADERS,
            ["HB-001", "开工", "开工", "2026-10-01", "2026-03-01"],
            ["HB-001", "竣工", "竣工", None, "2026-13-01"],
            ["HB-001", "设备安装", "设备安装", None, "2027-03-01", "120"],
            ["HB-009", "开工", "开工", None, "2027-03-01"],
            ["HB-001", "开工", "开工", None, "2026-10-31"],
            ["HB-001", "投产", "开盘", None, "2027-10-01"],
            ["HB-001", "达效"],
            ["HB-001", "入统", "入统", None, "2026-12-31", None, "2026-12-25"],
        ],
        "进展": [
            PROGRESS_HEADERS,
            ["HB-001", "不存在的节点", "2026-11-20", "50%"],
            ["HB-001", "开工", "2026-11-20"],
        ],
    })

    found = problems(engine, config, bad)

    assert [(p.where.sheet, p.where.row, p.where.letter, p.why, p.value) for p in found] == [
        ("节点", 2, "E", "start_after_date", "2026-03-01"),
        ("节点", 3, "E", "date", "2026-13-01"),
        ("节点", 4, "F", "percent_over", "120"),
        ("节点", 5, "A", "no_project", "HB-009"),
        ("节点", 6, "B", "duplicate_milestone", "开工"),
        ("节点", 7, "C", "choice", "开盘"),
        ("节点", 8, "E", "required_new_milestone", None),
        ("节点", 9, "G", "future", "2026-12-25"),
        ("进展", 2, "B", "no_milestone", "不存在的节点"),
        ("进展", 3, None, "no_progress", None),
        ("项目", 2, "E", "region", "松北区"),
        ("项目", 2, "I", "negative", "-500"),
        ("项目", 3, "A", "duplicate_project", "HB-003"),
        ("项目", 4, "B", "required_new_project", None),
        ("项目", 5, "H", "choice", "国家级"),
        ("项目", 5, "J", "annual_over_total", 9000),
    ]
    assert all(p.where.file == "有错的台账.xlsx" for p in found)
    text = [p.text("zh") for p in found]
    assert "有错的台账.xlsx「节点」 第2行 E列「计划完成时间」 “2026-03-01”：" \
           "计划完成时间早于计划开始时间 2026-10-01" in text
    assert "有错的台账.xlsx「项目」 第3行 A列「项目编号」 “HB-003”：" \
           "项目编号重复：「项目」第2行已有" in text
    assert "有错的台账.xlsx「节点」 第5行 A列「项目编号」 “HB-009”：项目 HB-009 既不在本文件中，" \
           "也不在数据库中" in text
    assert "有错的台账.xlsx「项目」 第2行 E列「所属地区」 “松北区”：不是已配置的地区" \
           "（config.yaml 的 ledger.regions）：双城区、南岗区" in text
    assert "有错的台账.xlsx「节点」 第6行 B列「节点名称」 “开工”：节点重复：项目 HB-001 的“开工”" \
           "「节点」第2行已有" in text
    english = [p.text("en") for p in found]
    assert "有错的台账.xlsx, sheet 节点, row 4, column F (完成进度), “120”: progress 120% " \
           "is over 100%" in english
    assert snapshot(engine) == before  # nothing half-written


def test_missing_columns_and_unreadable_files(engine, config, tmp_path):
    no_date_column = workbook(tmp_path / "a.xlsx", {"进展": [["项目编号", "节点名称", "完成进度"],
                                                           ["HB-001", "开工", "60"]]})
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0 not really")
    (tmp_path / "broken.xlsx").write_text("not a zip", encoding="utf-8")
    (tmp_path / "latin.csv").write_bytes(b"\xff\xfe\xfa header\n")
    nothing = workbook(tmp_path / "nothing.xlsx", {"Sheet1": [["联系人", "电话"], ["张三", "1"]]})

    found = problems(engine, config, no_date_column, tmp_path / "old.xls",
                     tmp_path / "broken.xlsx", tmp_path / "latin.csv", nothing)

    assert sorted((p.where.file, p.why) for p in found) == [
        ("a.xlsx", "missing_column"), ("broken.xlsx", "excel"), ("latin.csv", "encoding"),
        ("nothing.xlsx", "no_sheet"), ("old.xls", "xls")]
    missing = next(p for p in found if p.why == "missing_column")
    assert missing.text("zh") == "a.xlsx「进展」 第1行 —列「报送日期」：缺少此列"


def test_a_damaged_workbook_is_a_problem_not_a_crash(engine, config, tmp_path):
    good = ledger_xlsx(tmp_path / "good.xlsx")
    damaged = tmp_path / "damaged.xlsx"
    with zipfile.ZipFile(good) as zin, zipfile.ZipFile(damaged, "w") as zout:
        for name in zin.namelist():
            data = zin.read(name)
            if name == "xl/worksheets/sheet2.xml":
                data = data[: len(data) // 2]  # cut off mid-row, as a broken download is
            zout.writestr(name, data)
    found = problems(engine, config, damaged)
    assert [(p.where.file, p.why) for p in found] == [("damaged.xlsx", "excel")]


def test_a_workbook_with_xml_entities_is_refused(engine, config, tmp_path):
    """Entity expansion is how an XML bomb works; ledgers come from outside."""
    good = ledger_xlsx(tmp_path / "good.xlsx")
    bomb = tmp_path / "bomb.xlsx"
    laughs = ('<!DOCTYPE w [<!ENTITY a "哈哈哈哈哈哈哈哈"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
              '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]>')
    with zipfile.ZipFile(good) as zin, zipfile.ZipFile(bomb, "w") as zout:
        for name in zin.namelist():
            data = zin.read(name).decode("utf-8")
            if name == "xl/worksheets/sheet2.xml":
                data = laughs + data.replace("开工</t>", "&c;</t>", 1)
            zout.writestr(name, data)
    found = problems(engine, config, bomb)
    assert [(p.where.file, p.why) for p in found] == [("bomb.xlsx", "excel")]


def _with_parts(good: Path, path: Path, parts: dict[str, bytes], level: int = 6) -> Path:
    """The good workbook with more parts added, deflated (zeros shrink 200 to 1000 times)."""
    with zipfile.ZipFile(good) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED,
                                                       compresslevel=level) as zout:
        for name in zin.namelist():
            zout.writestr(name, zin.read(name))
        for name, data in parts.items():
            zout.writestr(name, data)
    return path


def _never_opened(monkeypatch) -> None:
    def refuse(*_args: Any, **_kwargs: Any) -> None:
        raise AssertionError("a zip bomb was opened")
    monkeypatch.setattr(excel, "scan", refuse)  # the first to open a workbook's parts
    monkeypatch.setattr(excel, "open_book", refuse)  # calamine
    monkeypatch.setattr(read, "load_workbook", refuse)  # openpyxl


def test_a_zip_bomb_is_refused_before_it_is_opened(engine, config, tmp_path, monkeypatch):
    """A small file with a part of 16 MB of zeros (over RATIO_FROM_MB, deflated ~1000:1):
    a sheet never shrinks like that."""
    load(engine, config, ledger_xlsx(tmp_path / "台账.xlsx"))
    before = snapshot(engine)
    bomb = _with_parts(ledger_xlsx(tmp_path / "good.xlsx"), tmp_path / "bomb.xlsx",
                       {"xl/media/image1.png": bytes(16 * 1024 * 1024)})
    assert bomb.stat().st_size < 200_000
    part = zipfile.ZipFile(bomb).getinfo("xl/media/image1.png")
    ratio = part.file_size // part.compress_size
    assert part.file_size > read.RATIO_FROM_MB * 1024 * 1024  # a part whose ratio is looked at
    _never_opened(monkeypatch)

    found = problems(engine, config, bomb)

    assert [(p.where.file, p.where.sheet, p.why) for p in found] == [
        ("bomb.xlsx", None, "zip_ratio")]
    assert found[0].text("zh") == f"bomb.xlsx：其中 xl/media/image1.png 压缩比 {ratio}:1，" \
                                  "超过 200:1，未打开（可能是压缩炸弹）"
    assert found[0].text("en") == f"bomb.xlsx: its part xl/media/image1.png is compressed " \
                                  f"{ratio}:1, over 200:1; not opened (it may be a zip bomb)"
    assert snapshot(engine) == before


def test_a_csv_too_large_to_read_is_refused_unread(engine, config, tmp_path):
    huge = tmp_path / "全市.csv"
    with huge.open("wb") as out:  # sparse: 201 MB on paper, nothing on the disk
        out.truncate((read.MAX_CSV_MB + 1) * 1024 * 1024)
    found = problems(engine, config, huge)
    assert [(p.where.file, p.why) for p in found] == [("全市.csv", "csv_size")]
    assert found[0].text("zh") == "全市.csv：文件共 201 MB，超过上限 200 MB，未读取" \
                                  "（请按地区或部门分成几个文件）"


@pytest.fixture(scope="module")
def oversized(tmp_path_factory) -> tuple[Path, Path]:
    """Many parts, each under the size at which its ratio is looked at, 513 MB in all; and
    too many parts. Deflating 513 MB takes seconds: written once, read on both databases."""
    tmp_path = tmp_path_factory.mktemp("oversized")
    zeros = bytes(9 * 1024 * 1024)
    big = _with_parts(ledger_xlsx(tmp_path / "good.xlsx"), tmp_path / "big.xlsx",
                      {f"xl/media/image{i}.png": zeros for i in range(57)}, level=1)
    many = _with_parts(ledger_xlsx(tmp_path / "good.xlsx"), tmp_path / "many.xlsx",
                       {f"xl/media/image{i}.png": b"" for i in range(read.MAX_MEMBERS)})
    return big, many


def test_a_workbook_that_unpacks_to_too_much_is_refused(engine, config, oversized, monkeypatch):
    """Many parts, each under the size at which its ratio is looked at, 513 MB in all."""
    big, many = oversized
    _never_opened(monkeypatch)

    found = problems(engine, config, big, many, lang="en")

    assert [(p.where.file, p.why) for p in found] == [("big.xlsx", "zip_size"),
                                                     ("many.xlsx", "zip_members")]
    assert found[0].text("zh") == "big.xlsx：解压后共 513 MB，超过上限 500 MB，" \
                                  "未打开（可能是压缩炸弹）"
    parts = len(zipfile.ZipFile(many).infolist())
    assert found[1].text("en") == f"many.xlsx: holds {parts} files, over the limit of 10000; " \
                                  "not opened"
    assert snapshot(engine)["project"] == []


# -- files and sheets as they come -------------------------------------------------------------
@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030", "utf-8"])
def test_csv_files_in_the_encodings_excel_writes(engine, config, tmp_path, encoding):
    files = [csv_file(tmp_path / "项目.csv", [PROJECT_HEADERS, *PROJECTS], encoding),
             csv_file(tmp_path / "节点.csv", [MILESTONE_HEADERS, *MILESTONES], encoding),
             csv_file(tmp_path / "进展.csv", [PROGRESS_HEADERS, *PROGRESS], encoding)]
    if encoding == "gb18030":
        assert b"\xef\xbb\xbf" not in files[0].read_bytes()[:3]
        with pytest.raises(UnicodeDecodeError):
            files[0].read_bytes().decode("utf-8")

    summary = load(engine, config, *files)

    assert summary.projects["new"] == 2 and summary.milestones["new"] == 4
    assert project(engine, "HB-002").total_investment == Decimal("12000.00")
    assert milestone(engine, "HB-001", "开工").percent == 70.0


def test_tab_separated_csv_named_by_its_headers(engine, config, tmp_path):
    path = csv_file(tmp_path / "export-1.csv", [PROJECT_HEADERS, *PROJECTS], delimiter="\t")
    assert load(engine, config, path).projects["new"] == 2


def test_a_flat_ledger_with_project_cells_merged_down_its_milestones(engine, config, tmp_path):
    header = ["序号", "项目编号", "项目名称", "所属地区", "责任单位", "节点名称", "计划完成时间",
              "形象进度"]
    path = workbook(tmp_path / "flat.xlsx", {"2026年重点项目": [
        ["2026年重点项目推进台账"],
        header,
        [1, "HB-001", "玉米深加工", "双城区", "市工信局", "开工", "2026-10-31", "60%"],
        [None, None, None, None, None, "主体完工", "2027-06-30", None],
        [None, None, None, None, None, None, None, None],
        [2, "HB-002", "医院门诊楼", "南岗区", "市卫健委", "施工许可", "2026-05-31", "100%"],
        [3, "HB-003", "物流园", "南岗区", "市商务局"],  # a project with no milestone yet
    ]}, merges={"2026年重点项目": ["A1:H1", "A3:A4", "B3:B4", "C3:C4", "D3:D4", "E3:E4"]})

    summary = load(engine, config, path)

    assert summary.projects["new"] == 3 and summary.milestones["new"] == 3
    assert milestone(engine, "HB-001", "主体完工").planned_date == date(2027, 6, 30)
    assert project(engine, "HB-003").department == "市商务局"


def test_a_flat_ledger_must_agree_with_itself_about_a_project(engine, config, tmp_path):
    header = ["项目编号", "项目名称", "所属地区", "责任单位", "节点名称", "计划完成时间"]
    path = workbook(tmp_path / "flat.xlsx", {"节点": [
        header,
        ["HB-001", "玉米深加工", "双城区", "市工信局", "开工", "2026-10-31"],
        ["HB-001", "玉米深加工项目", "双城区", "市工信局", "竣工", "2027-10-31"],
    ]})
    found = problems(engine, config, path)
    assert [(p.where.row, p.where.letter, p.why) for p in found] == [(3, "B", "conflict")]
    assert found[0].text("zh").endswith("与「节点」第2行的“玉米深加工”不一致")


def test_local_header_variants_from_the_configuration(engine, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "config.yaml").write_text(
        "ledger:\n  header_aliases:\n    项目编号: [统一编号]\n    planned_date: [节点时限]\n",
        encoding="utf-8")
    config = load_config(tmp_path / "config.yaml", env={})
    path = workbook(tmp_path / "local.xlsx", {
        "项目": [["统一编号", "项目名称", "属地", "牵头单位"],
               ["HB-001", "玉米深加工", "双城区", "市工信局"]],
        "节点": [["统一编号", "节点任务", "节点时限"], ["HB-001", "开工", "2026-10-31"]],
    })
    summary = load(engine, config, path)
    assert summary.milestones["new"] == 1
    assert milestone(engine, "HB-001", "开工").planned_date == date(2026, 10, 31)


def test_english_headers_and_values(engine, config, tmp_path):
    path = workbook(tmp_path / "en.xlsx", {
        "projects": [["Project code", "Project name", "Region", "Responsible department",
                      "Category", "Level", "Nature", "Total investment (100m yuan)"],
                     ["HB-001", "Corn processing", "Shuangcheng", "Industry bureau",
                      "industrial", "Provincial", "continuing", 2.5]],
        "milestones": [["Project code", "Milestone", "Kind", "Planned date", "Progress (%)"],
                       ["HB-001", "Start", "Start of works", "2026/10/31", "0.6"]],
    })
    load(engine, config, path)
    corn = project(engine, "HB-001")
    assert (corn.level, corn.nature, corn.total_investment) == ("provincial", "continuing",
                                                                Decimal("25000.00"))
    start = milestone(engine, "HB-001", "Start")
    assert (start.kind, start.percent) == ("start", 60.0)


def test_excel_cells_of_every_kind(engine, config, tmp_path):
    """Excel date cells, percent-formatted cells, numbers stored as text, full-width text."""
    path = workbook(tmp_path / "cells.xlsx", {"节点": [
        ["项目编号", "项目名称", "所属地区", "责任单位", "节点名称", "计划完成时间", "完成进度",
         "报送日期"],
        ["ＨＢ－００１", " 玉米深加工 ", "双城区", "市工信局", "开工", date(2026, 10, 31), 0.625,
         46346],
        ["HB-001", None, None, None, "竣工", "２０２７年９月３０日", "８０％", "2026. 11. 20"],
    ]}, formats={"节点": {"G2": "0.0%"}})
    load(engine, config, path)
    start = milestone(engine, "HB-001", "开工")
    assert (start.planned_date, start.percent, start.last_report_date) == (
        date(2026, 10, 31), 62.5, date(2026, 11, 20))
    assert project(engine, "HB-001").name == "玉米深加工"
    done = milestone(engine, "HB-001", "竣工")
    assert (done.planned_date, done.percent) == (date(2027, 9, 30), 80.0)


def test_a_ledger_of_more_than_a_thousand_milestones(engine, config, tmp_path):
    """Past ANALYZE_AFTER new rows PostgreSQL's statistics are refreshed mid-transaction.
    In CSV files: openpyxl would take two thirds of the time reading 1,200 rows."""
    rows = [[f"P{i // 10:03d}", f"节点{i % 10}", None, "2026-03-01", "2026-12-31", "50%", None,
             "2026-11-20"] for i in range(1200)]
    projects = [[f"P{p:03d}", f"项目{p}", "", "市发改委", "南岗区"] for p in range(120)]
    paths = [csv_file(tmp_path / "项目.csv", [PROJECT_HEADERS, *projects]),
             csv_file(tmp_path / "节点.csv", [MILESTONE_HEADERS, *rows])]
    summary = load(engine, config, *paths)
    assert summary.milestones["new"] == 1200 and summary.projects["new"] == 120
    assert len(summary.moves) == 1200
    before = snapshot(engine)
    assert load(engine, config, *paths).milestones["same"] == 1200
    assert snapshot(engine) == before


# -- planned dates given as months ---------------------------------------------------------------
def test_planned_dates_given_as_months_read_as_the_months_end(engine, config, tmp_path):
    """时间节点 is a deadline: 2026年10月 means by the end of October; a start, its 1st."""
    path = workbook(tmp_path / "节点台账.xlsx", {
        "项目": [PROJECT_HEADERS, *PROJECTS],
        "节点": [MILESTONE_HEADERS,
               ["HB-001", "开工", "开工", "2026-03", "2026年10月"],
               ["HB-001", "主体完工", "主体完工", "2026年11月", 2027.06],   # a number cell
               ["HB-002", "施工许可", "施工许可", None, 2026.1],          # shown as 2026.10
               ["HB-002", "竣工", "竣工", None, datetime(2027, 12, 1)]]},  # typed 2027年12月
        formats={"节点": {"E4": "0.00", "E5": 'yyyy"年"m"月"'}})

    summary = load(engine, config, path)

    start = milestone(engine, "HB-001", "开工")
    assert (start.planned_start, start.planned_date, start.baseline_date) == (
        date(2026, 3, 1), date(2026, 10, 31), date(2026, 10, 31))
    works = milestone(engine, "HB-001", "主体完工")
    assert (works.planned_start, works.planned_date) == (date(2026, 11, 1), date(2027, 6, 30))
    assert milestone(engine, "HB-002", "施工许可").planned_date == date(2026, 10, 31)
    # Excel stores 2027年12月 typed into a date cell as its 1st and shows 2027年12月: the
    # person sees, and means, the month.
    assert milestone(engine, "HB-002", "竣工").planned_date == date(2027, 12, 31)
    assert summary.warnings == [
        "节点台账.xlsx「节点」 有 6 个计划时间只写了年月（或旬、季度、年底），"
        "已按该期间最后一天读取（计划开始时间按第一天）",
        # nodes due in 2027, a year the official calendar does not cover yet
        "2027年的官方节假日安排尚未发布：这些年份的工作日按预测的法定节假日估算，不含调休"]
    english = read_ledger([path], config, "en", TODAY).warnings
    assert english[0] == "节点台账.xlsx, sheet 节点: 6 planned date(s) given as a month (or " \
                         "a part of one, a quarter, the year's end), read as its last day (a " \
                         "planned start as its first)"
    assert load(engine, config, path).milestones["same"] == 4  # the same file again


def test_planned_dates_given_as_ten_days_quarters_and_the_years_end(engine, config,
                                                                    tmp_path):
    """How 时间节点 are often written: 上旬/中旬/下旬, a quarter, the year's end, "…前"."""
    rows = [["HB-001", "开工", "开工", "2026年3月上旬", "2026年10月下旬"],
            ["HB-001", "主体完工", "主体完工", "2026年四季度", "2027年二季度末"],
            ["HB-001", "竣工", "竣工", None, "2027年底前"],
            ["HB-002", "施工许可", "施工许可", None, "2026年5月31日前"]]
    late = ["HB-002", "主体完工", "主体完工", "2026年下半年", "2026年2月中旬"]
    path = workbook(tmp_path / "节点台账.xlsx", {"项目": [PROJECT_HEADERS, *PROJECTS],
                                                "节点": [MILESTONE_HEADERS, *rows, late]})

    found = problems(engine, config, path)  # the start after the planned date, at its cell
    assert [(p.where.row, p.where.letter, p.why) for p in found] == [(6, "E", "start_after_date")]

    path = workbook(tmp_path / "改.xlsx", {"项目": [PROJECT_HEADERS, *PROJECTS],
                                          "节点": [MILESTONE_HEADERS, *rows]})
    summary = load(engine, config, path)
    assert [(m.planned_start, m.planned_date) for m in (
        milestone(engine, "HB-001", "开工"), milestone(engine, "HB-001", "主体完工"),
        milestone(engine, "HB-001", "竣工"), milestone(engine, "HB-002", "施工许可"))] == [
        (date(2026, 3, 1), date(2026, 10, 31)), (date(2026, 10, 1), date(2027, 6, 30)),
        (None, date(2027, 12, 31)), (None, date(2026, 5, 31))]
    assert "有 6 个计划时间只写了年月（或旬、季度、年底）" in summary.warnings[0]
    # Where the day is needed, a period is refused like a month.
    late = workbook(tmp_path / "进展.xlsx", {"进展": [
        PROGRESS_HEADERS, ["HB-001", "开工", "2026年11月中旬", "50%"]]})
    assert [p.why for p in problems(engine, config, late)] == ["date_month"]


def test_an_actual_or_report_date_must_be_a_full_date(engine, config, tmp_path):
    load(engine, config, ledger_xlsx(tmp_path / "台账.xlsx"))
    before = snapshot(engine)
    path = workbook(tmp_path / "11月.xlsx", {"节点": [
        MILESTONE_HEADERS,
        ["HB-001", "开工", "开工", None, "2026-10-31", "100%", "2026年11月", "2026.11"],
        ["HB-002", "施工许可", "施工许可", None, "10月底"],
        ["HB-002", "主体完工", "主体完工", None, 2026.1],
    ]})

    found = problems(engine, config, path)

    assert [(p.where.sheet, p.where.row, p.where.letter, p.why) for p in found] == [
        ("节点", 2, "G", "date_month"), ("节点", 2, "H", "date_month"),
        ("节点", 3, "E", "date_no_year"), ("节点", 4, "E", "month_ambiguous")]
    text = [p.text("zh") for p in found]
    assert text[0] == "11月.xlsx「节点」 第2行 G列「实际完成时间」 “2026年11月”：" \
                      "不是具体日期：此列需要具体日期（如 2026-10-31），只有计划时间可以写月份、" \
                      "旬、季度、年底或“……前”"
    assert text[2] == "11月.xlsx「节点」 第3行 E列「计划完成时间」 “10月底”：" \
                      "没有年份：请写带年份的日期（如 2026-10-31）"
    assert text[3] == "11月.xlsx「节点」 第4行 E列「计划完成时间」 “2026.1”：是 2026年1月 还是 " \
                      "2026年10月？Excel 会把数字 2026.10 显示为 2026.1，请写成 2026-01 或 2026-10"
    english = [p.text("en") for p in found]
    assert english[1] == "11月.xlsx, sheet 节点, row 2, column H (报送日期), “2026.11”: not a " \
                         "day: this column needs a full date (like 2026-10-31); only planned " \
                         "dates may give a month, part of one, a quarter or a year's end, or " \
                         "say \"by\" (前)"
    assert english[3].endswith("“2026.1”: January or October 2026? Excel shows the number "
                               "2026.10 as 2026.1; write 2026-01 or 2026-10")
    assert snapshot(engine) == before


# -- headers on two rows -----------------------------------------------------------------------
def test_a_group_header_merged_over_sub_headers(engine, config, tmp_path):
    """计划投资（亿元） over 总投资 | 年度计划, 完成投资 over 本月 | 累计; the other headers
    merged down over both rows; the data starts below the second."""
    path = workbook(tmp_path / "两行表头.xlsx", {"节点": [
        ["2026年重点项目节点台账"],
        ["项目编号", "项目名称", "所属地区", "责任单位", "计划投资（亿元）", None, "节点名称",
         "计划完成时间", "完成投资（万元）", None],
        [None, None, None, None, "总投资", "年度计划", None, None, "本月", "累计"],
        ["HB-001", "玉米深加工", "双城区", "市工信局", 5, 2, "开工", "2026-10-31", 1000, 8000],
        [None, None, None, None, None, None, "主体完工", "2027年6月"],
        ["合计", None, None, None, 5, 2],
    ]}, merges={"节点": ["A1:J1", "A2:A3", "B2:B3", "C2:C3", "D2:D3", "E2:F2", "G2:G3",
                         "H2:H3", "I2:J2", "A4:A5", "B4:B5", "C4:C5", "D4:D5"]})

    summary = load(engine, config, path)

    assert (summary.projects["new"], summary.milestones["new"]) == (1, 2)
    corn = project(engine, "HB-001")
    assert (corn.name, corn.total_investment, corn.annual_plan) == (
        "玉米深加工", Decimal("50000.00"), Decimal("20000.00"))
    assert milestone(engine, "HB-001", "主体完工").planned_date == date(2027, 6, 30)
    assert summary.investment["new"] == 1
    with engine.connect() as conn:
        report = conn.execute(select(IR)).one()
    assert (report.month_amount, report.ytd_amount) == (Decimal("1000.00"),
                                                        Decimal("8000.00"))


def test_problems_under_a_two_row_header_point_at_their_cells(engine, config, tmp_path):
    path = workbook(tmp_path / "表头.xlsx", {"项目": [
        ["项目编号", "项目名称", "所属地区", "责任单位", "计划投资（亿元）", None, "总投资"],
        [None, None, None, None, "总投资", "年度计划", None],
        ["HB-001", "玉米深加工", "双城区", "市工信局", 5, "两亿", 5],
    ]})

    found = problems(engine, config, path)

    assert [(p.where.row, p.where.letter, p.why) for p in found] == [
        (1, "G", "duplicate_column"), (3, "F", "amount")]
    assert [p.text("zh") for p in found] == [
        "表头.xlsx「项目」 第1行 G列「总投资」：与 E 列重复",
        "表头.xlsx「项目」 第3行 F列「年度计划（亿元）」 “两亿”：不是金额"
        "（可写 3000、3000万元 或 1.5亿元）"]
    fixed = workbook(tmp_path / "表头2.xlsx", {"项目": [
        ["项目编号", "项目名称", "所属地区", "责任单位", "总投资", None, "年度计划投资"],
        [None, None, None, None, "合计", "其中：中央资金", "亿元"],       # and units below
        ["HB-001", "玉米深加工", "双城区", "市工信局", 50000, 30000, 2],
    ]})
    load(engine, config, fixed)
    corn = project(engine, "HB-001")
    assert (corn.total_investment, corn.annual_plan) == (Decimal("50000.00"),
                                                         Decimal("20000.00"))


def test_a_first_row_of_text_without_a_code_is_data_not_a_header(engine, config, tmp_path):
    """Only a row that names columns is a sub-header: a project row lacking its code is a
    problem at its own row, not swallowed into the header."""
    path = workbook(tmp_path / "无编号.xlsx", {"项目": [
        ["项目编号", "项目名称", "所属地区", "责任单位"],
        [None, "玉米深加工", "双城区", "市工信局"],
    ]})
    found = problems(engine, config, path)
    assert [(p.where.row, p.where.letter, p.why) for p in found] == [(2, "A", "required")]
