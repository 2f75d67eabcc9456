"""WeCom (企业微信) group robot: markdown, or text when someone is @-ed by mobile.

``POST https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…`` (the whole URL in the
channel's ``webhook_env``; the key is the only credential, there is no signature) with
``{"msgtype": "markdown", "markdown": {"content"}}`` or ``{"msgtype": "text", "text":
{"content", "mentioned_mobile_list"}}``: mentions by mobile work in text messages only.

Limits: 20 messages a minute per robot (errcode 45009 past it); markdown content at
most 4,096 bytes, text at most 2,048. 93000: the webhook key is not valid.
"""

from __future__ import annotations

from typing import Any, ClassVar

from notifications.transports.base import ChatNote
from notifications.transports.chat import Robot


class WeComRobot(Robot):
    kind = "wecom"
    content_limits: ClassVar[dict[bool, int]] = {True: 4096, False: 2048}
    rate_codes = frozenset({45009})
    refused_codes = frozenset({93000, 93004})  # invalid webhook URL; robot removed

    def payload(self, note: ChatNote) -> dict[str, Any]:
        if note.markdown:
            return {"msgtype": "markdown", "markdown": {"content": note.text}}
        return {"msgtype": "text", "text": {"content": note.text,
                                            "mentioned_mobile_list": list(note.mentions)}}
