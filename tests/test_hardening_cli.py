"""Issue 12: every bad input one sentence, no typo that stops the nights, one percent rule.

Most cases run in process (click's CliRunner: the same group, milliseconds); three of
the ones that used to print a traceback, and the full disk, also run through the real
entry point, where a shell sees the exit status, one line on stderr and no traceback,
and the database unchanged.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from engine.config import load_config
from tests.builders import copy_sqlite
from tests.cli_runner import lights, lights_process
from tests.hardening_helpers import build_programme, snapshot


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("programme")
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(home)
        return build_programme(home)


@pytest.fixture
def home(built: Path, tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    copy_sqlite(built, tmp_path)
    return tmp_path


def one_sentence(out) -> str:
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert "Traceback" not in out.stderr and lines[0].startswith("lights: ")
    return lines[0]


# -- click's own errors: Chinese by default, --lang anywhere ----------------------------
def test_usage_errors_are_one_chinese_sentence(home):
    out = lights(home, "suspend", "HB-001/开工")
    assert out.returncode == 2
    assert one_sentence(out) == ("lights: 用法有误：缺少选项 --reason"
                                 "（lights suspend --help 查看用法）")
    typo = lights(home, "status", "--regoin", "北湖区")
    assert "没有选项 --regoin（是否想用 --region？）" in one_sentence(typo)
    choice = lights(home, "notices", "--status", "lost")
    assert "“lost” 不是可选的值（“pending”、“held”、“sent”、“failed”）" in one_sentence(choice)
    extra = lights(home, "status", "a", "b")
    assert "多余的参数：a b" in one_sentence(extra)


def test_lang_is_accepted_before_and_after_the_command(home):
    after = lights(home, "suspend", "HB-001/开工", "--lang", "en")
    before = lights(home, "--lang", "en", "suspend", "HB-001/开工")
    for out in (after, before):
        assert out.returncode == 2
        assert one_sentence(out) == ("lights: usage: Missing option '--reason'. "
                                     "(see lights suspend --help)")
    table = lights(home, "--lang", "en", "status")
    assert table.returncode == 0 and "3 milestones" in table.stdout
    assert lights(home, "--database", "lights.db", "status", "--format", "json").returncode == 0


# -- one percent rule ----------------------------------------------------------------------
@pytest.mark.parametrize(("typed", "stored"), [("60%", 60.0), ("60", 60.0), ("0.5", 50.0),
                                                ("1%", 1.0), ("1", 100.0), ("６５％", 65.0)])
def test_progress_reads_a_percentage_as_the_ledger_does(home, typed, stored):
    out = lights(home, "progress", "HB-001/主体完工", typed)
    assert out.returncode == 0, out.stderr
    rows = json.loads(lights(home, "status", "--format", "json", "--project", "HB-001").stdout)
    assert {r["milestone"]: r["percent"] for r in rows}["主体完工"] == stored


def test_a_bad_percentage_says_the_rule(home):
    before = snapshot(home / "lights.db")
    out = lights(home, "progress", "HB-001/主体完工", "六十")
    assert out.returncode == 2
    line = one_sentence(out)
    assert "“六十”不是百分比" in line and "1% 要写成 1%" in line
    over = lights(home, "progress", "HB-001/主体完工", "120%", "--lang", "en")
    assert "progress 120% is over 100%" in one_sentence(over)
    assert snapshot(home / "lights.db") == before


def test_a_report_dated_after_today_is_refused(home):
    before = snapshot(home / "lights.db")
    tomorrow = load_config(env={}).today() + timedelta(days=1)
    out = lights(home, "progress", "HB-001/主体完工", "50", "--date", tomorrow.isoformat())
    assert out.returncode == 1
    assert f"报送日期 {tomorrow} 晚于今天" in one_sentence(out)
    assert snapshot(home / "lights.db") == before


# -- an as-of typo does not stop the nights ----------------------------------------------------
def test_a_run_far_past_today_is_refused_unless_forced(home):
    today = load_config(env={}).today()
    far = today + timedelta(days=30)
    before = snapshot(home / "lights.db")
    out = lights(home, "run", "--as-of", far.isoformat())
    assert out.returncode == 1
    assert f"评估日期 {far} 比今天（{today}）晚 30 天" in one_sentence(out)
    assert "--force" in out.stderr
    assert snapshot(home / "lights.db") == before
    dry = lights(home, "run", "--as-of", far.isoformat(), "--dry-run", "--format", "json")
    assert dry.returncode == 0, dry.stderr  # a dry run writes nothing: it may look ahead
    near = lights(home, "run", "--as-of", (today + timedelta(days=3)).isoformat())
    assert near.returncode == 0, near.stderr
    forced = lights(home, "run", "--as-of", far.isoformat(), "--force", "--format", "json")
    assert forced.returncode == 0 and json.loads(forced.stdout)["as_of"] == far.isoformat()


def test_the_days_ahead_are_configurable(home):
    (home / "config.yaml").write_text("run:\n  max_days_ahead: 0\n", encoding="utf-8")
    tomorrow = load_config(env={}).today() + timedelta(days=1)
    out = lights(home, "run", "--as-of", tomorrow.isoformat())
    assert out.returncode == 1 and "run.max_days_ahead（0 天）" in out.stderr


# -- what used to be a traceback, some through the real entry point ------------------------------
BAD_INPUTS = [
    (("run", "--as-of", "9999-12-31"), 2, "年份不在 1990–2100 之间"),
    (("replan", "HB-001/开工", "9999-12-31", "--reason", "x"), 2, "年份不在 1990–2100 之间"),
    (("ack", "HB-001/开工", "--days", "1000000000", "--by", "x", "--reason", "y"), 2,
     "不在允许的范围 1<=x<=3660 内"),
    (("status", "--database", "mysql://x/y"), 1, "mysql:// is not a database Lights uses"),
    (("status", "--config", "binary.yaml"), 1, "binary.yaml: not a text file in UTF-8"),
    (("progress", "HB-001/开工", "60%%"), 2, "不是百分比"),
    (("export", "/nonexistent/dir/x.xlsx"), 1, "无法写入 /nonexistent/dir/x.xlsx：目录"),
    (("bulletin", "--month", "2026-12", "--out", "/nonexistent/dir/b.html"), 1,
     "目录 /nonexistent/dir 不存在"),
]


# A new process costs a second of imports: every case in process (an exception the command
# does not turn into its sentence fails the test there too), three through the real one.
THROUGH_THE_REAL_COMMAND = ["run --as-of", "status --config", "export /nonexistent/dir/x.xlsx"]


@pytest.mark.parametrize(("args", "code", "words"), BAD_INPUTS,
                         ids=[" ".join(a[:2]) for a, _, _ in BAD_INPUTS])
def test_bad_input_is_one_sentence(home, args, code, words):
    (home / "binary.yaml").write_bytes(bytes(range(256)))
    before = snapshot(home / "lights.db")
    ran = lights_process if " ".join(args[:2]) in THROUGH_THE_REAL_COMMAND else lights
    out = ran(home, *args)
    assert out.returncode == code, out.stderr
    assert words in one_sentence(out)
    assert snapshot(home / "lights.db") == before


@pytest.mark.parametrize(("args", "words"), [
    (("--database", "mysql://x/y", "status"), "mysql://"),
    (("status", "--config", "binary.yaml", "--lang", "en"), "Bad configuration: binary.yaml"),
])
def test_bad_input_in_process_too(home, args, words):
    (home / "binary.yaml").write_bytes(bytes(range(256)))
    out = lights(home, *args)
    assert out.returncode == 1 and words in one_sentence(out)


def test_template_to_a_missing_directory_in_process(home):
    out = lights(home, "template", "nowhere/t.xlsx", "--lang", "en")
    assert out.returncode == 1
    assert one_sentence(out) == ("lights: Cannot write nowhere/t.xlsx: the directory nowhere "
                                 "does not exist")


@pytest.fixture
def full_disk(tmp_path) -> Iterator[Path]:
    """A 64 KiB tmpfs, filled up: a disk with no room for an export."""
    mount = tmp_path / "full"
    mount.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs to fill up here: {made.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=True)


def test_a_full_disk_leaves_the_earlier_file_and_no_partial_one(home, full_disk):
    earlier = full_disk / "台账.xlsx"
    earlier.write_bytes(b"the export of last week")
    with pytest.raises(OSError), (full_disk / "filler").open("wb") as filler:
        while True:
            filler.write(b"x" * 4096)
            filler.flush()
    filler = full_disk / "filler"
    os.truncate(filler, filler.stat().st_size - 4096)  # one page left: the export starts
    out = lights_process(home, "export", str(earlier))
    assert out.returncode == 1
    assert "磁盘已满（No space left on device）" in one_sentence(out)
    assert sorted(p.name for p in full_disk.iterdir()) == ["filler", "台账.xlsx"]
    assert earlier.read_bytes() == b"the export of last week"


# -- one set of rules for names: near matches, a leader without his title ------------------------
@pytest.mark.parametrize(("args", "words"), [
    (("status", "--region", "北湖"), "找不到地区：北湖（是否是：北湖区？）"),
    (("status", "--department", "市卫建委"), "找不到责任单位：市卫建委（是否是：市卫健委？）"),
    (("export", "x.csv", "--leader", "李副市长"), "找不到包保领导：李副市长"),
    (("investment", "--region", "北湖"), "（是否是：北湖区？）"),
    (("show", "HB-01"), "找不到项目：HB-01（是否是：HB-001、HB-002？）"),
    (("show", "第二人民医院"), "（是否是：HB-002（第二人民医院门诊楼扩建工程）？）"),
    (("history", "HB-001/开公"), "找不到节点：HB-001/开公（是否是：HB-001/开工？）"),
    (("progress", "HB-01/开工", "50"), "（是否是：HB-001/开工？）"),
])
def test_a_name_nearly_right_is_refused_with_the_nearest_known(home, args, words):
    out = lights(home, *args)
    assert out.returncode == 1
    assert words in one_sentence(out)


def test_a_leader_is_found_without_his_title(home):
    rows = json.loads(lights(home, "status", "--leader", "王副市长", "--format", "json").stdout)
    assert {r["project"] for r in rows} == {"HB-002"}
    assert {r["leader"] for r in rows} == {"王副市长（总服务员）"}


def test_a_light_or_kind_not_among_the_choices_names_the_nearest(home):
    out = lights(home, "status", "--light", "红")
    assert out.returncode == 2 and "“红”不是可选的值；可选：红灯" in one_sentence(out)
    kind = lights(home, "status", "--kind", "开公", "--lang", "en")
    assert kind.returncode == 2 and "'开公' is not one of:" in one_sentence(kind)


def test_status_csv_has_its_bom_and_guards_formulas(home):
    from sqlalchemy import create_engine, text

    engine = create_engine(f"sqlite:///{home / 'lights.db'}")
    with engine.begin() as conn:
        conn.execute(text("UPDATE project SET name = '=HYPERLINK(\"x\")' WHERE code = 'HB-001'"))
    engine.dispose()
    out = lights(home, "status", "--format", "csv", "--project", "HB-001")
    assert out.stdout.startswith("\ufeffid,project,project_name,")
    assert "'=HYPERLINK" in out.stdout


def test_after_a_resume_days_late_and_the_reason_are_of_one_date_and_it_is_shown(home):
    today = load_config(env={}).today()
    assert lights(home, "suspend", "HB-001/开工", "--reason", "停工").returncode == 0
    assert lights(home, "resume", "HB-001/开工", "--reason", "复工").returncode == 0
    rows = {r["milestone"]: r for r in json.loads(lights(
        home, "status", "--project", "HB-001", "--format", "json").stdout)}
    late = (today - date(2026, 10, 31)).days
    start = rows["开工"]
    assert start["days_late"] == late and start["as_of"] == today.isoformat()
    assert f"已逾期{late}天" in start["reason"] and start["reason"].endswith(
        f"（截至{today.year}年{today.month}月{today.day}日）")
    assert rows["主体完工"]["as_of"] == "2026-11-23"  # the night's, said once for all
    assert "截至" not in rows["主体完工"]["reason"]


def test_the_web_form_reads_a_percentage_by_the_same_rule():
    from engine.web.forms import FormError, percent

    assert [percent({"p": x}, "p") for x in ("60%", "60", "0.6", "1%", "1")] == \
        [60.0, 60.0, 60.0, 1.0, 100.0]
    with pytest.raises(FormError):
        percent({"p": "120%"}, "p")
