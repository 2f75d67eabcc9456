"""Benchmark escalation notices: plan, render and deliver 10,000 notices over SMTP.

    python bench/notices_bench.py [--notices 10000]

Builds a fresh SQLite programme in a temporary directory in which N/4 milestones turn
red on one night, each told to 4 people of its own (owner, secretary, department,
leader): N notices, N digests. A real aiosmtpd server (its Sink handler) runs as a
separate process on 127.0.0.1, so the server does not share this process's GIL.
Prints one line per phase and messages per second:

- night: the run with its notices stage, the follow-ups and the coverage check;
- render: composing the digests (Jinja, CSS inlining) and writing the outbox rows;
- deliver: sending them over one SMTP connection and recording each outcome.
"""

from __future__ import annotations

import argparse
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, select

from engine.config import load_config
from engine.evaluation.run import run
from engine.migrations import create_database
from engine.nightly import stages
from engine.store.db import open_database, writer
from engine.store.models import Milestone, Project
from notifications.digest import compose
from notifications.dispatch import dispatch
from notifications.plan import Planner, coverage

AS_OF = date(2026, 11, 26)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(port: int, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"no SMTP server on 127.0.0.1:{port}")


def build(url: str, milestones: int) -> None:
    engine = create_database(url)
    projects = [{"code": f"B-{i:05d}", "name": f"基准项目{i}", "region": f"区{i % 12}",
                 "department": f"部门{i % 17}", "secretary": f"秘书{i}",
                 "secretary_email": f"sec{i}@bench.example", "leader": f"领导{i}",
                 "leader_email": f"lead{i}@bench.example",
                 "department_email": f"dept{i}@bench.example", "outdoor": False}
                for i in range(milestones)]
    with writer(engine).begin() as conn:
        conn.execute(insert(Project), projects)
        ids = conn.execute(select(Project.id).order_by(Project.id)).scalars().all()
        conn.execute(insert(Milestone), [
            {"project_id": pid, "name": "主体完工", "kind": "structure",
             "planned_date": date(2026, 11, 20), "baseline_date": date(2026, 11, 20),
             "percent": 40.0, "owner": f"责任人{i}", "owner_email": f"own{i}@bench.example",
             "last_report_date": date(2026, 11, 19), "light_facts": []}
            for i, pid in enumerate(ids)])
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--notices", type=int, default=10_000)
    args = parser.parse_args()
    milestones = args.notices // 4
    work = Path(tempfile.mkdtemp(prefix="notices-bench-"))
    os.chdir(work)
    url = f"sqlite:///{work / 'bench.db'}"
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "aiosmtpd", "-n", "-l",
                               f"127.0.0.1:{port}", "-c", "aiosmtpd.handlers.Sink"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(port)
        build(url, milestones)
        (work / "config.yaml").write_text(
            "notices:\n  storm_threshold: 1.0\n  send_after_run: false\n"
            f"  smtp: {{host: 127.0.0.1, port: {port}, security: none}}\n", encoding="utf-8")
        config = load_config(work / "config.yaml", env={})
        engine = open_database(url)
        print(f"# notices benchmark: {args.notices} notices ({milestones} red milestones x 4 "
              f"people), Python {platform.python_version()}, {os.cpu_count()} cores, "
              f"SQLite, aiosmtpd Sink on 127.0.0.1")

        start = time.perf_counter()
        summary = run(engine, config, AS_OF, mode="manual", stages=stages(config))
        with writer(engine).begin() as conn:
            Planner(config, AS_OF, summary.run_id).followups(conn)
        with engine.connect() as conn:
            coverage(conn, config)
        night = time.perf_counter() - start
        print(f"night (run + notices stage + follow-ups): {night:.2f} s for "
              f"{summary.evaluated} milestones")

        start = time.perf_counter()
        with writer(engine).begin() as conn:
            composed = compose(conn, config, AS_OF)
        render = time.perf_counter() - start
        print(f"render: {composed.messages} digests of {composed.notices} notices in "
              f"{render:.2f} s = {composed.messages / render:.0f} messages/s")

        start = time.perf_counter()
        result = dispatch(engine, config, wait=False)
        deliver = time.perf_counter() - start
        print(f"deliver over SMTP: {result.sent} sent, {result.failed} failed in "
              f"{deliver:.2f} s = {result.sent / deliver:.0f} messages/s")
        total = render + deliver
        print(f"render + deliver: {result.sent / total:.0f} messages/s")
        engine.dispose()
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
