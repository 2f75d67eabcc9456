"""Delivery channels behind one interface (:class:`~notifications.transports.base.Transport`).

``smtp``: an SMTP server (STARTTLS or SSL, one connection per batch, a rate limit).
``files``: .eml files in a directory, the default when no SMTP server is configured.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from engine.config import Config
from notifications.transports.base import Transport


def transport_for(config: Config, env: Mapping[str, str] | None = None) -> Transport:
    """SMTP when a host is configured (LIGHTS_SMTP_HOST or notices.smtp.host), else files."""
    env = os.environ if env is None else env
    smtp = config.notices.smtp
    if smtp.host:
        from notifications.transports.smtp import SmtpTransport

        return SmtpTransport(smtp, password=env.get("LIGHTS_SMTP_PASSWORD") or None)
    from notifications.transports.files import FileTransport

    return FileTransport(config.notices.outbox_dir)
