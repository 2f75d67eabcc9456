"""The scheduler's use of the notices outbox: alerts to the administrators, retries.

- :func:`alert_admins` puts an e-mail to every administrator (contact role ``admin``)
  into the outbox and sends it, like any notice: at least once, never doubled (its
  dedup key is the job, the night and the kind, so a night that fails again after a
  restart does not alert twice).
- :func:`retry_outbox` sends what waits in the outbox and is due.
"""

from __future__ import annotations

from datetime import date
from html import escape
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from engine.config import Config
from engine.store.db import writer
from engine.store.tables import OUTBOX
from notifications.dispatch import dispatch
from notifications.outbox import Outgoing, enqueue
from notifications.plan import load_directory, mail_domain

ALERTS = {
    "failed": {"zh": ("【重点项目红黄绿灯】夜间评估失败：{night}",
                      "{night} 的夜间评估（{job}）失败：\n{detail}\n\n"
                      "请查看 lights runs 与调度日志；"
                      "修复后可运行 lights scheduler --once {job}。"),
               "en": ("[Lights] Nightly run failed: {night}",
                      "The nightly run ({job}) for {night} failed:\n{detail}\n\n"
                      "See lights runs and the scheduler log; once fixed, run "
                      "lights scheduler --once {job}.")},
    "missed": {"zh": ("【重点项目红黄绿灯】夜间评估错过：{night}",
                      "{night} 的夜间评估（{job}）没有运行：{detail}。\n\n"
                      "请确认调度服务在运行；lights scheduler --once {job} 可立即补做。"),
               "en": ("[Lights] Nightly run missed: {night}",
                      "The nightly run ({job}) for {night} did not run: {detail}.\n\n"
                      "Check that the scheduler service is running; "
                      "lights scheduler --once {job} runs it now.")},
}


def alert_admins(engine: Engine, config: Config, kind: str, job: str, night: date,
                 detail: str) -> int:
    """E-mail the administrators about a failed or missed night; how many were told."""
    with writer(engine).begin() as conn:
        admins = load_directory(conn, config).admins()
        messages = []
        for person in admins:
            lang = person.lang if person.lang in ("zh", "en") else config.lang
            subject, text = (s.format(night=night, job=job, detail=detail)
                             for s in ALERTS[kind][lang])
            messages.append(Outgoing(f"alert:{kind}:{job}:{night}:{person.email}", "alert",
                                     night, person.email, subject, text,
                                     f"<pre>{escape(text)}</pre>",
                                     recipient_name=person.name, lang=lang))
        if not messages:
            return 0
        enqueue(conn, messages, domain=mail_domain(config))
    dispatch(engine, config, wait=False)
    return len(messages)


def retry_outbox(engine: Engine, config: Config) -> dict[str, Any]:
    """Send what waits in the outbox and is due (nothing to do: one query)."""
    with engine.connect() as conn:
        pending = conn.execute(select(func.count()).select_from(OUTBOX)
                               .where(OUTBOX.c.status == "pending")).scalar()
    if not pending:
        return {"pending": 0}
    result = dispatch(engine, config, wait=False)
    return {"pending": pending, "sent": result.sent, "failed": result.failed,
            "deferred": result.deferred}
