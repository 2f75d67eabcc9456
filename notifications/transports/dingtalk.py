"""DingTalk (钉钉 / 政务钉钉) custom robot: markdown, signed, @ by mobile.

``POST https://oapi.dingtalk.com/robot/send?access_token=…`` (the whole URL in the
channel's ``webhook_env``) with ``{"msgtype": "markdown", "markdown": {"title", "text"},
"at": {"atMobiles": […], "isAtAll": false}}``; a mobile is @-ed only when the text also
says ``@mobile``. With a secret: ``timestamp`` (ms) and
``sign = urlencode(base64(HMAC-SHA256(secret, f"{timestamp}\\n{secret}")))`` go in the
query (the timestamp must be within an hour of DingTalk's clock).

Limits: 20 messages a minute per robot, then 10 minutes blocked (errcode 130101); the
body at most 20,000 bytes. 310000: the signature, keyword or IP was refused.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any
from urllib.parse import quote_plus

from notifications.transports.base import ChatNote
from notifications.transports.chat import Robot


def sign(secret: str, timestamp_ms: int) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(),
                      hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest).decode())


class DingTalkRobot(Robot):
    kind = "dingtalk"
    body_limit = 20_000
    rate_codes = frozenset({130101})
    refused_codes = frozenset({310000, 300001, 400101})  # sign/keyword/IP; bad token

    def payload(self, note: ChatNote) -> dict[str, Any]:
        at = {"atMobiles": list(note.mentions), "isAtAll": False}
        if note.markdown:
            return {"msgtype": "markdown", "markdown": {"title": note.title, "text": note.text},
                    "at": at}
        return {"msgtype": "text", "text": {"content": note.text}, "at": at}

    def signed(self, url: str, payload: dict[str, Any], now: float
               ) -> tuple[str, dict[str, Any]]:
        if not self._secret:
            return url, payload
        ts = int(now * 1000)
        joiner = "&" if "?" in url else "?"
        return f"{url}{joiner}timestamp={ts}&sign={sign(self._secret, ts)}", payload
