"""The HTML bulletin in a real browser: headless Chromium (Debian's chromium package).

It must render without a console error, show its four SVG charts, fetch nothing from
the network, and print on A4 paper. Skipped with the reason when chromium is absent,
except in CI (CI=true), where .ci/run installs it and its absence is a failure.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest

from engine.bulletins.build import build
from engine.bulletins.periods import parse
from engine.bulletins.render import render
from tests.bulletin_builders import small_programme

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run",
         "--enable-logging=stderr", "--v=0"]
A4_POINTS = (595.28, 841.89)
# Each test starts a chromium of its own: on SQLite only. What the bulletin says on either
# database is tested without a browser (test_bulletins); here it is how the page renders.
ON_SQLITE = pytest.mark.parametrize("engine", ["sqlite"], indirect=True)


@pytest.fixture
def chromium() -> str:
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed: .ci/run installs it (apt-get install chromium)")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return CHROMIUM


def browse(chromium: str, page: Path, profile: Path, *args: str) -> subprocess.CompletedProcess:
    """Chromium on a file with a fresh profile; stdout has what --dump-dom prints."""
    return subprocess.run([chromium, *FLAGS, f"--user-data-dir={profile}", *args,
                           page.resolve().as_uri()], capture_output=True, text=True,
                          timeout=120)


def console_messages(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


@pytest.fixture
def pages(engine, config, tmp_path, seed) -> dict[str, Path]:
    seed("small_programme", lambda: small_programme(engine, config))  # built once, then copied
    bulletin = build(engine, config, parse("month", "2026-10"), today=date(2026, 11, 23))
    out = {}
    for lang in ("zh", "en"):
        out[lang] = tmp_path / f"bulletin-{lang}.html"
        out[lang].write_text(render(bulletin, "html", lang), encoding="utf-8")
    return out


@ON_SQLITE
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_renders_without_console_errors_and_shows_the_charts(chromium, pages, lang, tmp_path):
    page = pages[lang]
    html = page.read_text(encoding="utf-8")
    # One self-contained file: no script, nothing fetched from anywhere.
    assert "<script" not in html
    assert re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html) is None
    assert "@import" not in html and "url(" not in html
    shown = browse(chromium, page, tmp_path / "profile", "--dump-dom")
    assert shown.returncode == 0, shown.stderr[-2000:]
    assert console_messages(shown.stderr) == []
    dom = shown.stdout
    assert f'<html lang="{"zh-CN" if lang == "zh" else "en"}">' in dom
    for chart in ("chart-lights", "chart-rank", "chart-rank-dept", "chart-invest"):
        figure = re.search(rf'<figure id="{chart}">(.*?)</figure>', dom, re.S)
        assert figure is not None, chart
        assert "<svg" in figure.group(1) and ("<rect" in figure.group(1)), chart
    # The stacked bars carry a segment for each light of each region.
    assert dom.count('class="seg-red"') == 1  # 乙区's red node
    assert dom.count('class="seg-done"') == 2  # 甲区 and 乙区


@ON_SQLITE
def test_prints_on_a4(chromium, pages, tmp_path):
    pdf = tmp_path / "bulletin.pdf"
    printed = browse(chromium, pages["zh"], tmp_path / "profile", f"--print-to-pdf={pdf}",
                     "--no-pdf-header-footer")
    assert printed.returncode == 0, printed.stderr[-2000:]
    assert console_messages(printed.stderr) == []
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    boxes = {tuple(float(x) for x in m.groups()) for m in
             re.finditer(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", data)}
    assert boxes, "no page size in the PDF"
    for width, height in boxes:
        assert abs(width - A4_POINTS[0]) < 2 and abs(height - A4_POINTS[1]) < 2, boxes
    assert len(re.findall(rb"/Type\s*/Page[^s]", data)) >= 2


MEASURE = """<script>
window.addEventListener('load', () => {
  const out = {width: document.body.getBoundingClientRect().width, tables: [], cells: [],
               labels: []};
  const body = document.body.getBoundingClientRect();
  document.querySelectorAll('table').forEach((t, i) => {
    const r = t.getBoundingClientRect();
    if (r.right > body.right + 1 || r.left < body.left - 1) out.tables.push([i, r.width]);
  });
  document.querySelectorAll('td').forEach(c => {
    const text = c.textContent.trim();
    const range = document.createRange();
    range.selectNodeContents(c);
    const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top))).size;
    if (lines > 1 && [...text].length / lines < 3) out.cells.push([text, lines]);
  });
  document.querySelectorAll('svg.chart').forEach(svg => {
    const box = svg.viewBox.baseVal;
    svg.querySelectorAll('text').forEach(t => {
      const b = t.getBBox();
      if (b.x < box.x - 0.5 || b.x + b.width > box.x + box.width + 0.5)
        out.labels.push(t.textContent);
    });
  });
  document.body.setAttribute('data-report', JSON.stringify(out));
});
</script>"""


def long_names(engine, config) -> None:
    """25 departments with long names in 12 regions, three nodes due each in October:
    two-digit ranks before names of eleven characters (松江新区管理委员会…), and one of
    twenty-five that no chart has room for."""
    from decimal import Decimal

    from engine.evaluation.run import run
    from tests.builders import add_milestone, add_project
    from tests.bulletin_builders import ENTERED

    for i in range(25):
        region = f"松江新区{i % 12:02d}片区" if i % 3 else f"第{i % 12}区"
        pid = add_project(engine, f"L{i:02d}", name=f"长名称项目{i}号产业园区基础设施配套工程",
                          region=region, department=f"松江新区管理委员会{i:02d}办" if i else
                          "松江新区管理委员会经济发展和科技创新局产业服务办公室",
                          leader="松江新区管理委员会常务副主任", annual_plan=Decimal(1000),
                          created_at=ENTERED)
        for k in range(3):
            done = date(2026, 10, 10) if (i + k) % 3 else None
            add_milestone(engine, pid, f"十月节点{k}", date(2026, 10, 15 + k),
                          planned_start=date(2026, 9, 1), actual_date=done,
                          percent=100 if done else 40, last_report_date=date(2026, 10, 10))
    run(engine, config, date(2026, 10, 31))


@ON_SQLITE
def test_tables_and_charts_fit_900_pixels_and_a4(chromium, engine, config, tmp_path):
    """At 900 px (the A4 type area, 186 mm, is narrower: the page's width is capped at
    it) no table sticks out, no cell holds fewer than three characters a line, and no
    chart label is cut: a long name is shortened with … after its rank, never to it."""
    import json

    long_names(engine, config)
    bulletin = build(engine, config, parse("month", "2026-10"), today=date(2026, 11, 23))
    html = render(bulletin, "html", "zh")
    assert "松江新区管理委员会" in html
    page = tmp_path / "measured.html"
    page.write_text(html.replace("</body>", MEASURE + "</body>"), encoding="utf-8")
    shown = browse(chromium, page, tmp_path / "profile", "--window-size=900,2000",
                   "--virtual-time-budget=3000", "--dump-dom")
    assert shown.returncode == 0, shown.stderr[-2000:]
    found = re.search(r'data-report="([^"]*)"', shown.stdout)
    assert found is not None
    report = json.loads(found.group(1).replace("&quot;", '"'))
    assert report["width"] <= 704  # 186 mm: the A4 type area
    assert report["tables"] == [] and report["cells"] == [] and report["labels"] == []
    labels = re.findall(r"<text[^>]*text-anchor=\"end\"><title>([^<]*)</title>([^<]*)</text>",
                        html)
    assert labels and all(len(shown_) >= min(len(full), 4) for full, shown_ in labels)
    ranked = [shown_ for full, shown_ in labels if re.match(r"\d+ ", full)]
    assert ranked and all(re.match(r"\d+ \S\S", text) for text in ranked)
    assert any(text.endswith("…") for text in ranked)  # the longest name, shortened
