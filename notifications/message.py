"""An outbox row as an RFC 5322 message: multipart/alternative, text first.

Every header value comes from :mod:`notifications.addresses` (control characters
removed, names encoded by the email package), so data can never add a header. The
Message-ID and Date come from the row, so a message sent again after a crash is the
same message to a mail client.
"""

from __future__ import annotations

from email import policy
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

from notifications.addresses import header_address, header_text

LANGUAGE_TAGS = {"zh": "zh-CN", "en": "en"}


def _cte(body: str) -> str | None:
    """base64 for Chinese text: always the shorter, and left to itself the email package
    tries quoted-printable first in pure Python (~15 ms for one digest)."""
    return None if body.isascii() else "base64"


def build_message(row: Any, mail_from: str, from_name: str) -> EmailMessage:
    """The e-mail for one outbox row (anything with the OutboxMessage attributes)."""
    msg = EmailMessage(policy=policy.SMTP)
    msg["From"] = header_address(from_name, mail_from)
    msg["To"] = header_address(row.recipient_name or row.recipient, row.recipient)
    msg["Subject"] = header_text(row.subject, 300)
    msg["Date"] = format_datetime(row.created_at)
    msg["Message-ID"] = header_text(row.message_id, 200)
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Auto-Response-Suppress"] = "All"
    threads = [header_text(t, 200) for t in (row.threads or [])]
    if threads:
        msg["In-Reply-To"] = threads[0]
        msg["References"] = " ".join(threads)
    msg.set_content(row.text, subtype="plain", charset="utf-8", cte=_cte(row.text))
    msg.add_alternative(row.html, subtype="html", charset="utf-8", cte=_cte(row.html))
    msg["Content-Language"] = LANGUAGE_TAGS.get(row.lang, "zh-CN")  # set_content drops it
    return msg
