"""A long digest: at most ``notices.digest_max_items`` milestones listed, worst first,
every one counted, and a closing line saying how many are left out and where to look."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from engine.nightly import nightly
from engine.store.tables import NOTICE, OUTBOX
from tests.builders import add_milestone, add_project
from tests.test_notices_night import DEPARTMENT, Mailbox, html_of, make_config, text_of

TONIGHT = date(2026, 11, 26)


def _programme(engine) -> None:
    """Seven projects of one unit, each with one node past its date by 1 to 7 days; the
    unit's address from the contacts (with its language), not the ledger."""
    for k in range(1, 8):
        pid = add_project(engine, f"HB-{k:03d}", name=f"项目{k}", department="市工信局",
                          department_email="", outdoor=False)
        add_milestone(engine, pid, f"节点{k}", date(2026, 11, 25 - k), kind="structure",
                      percent=50.0, owner=f"责任人{k}", owner_email=f"own{k}@example.cn",
                      last_report_date=date(2026, 11, 10))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_units_digest_lists_the_worst_three_and_counts_all_seven(engine, tmp_path, lang):
    _programme(engine)
    config = make_config(tmp_path, digest_max_items=3, storm_threshold=1.0,
                         contacts=[{"name": "工信局", "email": DEPARTMENT, "role": "department",
                                    "department": "市工信局",
                                    "lang": lang}],
                         **({"ladder": [{"step": "supervise", "light": "red", "days": 0,
                                         "roles": ["department"], "template": "supervise",
                                         "zh": "督办", "en": "Supervision"}]}))
    config.web.base_url = "https://dc.example.cn"
    summary = nightly(engine, config, TONIGHT, mode="manual")
    assert summary.status == "ok"
    mail = Mailbox(tmp_path / "outbox").new()[DEPARTMENT]
    text, html = text_of(mail), html_of(mail)
    listed = [k for k in range(1, 8) if f"节点{k}" in text]
    assert listed == [5, 6, 7]  # the longest red first (their dates 7, 6 and 5 days back)
    assert all(f"节点{k}" in html for k in listed) and "节点4" not in html
    if lang == "zh":
        assert "7个节点" in text and "红灯7个" in text
        assert "另有4个节点未在此列出" in text and "https://dc.example.cn" in text
        assert "另有 <b>4</b> 个节点未在此列出" in html
    else:
        assert "these 7 milestones" in text and "7 red" in text
        assert "4 more milestones (less severe, counted above) are not listed here" in text
        assert 'href="https://dc.example.cn"' in html


def test_a_chat_summary_counts_what_it_does_not_list_and_leaves_nothing_pending(
        engine, tmp_path):
    """A chat group's summary lists the worst three too, says four more are not listed,
    and every one of its seven notices is answered by it: none is left pending to come
    back the next night."""
    _programme(engine)
    config = make_config(tmp_path, digest_max_items=3, storm_threshold=1.0,
                         send_after_run=False,
                         channels=[{"name": "督办群", "kind": "dingtalk",
                                    "webhook_env": "LIGHTS_TEST_DINGTALK_HOOK",
                                    "roles": ["owner"]}])
    summary = nightly(engine, config, TONIGHT, mode="manual")
    assert summary.status == "ok"
    with engine.connect() as conn:
        texts = conn.execute(select(OUTBOX.c.text).where(
            OUTBOX.c.recipient == "channel:督办群")).scalars().all()
        waiting = conn.execute(select(func.count()).select_from(NOTICE).where(
            NOTICE.c.recipient == "channel:督办群", NOTICE.c.message_id.is_(None))).scalar()
        told = conn.execute(select(func.count()).select_from(NOTICE).where(
            NOTICE.c.recipient == "channel:督办群")).scalar()
    assert len(texts) == 1 and told == 7 and waiting == 0
    assert [k for k in range(1, 8) if f"节点{k}" in texts[0]] == [5, 6, 7]
    assert "共7个节点" in texts[0] and "另有4个节点未在此列出" in texts[0]
