"""Benchmark the nightly run and a status query on a synthetic programme.

    python bench/run_bench.py 100000 [--postgres URL]

Generates N milestones into a fresh SQLite file (or a fresh PostgreSQL schema), then
times the real `lights` command as a separate process for: a first run, a second
run (nothing changes), and `lights status` filtered to one region. Peak memory is
the child process's maximum resident set size. Prints one line per phase.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.synthetic import BENCH_AS_OF, generate
from engine.migrations import create_database

LIGHTS = str(Path(sys.executable).with_name("lights"))


def measure(args: list[str], cwd: str) -> tuple[float, float, str]:
    """Wall seconds, peak RSS in MiB, and stdout of one `lights` invocation."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIGHTS_")}
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        proc = subprocess.Popen([LIGHTS, *args], cwd=cwd, stdout=out, stderr=subprocess.PIPE,
                                env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        err = proc.stderr.read().decode() if proc.stderr else ""
        if proc.returncode != 0:
            raise SystemExit(f"lights {' '.join(args)} failed: {err}")
        out.seek(0)
        return elapsed, usage.ru_maxrss / 1024, out.read().decode()


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, help="number of milestones")
    parser.add_argument("--postgres", metavar="URL",
                        help="benchmark on PostgreSQL, e.g. "
                             "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    opts = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        schema = None
        if opts.postgres:
            url, schema = pg_schema_url(opts.postgres)
        else:
            url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        try:
            engine = create_database(url)
            start = time.perf_counter()
            generate(engine, opts.n)
            gen_s = time.perf_counter() - start
            with engine.connect() as conn:
                from sqlalchemy import text

                region = conn.execute(text(
                    "SELECT region FROM project GROUP BY region ORDER BY region LIMIT 1")).scalar()
                total = conn.execute(text("SELECT count(*) FROM milestone")).scalar()
            engine.dispose()

            db = ["--database", url]
            as_of = ["--as-of", BENCH_AS_OF.isoformat()]
            print(f"machine: {platform.machine()}, {os.cpu_count()} cores, "
                  f"Python {platform.python_version()}, {platform.platform()}")
            print(f"database: {'PostgreSQL' if opts.postgres else 'SQLite file'}, "
                  f"{total} milestones generated in {gen_s:.1f} s")
            for label, args in (
                ("first run", ["run", *as_of, "--format", "json", *db]),
                ("second run (no change)", ["run", *as_of, "--format", "json", *db]),
                (f"status --region {region}", ["status", "--region", region, "--format", "json",
                                               *db]),
            ):
                secs, rss, out = measure(args, tmp)
                data = json.loads(out)
                detail = (f"{data['moves']} moves, engine {data['duration_s']:.2f} s"
                          if isinstance(data, dict) else f"{len(data)} rows")
                print(f"{label:<34} {secs:7.2f} s  peak {rss:6.0f} MiB  ({detail})")
        finally:
            if schema:
                drop_schema(opts.postgres, schema)


if __name__ == "__main__":
    main()
