"""The units' delay reasons: wherever they gave them, the latest one wins."""

from __future__ import annotations

from datetime import date

from engine import actions
from engine.delays import latest_reasons, reasons_of, record_reason
from engine.store.db import writer
from notifications.actions import acknowledge
from tests.builders import add_milestone, add_project


def test_the_latest_words_from_every_source(engine, config):
    pid = add_project(engine, "HB-001")
    a = add_milestone(engine, pid, "开工", date(2026, 10, 31))
    b = add_milestone(engine, pid, "竣工", date(2027, 10, 31))
    actions.record_progress(engine, config, str(a), 40, report_date=date(2026, 11, 2),
                            note="钢材到货延迟", reporter="张三")
    actions.record_progress(engine, config, str(a), 45, report_date=date(2026, 11, 3),
                            reporter="张三")  # no note: not a reason
    with engine.connect() as conn:
        got = latest_reasons(conn, [a, b])
    assert list(got) == [a]
    assert (got[a].text, got[a].as_of, got[a].author, got[a].source) == (
        "钢材到货延迟", date(2026, 11, 2), "张三", "progress")
    acknowledge(engine, config, str(a), by="李四", reason="已约谈施工单位，12月10日前复工",
                on=date(2026, 11, 20))
    with writer(engine).begin() as conn:
        assert record_reason(conn, a, "征地未完成", date(2026, 11, 25), author="台账",
                             source="ledger")
        assert not record_reason(conn, a, "征地未完成", date(2026, 11, 26), source="ledger")
        assert not record_reason(conn, a, "  ", date(2026, 11, 26), source="ledger")
    actions.replan(engine, config, str(b), date(2027, 12, 31), reason="设计变更", actor="王五")
    with engine.connect() as conn:
        got = latest_reasons(conn, [a, b])
        history = reasons_of(conn, a)
    assert (got[a].text, got[a].source) == ("征地未完成", "ledger")
    assert (got[b].text, got[b].source, got[b].author) == ("设计变更", "replan", "王五")
    assert [(r.source, r.text) for r in history] == [
        ("progress", "钢材到货延迟"), ("ack", "已约谈施工单位，12月10日前复工"),
        ("ledger", "征地未完成")]
