"""Delivery channels behind one interface (:class:`~notifications.transports.base.Transport`).

``smtp``: an SMTP server (STARTTLS or SSL, one connection per batch, a rate limit).
``files``: .eml files in a directory, the default when no SMTP server is configured.
``dingtalk``, ``wecom``, ``feishu``: group robots (:class:`~.base.ChatTransport`), one per
configured channel, their webhook and secret read from the environment.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TYPE_CHECKING

from engine.config import Config
from notifications.config import ChannelConfig
from notifications.transports.base import ChannelRefused, Transport

if TYPE_CHECKING:
    from notifications.transports.chat import Robot


def transport_for(config: Config, env: Mapping[str, str] | None = None) -> Transport:
    """SMTP when a host is configured (LIGHTS_SMTP_HOST or notices.smtp.host), else files."""
    env = os.environ if env is None else env
    smtp = config.notices.smtp
    if smtp.host:
        from notifications.transports.smtp import SmtpTransport

        return SmtpTransport(smtp, password=env.get("LIGHTS_SMTP_PASSWORD") or None)
    from notifications.transports.files import FileTransport

    return FileTransport(config.notices.outbox_dir)


def robot_for(channel: ChannelConfig, env: Mapping[str, str] | None = None) -> Robot:
    """The channel's robot, its webhook and secret read from the environment now.

    ChannelRefused (one sentence, no value) when a variable the channel names is unset.
    """
    env = os.environ if env is None else env
    webhook = (env.get(channel.webhook_env) or "").strip()
    if not webhook:
        raise ChannelRefused(f"channel {channel.name}: the environment variable "
                             f"{channel.webhook_env} (its webhook URL) is not set")
    secret = ""
    if channel.secret_env:
        secret = (env.get(channel.secret_env) or "").strip()
        if not secret:
            raise ChannelRefused(f"channel {channel.name}: the environment variable "
                                 f"{channel.secret_env} (its signing secret) is not set")
    return robot_class(channel)(channel, webhook, secret)


def robot_class(channel: ChannelConfig) -> type[Robot]:
    if channel.kind == "dingtalk":
        from notifications.transports.dingtalk import DingTalkRobot

        return DingTalkRobot
    if channel.kind == "wecom":
        from notifications.transports.wecom import WeComRobot

        return WeComRobot
    from notifications.transports.feishu import FeishuRobot

    return FeishuRobot


def measurer(channel: ChannelConfig) -> Robot:
    """A robot that only measures sizes (signed as it will be, with a stand-in secret)."""
    return robot_class(channel)(channel, "https://size.invalid/hook",
                                "x" * 32 if channel.secret_env else "")
