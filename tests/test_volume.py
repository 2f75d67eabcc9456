"""A large night's notices: composed in parts of recipients, the same digests as in one.

The first night of a large programme tells tens of thousands of people; composing
them in one draft held them all in memory (2 GB at 1,000,000 milestones). In parts,
each read, rendered and written on its own, the outbox must be what one draft gives.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import insert, select

from engine.config import load_config
from engine.migrations import create_database
from engine.nightly import nightly
from engine.store.db import writer
from engine.store.models import Milestone, Project
from engine.store.tables import NOTICE, OUTBOX
from notifications import parts as composing

AS_OF = date(2026, 11, 26)


def _programme(url: str, projects: int) -> None:
    engine = create_database(url)
    with writer(engine).begin() as conn:
        conn.execute(insert(Project), [
            {"code": f"V-{i:03d}", "name": f"项目{i}", "region": f"区{i % 3}",
             "department": f"部门{i % 4}", "secretary": f"秘书{i}",
             "secretary_email": f"sec{i}@v.example", "leader": f"领导{i % 2}",
             "leader_email": f"lead{i % 2}@v.example", "department_email": f"dept{i % 4}@v.example",
             "outdoor": False} for i in range(projects)])
        ids = conn.execute(select(Project.id).order_by(Project.id)).scalars().all()
        conn.execute(insert(Milestone), [
            {"project_id": pid, "name": f"节点{k}", "kind": "structure",
             "planned_date": date(2026, 11, 20 + k), "baseline_date": date(2026, 11, 20 + k),
             "percent": 40.0, "owner": f"责任人{i}", "owner_email": f"own{i}@v.example",
             "last_report_date": date(2026, 11, 19), "light_facts": []}
            for i, pid in enumerate(ids) for k in range(2)])
    engine.dispose()


PARTS: dict = {}  # how each night's composing was sliced (None: one draft)
_PARTS = composing._parts


def _sliced(where, *args):  # type: ignore[no-untyped-def]
    PARTS[where] = _PARTS(*args)
    return PARTS[where]


def _outbox(where, monkeypatch, part: int, storm: bool, notices: int = 10**9,
            processes: int = 1, url: str = "") -> dict[str, tuple[str, str, bool]]:
    monkeypatch.setattr(composing, "PART_RECIPIENTS", part)
    monkeypatch.setattr(composing, "PART_NOTICES", notices)
    monkeypatch.chdir(where)
    threshold = 0.3 if storm else 1.0  # 1.0: no night is a storm
    (where / "config.yaml").write_text(
        f"notices:\n  send_after_run: false\n  storm_threshold: {threshold}\n"
        f"  compose_processes: {processes}\n"
        "  contacts: [{name: 管理员, email: admin@v.example, role: admin}]\n",
        encoding="utf-8")
    config = load_config(where / "config.yaml", env={})
    engine = create_database(url or f"sqlite:///{where / 'v.db'}")
    monkeypatch.setattr(composing, "_parts", lambda *a: _sliced(where, *a))
    summary = nightly(engine, config, AS_OF, mode="manual")
    with engine.connect() as conn:
        rows = conn.execute(select(OUTBOX.c.recipient, OUTBOX.c.kind, OUTBOX.c.subject,
                                   OUTBOX.c.text, OUTBOX.c.status)).all()
    engine.dispose()
    assert summary.notices["messages"] + summary.notices["held"] == len(rows)
    return {f"{r.kind}:{r.recipient}": (r.subject, r.text, r.status == "held") for r in rows}


@pytest.mark.parametrize("storm", [False, True], ids=["quiet", "storm"])
@pytest.mark.parametrize(("by", "processes"), [("recipients", 1), ("notices", 1),
                                               ("recipients", 2)])
def test_a_night_in_parts_writes_what_one_draft_writes(tmp_path, monkeypatch, storm, by,
                                                       processes):
    """Parts of 5 recipients, or of at most 4 notices (a unit's digest, with more, whole
    in a part of its own), rendered here or by two worker processes, write the very
    digests one draft writes."""
    one, parts = tmp_path / "one", tmp_path / "parts"
    for where in (one, parts):
        where.mkdir()
        _programme(f"sqlite:///{where / 'v.db'}", 12)
    whole = _outbox(one, monkeypatch, 10_000, storm)
    sliced = _outbox(parts, monkeypatch, 5, storm, processes=processes) \
        if by == "recipients" else _outbox(parts, monkeypatch, 10_000, storm, notices=4)
    assert PARTS[one] is None and len(PARTS[parts]) > 3  # one draft; several parts
    assert len(whole) > 3 * 5  # several parts
    assert sliced == whole
    assert any(held for _, _, held in whole.values()) == storm
    assert ("storm:admin@v.example" in whole) == storm  # the summary, once, last


@pytest.mark.postgres
def test_workers_on_postgresql_write_what_one_draft_writes(tmp_path, monkeypatch, pg_url):
    """The workers read PostgreSQL from connections of their own (the URL the run was
    given, its options included): the digests are the ones one draft writes."""
    one, parts = tmp_path / "one", tmp_path / "parts"
    for where in (one, parts):
        where.mkdir()
    _programme(f"sqlite:///{one / 'v.db'}", 12)
    _programme(pg_url, 12)
    whole = _outbox(one, monkeypatch, 10_000, False)
    sliced = _outbox(parts, monkeypatch, 5, False, processes=2, url=pg_url)
    assert PARTS[one] is None and len(PARTS[parts]) > 3
    assert sliced == whole


def test_a_broken_template_in_the_workers_keeps_every_notice_pending(tmp_path, monkeypatch):
    """A template a worker process cannot render fails the composing as it does in the
    run's own process: the run says which template, and no notice leaves pending."""
    monkeypatch.setattr(composing, "PART_RECIPIENTS", 5)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "templates" / "zh").mkdir(parents=True)
    (tmp_path / "templates" / "zh" / "digest.txt").write_text("{{ broken }\n", encoding="utf-8")
    (tmp_path / "config.yaml").write_text(
        "notices:\n  send_after_run: false\n  storm_threshold: 1.0\n"
        f"  compose_processes: 2\n  templates_dir: {tmp_path / 'templates'}\n",
        encoding="utf-8")
    _programme(f"sqlite:///{tmp_path / 'v.db'}", 12)
    engine = create_database(f"sqlite:///{tmp_path / 'v.db'}")
    summary = nightly(engine, load_config(tmp_path / "config.yaml", env={}), AS_OF,
                      mode="manual")
    with engine.connect() as conn:
        composed = conn.execute(select(NOTICE.c.id).where(NOTICE.c.message_id.is_not(None)))
        outbox = conn.execute(select(OUTBOX.c.id)).all()
        pending = conn.execute(select(NOTICE.c.id).where(NOTICE.c.message_id.is_(None))).all()
        assert composed.all() == [] and outbox == [] and len(pending) > 5
    engine.dispose()
    assert any("template zh/digest.txt" in w and "pending" in w for w in summary.warnings)
