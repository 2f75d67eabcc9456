"""The SMTP transport: one connection for a batch, STARTTLS or SSL, a rate limit.

Replies are sorted the RFC 5321 way: 4xx temporary, 5xx permanent. A refused
connection, a timeout or a connection dropped mid-message is temporary, and the
connection is opened again for the next message. No connection at all (refused, a
4xx such as 421 at the greeting, a timeout while connecting) is an outage
(:class:`ConnectionFailure`): the dispatcher holds the whole batch, counting no try.
smtplib raises only when *every* recipient is refused; otherwise it returns the
refused ones, which are passed on, so a refusal of one recipient never blocks the
others.

The password comes from LIGHTS_SMTP_PASSWORD only (read by the caller at send time),
and is never put in a message or an error.
"""

from __future__ import annotations

import contextlib
import smtplib
import ssl
import time
from email.message import EmailMessage

from notifications.config import SmtpConfig
from notifications.transports.base import (
    ConnectionFailure,
    PermanentFailure,
    Refused,
    TemporaryFailure,
)


def _reply(code: int, message: bytes | str) -> str:
    text = message.decode("utf-8", "replace") if isinstance(message, bytes) else message
    return f"{code} {' '.join(text.split())}"[:500]


def _failure(code: int, message: bytes | str) -> TemporaryFailure | PermanentFailure:
    cls = TemporaryFailure if 400 <= code < 500 else PermanentFailure
    return cls(_reply(code, message), code)


class SmtpTransport:
    name = "smtp"

    def __init__(self, config: SmtpConfig, password: str | None = None,
                 context: ssl.SSLContext | None = None) -> None:
        self.config = config
        self._password = password
        self._context = context
        self._conn: smtplib.SMTP | None = None
        self._last = 0.0

    def describe(self) -> str:
        c = self.config
        who = f" as {c.username}" if c.username else ""
        return f"smtp://{c.host}:{c.effective_port} ({c.security}){who}"

    def _tls(self) -> ssl.SSLContext:
        # Always a verifying context: without one, starttls() accepts any certificate.
        return self._context or ssl.create_default_context()

    def open(self) -> None:
        if self._conn is not None:
            return
        c = self.config
        try:
            if c.security == "ssl":
                conn: smtplib.SMTP = smtplib.SMTP_SSL(c.host, c.effective_port,
                                                      timeout=c.timeout_seconds,
                                                      context=self._tls())
            else:
                conn = smtplib.SMTP(c.host, c.effective_port, timeout=c.timeout_seconds)
                if c.security == "starttls":
                    conn.ehlo()
                    conn.starttls(context=self._tls())
                    conn.ehlo()
            if c.username:
                if not self._password:
                    conn.close()
                    raise PermanentFailure("LIGHTS_SMTP_USERNAME is set but "
                                           "LIGHTS_SMTP_PASSWORD is not")
                conn.login(c.username, self._password)
        except smtplib.SMTPResponseException as exc:
            if 400 <= exc.smtp_code < 500:  # 421 at the greeting: the server is not taking mail
                raise ConnectionFailure(f"cannot connect to {c.host}:{c.effective_port}: "
                                        f"{_reply(exc.smtp_code, exc.smtp_error)}") from None
            raise _failure(exc.smtp_code, exc.smtp_error) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise ConnectionFailure(f"cannot connect to {c.host}:{c.effective_port}: "
                                   f"{type(exc).__name__}: {exc}"[:500]) from None
        self._conn = conn

    def _throttle(self) -> None:
        """Wait until 1/rate s after the previous message was accepted: the spacing a
        provider counts is between what it receives, however long each message took."""
        rate = self.config.rate_per_second
        if rate > 0:
            wait = self._last + 1.0 / rate - time.monotonic()
            if wait > 0:
                time.sleep(wait)

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(OSError):
                conn.close()

    def send(self, message: EmailMessage, sender: str, recipients: list[str]) -> Refused:
        self.open()
        assert self._conn is not None
        self._throttle()
        try:
            try:
                # the message's bytes as written (notifications.message): flattening
                # it again through the email package costs ~5 ms a message
                refused = self._conn.sendmail(sender, recipients, message.as_bytes())
            finally:
                self._last = time.monotonic()
        except smtplib.SMTPRecipientsRefused as exc:  # every recipient refused
            return {addr: (code, _reply(code, msg)) for addr, (code, msg) in exc.recipients.items()}
        except smtplib.SMTPServerDisconnected as exc:
            self._drop()
            raise TemporaryFailure(f"connection dropped: {exc}"[:500]) from None
        except smtplib.SMTPResponseException as exc:  # sender refused, data refused, …
            if exc.smtp_code in (421,):  # the server is closing the connection
                self._drop()
            raise _failure(exc.smtp_code, exc.smtp_error) from None
        except OSError as exc:  # timeout, reset
            self._drop()
            raise TemporaryFailure(f"{type(exc).__name__}: {exc}"[:500]) from None
        return {addr: (code, _reply(code, msg)) for addr, (code, msg) in refused.items()}

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.quit()
            except (smtplib.SMTPException, OSError):
                conn.close()
