"""What the three group robots share: a webhook from the environment, a JSON body, the
reply read whole.

The services answer almost every failure with HTTP 200 and a non-zero ``errcode`` or
``code`` (LIBRARY-NOTES.md): a sender that looks only at the status reports refused
and rate-limited messages as delivered. So every reply is parsed, and sorted:

- 0: delivered; the service's own words are returned;
- the service's rate-limit codes, or HTTP 429: :class:`RateLimited` (the channel waits
  its window, the message is not lost and not counted as a failed try);
- a refused signature, keyword, IP or webhook: :class:`ChannelRefused` (permanent,
  reported to the administrators; nothing of the channel is sent until it is fixed);
- "busy" codes, HTTP 5xx, timeouts and dropped connections: temporary;
- anything else: permanent, with the service's message.

The webhook URL carries the robot's token and the secret signs: both are read from
the environment variables the channel names, kept in this object only, and never put
in an error, a description or a log (httpx's own request log is turned down).

Sizes are measured as the services count them, in UTF-8 bytes after JSON encoding
(a Chinese character is 3 bytes), on the very bytes that are sent.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

import httpx

from notifications.config import ChannelConfig
from notifications.transports.base import (
    ChannelRefused,
    ChatNote,
    ConnectionFailure,
    PermanentFailure,
    RateLimited,
    TemporaryFailure,
)

# httpx logs every request with its full URL at INFO: the URL holds the robot's token.
for _name in ("httpx", "httpcore"):
    logging.getLogger(_name).setLevel(logging.WARNING)


def encode(payload: Mapping[str, Any]) -> bytes:
    """The body as sent: compact JSON, UTF-8, Chinese as itself (3 bytes a character)."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def json_bytes(text: str) -> int:
    """UTF-8 bytes of a string inside a JSON document (escapes counted, quotes not)."""
    return len(json.dumps(text, ensure_ascii=False).encode("utf-8")) - 2


class Robot:
    """One group robot; a subclass per service says its payload, signature and codes."""

    kind: ClassVar[str]
    body_limit: ClassVar[int | None] = None
    """Bytes of the whole body, when the service limits the body."""
    content_limits: ClassVar[dict[bool, int]] = {}
    """Bytes of the text itself by ``markdown`` (WeCom limits the content)."""
    rate_codes: ClassVar[frozenset[int]] = frozenset()
    refused_codes: ClassVar[frozenset[int]] = frozenset()
    busy_codes: ClassVar[frozenset[int]] = frozenset({-1})
    min_gap: ClassVar[float] = 0.0
    """Seconds between two messages (Feishu: 5 a second)."""
    busy_minutes: ClassVar[tuple[int, ...]] = ()
    """Minutes of the hour the service asks senders to avoid (Feishu: :00 and :30)."""

    def __init__(self, channel: ChannelConfig, webhook: str, secret: str = "", *,
                 clock: Callable[[], float] = time.time,
                 client: httpx.Client | None = None) -> None:
        if not webhook.startswith(("https://", "http://")):
            raise ChannelRefused(f"{channel.webhook_env} does not hold an http(s) URL")
        self.channel = channel
        self.name = f"{self.kind}:{channel.name}"
        self._webhook = webhook
        self._secret = secret
        self._clock = clock
        self._client = client
        self._own_client = client is None

    # -- what a service says ------------------------------------------------------------
    def payload(self, note: ChatNote) -> dict[str, Any]:
        raise NotImplementedError

    def signed(self, url: str, payload: dict[str, Any], now: float
               ) -> tuple[str, dict[str, Any]]:
        """The URL and body with the signature (none by default)."""
        return url, payload

    def code_of(self, reply: Mapping[str, Any]) -> tuple[int | None, str]:
        return reply.get("errcode"), str(reply.get("errmsg", ""))

    # -- sizes ----------------------------------------------------------------------------
    def size(self, note: ChatNote) -> int:
        """The bytes the service counts against its limit, for this note signed."""
        _, payload = self.signed(self._webhook, self.payload(note), self._clock())
        if self.body_limit is not None:
            return len(encode(payload))
        return json_bytes(note.text)

    def limit(self, note: ChatNote) -> int:
        if self.body_limit is not None:
            return self.body_limit
        return self.content_limits[note.markdown]

    def fits(self, note: ChatNote) -> bool:
        return self.size(note) <= self.limit(note)

    # -- the life of a transport --------------------------------------------------------------
    def describe(self) -> str:
        return f"{self.kind} robot {self.channel.name}"  # never the URL: it holds the token

    def open(self) -> None:
        if self._client is None:
            self._client = httpx.Client(timeout=self.channel.timeout_seconds,
                                        follow_redirects=False)

    def close(self) -> None:
        client, self._client = self._client, None
        if client is not None and self._own_client:
            client.close()

    def _scrub(self, text: str) -> str:
        for secret in (self._webhook, self._secret):
            if secret:
                text = text.replace(secret, "…")
        return " ".join(text.split())[:500]

    def send(self, note: ChatNote) -> str:
        """Post one note; the service's answer, or a failure naming the service's words."""
        self.open()
        assert self._client is not None
        url, payload = self.signed(self._webhook, self.payload(note), self._clock())
        try:
            response = self._client.post(url, content=encode(payload), headers={
                "Content-Type": "application/json; charset=utf-8"})
        except httpx.ConnectError as exc:
            raise ConnectionFailure(self._scrub(f"{self.describe()}: cannot connect: "
                                                f"{exc}")) from None
        except httpx.HTTPError as exc:  # timeouts, a dropped connection, a bad answer
            raise TemporaryFailure(self._scrub(f"{self.describe()}: {type(exc).__name__}: "
                                               f"{exc}")) from None
        return self.read(response.status_code, response.content)

    def read(self, status: int, content: bytes) -> str:
        """Sort one reply (see the module doc); the reply's text when delivered."""
        text = self._scrub(content.decode("utf-8", "replace"))
        where = self.describe()
        if status == 429:
            raise RateLimited(f"{where}: HTTP 429 {text}", 429, self.channel.window)
        if status >= 500:
            raise TemporaryFailure(f"{where}: HTTP {status} {text}", status)
        if status in (401, 403, 404):
            raise ChannelRefused(f"{where}: HTTP {status} {text} (check the webhook URL)",
                                 status)
        if status >= 300:
            raise PermanentFailure(f"{where}: HTTP {status} {text}", status)
        try:
            reply = json.loads(content)
        except ValueError:
            raise TemporaryFailure(f"{where}: an answer that is not JSON: {text}") from None
        if not isinstance(reply, dict):
            raise TemporaryFailure(f"{where}: an unexpected answer: {text}")
        code, message = self.code_of(reply)
        if code == 0:
            return text
        said = f"{where}: {code} {self._scrub(message)}"
        if code in self.rate_codes:
            raise RateLimited(said, code, self.channel.window)
        if code in self.refused_codes:
            raise ChannelRefused(said, code)
        if code in self.busy_codes or code is None:
            raise TemporaryFailure(said if code is not None else f"{where}: no code in {text}",
                                   code)
        raise PermanentFailure(said, code)
