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
def pages(engine, config, tmp_path) -> dict[str, Path]:
    small_programme(engine, config)
    bulletin = build(engine, config, parse("month", "2026-10"), today=date(2026, 11, 23))
    out = {}
    for lang in ("zh", "en"):
        out[lang] = tmp_path / f"bulletin-{lang}.html"
        out[lang].write_text(render(bulletin, "html", lang), encoding="utf-8")
    return out


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
