"""The scheduler: decisions as tables, the guard on real databases, the service as a process."""

from __future__ import annotations

import json
import signal
from datetime import date, datetime, timedelta
from email import policy
from email.parser import BytesParser
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from engine.config import ConfigError, load_config
from engine.migrations import create_database
from engine.service.bulletins import last_complete
from engine.service.jobs import JOBS
from engine.service.once import JobContext, execute
from engine.service.scheduler import decide_on_start, previous_fire
from engine.service.settings import cron_trigger
from engine.store.lock import RunLock
from engine.store.models import Milestone, Run, Transition
from engine.store.tables import J, utcnow
from tests.sched_helpers import programme, start_holder, start_lights, wait_for, write_config

ZONE = ZoneInfo("Asia/Shanghai")
AT = datetime(2026, 11, 24, 9, 0, tzinfo=ZONE)


# -- cron expressions and the start decision, without a database -------------------------
def test_cron_expressions_in_crontab_order_with_optional_seconds():
    nightly = cron_trigger("0 2 * * *", ZONE)
    assert nightly.get_next_fire_time(None, AT) == datetime(2026, 11, 25, 2, 0, tzinfo=ZONE)
    monday = cron_trigger("0 8 * * mon", ZONE)
    assert monday.get_next_fire_time(None, AT) == datetime(2026, 11, 30, 8, 0, tzinfo=ZONE)
    every_3s = cron_trigger("*/3 * * * * *", ZONE)
    assert every_3s.get_next_fire_time(None, AT) == AT


@pytest.mark.parametrize(("expr", "message"), [
    ("0 8 * * 1", "write the day of week as a name"),
    ("0 25 * * *", "not a valid cron expression"),
    ("0 2 * *", "5 fields"),
])
def test_bad_cron_expressions_name_the_key(tmp_path: Path, expr: str, message: str):
    file = tmp_path / "config.yaml"
    file.write_text(f"scheduler:\n  weekly_summary: '{expr}'\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(file, env={})
    assert f"{file}: scheduler.weekly_summary: " in str(err.value)
    assert message in str(err.value)


def test_previous_fire_finds_the_scheduled_time_a_night_stands_for():
    nightly = cron_trigger("0 2 * * *", ZONE)
    day = timedelta(days=1)
    assert previous_fire(nightly, AT, day) == datetime(2026, 11, 24, 2, 0, tzinfo=ZONE)
    assert previous_fire(nightly, AT.replace(hour=1), day) == \
        datetime(2026, 11, 23, 2, 0, tzinfo=ZONE)
    assert previous_fire(nightly, AT, timedelta(hours=6)) is None  # outside the window
    assert previous_fire(nightly, AT.replace(hour=2), day) == AT.replace(hour=2)
    every_3s = cron_trigger("*/3 * * * * *", ZONE)
    assert previous_fire(every_3s, AT + timedelta(seconds=7), day) == AT + timedelta(seconds=6)


@pytest.mark.parametrize(("hours_ago", "done", "ever_ran", "reason"), [
    (None, False, True, "nothing_due"),
    (7, True, True, "done"),
    (7, False, True, "catch_up"),
    (20, False, True, "catch_up"),
    (21, False, True, "missed"),
    (21, False, False, "never_ran"),
])
def test_on_start_a_missed_night_runs_once_within_the_grace(hours_ago, done, ever_ran, reason):
    last = None if hours_ago is None else AT - timedelta(hours=hours_ago)
    decision = decide_on_start(last, AT, timedelta(hours=20), done, ever_ran)
    assert decision.reason == reason
    if last is not None:
        assert decision.night == last.date()


# -- the guard: once per night, under the lock ------------------------------------------------
def _nightly_runs(engine) -> list[tuple[date, str]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(
            select(Run.as_of, Run.status).where(Run.job == "nightly").order_by(Run.id))]


def test_a_night_runs_once_and_a_second_attempt_stands_by(engine, config):
    programme(engine, 250)
    ctx = JobContext(engine, config)
    night = date.today()
    first = execute(ctx, JOBS["nightly"], night, "test")
    assert first.status == "ok" and first.fields["moves"] == 250
    again = execute(ctx, JOBS["nightly"], night, "test")
    assert again.status == "stood_by" and again.holder is None
    assert again.run_id == first.run_id
    assert _nightly_runs(engine) == [(night, "ok")]
    with engine.connect() as conn:
        row = conn.execute(select(J.c.status, J.c.run_id, J.c.attempts)).one()
    assert tuple(row) == ("ok", first.run_id, 1)


def test_a_job_stands_by_while_another_run_holds_the_lock(engine, config):
    programme(engine, 10)
    ctx = JobContext(engine, config)
    with RunLock(engine, "manual"):
        outcome = execute(ctx, JOBS["nightly"], date.today(), "test")
    assert outcome.status == "stood_by" and "manual" in (outcome.holder or "")
    assert _nightly_runs(engine) == []


def test_a_failed_night_is_recorded_and_not_counted_as_done(engine, config, caplog):
    programme(engine, 10)
    ctx = JobContext(engine, config)
    night = date.today()
    execute(ctx, JOBS["nightly"], night + timedelta(days=1), "test")
    failed = execute(ctx, JOBS["nightly"], night, "test")  # before the latest run: refused
    assert failed.status == "failed" and "RunRefused" in failed.error
    with engine.connect() as conn:
        status, error = conn.execute(select(J.c.status, J.c.error).where(J.c.night == night)).one()
    assert status == "failed" and "before the latest run" in error
    # the administrators would be told; without the notices outbox the log says so
    assert any(r.getMessage() == "admins_not_alerted" for r in caplog.records)


# -- the service as a real process -------------------------------------------------------------
def _events(log: Path) -> list[dict]:
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line]


def _count(engine, table, *where) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table).where(*where)).scalar()


def _stop(proc) -> int:
    proc.send_signal(signal.SIGTERM)
    return proc.wait(timeout=60)


def test_the_real_scheduler_runs_a_job_due_within_seconds_once_per_night(sqlite_url, tmp_path):
    db_url = sqlite_url
    engine = create_database(db_url)
    programme(engine, 300)
    log = tmp_path / "scheduler.jsonl"
    write_config(tmp_path / "config.yaml", nightly="*/2 * * * * *", log_file=str(log))
    proc = start_lights(tmp_path, db_url, "scheduler", log=tmp_path / "stderr.txt")
    try:
        def fired_again() -> bool:
            """a finished nightly run, then a later fire that found the night done"""
            kinds = [(e["event"], e.get("reason")) for e in _events(log)]
            if ("job_finished", None) not in kinds:
                return False
            return ("stood_by", "already_done") in kinds[kinds.index(("job_finished", None)):]

        wait_for(fired_again, timeout=40)
    finally:
        assert _stop(proc) == 0, (tmp_path / "stderr.txt").read_text()
    runs = _nightly_runs(engine)
    assert runs and all(status == "ok" for _, status in runs)
    assert len({night for night, _ in runs}) == len(runs)  # never two runs for one night
    events = [e["event"] for e in _events(log)]
    assert events.index("on_start") < events.index("scheduler_started")
    assert events[-1] == "scheduler_stopped"
    engine.dispose()


def test_two_schedulers_on_one_database_never_both_run_a_night(db_url, tmp_path):
    engine = create_database(db_url)
    programme(engine, 1500)
    procs, logs = [], []
    for name in ("a", "b"):
        home = tmp_path / name
        home.mkdir()
        logs.append(home / "scheduler.jsonl")
        write_config(home / "config.yaml", nightly="*/2 * * * * *", log_file=str(logs[-1]))
        procs.append(start_lights(home, db_url, "scheduler", log=home / "stderr.txt"))
    try:
        def both_stood_by() -> bool:
            """each process has stood by at least once, and a night is done"""
            return all(any(e["event"] == "stood_by" for e in _events(f)) for f in logs) and \
                bool(_nightly_runs(engine))

        wait_for(both_stood_by, timeout=40)
    finally:
        codes = [_stop(p) for p in procs]
    assert codes == [0, 0]
    runs = _nightly_runs(engine)
    assert len({night for night, _ in runs}) == len(runs)
    finished = [(e["as_of"], name) for name, f in zip("ab", logs, strict=True)
                for e in _events(f) if e["event"] == "job_finished"]
    assert len(finished) == len(runs)  # one process ran each night; the other stood by
    engine.dispose()


def _daily_cron_minutes_ago(minutes: int) -> tuple[str, date]:
    """A nightly schedule whose time passed `minutes` ago, and the night it stands for."""
    fire = datetime.now(ZONE) - timedelta(minutes=minutes)
    return f"{fire.minute} {fire.hour} * * *", fire.date()


def test_catch_up_after_an_outage_runs_the_missed_night_once(sqlite_url, tmp_path, config):
    engine = create_database(sqlite_url)
    programme(engine, 200)
    cron, missed = _daily_cron_minutes_ago(5)
    two_nights_ago = missed - timedelta(days=2)
    assert execute(JobContext(engine, config), JOBS["nightly"], two_nights_ago,
                   "test").status == "ok"
    log = tmp_path / "scheduler.jsonl"
    write_config(tmp_path / "config.yaml", nightly=cron, log_file=str(log))

    def finished() -> bool:
        """the catch-up run has finished"""
        return any(e["event"] == "job_finished" for e in _events(log))

    proc = start_lights(tmp_path, sqlite_url, "scheduler", log=tmp_path / "stderr.txt")
    try:
        wait_for(finished, timeout=40)
    finally:
        assert _stop(proc) == 0
    assert _nightly_runs(engine) == [(two_nights_ago, "ok"), (missed, "ok")]
    start = next(e for e in _events(log) if e["event"] == "on_start")
    assert (start["decision"], start["as_of"]) == ("catch_up", missed.isoformat())

    # Started again: the night is done and is not run a second time.
    log.unlink()
    proc = start_lights(tmp_path, sqlite_url, "scheduler", log=tmp_path / "stderr.txt")
    try:
        wait_for(lambda: any(e["event"] == "scheduler_started" for e in _events(log)))
    finally:
        assert _stop(proc) == 0
    start = next(e for e in _events(log) if e["event"] == "on_start")
    assert start["decision"] == "done"
    assert len(_nightly_runs(engine)) == 2
    engine.dispose()


def test_sigterm_mid_run_commits_the_chunk_and_the_next_start_resumes(sqlite_url, tmp_path):
    total = 3000  # 30 chunks; SIGTERM lands after the first one or two
    engine = create_database(sqlite_url)
    programme(engine, total)
    cron, night = _daily_cron_minutes_ago(5)
    log = tmp_path / "scheduler.jsonl"
    write_config(tmp_path / "config.yaml", nightly=cron, log_file=str(log))
    proc = start_lights(tmp_path, sqlite_url, "scheduler", log=tmp_path / "stderr.txt")
    try:
        wait_for(lambda: _count(engine, Transition) > 0, timeout=40, every=0.02)
    finally:
        assert _stop(proc) == 0, (tmp_path / "stderr.txt").read_text()
    assert _nightly_runs(engine) == [(night, "interrupted")]
    moved = _count(engine, Transition)
    assert 0 < moved < total
    # Nothing half-written: every milestone that turned red has its audit row, and no other.
    assert _count(engine, Milestone, Milestone.state == "red") == moved
    finished = [e for e in _events(log) if e["event"] == "job_finished"]
    assert [e["status"] for e in finished] == ["interrupted"]

    proc = start_lights(tmp_path, sqlite_url, "scheduler", log=tmp_path / "stderr.txt")
    try:
        wait_for(lambda: _nightly_runs(engine)[-1][1] == "ok", timeout=60)
    finally:
        assert _stop(proc) == 0
    assert _nightly_runs(engine) == [(night, "interrupted"), (night, "ok")]
    assert _count(engine, Transition) == total  # every milestone moved exactly once
    assert _count(engine, Milestone, Milestone.state == "red") == total
    engine.dispose()


def test_a_night_missed_beyond_the_grace_is_reported_not_run(sqlite_url, tmp_path, config):
    engine = create_database(sqlite_url)
    programme(engine, 10)
    cron, missed = _daily_cron_minutes_ago(30)
    assert execute(JobContext(engine, config), JOBS["nightly"], missed - timedelta(days=2),
                   "test").status == "ok"
    log = tmp_path / "scheduler.jsonl"
    admin = {"name": "重点项目办", "email": "admin@city.example", "role": "admin"}
    write_config(tmp_path / "config.yaml", {"notices": {"contacts": [admin]}}, nightly=cron,
                 catch_up_grace_hours=0.25, log_file=str(log))
    proc = start_lights(tmp_path, sqlite_url, "scheduler", log=tmp_path / "stderr.txt")
    try:
        wait_for(lambda: any(e["event"] == "scheduler_started" for e in _events(log)))
    finally:
        assert _stop(proc) == 0
    start = next(e for e in _events(log) if e["event"] == "on_start")
    assert (start["decision"], start["as_of"]) == ("missed", missed.isoformat())
    assert len(_nightly_runs(engine)) == 1  # beyond the grace: not run, but told
    [mail] = (tmp_path / "outbox").rglob("*.eml")
    message = BytesParser(policy=policy.default).parse(mail.open("rb"))
    assert message["Subject"] == f"【重点项目红黄绿灯】夜间评估错过：{missed}"
    assert message["To"].addresses[0].addr_spec == "admin@city.example"
    engine.dispose()


def test_a_run_left_running_by_a_killed_process_is_closed_and_the_night_rerun(engine, config):
    programme(engine, 10)
    night = date.today()
    with engine.begin() as conn:  # what a process killed mid-run leaves behind
        conn.execute(Run.__table__.insert().values(
            as_of=night, mode="nightly", job="nightly", status="running", started_at=utcnow(),
            counts={}, moves_by_trigger={}, warnings=[]))
    outcome = execute(JobContext(engine, config), JOBS["nightly"], night, "test")
    assert outcome.status == "ok"
    assert _nightly_runs(engine) == [(night, "failed"), (night, "ok")]
    with engine.connect() as conn:
        error = conn.execute(select(Run.error).order_by(Run.id).limit(1)).scalar()
    assert error.startswith("abandoned")


def test_a_standby_scheduler_takes_over_when_the_runner_dies(sqlite_url, tmp_path):
    engine = create_database(sqlite_url)
    programme(engine, 50)
    cron, night = _daily_cron_minutes_ago(5)
    log = tmp_path / "scheduler.jsonl"
    # a short lock: the standby looks again after the expiry, and takes the dead one's over
    write_config(tmp_path / "config.yaml", nightly=cron, log_file=str(log),
                 lock={"heartbeat_seconds": 0.2, "expiry_seconds": 1})
    runner = start_holder(sqlite_url, job="nightly", heartbeat=0.2, expiry=1)
    proc = start_lights(tmp_path, sqlite_url, "scheduler", log=tmp_path / "stderr.txt")
    try:
        wait_for(lambda: any(e.get("reason") == "lock_busy" for e in _events(log)))
        runner.kill()  # the other machine dies mid-night
        runner.wait()
        wait_for(lambda: any(e["event"] == "job_finished" for e in _events(log)))
    finally:
        runner.kill()
        assert _stop(proc) == 0
    assert _nightly_runs(engine) == [(night, "ok")]
    started = next(e for e in _events(log) if e["event"] == "job_started")
    assert f"(pid {runner.pid})" in started["recovered_lock_from"]
    engine.dispose()


@pytest.mark.parametrize(("kind", "fired", "period"), [
    ("week", date(2026, 11, 23), "2026-W47"),  # Monday: the ISO week that ended on Sunday
    ("month", date(2026, 11, 1), "2026-10"),
    ("month", date(2026, 11, 24), "2026-10"),
    ("quarter", date(2026, 10, 1), "2026Q3"),
    ("year", date(2027, 1, 2), "2026"),
])
def test_a_bulletin_job_reports_the_last_complete_period(kind, fired, period):
    assert last_complete(kind, fired).key == period
