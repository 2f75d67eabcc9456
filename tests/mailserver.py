"""A real SMTP server on loopback (aiosmtpd) whose replies a test can script."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    # aiosmtpd cannot be given port 0 (LIBRARY-NOTES.md): ask the OS for one first.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Recorder:
    """Accepts everything unless told otherwise.

    ``rcpt[address]``: replies for RCPT TO, used one by one (the last one repeats).
    ``data``: replies for successive DATA commands; ``"drop"`` closes the connection
    after the message was sent, before any reply (a connection dropped mid-DATA).
    """

    def __init__(self) -> None:
        self.received: list[tuple[list[str], EmailMessage]] = []
        self.rcpt: dict[str, list[str]] = {}
        self.data: list[str] = []
        self.connections = 0
        self.arrived: list[float] = []  # time.monotonic() of each message accepted

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        self.connections += 1
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        script = self.rcpt.get(address)
        if script:
            reply = script.pop(0) if len(script) > 1 else script[0]
            if not reply.startswith("250"):
                return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.data:
            reply = self.data.pop(0)
            if reply == "drop":
                server.transport.close()
                return "421 gone"
            if not reply.startswith("250"):
                return reply
        message = BytesParser(policy=policy.default).parsebytes(envelope.content)
        self.received.append((list(envelope.rcpt_tos), message))
        self.arrived.append(time.monotonic())
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for rcpts, m in self.received if address in rcpts]


@contextmanager
def smtp_server(port: int | None = None, **kwargs: Any) -> Iterator[tuple[Recorder, int]]:
    """A server on 127.0.0.1 (``kwargs`` go to aiosmtpd's SMTP: tls_context=…)."""
    handler = Recorder()
    port = port or free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()
