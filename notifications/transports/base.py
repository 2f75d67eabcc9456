"""What every transport does: open, send one message to some recipients, close.

``send`` returns the recipients the server refused (address → (code, reply)), and
raises :class:`TemporaryFailure` or :class:`PermanentFailure` when the whole message
failed. RFC 5321: a 4xx reply is temporary, 5xx permanent; a refused connection, a
timeout or a connection dropped mid-message is temporary.

Group robots (:class:`ChatTransport`) live the same life and fail the same ways; they
add a rate limit that holds the whole channel (:class:`RateLimited`) and a refusal of
the channel itself (:class:`ChannelRefused`: a signature, keyword or webhook).
"""

from __future__ import annotations

from dataclasses import dataclass
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


class RateLimited(TemporaryFailure):
    """The service says too many messages: the whole channel waits ``retry_after`` seconds,
    and the message is tried again then (it is not counted as a failed try)."""

    def __init__(self, reply: str, code: int | None = None, retry_after: float = 60.0) -> None:
        super().__init__(reply, code)
        self.retry_after = retry_after


class ChannelRefused(PermanentFailure):
    """The service refuses the channel itself (signature, keyword, IP, webhook): no message
    of it can go until an administrator fixes the configuration."""


Refused = dict[str, tuple[int, str]]


@dataclass(frozen=True, slots=True)
class ChatNote:
    """One message to a group robot: a title, markdown (or plain text) and who is @-ed."""

    title: str
    text: str
    mentions: tuple[str, ...] = ()
    markdown: bool = True


class ChatTransport(Protocol):
    """A group robot (DingTalk, WeCom, Feishu): the same life as a mail transport; ``send``
    returns the service's answer, or raises one of the failures above."""

    name: str

    def open(self) -> None: ...

    def send(self, note: ChatNote) -> str: ...

    def close(self) -> None: ...

    def describe(self) -> str: ...


class Transport(Protocol):
    """A mail transport. One that has ``replaces = True`` (a message sent again replaces
    itself, as a file named by its Message-ID does) and a ``flush()`` making what it
    sent durable lets the dispatcher write a batch's outcomes together after ``flush``;
    any other has each outcome written as soon as it is known."""

    name: str

    def open(self) -> None: ...

    def send(self, message: EmailMessage, sender: str, recipients: list[str]) -> Refused: ...

    def close(self) -> None: ...

    def describe(self) -> str:
        """Where messages go, for the people running `lights send` (no secrets)."""
        ...
