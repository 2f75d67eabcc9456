"""Schema migrations (engine/migrations) on SQLite and PostgreSQL.

Every revision runs here on both databases; a database made by an earlier Lights
(create_all, no ``alembic_version``) is adopted with its rows; a database at head is
left alone; two processes creating one database at once do it once.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, date, datetime
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, MetaData, String, event, inspect, select, text
from sqlalchemy.engine import Engine

from engine.migrations import (
    INITIAL,
    config,
    create_database,
    current,
    head,
    initial_tables,
    migrating,
    scripts,
    upgrade,
)
from engine.store.db import (
    SCHEMA_REVISIONS,
    SchemaTooNew,
    lights_metadata,
    make_engine,
)
from engine.store.models import Milestone, Project
from tests.builders import add_milestone, add_project
from tests.test_cli import lights

LAZY = ("run_lock", "job_run")  # made by earlier versions only when first used


@pytest.fixture
def bare(db_url: str):
    """An engine on an empty database (no Lights tables, no alembic_version)."""
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


def differences(engine: Engine, metadata: MetaData | None = None) -> list[Any]:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, metadata or lights_metadata())


def schema_of(engine: Engine) -> dict[str, Any]:
    """Every Lights table as the database describes it: columns, keys, indexes."""
    insp = inspect(engine)
    tables = sorted(set(insp.get_table_names()) - {"alembic_version"})
    return {name: {
        "columns": [(c["name"], str(c["type"]), c["nullable"], c.get("default"))
                    for c in insp.get_columns(name)],
        "primary_key": insp.get_pk_constraint(name)["constrained_columns"],
        "foreign_keys": sorted((fk["name"] or "", tuple(fk["constrained_columns"]),
                                fk["referred_table"], tuple(fk["referred_columns"]))
                               for fk in insp.get_foreign_keys(name)),
        "indexes": sorted((ix["name"], tuple(ix["column_names"]), bool(ix["unique"]))
                          for ix in insp.get_indexes(name)),
        "unique": sorted((uq["name"] or "", tuple(uq["column_names"]))
                         for uq in insp.get_unique_constraints(name)),
    } for name in tables}


def make_like_before(engine: Engine) -> None:
    """A database as Lights made it before migrations: create_all of the initial
    revision's tables, the run lock and job tables not there yet (they were made when
    first used); tables of later revisions did not exist then, nor did their columns of
    the initial tables: the tables are made from the initial revision's definitions."""
    before = set(initial_tables()) - set(LAZY)
    tables = scripts().get_revision(INITIAL).module.TABLES
    with engine.begin() as conn, Operations.context(MigrationContext.configure(conn)):
        for name, create in tables.items():
            if name in before:
                create()


def test_the_migrations_from_empty_give_exactly_the_models(bare):
    """Runs every migration on an empty database, then Alembic compares it with the models.

    This is the test that fails when a model changes without a migration: write it with
    ``python -m engine.migrations revision -m "what changed"``, read it, tidy it. As a new
    database is made by create_all + stamp (faster), it is also what keeps that the same
    as running the migrations.
    """
    outcome = upgrade(bare, migrate_empty=True)
    assert (outcome.before, outcome.after, outcome.how) == (None, head(), "created")
    assert differences(bare) == []
    # ... and the comparison does see a change: a column the migrations do not have.
    changed = MetaData()
    for table in lights_metadata().sorted_tables:
        table.to_metadata(changed)
    changed.tables["project"].append_column(Column("phone", String(32)))
    assert [d[0] for d in differences(bare, changed)] == ["add_column"]


def test_create_all_and_stamp_makes_the_same_tables_as_the_migrations(bare):
    """What open_database does for a new database, column by column, key by key."""
    upgrade(bare, migrate_empty=True)
    migrated = schema_of(bare)
    with bare.begin() as conn:
        command.downgrade(config(conn), "base")  # the initial revision's downgrade, too
    assert schema_of(bare) == {}
    outcome = upgrade(bare)
    assert outcome.how == "created"
    assert schema_of(bare) == migrated
    assert len(migrated) == len(lights_metadata().tables) == 20


def test_a_database_made_before_migrations_is_adopted_with_its_rows(bare):
    make_like_before(bare)
    pid = add_project(bare, "HB-001", name="老项目")
    with bare.begin() as conn:  # the milestone table as it was: without later columns
        conn.execute(text(
            "INSERT INTO milestone (project_id, seq, name, kind, planned_date, baseline_date,"
            " weight, owner, owner_email, percent, state, reason, light_rules, light_facts,"
            " updated_at) VALUES (:pid, 0, '开工', 'custom', :day, :day, 1, '', '', 40,"
            " 'planned', '', '', '[]', :now)"),
            {"pid": pid, "day": date(2026, 10, 31), "now": datetime.now(UTC)})
    with bare.connect() as conn:
        assert current(conn) is None

    outcome = upgrade(bare)

    assert (outcome.before, outcome.after, outcome.how) == (None, head(), "adopted")
    with bare.connect() as conn:
        assert current(conn) == head()
        assert conn.execute(select(Project.code)).scalars().all() == ["HB-001"]
        assert conn.execute(select(Milestone.name, Milestone.percent)).all() == [("开工", 40)]
    assert set(LAZY) <= set(inspect(bare).get_table_names())  # completed as the initial one
    assert differences(bare) == []


def test_open_database_adopts_a_database_made_before_migrations(db_url, bare):
    make_like_before(bare)
    add_project(bare, "HB-001")
    engine = create_database(db_url)
    try:
        with engine.connect() as conn:
            assert current(conn) == head()
            assert conn.execute(select(Project.code)).scalars().all() == ["HB-001"]
    finally:
        engine.dispose()


def test_a_database_at_head_is_left_alone(bare):
    upgrade(bare)
    statements: list[str] = []
    event.listen(bare, "before_cursor_execute",
                 lambda _c, _cur, sql, *_: statements.append(sql.split()[0].upper()))
    outcome = upgrade(bare)
    assert (outcome.before, outcome.after, outcome.how) == (head(), head(), "current")
    assert set(statements) <= {"BEGIN", "SELECT", "PRAGMA"}  # read the revision, no more
    with bare.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1


def test_two_creators_at_once_create_the_database_once(db_url):
    engines = [make_engine(db_url) for _ in range(2)]
    start = threading.Barrier(2)
    outcomes: list[Any] = []

    def create(engine: Engine) -> None:
        start.wait()
        outcomes.append(upgrade(engine))

    for engine in engines:  # connected first: only the schema work races
        engine.connect().close()
    threads = [threading.Thread(target=create, args=(e,)) for e in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    try:
        assert sorted(o.how for o in outcomes) == ["created", "current"]
    finally:
        for engine in engines:
            engine.dispose()


def test_a_database_from_a_newer_lights_is_refused(bare):
    upgrade(bare)
    with bare.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'f00d'"))
    with pytest.raises(SchemaTooNew) as refused:
        upgrade(bare)
    assert refused.value.revision == "f00d"


def test_sqlite_later_alters_copy_a_table_without_losing_what_refers_to_it(sqlite_url):
    """Batch mode (SQLite's ALTER) copies the table and drops the old one: with foreign
    keys on, dropping a table that milestones refer to would fail or empty them."""
    engine = create_database(sqlite_url)
    add_milestone(engine, add_project(engine, "HB-001"), "开工", date(2026, 10, 31))
    with migrating(engine) as conn:
        op = Operations(MigrationContext.configure(conn))
        with op.batch_alter_table("project", recreate="always") as batch:
            batch.add_column(Column("phone", String(32)))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM milestone")).scalar() == 1
        assert conn.execute(text("SELECT phone FROM project")).all() == [(None,)]
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1  # on again
    engine.dispose()


def test_lights_db_upgrade_and_current(db_url, bare, tmp_path):
    """Through the real ``lights`` command, as an operator upgrading Lights runs it."""
    make_like_before(bare)  # a database of an earlier Lights
    add_project(bare, "HB-001")
    db = ("--database", db_url, "--lang", "en")

    before = lights(tmp_path, "db", "current", *db)
    assert before.returncode == 0, before.stderr
    assert "records no schema revision" in before.stdout

    first = lights(tmp_path, "db", "upgrade", *db)
    assert first.returncode == 0, first.stderr
    assert f"adopted (stamped as the initial revision), now at schema revision {head()}" \
        in first.stdout

    again = lights(tmp_path, "db", "upgrade", *db)
    assert again.returncode == 0 and f"at revision {head()}, the newest" in again.stdout

    state = lights(tmp_path, "db", "current", "--format", "json", *db)
    assert json.loads(state.stdout) == {"revision": head(), "head": head(), "up_to_date": True}
    with bare.connect() as conn:
        assert conn.execute(select(Project.code)).scalars().all() == ["HB-001"]


def test_lights_db_upgrade_creates_a_new_database_and_refuses_a_newer_one(tmp_path):
    created = lights(tmp_path, "db", "upgrade")
    assert created.returncode == 0, created.stderr
    assert f"已建立数据库，结构版本 {head()}" in created.stdout
    engine = make_engine(f"sqlite:///{tmp_path / 'lights.db'}")
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'f00d'"))
    engine.dispose()
    for args in (("db", "upgrade"), ("db", "current"), ("init",), ("status",), ("run",)):
        out = lights(tmp_path, *args, "--lang", "en")
        assert out.returncode == 1, args
        assert out.stderr.startswith("lights: The database is at schema revision f00d, "
                                     "from a newer Lights"), out.stderr


def test_the_initial_revision_is_the_root_and_there_is_one_head():
    roots = [s.revision for s in scripts().walk_revisions() if s.down_revision is None]
    assert roots == [INITIAL] and head()


def test_the_revisions_every_command_checks_are_the_shipped_ones():
    """engine.db.SCHEMA_REVISIONS lets a command check a database without importing
    Alembic; a new revision must be added there too."""
    shipped = [s.revision for s in reversed(list(scripts().walk_revisions()))]
    assert list(SCHEMA_REVISIONS) == shipped and SCHEMA_REVISIONS[-1] == head()


def test_commands_refuse_a_database_left_behind_until_it_is_upgraded(db_url, bare, tmp_path):
    """After installing a newer Lights, the first command says what to do, instead of
    failing half way on a missing column."""
    make_like_before(bare)
    add_project(bare, "HB-001")
    db = ("--database", db_url)
    refused = lights(tmp_path, "status", *db)
    assert refused.returncode == 1
    assert refused.stderr == ("lights: 数据库由旧版 Lights 建立，尚无结构版本记录（本版本为 "
                              f"{head()}）：请先运行 lights db upgrade\n")
    english = lights(tmp_path, "export", "x.csv", *db, "--lang", "en")
    assert english.returncode == 1 and "run lights db upgrade first" in english.stderr
    assert not (tmp_path / "x.csv").exists()
    assert lights(tmp_path, "db", "upgrade", *db).returncode == 0
    assert lights(tmp_path, "status", *db).returncode == 0
