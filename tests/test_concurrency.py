"""A first night over 50,000 milestones while other processes write and two processes burn
the CPU beside it, on a real SQLite file and on PostgreSQL.

Other `lights` processes record progress, acknowledge, import a ledger and send, each in
a loop, for as long as the night runs. Every process must end with exit 0, or be refused
with its one sentence (the database stayed busy, naming who holds it; another sender
has the outbox); 'database is locked' appears in no output; every write that said it
succeeded is in the database, and the night finished ok. The programme is built once per
module (SQLite: a file copied per test; PostgreSQL: a template database).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select

from bench.synthetic import generate
from engine.migrations import create_database
from engine.store.db import open_database
from engine.store.tables import ACK, OUTBOX, REPORTS, M, R
from tests.conftest import _PG_SKIP, PG_URL
from tests.ledger_files import ledger_xlsx

pytestmark = pytest.mark.concurrency

MILESTONES = 50_000
LIGHTS = str(Path(sys.executable).with_name("lights"))
BUSY = ("The database stayed busy for", "数据库正被占用")
PAUSE = 0.5  # between a writer's processes: four writers must not starve a 2-core machine
OTHER_SENDER = ("Another sender is at work", "另一个发送进程正在发送")


def _env(url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIGHTS_")}
    env.update({"COLUMNS": "200", "LIGHTS_DATABASE_URL": url})
    return env


# Every step tells the units only: a digest per department (~60) rather than one per
# person (~3,000), so the night's composing is a few seconds, not half of the night.
LADDER = [{"step": "remind", "light": "yellow", "days": 0, "roles": ["department"],
           "template": "remind", "zh": "提醒", "en": "Reminder"},
          {"step": "supervise", "light": "red", "days": 0, "roles": ["department"],
           "template": "supervise", "zh": "督办", "en": "Supervision"}]


def _config(cwd: Path) -> None:
    """The first night is a storm: its digests (one per unit) are composed and held (no
    mail written), the administrator told; the run lock beats every half second."""
    cwd.joinpath("config.yaml").write_text(yaml.safe_dump({
        "notices": {"outbox_dir": str(cwd / "outbox"), "storm_threshold": 0.01,
                    "ladder": LADDER,
                    "contacts": [{"name": "值班管理员", "email": "admin@lights.example",
                                  "role": "admin"}]},
        "scheduler": {"lock": {"heartbeat_seconds": 0.5, "expiry_seconds": 10}},
    }, allow_unicode=True), encoding="utf-8")
    ledger_xlsx(cwd / "ledger.xlsx")


# -- the programme, built once per module ------------------------------------------------
@pytest.fixture(scope="module")
def sqlite_programme(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("programme") / "programme.db"
    engine = create_database(f"sqlite:///{path}")
    generate(engine, MILESTONES)
    engine.dispose()
    return path


def _pg_server() -> str:
    return PG_URL.rsplit("/", 1)[0]


def _pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_URL.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(sql)


@pytest.fixture(scope="module")
def pg_programme() -> Iterator[str]:
    """A template database holding the programme; each test copies it."""
    if _PG_SKIP:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL must be reachable in CI: {_PG_SKIP}")
        pytest.skip(_PG_SKIP)
    name = f"lights_night_{uuid.uuid4().hex[:8]}"
    _pg_admin(f'CREATE DATABASE "{name}"')
    engine = create_database(f"{_pg_server()}/{name}")
    generate(engine, MILESTONES)
    engine.dispose()
    yield name
    _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def night_url(request, tmp_path) -> Iterator[str]:
    """A fresh copy of the programme, before its first night."""
    if request.param == "sqlite":
        path = tmp_path / "lights.db"
        shutil.copyfile(request.getfixturevalue("sqlite_programme"), path)
        yield f"sqlite:///{path}"
        return
    template = request.getfixturevalue("pg_programme")
    name = f"{template}_{uuid.uuid4().hex[:6]}"
    _pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    yield f"{_pg_server()}/{name}"
    _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# -- the writers -------------------------------------------------------------------------
@dataclass
class Looper:
    """One kind of writer, run again and again (a new `lights` process each time)."""

    name: str
    args: list[str]
    done: list[subprocess.CompletedProcess] = field(default_factory=list)
    finished_at: list[float] = field(default_factory=list)

    def loop(self, cwd: Path, url: str, stop: threading.Event) -> None:
        i = 0
        while not stop.is_set():
            i += 1
            args = [a.replace("{i}", str(i)) for a in self.args]
            self.done.append(subprocess.run([LIGHTS, *args], cwd=cwd, env=_env(url),
                                            capture_output=True, text=True, timeout=300))
            self.finished_at.append(time.monotonic())
            stop.wait(PAUSE)

    def ok(self) -> int:
        return sum(p.returncode == 0 for p in self.done)


def _refused_with_its_sentence(looper: Looper, p: subprocess.CompletedProcess) -> bool:
    if p.returncode == 1:
        lines = p.stderr.strip().splitlines()
        return len(lines) == 1 and any(b in lines[0] for b in BUSY)
    return looper.name == "send" and p.returncode == 3 and \
        any(s in p.stdout for s in OTHER_SENDER)


def _open_milestones(url: str) -> list[int]:
    """Three milestones still open, at the start, middle and end of the run's order."""
    engine = open_database(url)
    with engine.connect() as conn:
        ids = conn.execute(select(M.c.id).where(M.c.actual_date.is_(None))
                           .order_by(M.c.id)).scalars().all()
    engine.dispose()
    return [ids[0], ids[len(ids) // 2], ids[-1]]


def _night_among_writers(url: str, cwd: Path, burners: int) -> None:
    _config(cwd)
    _, middle, last = _open_milestones(url)
    engine = open_database(url)
    with engine.connect() as conn:
        reports_before = conn.execute(select(func.count()).select_from(REPORTS)
                                      .where(REPORTS.c.milestone_id == middle)).scalar()
    loopers = [
        Looper("progress", ["progress", str(middle), "37", "--note", "第{i}次", "--by", "测试"]),
        Looper("ack", ["ack", str(last), "--by", "测试", "--reason", "正在协调{i}", "--lang",
                       "en"]),
        Looper("import", ["import", "ledger.xlsx", "--by", "测试"]),
        Looper("send", ["send", "--no-wait"]),
    ]
    cpu = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(burners)]
    stop = threading.Event()
    threads = [threading.Thread(target=lp.loop, args=(cwd, url, stop)) for lp in loopers]
    try:
        # tonight (an import records an evaluation of today: an earlier night is refused)
        night = subprocess.Popen([LIGHTS, "run", "--format", "json"], cwd=cwd, env=_env(url),
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        began = time.monotonic()
        for t in threads:
            t.start()
        out, err = night.communicate(timeout=900)
        ended = time.monotonic()
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=600)
        for p in cpu:
            p.kill()
            p.wait()

    outputs = [("run", out + err)] + [(lp.name, p.stdout + p.stderr)
                                      for lp in loopers for p in lp.done]
    assert [n for n, text in outputs if "database is locked" in text] == []
    assert [(n, text[-1500:]) for n, text in outputs if "Traceback" in text] == []
    assert night.returncode == 0, err
    summary = json.loads(out)
    print(f"night {summary['duration_s']:.1f} s (run), whole process {ended - began:.1f} s; "
          + ", ".join(f"{lp.name} {lp.ok()}/{len(lp.done)}" for lp in loopers))
    assert summary["status"] == "ok" and summary["evaluated"] >= MILESTONES
    for lp in loopers:
        wrong = [p for p in lp.done if p.returncode != 0
                 and not _refused_with_its_sentence(lp, p)]
        assert wrong == [], (lp.name, [(p.returncode, p.stdout[-300:], p.stderr[-300:])
                                       for p in wrong])
        assert any(p.returncode == 0 and at < ended
                   for p, at in zip(lp.done, lp.finished_at, strict=True)), \
            f"no {lp.name} got through while the night ran: {[p.stderr for p in lp.done]}"
    with engine.connect() as conn:  # what each writer said it wrote is there, once
        assert conn.execute(select(func.count()).select_from(ACK)
                            .where(ACK.c.milestone_id == last)).scalar() == loopers[1].ok()
        assert conn.execute(select(func.count()).select_from(REPORTS)
                            .where(REPORTS.c.milestone_id == middle)).scalar() \
            == reports_before + loopers[0].ok()
        assert conn.execute(select(R.c.status).where(R.c.mode == "manual")).scalar() == "ok"
        held = conn.execute(select(func.count()).select_from(OUTBOX)  # the storm's digests,
                            .where(OUTBOX.c.status == "held")).scalar()  # by whoever composed
        assert held >= 20 and "held" in summary["notices"]
    engine.dispose()


def test_a_first_night_among_writers_beside_two_cpu_burners(night_url, tmp_path):
    """Writers and burners at once: the harder of the two conditions, in one night per
    database (a night among writers alone is the same test with less load)."""
    _night_among_writers(night_url, tmp_path, burners=2)
