"""``lights bulletin --send``: queue a bulletin in the notices outbox (issue #3).

One outbox row per person on ``bulletins.send_to``: the Markdown as the plain-text
part, the self-contained HTML as the HTML part. The notices' dispatcher delivers it
with its retries (``lights send``, or after the nightly run). The dedup key names
the period, its date and the language, so sending the same bulletin twice queues it
once.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import insert, select
from sqlalchemy.engine import Engine

from engine.bulletins.build import Bulletin
from engine.bulletins.render import render
from engine.bulletins.words import w
from engine.config import Config
from engine.store.tables import OUTBOX, utcnow
from notifications.digest import message_id


class NoRecipients(Exception):
    """``bulletins.send_to`` is empty: nobody to send the bulletin to."""


@dataclass
class Queued:
    queued: int
    skipped: int


def dedup_key(b: Bulletin, lang: str, email: str) -> str:
    return f"bulletin:{b.period.key}:{b.as_of.isoformat()}:{lang}:{email.lower()}"


def queue_bulletin(engine: Engine, config: Config, b: Bulletin, lang: str) -> Queued:
    """Queue the bulletin for every configured recipient not already queued."""
    recipients = config.bulletins.send_to
    if not recipients:
        raise NoRecipients(w("cli.no_recipients", lang))
    domain = config.notices.mail_from.rsplit("@", 1)[1]
    subject = f"{w('title', lang, noun=b.period.noun(lang))} · {b.period.label(lang)}"
    html, text = render(b, "html", lang), render(b, "md", lang)
    keys = {dedup_key(b, lang, r.email): r for r in recipients}
    with engine.begin() as conn:
        known = set(conn.execute(select(OUTBOX.c.dedup_key)
                                 .where(OUTBOX.c.dedup_key.in_(list(keys)))).scalars())
        rows = [{"dedup_key": key, "message_id": message_id(key, domain), "kind": "bulletin",
                 "as_of": b.as_of, "recipient": r.email, "recipient_name": r.name,
                 "lang": lang, "step": "", "subject": subject, "text": text, "html": html,
                 "threads": [], "status": "pending", "attempts": 0, "last_error": "",
                 "created_at": utcnow()}
                for key, r in keys.items() if key not in known]
        if rows:
            conn.execute(insert(OUTBOX), rows)
    return Queued(len(rows), len(known))
