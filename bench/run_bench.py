"""Benchmark the nights, a status query and the start-up on a synthetic programme.

    python bench/run_bench.py N [--postgres URL] [--workers K] [--format text|json]

Generates N milestones into a fresh SQLite file (or a fresh PostgreSQL schema), then
times the real `lights` command as a separate process for: the first night (every
milestone lit for the first time, with its notices), a night where nothing changed
(the same date again), a steady night (three days later: a few percent of the lights
move, more of the numbers), `lights status --region R` (as JSON: every row; and as the
table: the worst 50, every light counted), and `lights --help`. Each
phase gives wall seconds, CPU seconds (user + system of the process and of the
processes it started: the composing workers), its peak resident memory, the largest
sum of the resident memory of all its processes at one time, and the moves.

Beside each night, the floor: the default rules as one set-based SQL pass (see
bench/floor.py) over the same data in the same state, measured the same way, and
the ratio of the night to it. On SQLite the floor runs on a copy of the database
and commits; on PostgreSQL it runs in the benchmark's schema before each night and
is rolled back (its CPU is the server's and is not counted).

The machine is named, with its load average before each phase: on a shared machine
the CPU seconds are the steadier figure.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.floor import floor_pass
from bench.synthetic import BENCH_AS_OF, generate
from engine.config import load_config
from engine.migrations import create_database
from engine.store.db import make_engine

LIGHTS = str(Path(sys.executable).with_name("lights"))
STEADY_DAYS = 3


class Tree:
    """The processes a `lights` command starts (its composing workers come from a fork
    server, which the command does not wait for: their CPU is not in its rusage),
    sampled from /proc every 0.1 s: each process's CPU as last seen, and the largest
    sum of their resident memory at one time."""

    def __init__(self, root: int) -> None:
        self.root, self.cpu, self.peak = root, {}, 0
        self.tick, self.page = os.sysconf("SC_CLK_TCK"), os.sysconf("SC_PAGE_SIZE")
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.wait(0.1):
            stats: dict[int, list[str]] = {}
            for pid in filter(str.isdigit, os.listdir("/proc")):
                try:
                    with open(f"/proc/{pid}/stat") as f:
                        stats[int(pid)] = f.read().rsplit(")", 1)[1].split()
                except OSError:
                    continue
            tree, grew = {self.root}, True
            while grew:
                grew = False
                for pid, st in stats.items():
                    if pid not in tree and int(st[1]) in tree:
                        tree.add(pid)
                        grew = True
            rss = 0
            for pid in tree & stats.keys():
                st = stats[pid]
                self.cpu[pid] = (int(st[11]) + int(st[12])) / self.tick
                rss += int(st[21]) * self.page
            self.peak = max(self.peak, rss)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def measure(args: list[str], cwd: str) -> tuple[dict[str, Any], str]:
    """One `lights` invocation: wall, CPU, peak RSS; and its stdout. CPU and memory
    are of its process and of the processes it started (see Tree)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIGHTS_")}
    load = os.getloadavg()[0]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen([LIGHTS, *args], cwd=cwd, stdout=out, stderr=err, env=env)
        tree = Tree(proc.pid)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        tree.stop()
        code = os.waitstatus_to_exitcode(status)
        if code != 0:
            err.seek(0)
            raise SystemExit(f"lights {' '.join(args)} exited {code}: {err.read().decode()}")
        out.seek(0)
        own = usage.ru_utime + usage.ru_stime
        others = sum(cpu for pid, cpu in tree.cpu.items() if pid != proc.pid)
        return {"wall_s": round(wall, 3), "cpu_s": round(own + others, 3),
                "peak_mib": round(usage.ru_maxrss / 1024, 1),
                "tree_peak_mib": round(max(tree.peak / 2**20, usage.ru_maxrss / 1024), 1),
                "moves": None, "load_avg": round(load, 2)}, out.read().decode()


def machine() -> str:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{platform.machine()} {os.cpu_count()} cores{f' ({cpu})' if cpu else ''}, "
            f"Python {platform.python_version()}, {platform.system()} {platform.release()}")


def pg_schema_url(base: str) -> tuple[str, str]:
    import psycopg

    schema = f"lights_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(base.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options={quote(f'-csearch_path={schema}')}", schema


def drop_schema(base: str, schema: str) -> None:
    import psycopg

    with psycopg.connect(base.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def copy_sqlite(source: Path, target: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{source}{suffix}").exists():
            shutil.copyfile(f"{source}{suffix}", f"{target}{suffix}")


def _generate(url: str, n: int) -> None:
    engine = create_database(url)
    generate(engine, n)
    engine.dispose()


def run_phases(url: str, floor_url: str | None, workers: int, tmp: str) -> dict[str, Any]:
    """The three nights with their floors, the status query and the help."""
    config = load_config(env={})
    db = ["--database", url]
    extra = ["--workers", str(workers)] if workers > 1 else []
    floor_engine = make_engine(floor_url or url)
    keep = floor_url is not None  # SQLite: a copy, committed; PostgreSQL: rolled back
    out: dict[str, Any] = {}
    nights = (("first_night", BENCH_AS_OF), ("no_change_night", BENCH_AS_OF),
              ("steady_night", BENCH_AS_OF + timedelta(days=STEADY_DAYS)))
    for phase, as_of in nights:
        floor = floor_pass(floor_engine, config, as_of, keep=keep)
        result, stdout = measure(["run", "--as-of", as_of.isoformat(), "--force", "--format",
                                  "json", *extra, *db], tmp)
        data = json.loads(stdout)
        result["moves"] = data["moves"]
        result["engine_s"] = data["duration_s"]
        result["floor"] = {"wall_s": round(floor.wall_s, 3), "cpu_s": round(floor.cpu_s, 3),
                           "moves": floor.moves}
        result["ratio"] = round(result["wall_s"] / floor.wall_s, 2) if floor.wall_s else None
        out[phase] = result
    floor_engine.dispose()
    engine = make_engine(url)
    with engine.connect() as conn:
        from sqlalchemy import text

        region = conn.execute(text("SELECT region FROM project GROUP BY region "
                                   "ORDER BY count(*) DESC, region LIMIT 1")).scalar()
    engine.dispose()
    result, stdout = measure(["status", "--region", region, "--format", "json", *db], tmp)
    result["moves"] = 0
    result["rows"] = len(json.loads(stdout))
    result["region"] = region
    out["status_region"] = result
    result, _ = measure(["status", "--region", region, *db], tmp)  # the table: the worst 50
    result["moves"] = 0
    out["status_table"] = result
    result, _ = measure(["--help"], tmp)
    result["moves"] = 0
    out["help"] = result
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, help="number of milestones")
    parser.add_argument("--postgres", metavar="URL",
                        help="benchmark on PostgreSQL, e.g. "
                             "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--workers", type=int, default=1, metavar="K",
                        help="lights run --workers K (PostgreSQL)")
    parser.add_argument("--compose-processes", type=int, metavar="K",
                        help="notices.compose_processes for the nights (default: the "
                             "configuration's, one per core)")
    parser.add_argument("--format", choices=["text", "json"], default="text")
    parser.add_argument("--keep", metavar="DIR", help="keep the SQLite files in DIR")
    parser.add_argument("--programme", metavar="FILE",
                        help="a SQLite copy of a programme this script generated before "
                             "(skips generating N milestones again)")
    opts = parser.parse_args()

    with tempfile.TemporaryDirectory(dir=opts.keep) as tmp:
        schema = None
        floor_url = None
        if opts.postgres:
            url, schema = pg_schema_url(opts.postgres)
        else:
            url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        try:
            start = time.perf_counter()
            if opts.programme and not opts.postgres:
                copy_sqlite(Path(opts.programme), Path(tmp) / "bench.db")
                engine = create_database(url)  # brought to this schema if older
            else:
                # In a process of its own: its memory would otherwise stay this process's
                # peak, which Linux hands on to every `lights` started from it.
                ctx = multiprocessing.get_context("spawn")
                proc = ctx.Process(target=_generate, args=(url, opts.n))
                proc.start()
                proc.join()
                if proc.exitcode != 0:
                    raise SystemExit("generating the programme failed")
                engine = make_engine(url)
            gen_s = time.perf_counter() - start
            with engine.connect() as conn:
                from sqlalchemy import text

                total = conn.execute(text("SELECT count(*) FROM milestone")).scalar()
            engine.dispose()
            if not opts.postgres:
                floor_db = Path(tmp) / "floor.db"
                copy_sqlite(Path(tmp) / "bench.db", floor_db)
                floor_url = f"sqlite:///{floor_db}"
            if opts.compose_processes is not None:  # the nights read ./config.yaml
                (Path(tmp) / "config.yaml").write_text(
                    f"notices:\n  compose_processes: {opts.compose_processes}\n")
            phases = run_phases(url, floor_url, opts.workers, tmp)
        finally:
            if schema:
                drop_schema(opts.postgres, schema)
    report = {"n": total, "database": "PostgreSQL" if opts.postgres else "SQLite file",
              "machine": machine(), "workers": opts.workers,
              "compose_processes": opts.compose_processes,
              "generated_s": round(gen_s, 1), **phases}
    if opts.format == "json":
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return
    print(f"machine: {report['machine']}")
    print(f"database: {report['database']}, {total} milestones generated in {gen_s:.1f} s"
          + (f", {opts.workers} workers" if opts.workers > 1 else ""))
    for phase in ("first_night", "no_change_night", "steady_night", "status_region",
                  "status_table", "help"):
        r = report[phase]
        line = (f"{phase:<16} {r['wall_s']:8.2f} s wall {r['cpu_s']:8.2f} s CPU "
                f"{r['peak_mib']:7.0f} MiB ({r['tree_peak_mib']:.0f} all processes)  "
                f"moves {r['moves']:>8}  load {r['load_avg']}")
        if "floor" in r:
            f = r["floor"]
            line += f"  floor {f['wall_s']:.2f} s (CPU {f['cpu_s']:.2f} s), ratio {r['ratio']}"
        if "rows" in r:
            line += f"  ({r['rows']} rows, {r['region']})"
        print(line)


if __name__ == "__main__":
    main()
