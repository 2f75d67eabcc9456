"""An outbox row as an RFC 5322 message: multipart/alternative, text first.

Every header value comes from :mod:`notifications.addresses` (control characters
removed, names encoded by the email package), so data can never add a header. The
Message-ID and Date come from the row, so a message sent again after a crash is the
same message to a mail client.
"""

from __future__ import annotations

import base64
import uuid
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from email.utils import format_datetime
from typing import Any

from notifications.addresses import header_text, mailbox

LANGUAGE_TAGS = {"zh": "zh-CN", "en": "en"}


CRLF = "\r\n"


class OutgoingMessage(EmailMessage):
    """A message written once as its bytes: its headers readable as usual (parsed
    the first time one is asked for), ``as_bytes`` the bytes as written. The email
    package's own building folds every header through its header registry, ~5 ms a
    message; SMTP reads no header, so a message sent is never parsed at all.
    ``message_id`` and ``date``: the values its Message-ID and Date headers were
    written from (the file transport names its file by them, unparsed)."""

    raw: bytes = b""
    message_id: str | None = None
    date: datetime | None = None

    @property  # type: ignore[override]
    def _headers(self) -> list[tuple[str, str]]:
        headers = self.__dict__.get("_parsed")
        if headers is None:
            head = self.raw.split(b"\r\n\r\n", 1)[0] + b"\r\n\r\n"
            headers = self.__dict__["_parsed"] = _HEADERS.parsebytes(head)._headers
        return headers

    @_headers.setter
    def _headers(self, value: list[tuple[str, str]]) -> None:
        self.__dict__["_parsed"] = value or None  # the constructor's []: not parsed yet

    def as_bytes(self, unixfrom: bool = False, policy: Any = None) -> bytes:
        return self.raw

    def as_string(self, unixfrom: bool = False, maxheaderlen: int = 0,
                  policy: Any = None) -> str:
        return self.raw.decode("ascii")


_HEADERS = BytesHeaderParser(policy=policy.SMTP)


def _encoded(value: str) -> str:
    """A header value as RFC 2047 encoded words where it is not ASCII, one a line."""
    if value.isascii():
        return value
    words, chunk = [], b""
    for ch in value:  # at most 45 bytes a word: 60 of base64, 72 with its frame
        b = ch.encode("utf-8")
        if len(chunk) + len(b) > 45:
            words.append(chunk)
            chunk = b""
        chunk += b
    words.append(chunk)
    return (CRLF + " ").join(f"=?utf-8?b?{base64.b64encode(w).decode('ascii')}?="
                             for w in words)


def _folded(ids: list[str]) -> str:
    """Message ids separated by spaces, a new line before one that would pass 78."""
    lines, line = [], ""
    for item in ids:
        if line and len(line) + 1 + len(item) > 66:
            lines.append(line)
            line = item
        else:
            line = f"{line} {item}" if line else item
    return (CRLF + " ").join([*lines, line])


def _part(body: str, subtype: str) -> str:
    """A text part: base64 for Chinese text (shorter than quoted-printable)."""
    lines = body.replace("\r\n", "\n").split("\n")
    if body.isascii() and all(len(line) <= 998 for line in lines):
        return (f'Content-Type: text/{subtype}; charset="utf-8"{CRLF}'
                f"Content-Transfer-Encoding: 7bit{CRLF}{CRLF}"
                + CRLF.join(lines) + CRLF)
    data = base64.encodebytes(body.encode("utf-8")).decode("ascii").replace("\n", CRLF)
    return (f'Content-Type: text/{subtype}; charset="utf-8"{CRLF}'
            f"Content-Transfer-Encoding: base64{CRLF}{CRLF}{data}")


def build_message(row: Any, mail_from: str, from_name: str) -> EmailMessage:
    """The e-mail for one outbox row (anything with the OutboxMessage attributes).

    What comes from data goes through :mod:`notifications.addresses` (control
    characters out) and is RFC 2047-encoded, so no value can add a header or a part.
    """
    boundary = f"=_lights_{uuid.uuid4().hex}"
    headers = [
        ("From", mailbox(from_name, mail_from)),
        ("To", mailbox(row.recipient_name or row.recipient, row.recipient)),
        ("Subject", _encoded(header_text(row.subject, 300))),
        ("Date", format_datetime(row.created_at)),
        ("Message-ID", header_text(row.message_id, 200)),
        ("Auto-Submitted", "auto-generated"),
        ("X-Auto-Response-Suppress", "All"),
    ]
    threads = [header_text(t, 200) for t in (row.threads or [])]
    if threads:
        headers += [("In-Reply-To", threads[0]), ("References", _folded(threads))]
    headers += [("Content-Language", LANGUAGE_TAGS.get(row.lang, "zh-CN")),
                ("MIME-Version", "1.0"),
                ("Content-Type", f'multipart/alternative; boundary="{boundary}"')]
    head = "".join(f"{name}: {value}{CRLF}" for name, value in headers).encode("ascii")
    body = (f"{CRLF}--{boundary}{CRLF}{_part(row.text, 'plain')}--{boundary}{CRLF}"
            f"{_part(row.html, 'html')}--{boundary}--{CRLF}").encode("ascii")
    message = OutgoingMessage(policy=policy.SMTP)
    message.raw = head + body
    message.message_id, message.date = header_text(row.message_id, 200), row.created_at
    return message
