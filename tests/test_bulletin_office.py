"""Bulletins an office can issue (issue #15): the Word 通报 read back, rankings that mean
something, scopes, campaigns, honest dates, the CSV and Markdown an office can use.

The programme is the small one of tests/bulletin_builders.py (figures worked out there
and in test_bulletins); October 2026 unless a test says otherwise.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from docx import Document
from docx.shared import Mm, RGBColor

from engine.bulletins.build import build
from engine.bulletins.config import Issuer
from engine.bulletins.periods import BadPeriod, campaign, parse
from engine.bulletins.pictures import has_cjk_font
from engine.bulletins.render import render
from engine.bulletins.scope import Scope
from engine.bulletins.word import Issue, write_docx
from engine.config import ConfigError, load_config
from engine.migrations import create_database
from tests.builders import add_project, copy_sqlite
from tests.bulletin_builders import ENTERED, add_report, small_programme, with_bulletins
from tests.cli_runner import lights

D = date
ISSUER = Issuer(office="松江市重点项目建设指挥部办公室", number="松重项办〔{year}〕{n}号",
                to=["各县（市）区人民政府", "市直有关部门"], cc=["市委办公室", "市政府办公室"])
A4 = (Mm(210), Mm(297))


@pytest.fixture
def programme(engine, config, seed):
    seed("small_programme", lambda: small_programme(engine, config))  # built once, then copied
    return engine


def october(engine, config, **kw):
    return build(engine, config, parse("month", "2026-10"), today=D(2026, 11, 23), **kw)


def text_of(doc) -> str:
    """Every paragraph and table cell of a Word document, one per line."""
    lines = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        lines += ["|".join(c.text for c in row.cells) for row in table.rows]
    return "\n".join(lines)


def docx_of(b, *, issuer=ISSUER, pictures=None, lang="zh"):
    data, said = write_docx(b, lang, Issue(D(2026, 11, 3)), issuer,
                            load_config(env={}).bulletins.fonts, pictures=pictures)
    return Document(io.BytesIO(data)), said


# -- the Word document ---------------------------------------------------------------------
def test_the_word_bulletin_reads_back_with_its_figures_and_sentences(programme, config):
    config = with_bulletins(config, min_due=1)
    doc, said = docx_of(october(programme, config), pictures=True)
    text = text_of(doc)
    # The 红头: the office in red, the 文号 (n = the month), the addressees, the title.
    office = next(p for p in doc.paragraphs if p.text == ISSUER.office)
    assert office.runs[0].font.color.rgb == RGBColor(0xE6, 0x00, 0x12)
    assert "松重项办〔2026〕10号" in text
    assert "各县（市）区人民政府，市直有关部门：" in text
    assert "关于2026年10月重点项目推进情况的通报" in text
    # The written part, from the numbers of test_bulletins.
    assert ("本年累计完成投资0.10亿元，占年度计划的33.3%，低于时间进度50.0个百分点；"
            "本期完成投资0.07亿元，到位资金0.06亿元，资金到位率20.0%。") in text
    assert "计划开复工项目2个，已开复工1个，开复工率50.0%。" in text
    assert ("本期到期节点3个，按期完成2个，节点完成率66.7%，较上期下降33.3个百分点；"
            "目前红灯节点1个、黄灯节点0个。") in text
    assert "各县（市）区中，甲区节点完成率最高（100.0%），乙区最低（0.0%）。" in text
    assert "红灯节点1个，按责任单位：市住建局1个；按县（市）区：乙区1个。" in text
    assert "对甲区（100.0%）、市工信局（100.0%）予以表扬。" in text
    assert "对乙区（节点完成率0.0%，红灯节点1个）" not in text  # 1 red is below name_red 3
    assert "对乙区（节点完成率0.0%）、市住建局（节点完成率0.0%）予以通报" in text
    assert "（一）加快红灯节点整改。" in text
    # The tables of the HTML, the date of issue in Chinese, the 抄送 line.
    assert "节点完成率|66.7%|100.0%|-33.3个百分点" in text
    assert "B1 江北大桥\n春季复工|市住建局\n王副市长|2026年4月30日|184|" in text
    assert "2026年11月3日" in text and "抄送：市委办公室，市政府办公室。" in text
    # The four charts as pictures; an A4 page with the standard margins; fonts by name.
    assert len(doc.inline_shapes) == 4 and said == []
    section = doc.sections[0]
    sizes = (section.page_width, section.page_height, section.top_margin, section.left_margin)
    for got, want in zip(sizes, (*A4, Mm(37), Mm(28)), strict=True):
        assert abs(got - want) < Mm(0.1)  # stored in twips
    fonts = {r._element.rPr.rFonts.get(
        "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia")
        for p in doc.paragraphs for r in p.runs if r._element.rPr is not None}
    assert {"方正小标宋简体", "仿宋_GB2312", "黑体", "楷体_GB2312"} <= fonts


def test_without_a_chinese_font_the_charts_are_tables_and_it_says_so(programme, config):
    assert has_cjk_font(skip_system_fonts=True) is False  # what resvg draws without fonts
    doc, said = docx_of(october(programme, config), issuer=None, pictures=False)
    text = text_of(doc)
    assert len(doc.inline_shapes) == 0
    assert said and "fonts-noto-cjk" in said[0]
    assert "本机未安装中文字体" in text
    assert "县（市）区|红灯|绿灯|未开始|按期完成|逾期完成|已取消" in text  # lights per region
    assert "乙区|1|0|0|1|1|0" in text
    # No 红头 without bulletins.issuer: the document starts with its title.
    assert doc.paragraphs[0].text == "关于2026年10月重点项目推进情况的通报"


def test_the_charts_pictures_carry_their_chinese_labels(programme, config):
    """The same chart drawn with and without the system's fonts: the labels make the
    difference (resvg draws no glyph it has no font for). Needs a Chinese font: skipped
    without one, except in CI, where .ci/run installs fonts-noto-cjk."""
    if not has_cjk_font():
        if os.environ.get("CI"):
            pytest.fail("no Chinese font: .ci/run installs fonts-noto-cjk")
        pytest.skip("no Chinese font (apt-get install fonts-noto-cjk)")
    from engine.bulletins.pictures import png
    from engine.bulletins.render import svg_charts

    svg = svg_charts(october(programme, config), "zh")["lights"]
    assert png(svg) != png(svg, skip_system_fonts=True)


def test_libreoffice_opens_the_word_bulletin(programme, config, tmp_path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice is not installed (apt-get install libreoffice-writer-nogui): "
                    "the .docx is checked with python-docx only")
    data, _ = write_docx(october(programme, config), "zh", Issue(D(2026, 11, 3)), ISSUER,
                         config.bulletins.fonts)
    (tmp_path / "bulletin.docx").write_bytes(data)
    done = subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path / 'profile'}",
                           "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path),
                           str(tmp_path / "bulletin.docx")], capture_output=True, text=True,
                          timeout=180)
    assert done.returncode == 0, done.stderr
    pdf = (tmp_path / "bulletin.pdf").read_bytes()
    assert pdf.startswith(b"%PDF")
    assert pdf.count(b"/Type/Page") + pdf.count(b"/Type /Page") >= 3
    assert b"/MediaBox[0 0 595" in pdf.replace(b" [", b"[") or b"595.3" in pdf


# -- rankings ----------------------------------------------------------------------------------
def test_fewer_nodes_due_than_min_due_are_listed_not_ranked(programme, config):
    b = october(programme, config)  # default min_due 3: 甲区 has 2 due, 乙区 1
    assert [(r.name, r.rank, r.too_few) for r in b.rankings["region"]] == [
        ("甲区", None, True), ("乙区", None, True), ("丙区", None, False)]
    assert b.top["region"] == [] and b.bottom["region"] == []
    md = render(b, "md", "zh")
    assert "到期节点少于3个的单位列出但不参加排名" in md
    assert "本期无单位达到表扬条件" in md


def test_a_combined_score_ranks_with_its_formula(programme, config):
    """甲区: node 100, investment 700 of 序时进度 1000 × 304/365 = 832.88: 84.05; no problem
    due, so the weights 0.5 and 0.3 count out of 0.8: (50 + 25.21) / 0.8 = 94.02.
    乙区: node 0, 300 of 1665.75: 18.01 → 6.75, less 1 point for its red node: 5.75."""
    config = with_bulletins(config, min_due=1, score={"weights": {"节点完成率": 0.5,
                                                                  "投资完成率": 0.3,
                                                                  "办结率": 0.2}})
    b = october(programme, config)
    assert [(r.name, r.rank, r.score) for r in b.rankings["region"]] == [
        ("甲区", 1, 94.02), ("乙区", 2, 5.75), ("丙区", None, None)]
    md = render(b, "md", "zh")
    assert ("综合得分＝节点完成率×50%＋投资完成序时进度（最高100%）×30%＋问题办结率×20%"
            "－红灯节点数×1分") in md
    assert "## 二、综合排名" in md
    header = next(csv.reader(io.StringIO(render(b, "csv", "zh"))))
    assert "综合得分" in header


# -- scopes and campaigns ------------------------------------------------------------------------
def test_a_regions_bulletin_counts_its_projects_only(programme, config):
    b = october(programme, config, scope=Scope(region="甲区"))
    assert b.programme.projects == 1 and b.programme.annual_plan == Decimal(1000)
    assert list(b.rankings) == ["department"]  # a region is not ranked against itself
    assert b.red_nodes == [] and [r.project for r in b.due_next] == ["A1"]
    md = render(b, "md", "zh")
    assert "2026年10月　地区：甲区　数据截至2026年10月31日" in md
    assert "截至2026年10月31日，甲区纳入调度的重点项目1个" in md
    assert render(b, "html", "zh").count("<svg") == 3  # no chart ranking the regions
    level = october(programme, config, scope=Scope(level="provincial"))
    assert [p.code for p in level.now.projects] == ["B1"]


def test_a_campaign_against_its_targets(programme, config):
    """百日攻坚 07-10 to 11-10, as of 11-10. At its start (07-09) nothing had been
    evaluated or reported: 0%. Now 开复工率 1 of 2 (B1's 复工 never came) = 50%;
    投资完成率 (700 + 900) / 3000 = 53.3% against 80%."""
    config = with_bulletins(config, campaigns=[{
        "name": "百日攻坚", "from": "07-10", "to": "11-10",
        "targets": {"开复工率": 1, "投资完成率": 0.8}}])
    c = config.bulletins.campaign("百日攻坚")
    b = build(programme, config, campaign(c.name, *c.window(2026)), today=D(2026, 11, 23),
              campaign=c)
    assert (b.as_of, b.previous.end) == (D(2026, 11, 10), D(2026, 7, 9))
    md = render(b, "md", "zh")
    assert "## 二、专项行动进展" in md
    assert "| 开复工率 | 100% | 0.0% | 50.0% | 50.0个百分点 | 未达标 |" in md
    assert "| 投资完成率 | 80% | 0.0% | 53.3% | 26.7个百分点 | 未达标 |" in md
    assert ("百日攻坚开展以来，开复工率由0.0%变为50.0%（目标100%，尚差50.0个百分点）；"
            "投资完成率由0.0%变为53.3%（目标80%，尚差26.7个百分点）。") in md
    assert "| 甲区 | 100.0% ✓ | 70.0% |" in md  # by region, the targets met ticked
    assert "2026年百日攻坚（7月10日至11月10日）" in md


def test_campaign_and_scope_configuration_errors_name_the_key(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "config.yaml").write_text(
        "bulletins:\n  campaigns:\n    - {name: 百日攻坚, from: 07-10, to: 11-10, "
        "targets: {开工率: 0.9}}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bulletins.campaigns\[0\].targets: .*unknown rate "
                                          r"'开工率'"):
        load_config(env={})
    (tmp_path / "config.yaml").write_text(
        "bulletins:\n  score: {weights: {资金到位率: 1}}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bulletins.score.weights: .*cannot be weighed"):
        load_config(env={})


# -- honest dates and inconsistent figures -------------------------------------------------------
def test_the_bulletin_says_when_its_lights_were_evaluated(programme, config):
    b = build(programme, config, parse("month", "2026-11"), today=D(2026, 11, 23))
    assert b.now.evaluated_on == D(2026, 10, 31)  # no run since: the lights of 10-31
    md = render(b, "md", "zh")
    assert ("红黄绿灯为2026年10月31日评估的结果：2026年10月31日至2026年11月23日之间未再评估"
            in md)


def test_inconsistent_figures_are_flagged(programme, config):
    # A1's 主体完工 finished on 10-10, and a report of that day says 0%.
    from sqlalchemy import select

    from engine.store.tables import M

    with programme.connect() as conn:
        works = conn.execute(select(M.c.id).where(M.c.name == "主体完工")
                             .order_by(M.c.id)).scalars().first()
    add_report(programme, works, D(2026, 10, 10), 0.0, D(2026, 10, 10))
    b = october(programme, config)
    assert [(c.kind, c.project, c.milestone) for c in b.checks] == [
        ("done_at_zero", "A1", "主体完工"), ("invest_no_start", "B1", "")]
    md = render(b, "md", "zh")
    assert "节点“主体完工”已于2026年10月10日完成，但报送进度为0%" in md
    assert "本年已完成投资300万元，但计划2026年4月30日开工（复工），已过6个月仍未报开工" in md
    assert "有2处数据相互矛盾" in md


# -- CSV and Markdown ---------------------------------------------------------------------
def test_csv_keeps_formulas_as_text_and_markdown_escapes_html(programme, config):
    add_project(programme, "X1", name="<script>alert(1)</script>", region="=HYPERLINK(\"x\")",
                department="+市监局", annual_plan=Decimal(100), created_at=ENTERED)
    b = october(programme, config)
    rows = list(csv.reader(io.StringIO(render(b, "csv", "zh"))))
    names = {row[1] for row in rows[1:]}
    assert "'=HYPERLINK(\"x\")" in names and "'+市监局" in names
    assert not any(n.startswith(("=", "+", "-", "@")) for n in names)
    md = render(b, "md", "zh")
    assert "<script" not in md
    # Section 三 carries the charts' numbers as tables.
    assert "## 三、图表" in md and "### 各县（市）区节点红黄绿灯" in md
    assert "| 乙区 | 1 | 0 | 0 | 1 | 1 | 0 |" in md
    assert "### 各县（市）区投资完成率与序时进度" in md and "| 甲区 | 70.0% | 83.3% |" in md


def test_periods_as_the_ledgers_write_them():
    assert parse("month", "2026年10月") == parse("month", "2026-10")
    assert parse("month", "2026.10") == parse("month", "2026-10")
    assert parse("quarter", "2026年第四季度") == parse("quarter", "2026Q4")
    assert parse("quarter", "2026年三季度") == parse("quarter", "2026Q3")
    assert parse("year", "2026年") == parse("year", "2026年度") == parse("year", "2026")
    for kind, text in (("month", "2026.1"), ("quarter", "2026年上半年"), ("month", "10月")):
        with pytest.raises(BadPeriod):
            parse(kind, text)


# -- the command -----------------------------------------------------------------------
@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """The small programme's database, built once per module."""
    home = tmp_path_factory.mktemp("office")
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(home)
        engine = create_database(f"sqlite:///{home / 'lights.db'}")
        small_programme(engine, load_config(env={}))
        engine.dispose()
    return home / "lights.db"


@pytest.fixture
def workdir(built: Path, tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    copy_sqlite(built, tmp_path)
    (tmp_path / "config.yaml").write_text(
        "bulletins:\n  issuer: {office: 松江市重点项目建设指挥部办公室, "
        "number: '松重项办〔{year}〕{n}号', to: [各县（市）区人民政府]}\n"
        "  campaigns:\n    - {name: 百日攻坚, from: 07-10, to: 11-10, targets: {开复工率: 1}}\n",
        encoding="utf-8")
    return tmp_path


def test_the_command_writes_word_csv_with_bom_and_campaigns(workdir):
    out = lights(workdir, "bulletin", "--month", "2026年10月", "--out", "通报.docx",
                 "--number", "23", "--issued", "2026-11-03")
    assert out.returncode == 0, out.stderr
    text = text_of(Document(str(workdir / "通报.docx")))
    assert "松重项办〔2026〕23号" in text and "2026年11月3日" in text
    assert lights(workdir, "bulletin", "--month", "2026-10", "--out", "a.csv").returncode == 0
    assert (workdir / "a.csv").read_bytes().startswith(b"\xef\xbb\xbf\xe7\xbb\xb4")  # BOM 维
    camp = lights(workdir, "bulletin", "--campaign", "百日攻坚", "--year", "2026")
    assert camp.returncode == 0, camp.stderr
    assert "# 重点项目推进情况专项行动通报" in camp.stdout and "| 开复工率 | 100% |" in camp.stdout


@pytest.mark.parametrize(("args", "message"), [
    (["--month", "2026-10", "--format", "docx"],
     "lights: Word 通报须写入文件：请加 --out 文件名.docx\n"),
    (["--campaign", "冬季攻势"],
     "lights: config.yaml 的 bulletins.campaigns 中没有 '冬季攻势'（已有：百日攻坚）\n"),
    (["--campaign", "百日攻坚", "--month", "2026-10"],
     "lights: --campaign 自带期间，不能再给 --month（可用 --year 指定年份）\n"),
    (["--month", "2026-10", "--level", "镇级"],
     "lights: --level '镇级' 不存在（可选：省级、市级、县区级）\n"),
    (["--month", "2026-10", "--region", "丁区"],
     "lights: --region '丁区' 不存在（可选：丙区、乙区、甲区）\n"),
])
def test_bad_bulletin_options_are_one_sentence(workdir, args, message):
    out = lights(workdir, "bulletin", *args)
    assert (out.returncode, out.stderr, out.stdout) == (1, message, "")


# -- problems (the problem list of issue #13) -----------------------------------------
def raise_problems(engine, config) -> None:
    """Three problems in October: B1's (市住建局, 5 working days from 10-09) left open;
    A1's first (市工信局, 5 working days from 10-09) closed on 10-12, on time; A1's second
    raised 10-26 with 20 working days, due in November."""
    from engine.problems import actions
    from engine.store.db import writer

    with writer(engine).begin() as conn:
        actions.add(conn, config, "B1", title="征地拆迁未完成", category="征地拆迁",
                    level="市级", lead="市住建局", days=5, as_of=D(2026, 10, 9))
        first = actions.add(conn, config, "A1", title="用电指标不足", category="要素保障",
                            level="市级", lead="市工信局", days=5, as_of=D(2026, 10, 9))
        actions.close(conn, config, first.code, result="solved", as_of=D(2026, 10, 12))
        actions.add(conn, config, "A1", title="环评批复待办", category="审批服务",
                    level="市级", lead="市工信局", days=20, as_of=D(2026, 10, 26))


def test_the_problems_section_from_the_problem_list(programme, config):
    """Due in October: 2 (B1's and A1's first), closed 1 on time: 办结率 50.0%, 按期 50.0%;
    raised 3, closed 1: 销号率 33.3%; overdue at 10-31: B1's, lead 市住建局."""
    raise_problems(programme, config)
    b = october(programme, config)
    r = b.problems.now
    assert (r.due, r.closed, r.on_time, r.raised, r.raised_closed, r.overdue) == (2, 1, 1, 3, 1, 1)
    md = render(b, "md", "zh")
    assert "## 六、问题办理情况" in md
    assert ("本期到期问题2个，已办结1个，办结率50.0%，按期办结率50.0%；本期新增问题3个，"
            "已销号1个，销号率33.3%；逾期未办结问题1个，按主办单位：市住建局1个。") in md
    assert "| 市工信局 | 1 | 1 | 1 | 100.0% | 100.0% | 2 | 1 | 50.0% | 0 |" in md
    assert "| 市住建局 | 1 | 0 | 0 | 0.0% | 0.0% | 1 | 0 | 0.0% | 1 |" in md
    doc, _ = docx_of(b, pictures=False)
    assert "逾期未办结问题1个，按主办单位：市住建局1个。" in text_of(doc)


def test_the_combined_score_weighs_each_units_closing_rate(programme, config):
    """With the problems above, by department: 市工信局 closed its 1 due problem (100%),
    市住建局 none of 1 (0%). 甲区/市工信局: (50 + 25.21 + 20) / 1.0 = 95.21; 乙区/市住建局:
    (0 + 5.40 + 0) − 1 = 4.40."""
    raise_problems(programme, config)
    config = with_bulletins(config, min_due=1, score={"weights": {"节点完成率": 0.5,
                                                                  "投资完成率": 0.3,
                                                                  "办结率": 0.2}})
    b = october(programme, config)
    assert [(r.name, r.score) for r in b.rankings["department"]][:2] == [
        ("市工信局", 95.21), ("市住建局", 4.4)]
