"""What every transport does: open, send one message to some recipients, close.

``send`` returns the recipients the server refused (address → (code, reply)), and
raises :class:`TemporaryFailure` or :class:`PermanentFailure` when the whole message
failed. RFC 5321: a 4xx reply is temporary, 5xx permanent; a refused connection, a
timeout or a connection dropped mid-message is temporary.
"""

from __future__ import annotations

from email.message import EmailMessage
from typing import Protocol


class DeliveryFailure(Exception):
    def __init__(self, reply: str, code: int | None = None) -> None:
        super().__init__(reply)
        self.reply, self.code = reply, code


class TemporaryFailure(DeliveryFailure):
    """Try again later (with backoff)."""


class ConnectionFailure(TemporaryFailure):
    """No connection to the server at all: the rest of the batch waits too, untried."""


class PermanentFailure(DeliveryFailure):
    """Do not try again: the message is marked failed with the reply."""


Refused = dict[str, tuple[int, str]]


class Transport(Protocol):
    name: str

    def open(self) -> None: ...

    def send(self, message: EmailMessage, sender: str, recipients: list[str]) -> Refused: ...

    def close(self) -> None: ...

    def describe(self) -> str:
        """Where messages go, for the people running `lights send` (no secrets)."""
        ...
