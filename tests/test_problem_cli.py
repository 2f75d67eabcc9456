"""`lights problem …` as a person types it: JSON with codes, tables in Chinese, one
sentence for every refusal."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from engine.migrations import create_database
from tests.builders import add_milestone, add_project
from tests.cli_runner import lights


@pytest.fixture
def here(tmp_path: Path) -> Path:
    engine = create_database(f"sqlite:///{tmp_path / 'lights.db'}")
    pid = add_project(engine, "HB-001", name="冰雪装备产业园", department="市发改委")
    add_milestone(engine, pid, "开工", date(2026, 11, 30))
    engine.dispose()
    return tmp_path


def ok(cwd: Path, *args: str) -> str:
    out = lights(cwd, *args)
    assert out.returncode == 0, out.stderr
    return out.stdout


def add(cwd: Path, *extra: str) -> str:
    return ok(cwd, "problem", "add", "HB-001", "--title", "用地指标未落实", "--milestone", "开工",
              "--category", "用地", "--level", "县区级", "--lead", "市自然资源局",
              "--assist", "市发改委", "--assist", "南岗区政府", "--by", "督查室",
              "--on", "2026-11-16", *extra)


def test_add_list_show_in_words_and_json(here):
    assert ok(here, "problem", "add", "HB-001", "--title", "用地指标未落实", "--milestone",
              "开工", "--category", "用地", "--level", "县区级", "--lead", "市自然资源局",
              "--assist", "市发改委", "--on", "2026-11-16").strip() == \
        "已提出问题 WT2026-0001（办理中，办理时限 2026年11月25日）"
    rows = json.loads(ok(here, "problem", "list", "--format", "json"))
    assert {k: rows[0][k] for k in ("code", "project", "milestone", "title", "category",
                                    "level", "lead", "assist", "state", "deadline", "step")} \
        == {"code": "WT2026-0001", "project": "HB-001", "milestone": "开工",
            "title": "用地指标未落实", "category": "用地", "level": "county",
            "lead": "市自然资源局", "assist": ["市发改委"], "state": "in_progress",
            "deadline": "2026-11-25", "step": None}
    assert isinstance(rows[0]["overdue_days"], int)
    table = ok(here, "problem", "list")
    for words in ("问题清单（1项）", "县区级", "办理中", "2026年11月25日"):
        assert words in table
    assert "in_progress" not in table
    shown = ok(here, "problem", "show", "WT2026-0001")
    for words in ("提出", "交办", "市发改委"):
        assert words in shown


def test_the_answers_move_the_problem(here):
    add(here)
    assert "协办答复" in ok(here, "problem", "reply", "WT2026-0001", "--text", "已提供资料",
                          "--by", "市发改委", "--on", "2026-11-18")
    out = ok(here, "problem", "extend", "WT2026-0001", "--to", "2026-12-04", "--reason",
             "冬季施工受限", "--on", "2026-11-20")
    assert "申请延期" in out
    assert "2026年12月4日" in ok(here, "problem", "extend", "WT2026-0001", "--grant",
                                "--on", "2026-11-23")
    assert "已办复" in ok(here, "problem", "reply", "WT2026-0001", "--text", "已调整用地",
                        "--on", "2026-11-30")
    assert "已销号" in ok(here, "problem", "close", "WT2026-0001", "--result", "解决",
                        "--by", "督查室", "--on", "2026-12-01")
    assert "办理中" in ok(here, "problem", "reopen", "WT2026-0001", "--reason", "核查未解决",
                        "--on", "2026-12-02")
    assert "提级" in ok(here, "problem", "raise-level", "WT2026-0001", "--reason", "需市级协调",
                      "--on", "2026-12-02")
    info = json.loads(ok(here, "problem", "show", "WT2026-0001", "--format", "json"))
    assert [h["event"] for h in info["history"]] == [
        "add", "assign", "assist_reply", "request_extension", "grant_extension", "reply",
        "close", "reopen", "raise_level"]
    assert (info["level"], info["state"]) == ("city", "in_progress")
    assert json.loads(ok(here, "problem", "list", "--level", "市级", "--state", "办理中",
                         "--format", "json"))[0]["code"] == "WT2026-0001"


@pytest.mark.parametrize(("args", "words"), [
    (("problem", "show", "WT-9"), "没有问题 WT-9"),
    (("problem", "close", "WT2026-0001", "--result", "差不多"), "办理结果“差不多”应为"),
    (("problem", "close", "WT2026-0001", "--result", "无法解决"), "须说明原因"),
    (("problem", "extend", "WT2026-0001", "--to", "2026-12-31", "--reason", "x", "--on",
      "2026-11-25"), "延期须在办理时限（2026-11-25）前至少1个工作日提出"),
    (("problem", "list", "--state", "进行中"), "状态“进行中”应为"),
    (("problem", "add", "HB-009", "--title", "x", "--category", "用地", "--level", "市级",
      "--lead", "市财政局"), "HB-009"),
])
def test_refusals_are_one_sentence(here, args, words):
    add(here)
    out = lights(here, *args)
    assert out.returncode == 1
    assert words in out.stderr
    assert out.stderr.count("\n") == 1 and "Traceback" not in out.stderr


def test_rates_json(here):
    add(here)
    ok(here, "problem", "close", "WT2026-0001", "--result", "解决", "--on", "2026-11-20")
    rows = json.loads(ok(here, "problem", "rates", "--from", "2026-11-01", "--to", "2026-11-30",
                         "--format", "json"))
    assert rows == [{"unit": "市自然资源局", "rank": 1, "due": 1, "closed": 1,
                     "closed_on_time": 1, "raised": 1, "raised_closed": 1, "overdue_open": 0,
                     "closing_rate": 1.0, "on_time_rate": 1.0, "cancel_rate": 1.0}]
    assert "按期办结率" in ok(here, "problem", "rates", "--from", "2026-11-01")


def test_a_problem_raised_from_the_milestones_reason(here):
    from engine.delays import record_reason
    from engine.store.db import open_database, writer

    engine = open_database(f"sqlite:///{here / 'lights.db'}")
    with writer(engine).begin() as conn:
        record_reason(conn, 1, "征地拆迁未完成；已协调区政府加快推进", date(2026, 11, 10),
                      author="张三", source="progress")
    engine.dispose()
    ok(here, "problem", "add", "HB-001", "--milestone", "开工", "--category", "征地拆迁",
       "--level", "县区级", "--lead", "南岗区政府", "--on", "2026-11-16")
    row = json.loads(ok(here, "problem", "list", "--format", "json"))[0]
    assert (row["title"], row["description"]) == ("征地拆迁未完成",
                                                  "征地拆迁未完成；已协调区政府加快推进")
