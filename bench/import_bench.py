"""Benchmark the ledger import: N milestones from a generated .xlsx into a fresh database.

    python bench/import_bench.py [100000] [--postgres URL] [--keep DIR]

Generates a two-sheet ledger (项目: N/10 projects, 节点: N milestones) with values in
the forms ledgers use (Excel date cells, "60%", 0.6, "1.2亿元", text dates). openpyxl
writes every text as an inline string; Excel and WPS save them in a shared string
table, which reads about a third faster, so the file is rewritten that way (and given
its <dimension>, as Excel writes it). Then imports it into a fresh SQLite file (or
PostgreSQL schema) in this process, timing the phases: read + validate, then plan +
write + light (one transaction); then the same file again (nothing changes), and a
file with every planned date moved (N re-plans). Prints one line per phase with wall
seconds, CPU seconds of this process (and of the PostgreSQL server's processes, when
they run on this machine and can be read), and rows per second (wall); the read of the
openpyxl-written file (as `lights export` writes it) is timed too.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import resource
import sys
import tempfile
import time
import uuid
import zipfile
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from openpyxl import Workbook
from sqlalchemy import event

from engine.config import load_config
from engine.ledger.load import import_ledger
from engine.ledger.validate import read_ledger
from engine.migrations import create_database

AS_OF = date(2026, 11, 23)
REGIONS = ["南岗区", "道里区", "道外区", "香坊区", "松北区", "平房区", "呼兰区", "阿城区", "双城区"]
KINDS = ["立项", "用地", "规划许可", "环评", "施工许可", "开工", "主体完工", "设备安装", "竣工",
         "投产"]
CATEGORIES = ["产业", "基础设施", "服务业", "社会事业", "民生", "医疗卫生"]


def generate(path: Path, milestones: int, shift_days: int = 0) -> None:
    """The ledger file; ``shift_days`` moves every planned date (for the re-plan pass)."""
    book = Workbook(write_only=True)
    projects = max(1, milestones // 10)
    ws = book.create_sheet("项目")
    ws.calculate_dimension = lambda: f"A1:L{projects + 1}"
    ws.append(["项目编号", "项目名称", "建设单位", "责任单位", "所属地区", "项目类别", "建设性质",
               "项目级别", "总投资（万元）", "年度计划投资（万元）", "包保领导", "服务秘书"])
    for p in range(projects):
        total = 500 + (p * 37) % 90000
        ws.append([f"XM-{p:06d}", f"第{p}号重点项目（一期）", f"某某建设有限公司{p % 500}",
                   f"市局{p % 40}", REGIONS[p % len(REGIONS)], CATEGORIES[p % len(CATEGORIES)],
                   "新建" if p % 3 else "续建", ("省级", "市级", "县区级")[p % 3],
                   f"{total / 10000:.4f}亿元" if p % 5 == 0 else total, total // 3,
                   f"领导{p % 60}", f"秘书{p % 300}"])
    ws = book.create_sheet("节点")
    ws.calculate_dimension = lambda: f"A1:H{milestones + 1}"
    ws.append(["项目编号", "节点名称", "节点类型", "计划开始时间", "计划完成时间", "完成进度",
               "实际完成时间", "报送日期"])
    base = date(2026, 1, 5)
    for m in range(milestones):
        p, k = divmod(m, 10)
        start = base + timedelta(days=(p % 200) + k * 30)
        planned = start + timedelta(days=60 + shift_days)
        reported = min(AS_OF, start + timedelta(days=40))
        done = planned - timedelta(days=3) if planned < AS_OF and m % 4 else None
        percent = 100 if done else [None, "60%", 0.35, 80, "0.5"][m % 5]
        ws.append([f"XM-{p:06d}", f"{KINDS[k]}节点", KINDS[k], start,
                   planned.isoformat() if m % 2 else planned, percent, done,
                   reported if percent is not None else None])
    book.save(path)


_INLINE = re.compile(r'<c r="([A-Z]+[0-9]+)"([^>]*?) t="inlineStr"><is><t(?: [^>]*)?>(.*?)'
                     r'</t></is></c>', re.S)


def as_excel_saves_it(src: Path, dst: Path) -> None:
    """The same workbook with its texts in a shared string table, as Excel saves it."""
    strings: dict[str, int] = {}

    def shared(match: re.Match[str]) -> str:
        index = strings.setdefault(match.group(3), len(strings))
        return f'<c r="{match.group(1)}"{match.group(2)} t="s"><v>{index}</v></c>'

    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for name in zin.namelist():
            data = zin.read(name).decode("utf-8")
            if name.startswith("xl/worksheets/sheet"):
                data = _INLINE.sub(shared, data)
            elif name == "[Content_Types].xml":
                data = data.replace("</Types>", '<Override PartName="/xl/sharedStrings.xml" '
                                    'ContentType="application/vnd.openxmlformats-officedocument.'
                                    'spreadsheetml.sharedStrings+xml"/></Types>')
            elif name == "xl/_rels/workbook.xml.rels":
                data = data.replace("</Relationships>", '<Relationship Id="rIdSST" Type="http://'
                                    'schemas.openxmlformats.org/officeDocument/2006/relationships/'
                                    'sharedStrings" Target="sharedStrings.xml"/></Relationships>')
            zout.writestr(name, data)
        table = "".join(f"<si><t>{text}</t></si>" for text in strings)
        zout.writestr("xl/sharedStrings.xml", '<?xml version="1.0" encoding="UTF-8"?>\n<sst '
                      'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                      f'count="{len(strings)}" uniqueCount="{len(strings)}">{table}</sst>')


BACKENDS: set[int] = set()  # PostgreSQL server processes of the benchmark's connections


def server_cpu() -> float | None:
    """CPU seconds of the local PostgreSQL backends so far (None if not readable): on a
    shared machine the steadier figure for the server's part."""
    total = 0.0
    try:
        for pid in BACKENDS:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return None
    return total if BACKENDS else None


def timed(label: str, n: int, func, *args, **kwargs):  # type: ignore[no-untyped-def]
    start, cpu, server = time.perf_counter(), time.process_time(), server_cpu()
    result = func(*args, **kwargs)
    secs, cpu = time.perf_counter() - start, time.process_time() - cpu
    after = server_cpu()
    on_server = f" + {after - (server or 0):.2f} server cpu s" if after is not None else ""
    print(f"{label:<44} {secs:8.2f} s {cpu:8.2f} cpu s {n / secs:10,.0f} rows/s{on_server}",
          flush=True)
    return result, secs


def pg_schema_url(base: str) -> tuple[str, str]:
    import psycopg

    schema = f"lights_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(base.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options={quote(f'-csearch_path={schema}')}", schema


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("milestones", type=int, nargs="?", default=100_000)
    parser.add_argument("--postgres", metavar="URL")
    parser.add_argument("--keep", metavar="DIR", help="keep the files in DIR")
    args = parser.parse_args()
    n = args.milestones
    work = Path(args.keep or tempfile.mkdtemp(prefix="lights-import-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"# Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f}; {n:,} milestones, {max(1, n // 10):,} projects")
    written, moved_written = work / "openpyxl.xlsx", work / "openpyxl-moved.xlsx"
    ledger_file, moved_file = work / "ledger.xlsx", work / "ledger-moved.xlsx"
    timed("generate the .xlsx (openpyxl write-only)", n, generate, written, n)
    generate(moved_written, n, shift_days=14)
    as_excel_saves_it(written, ledger_file)
    as_excel_saves_it(moved_written, moved_file)
    print(f"# file size {ledger_file.stat().st_size / 2**20:.1f} MiB")
    config = load_config(env={})
    timed("read + validate, as openpyxl writes it", n, read_ledger, [written], config, "zh",
          AS_OF)

    schema = None
    if args.postgres:
        url, schema = pg_schema_url(args.postgres)
    else:
        url = f"sqlite:///{work / 'bench.db'}"
        (work / "bench.db").unlink(missing_ok=True)
    engine = create_database(url)
    engine.dispose()  # the connections from here on tell their server process

    @event.listens_for(engine, "connect")
    def backend(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        if engine.dialect.name == "postgresql":
            with dbapi_connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                BACKENDS.add(cursor.fetchone()[0])

    try:
        for label, path in (("first import", ledger_file), ("same file again (no change)",
                                                            ledger_file),
                            ("every planned date moved (re-plans)", moved_file)):
            print(f"## {label} into {engine.dialect.name}")
            ledger, read_s = timed("  read + validate", n, read_ledger, [path], config, "zh",
                                   AS_OF)
            assert not ledger.problems, ledger.problems[:3]
            summary, load_s = timed("  plan + write + light (one transaction)", n,
                                    import_ledger, engine, config, ledger, lang="zh",
                                    today=AS_OF, as_of=AS_OF)
            total = read_s + load_s
            print(f"  {'total':<42} {total:8.2f} s {'':13}{n / total:10,.0f} rows/s   "
                  f"milestones {summary.milestones}, reports {summary.reports}, "
                  f"lights moved {len(summary.moves):,}", flush=True)
            ledger = summary = None  # one ledger in memory at a time, as in `lights import`
    finally:
        engine.dispose()
        if schema:
            import psycopg

            with psycopg.connect(args.postgres.replace("+psycopg", ""), autocommit=True) as c:
                c.execute(f'DROP SCHEMA "{schema}" CASCADE')
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"# peak resident memory {peak:,.0f} MiB")


if __name__ == "__main__":
    main()
