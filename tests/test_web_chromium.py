"""The board in a real browser: headless Chromium (Debian's chromium) driven by Playwright.

No browser is downloaded: Playwright is pointed at the system's chromium. The test signs
in through the form, finds the counts on the board and the 时间节点图 on a project page,
checks that nothing was fetched from anywhere but the board and that the console is
clean, and saves screenshots. Skipped with the reason when chromium or Playwright is
absent, except in CI (CI=true), where .ci/run installs chromium and its absence fails.
"""

from __future__ import annotations

import os
import shutil
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from engine.store.tables import M
from tests.webserver import PASSWORD, programme, quick_hashes, serving

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module", autouse=True)
def _quick_hashes():
    with quick_hashes():
        yield


@pytest.fixture
def browser():
    reason = None
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        reason = "playwright is not installed (pip install -e '.[test]')"
    if CHROMIUM is None:
        reason = "chromium is not installed (apt-get install chromium)"
    if reason:
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    with sync_playwright() as p:
        found = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield found
        found.close()


def test_the_board_and_a_project_page_in_chromium(browser, sqlite_url, config, tmp_path):
    from engine.migrations import create_database

    engine = create_database(sqlite_url)
    ids = programme(engine, config)
    with engine.connect() as conn:
        red = conn.execute(select(func.count()).select_from(M)
                           .where(M.c.state == "red")).scalar_one()
    with serving(config, engine) as board:
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        errors: list[str] = []
        hosts: set[str] = set()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("request", lambda r: hosts.add(urlsplit(r.url).netloc))

        page.goto(f"{board.url}/")
        assert page.url.startswith(f"{board.url}/login")
        page.fill("input[name=name]", "督查室")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{board.url}/")
        assert page.inner_text("#count-red .kpi-value") == str(red)
        assert page.inner_text("#count-total") == str(len(ids))
        assert page.locator(".tile").count() >= 4  # 2 regions + 3 departments
        assert page.locator("#trend svg rect.week").count() == 12
        page.screenshot(path=str(tmp_path / "board.png"), full_page=True)

        page.goto(f"{board.url}/projects/W1")
        chart = page.locator("#timeline svg")
        assert chart.count() == 1
        assert chart.locator("g.node").count() == 2  # W1's two nodes
        assert chart.locator("line.today").count() == 1
        box = chart.bounding_box()
        assert box is not None and box["width"] > 600 and box["height"] > 100
        page.screenshot(path=str(tmp_path / "project.png"), full_page=True)

        wall = browser.new_page(viewport={"width": 1920, "height": 1080})
        wall.context.add_cookies(page.context.cookies())
        wall.goto(f"{board.url}/wall")
        assert wall.inner_text("#count-red .n") == str(red)
        size = wall.evaluate("[document.documentElement.scrollWidth,"
                             " document.documentElement.scrollHeight]")
        assert size == [1920, 1080]  # the screen, no scrolling
        wall.screenshot(path=str(tmp_path / "wall.png"))

    assert errors == []
    assert hosts == {urlsplit(board.url).netloc}  # nothing fetched from elsewhere
    for name in ("board", "project", "wall"):
        assert (tmp_path / f"{name}.png").stat().st_size > 10_000
    engine.dispose()
