"""Real processes for the scheduler tests: the `lights` service, a lock holder, polling,
the lock a killed process left expiring."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any, TypeVar

import yaml
from sqlalchemy import insert, select
from sqlalchemy.engine import Engine

from engine.store.models import Milestone
from engine.store.tables import L
from tests.builders import add_project

ROOT = Path(__file__).resolve().parent.parent
LIGHTS = str(Path(sys.executable).with_name("lights"))
T = TypeVar("T")


def clean_env(url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIGHTS_")}
    env.update({"COLUMNS": "200", "LIGHTS_DATABASE_URL": url, **extra})
    return env


def start_lights(cwd: Path, url: str, *args: str, log: Path) -> subprocess.Popen:
    """A long-running `lights` (the scheduler service), stderr into ``log``."""
    return subprocess.Popen([LIGHTS, *args], cwd=cwd, env=clean_env(url),
                            stdout=subprocess.DEVNULL, stderr=log.open("w"), text=True)


def start_holder(url: str, job: str = "nightly", heartbeat: float = 0.5,
                 expiry: float = 3.0) -> subprocess.Popen:
    """Another process holding the run lock (tests/lock_holder.py) until it is killed."""
    proc = subprocess.Popen([sys.executable, "-m", "tests.lock_holder", url, job,
                             str(heartbeat), str(expiry)], cwd=ROOT, env=clean_env(url),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline() if proc.stdout else ""
    if line.strip() != "held":
        proc.kill()
        raise AssertionError(f"lock holder did not start: {proc.communicate()[1]}")
    return proc


def wait_for(what: Callable[[], T], timeout: float = 30, every: float = 0.05) -> T:
    """Poll until ``what()`` is truthy; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = what()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout} s in vain for {what.__doc__ or what}")
        time.sleep(every)


def wait_for_expiry(engine: Engine, name: str, expiry: float) -> None:
    """Until the lock ``name`` that a killed process left is older than ``expiry`` seconds
    (or gone): the next process takes it over then, not before."""
    def expired() -> bool:
        with engine.connect() as conn:
            beat = conn.execute(select(L.c.heartbeat_at).where(L.c.name == name)).scalar()
        return beat is None or beat < time.time() - expiry - 0.05

    wait_for(expired, timeout=30)


def write_config(path: Path, sections: dict[str, Any] | None = None, **scheduler: Any) -> Path:
    """config.yaml with a scheduler section (and ``sections``); runs in chunks of 100."""
    base = {"weekly_summary": None, "monthly_bulletin": None, "quarterly_bulletin": None,
            "annual_bulletin": None, "outbox_retry_minutes": None,
            "lock": {"heartbeat_seconds": 0.5, "expiry_seconds": 3}}
    path.write_text(yaml.safe_dump({"run": {"chunk_size": 100}, **(sections or {}),
                                    "scheduler": {**base, **scheduler}}, allow_unicode=True),
                    encoding="utf-8")
    return path


def programme(engine: Engine, milestones: int) -> None:
    """One project whose ``milestones`` open nodes are all overdue (each run moves them)."""
    pid = add_project(engine, "BIG", outdoor=False)
    planned, start = date.today() - timedelta(days=40), date.today() - timedelta(days=200)
    rows = [{"project_id": pid, "name": f"节点{i}", "seq": i, "planned_date": planned,
             "baseline_date": planned, "planned_start": start, "light_facts": [],
             "percent": 0.0, "state": "planned", "kind": "custom", "weight": 1.0,
             "owner": "", "owner_email": "", "reason": "", "light_rules": ""}
            for i in range(milestones)]
    with engine.begin() as conn:
        conn.execute(insert(Milestone.__table__), rows)  # type: ignore[attr-defined]
