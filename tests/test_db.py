"""Opening databases: concurrent writers on one SQLite file, UTC on PostgreSQL."""

from __future__ import annotations

import threading
from datetime import date

from sqlalchemy import select, text, update

from engine.migrations import create_database
from engine.store.db import make_engine, writer
from engine.store.models import Milestone
from tests.builders import add_milestone, add_project


def test_a_writer_between_a_transactions_read_and_write_waits_instead_of_failing(sqlite_url):
    first = create_database(sqlite_url)
    mid = add_milestone(first, add_project(first), "开工", date(2026, 10, 31))
    second = make_engine(sqlite_url)

    def other_writer() -> None:
        with second.begin() as conn:
            conn.execute(update(Milestone).where(Milestone.id == mid).values(percent=50))

    with writer(first).begin() as conn:  # like a run's chunk: read, then write
        conn.execute(select(Milestone.percent)).all()
        other = threading.Thread(target=other_writer)
        other.start()
        other.join(timeout=0.5)
        assert other.is_alive(), "the other writer must wait for this transaction"
        conn.execute(update(Milestone).where(Milestone.id == mid).values(percent=10))
    other.join(timeout=10)
    assert not other.is_alive()
    with first.connect() as conn:
        assert conn.execute(select(Milestone.percent)).scalar() == 50  # it ran after


def test_postgres_sessions_are_utc(pg_url):
    engine = create_database(pg_url)
    with engine.connect() as conn:
        assert conn.execute(text("SHOW TIME ZONE")).scalar() == "UTC"


def test_a_long_reader_does_not_hold_up_a_writer(sqlite_url):
    from engine.store.db import read_only

    engine = create_database(sqlite_url)
    mid = add_milestone(engine, add_project(engine), "开工", date(2026, 10, 31))
    with read_only(engine).connect() as reader:
        reader.execute(select(Milestone.percent)).all()  # a report in progress
        done = threading.Event()

        def write() -> None:
            with writer(engine).begin() as conn:
                conn.execute(update(Milestone).where(Milestone.id == mid).values(percent=70))
            done.set()

        thread = threading.Thread(target=write)
        thread.start()
        assert done.wait(timeout=5), "a reader must not block the nightly run"
        thread.join()
        # The reader keeps its snapshot until it ends.
        assert reader.execute(select(Milestone.percent)).scalar() == 0
