"""The scheduler's bulletins (issue #6): the last complete period, to ``bulletins.send_to``.

A bulletin job that fires on the 1st at 08:00 sends the month that ended the day
before; Monday's, the ISO week that ended on Sunday; the annual one (2 January), last
year. The bulletin is computed from the history as it stood at the period's end and
queued through the notices outbox (``engine.bulletins.send``, whose dedup key keeps a
period from being queued twice), then the outbox is sent.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.engine import Engine

from engine.bulletins.build import build
from engine.bulletins.periods import Kind, Period, containing
from engine.bulletins.send import queue_bulletin
from engine.config import Config
from notifications.dispatch import dispatch


def last_complete(kind: Kind, as_of: date) -> Period:
    """The latest period of ``kind`` that ended before ``as_of``."""
    period = containing(kind, as_of)
    return period.previous() if period.end >= as_of else period


def unavailable(config: Config) -> str | None:
    """Why no bulletin can be sent with this configuration, or None."""
    return None if config.bulletins.send_to else "bulletins.send_to is empty: nobody to send to"


def scheduled_bulletin(engine: Engine, config: Config, kind: Kind, as_of: date) -> dict[str, Any]:
    period = last_complete(kind, as_of)
    bulletin = build(engine, config, period)
    queued = queue_bulletin(engine, config, bulletin, config.lang)
    sent = dispatch(engine, config, wait=False)
    return {"period": period.key, "queued": queued.queued, "already_queued": queued.skipped,
            "sent": sent.sent, "failed": sent.failed}
