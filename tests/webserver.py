"""The board for tests: the real application under uvicorn on loopback, a small
programme with its accounts, and a browser-like client (cookies, the forms' CSRF token)."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy import select
from sqlalchemy.engine import Engine

from engine import accounts
from engine.config import Config
from engine.evaluation.run import run
from engine.problems import actions as problems
from engine.store.db import writer
from engine.store.lookups import resolve_milestone
from engine.store.tables import PB, P
from engine.web.app import create_app
from tests.builders import add_milestone, add_project
from tests.mailserver import free_port

SECRET = "a-test-secret-of-the-board"
PASSWORD = "correct horse battery"
AS_OF = date(2026, 11, 20)

# name → (role, unit, e-mail)
PEOPLE = {
    "管理员": ("admin", "", ""),
    "督查室": ("office", "", "ducha@songjiang.example"),
    "王副市长": ("leader", "王副市长", ""),
    "住建局": ("unit", "市住建局", "zjj@songjiang.example"),
    "道里区": ("unit", "道里区", ""),
    "赵秘书": ("unit", "赵秘书", ""),
}


@contextmanager
def quick_hashes() -> Iterator[None]:
    """argon2id at its lowest cost while the board's tests run. At the library's default
    (64 MiB, 3 passes, 4 lanes) every account made and every sign-in costs 0.1 s or more,
    several times that on a busy machine; who may sign in is what these tests are about."""
    from argon2 import PasswordHasher

    quick = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(accounts, "_hasher", quick)
        mp.setattr(accounts, "_DUMMY", quick.hash("not a password of anyone"))
        yield


def programme(engine: Engine, config: Config) -> dict[str, int]:
    """Three projects in two regions, lit on two nights (11-13 and 11-20).

    W1 (南岗区, 市住建局, 王副市长, secretary 赵秘书): 开工 red, 主体完工 yellow
    W2 (道里区, 市工信局, 李副市长): 设备安装 red, 投产 green
    W3 (南岗区, 市教育局, 王副市长): 立项 planned, 规划许可 done
    Problems (:func:`problem_of` gives their codes): on W1, led by 市住建局 with 道里区
    helping; on W2, led by 市工信局.
    """
    w1 = add_project(engine, "W1", name="江北大桥", region="南岗区", department="市住建局",
                     leader="王副市长", secretary="赵秘书",
                     secretary_email="zhao@songjiang.example")
    w2 = add_project(engine, "W2", name="玉米深加工项目", region="道里区", department="市工信局",
                     leader="李副市长", secretary="钱秘书")
    w3 = add_project(engine, "W3", name="第三中学", region="南岗区", department="市教育局",
                     leader="王副市长")
    ids = {
        "W1/开工": add_milestone(engine, w1, "开工", date(2026, 10, 31), kind="start",
                               planned_start=date(2026, 9, 1), percent=40,
                               last_report_date=date(2026, 11, 1), seq=1),
        "W1/主体完工": add_milestone(engine, w1, "主体完工", date(2027, 3, 31), kind="structure",
                                 planned_start=date(2026, 10, 1), percent=0, seq=2),
        "W2/设备安装": add_milestone(engine, w2, "设备安装", date(2026, 11, 10),
                                 kind="equipment", planned_start=date(2026, 8, 1), percent=50,
                                 last_report_date=date(2026, 11, 5), seq=1),
        "W2/投产": add_milestone(engine, w2, "投产", date(2027, 6, 30), kind="production",
                               planned_start=date(2026, 11, 1), percent=5,
                               last_report_date=date(2026, 11, 15), seq=2),
        "W3/立项": add_milestone(engine, w3, "立项", date(2027, 5, 31), kind="approval",
                               planned_start=date(2027, 3, 1), seq=1),
        "W3/规划许可": add_milestone(engine, w3, "规划许可", date(2026, 9, 30),
                                 kind="planning_permit", planned_start=date(2026, 9, 1),
                                 percent=100, actual_date=date(2026, 9, 20),
                                 last_report_date=date(2026, 9, 20), seq=2),
    }
    run(engine, config, date(2026, 11, 13))
    run(engine, config, AS_OF)
    with writer(engine).begin() as conn:
        for project, lead, assist in (("W1", "市住建局", ("道里区",)), ("W2", "市工信局", ())):
            problems.add(conn, config, project, title=f"{project} 用地手续未办结",
                         category="用地", level="county", lead=lead, assist=assist,
                         by="督查室", as_of=date(2026, 11, 16))
    for name, (role, unit, email) in PEOPLE.items():
        accounts.add_account(engine, name, role, unit=unit, email=email, password=PASSWORD)
    return ids


class Board:
    """uvicorn serving the application in a thread, on a free loopback port."""

    def __init__(self, config: Config, engine: Engine, secret: str = SECRET) -> None:
        self.app = create_app(config, engine, secret)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(self.app, host="127.0.0.1", port=self.port,
                                                    log_level="warning", lifespan="off"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> Board:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the board did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)

    def client(self) -> Visitor:
        return Visitor(self.url)


@contextmanager
def serving(config: Config, engine: Engine, secret: str = SECRET) -> Iterator[Board]:
    with Board(config, engine, secret) as board:
        yield board


_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


class Visitor:
    """A person with a browser: keeps cookies, reads the CSRF token from the last form."""

    def __init__(self, url: str) -> None:
        self.http = httpx.Client(base_url=url, follow_redirects=False, timeout=30)
        self.csrf = ""

    def get(self, path: str, **kw: Any) -> httpx.Response:
        response = self.http.get(path, **kw)
        found = _CSRF.search(response.text) if "text/html" in response.headers.get(
            "content-type", "") else None
        if found:
            self.csrf = found.group(1)
        return response

    def post(self, path: str, data: dict[str, Any] | None = None, *, csrf: bool = True
             ) -> httpx.Response:
        body = dict(data or {})
        if csrf:
            body.setdefault("csrf", self.csrf)
        return self.http.post(path, data=body)

    def login(self, name: str, password: str = PASSWORD) -> httpx.Response:
        self.get("/login")
        return self.post("/login", {"name": name, "password": password, "next": "/"})

    def close(self) -> None:
        self.http.close()


def problem_of(engine: Engine, project: str) -> str:
    """The code of the project's (one) problem."""
    with engine.connect() as conn:
        return conn.execute(select(PB.c.code).select_from(PB.join(P, P.c.id == PB.c.project_id))
                            .where(P.c.code == project)).scalar_one()


def milestone_id(engine: Engine, ref: str) -> int:
    with engine.connect() as conn:
        return resolve_milestone(conn, ref).id
