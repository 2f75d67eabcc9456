"""``lights bulletin --send``: queue a bulletin in the notices outbox (issue #3).

One outbox row per person on ``bulletins.send_to``: the Markdown as the plain-text
part, the self-contained HTML as the HTML part. The notices' dispatcher delivers it
with its retries (``lights send``, or after the nightly run). The dedup key names
the period, its date and the language, so sending the same bulletin twice queues it
once.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Engine

from engine.bulletins.build import Bulletin
from engine.bulletins.render import render
from engine.bulletins.words import w
from engine.config import Config
from engine.store.db import writer
from notifications.outbox import Outgoing, enqueue
from notifications.plan import mail_domain


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
    subject = f"{w('title', lang, noun=b.period.noun(lang))} · {b.period.label(lang)}"
    html, text = render(b, "html", lang), render(b, "md", lang)
    messages = [Outgoing(dedup_key(b, lang, r.email), "bulletin", b.as_of, r.email, subject,
                         text, html, recipient_name=r.name, lang=lang) for r in recipients]
    with writer(engine).begin() as conn:
        done = enqueue(conn, messages, domain=mail_domain(config))
    return Queued(done.queued, done.known)
