"""The demo on the web: ``lights demo`` prints the command that serves it, its e-mails
link to pages that open on that server, and its accounts' invitations work."""

from __future__ import annotations

import email
import re
import shutil
from email import policy

import pytest

from engine.config import load_config
from engine.store.db import open_database
from tests.webserver import serving

DEMO_BASE = "http://127.0.0.1:8000"


@pytest.fixture(scope="module")
def demo(lights_demo, tmp_path_factory):
    """A copy of what `lights demo` left (an invitation is accepted in its database)."""
    home, out = lights_demo
    assert out.returncode == 0, out.stderr
    here = tmp_path_factory.mktemp("webdemo")
    shutil.copytree(home, here, dirs_exist_ok=True)
    return here, out.stdout


def test_the_demo_prints_how_to_serve_it_and_its_mail_links_open(demo):
    here, printed = demo
    command = re.search(r"LIGHTS_WEB_SECRET=(\S+) lights serve --database (\S+)", printed)
    assert command, printed[-1500:]
    secret, database = command.groups()
    invitations = re.findall(rf"{re.escape(DEMO_BASE)}(/invite/\S+)", printed)
    assert len(invitations) == 3  # the office, a department, a leader
    links = set()
    for path in sorted((here / "outbox").rglob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        body = message.get_body(preferencelist=("plain",)).get_content()
        links.update(re.findall(rf"{re.escape(DEMO_BASE)}(/l/[A-Za-z0-9_.\-]+)", body))
    assert len(links) > 50
    engine = open_database(f"sqlite:///{here / database}")
    config = load_config(env={})
    with serving(config, engine, secret) as board:
        visitor = board.client()
        for path in sorted(links)[:12]:
            page = visitor.get(path)
            assert page.status_code == 200, path
            assert "中的链接访问" in page.text  # a node's page or a problem's
        office = invitations[0]
        assert visitor.get(office).status_code == 200
        assert visitor.post(office, {"password": "the office's password",
                                     "again": "the office's password"}).status_code == 303
        home = visitor.get("/")
        assert home.status_code == 200 and "各地区" in home.text
        visitor.close()
    engine.dispose()
