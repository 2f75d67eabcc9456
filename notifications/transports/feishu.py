"""Feishu (飞书) custom bot: a card with one markdown element, signed in the body.

``POST https://open.feishu.cn/open-apis/bot/v2/hook/<token>`` (the whole URL in the
channel's ``webhook_env``) with ``{"msg_type": "interactive", "card": …}`` (or
``"text"``). With a secret, ``timestamp`` (seconds, as a string) and
``sign = base64(HMAC-SHA256(key=f"{timestamp}\\n{secret}", msg=b""))`` go in the body.

Limits: 100 messages a minute and 5 a second per bot; avoid :00 and :30 past the hour
(11232 when it is too busy); the body at most 20 KB. 19021: bad signature, 19022: IP
not allowed, 19024: the keyword is missing. Replies say ``code`` (older ones
``StatusCode``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

from notifications.transports.base import ChatNote
from notifications.transports.chat import Robot


def sign(secret: str, timestamp_s: int) -> str:
    key = f"{timestamp_s}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()


class FeishuRobot(Robot):
    kind = "feishu"
    body_limit = 20_000  # "20 KB": kept under 20,000 to be safe either way
    rate_codes = frozenset({11232, 9499})
    refused_codes = frozenset({19021, 19022, 19024, 19001})  # sign, IP, keyword; bad hook
    min_gap = 0.2
    busy_minutes = (0, 30)

    def payload(self, note: ChatNote) -> dict[str, Any]:
        if not note.markdown:
            return {"msg_type": "text", "content": {"text": note.text}}
        return {"msg_type": "interactive", "card": {
            "header": {"title": {"tag": "plain_text", "content": note.title}},
            "elements": [{"tag": "markdown", "content": note.text}]}}

    def signed(self, url: str, payload: dict[str, Any], now: float
               ) -> tuple[str, dict[str, Any]]:
        if not self._secret:
            return url, payload
        ts = int(now)
        return url, {"timestamp": str(ts), "sign": sign(self._secret, ts), **payload}

    def code_of(self, reply: Mapping[str, Any]) -> tuple[int | None, str]:
        if "code" in reply:
            return reply["code"], str(reply.get("msg", ""))
        return reply.get("StatusCode"), str(reply.get("StatusMessage", ""))
