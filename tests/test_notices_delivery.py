"""Delivery against a real SMTP server on loopback (aiosmtpd), read back part by part.

Scripted replies: 451 then accepted, 550 for one recipient of several, a connection
dropped mid-DATA, no server at all, STARTTLS; a crash between commit and send, and a
crash after a send before it was recorded; header and HTML injection from the data.
"""

from __future__ import annotations

import itertools
import ssl
import subprocess
import time
from datetime import date
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlmodel import Session

from engine.config import Config
from engine.store.models import OutboxMessage
from notifications.config import ContactEntry, SmtpConfig
from notifications.dispatch import dispatch
from notifications.transports.base import ConnectionFailure
from notifications.transports.smtp import SmtpTransport
from tests.mailserver import free_port, smtp_server
from tests.test_notices_night import (
    DEPARTMENT,
    LEADER,
    OWNER,
    SECRETARY,
    make_config,
    night,
    office_contacts,
    programme,
)

ALL = {OWNER, SECRETARY, DEPARTMENT, LEADER}
RED_NIGHT = date(2026, 11, 26)


def smtp_config(tmp_path: Path, port: int, **notices) -> Config:
    retry = {"attempts": 4, "base_seconds": 0.05, "max_seconds": 0.2, "wait_seconds": 5,
             **notices.pop("retry", {})}
    return make_config(tmp_path, smtp={"host": "127.0.0.1", "port": port, "security": "none",
                                       "timeout_seconds": 5, **notices.pop("smtp", {})},
                       mail_from="lights@zdxm.example.cn", retry=retry, **notices)


def outbox(engine) -> dict[str, OutboxMessage]:
    with Session(engine) as s:
        return {r.recipient: r for r in s.exec(select(OutboxMessage)).scalars()}


def test_a_digest_over_smtp_part_by_part(engine, tmp_path):
    with smtp_server() as (server, port):
        config = smtp_config(tmp_path, port)
        mid = programme(engine)
        summary = night(engine, config, RED_NIGHT)
        assert {a for rcpts, _ in server.received for a in rcpts} == ALL
        assert len(server.received) == 4 and server.connections == 1  # one connection
    rows = outbox(engine)
    assert {r.status for r in rows.values()} == {"sent"}
    assert not [w for w in summary.warnings if "failed" in w]
    message: EmailMessage = server.to(LEADER)[0]
    assert message["From"].addresses[0].display_name == "重点项目红黄绿灯"
    assert message["From"].addresses[0].addr_spec == "lights@zdxm.example.cn"
    assert str(message["To"]) == "张副市长 <zhang@example.cn>"
    # a leader oversees: the subject reports, it never summons the reader
    assert message["Subject"] == "【督办情况】2026年11月26日 重点项目节点督办情况：1个节点，红灯1个"
    assert message["Message-ID"] == rows[LEADER].message_id
    assert message["Auto-Submitted"] == "auto-generated"
    thread = f"<lights.m{mid}.20261126@zdxm.example.cn>"
    assert message["In-Reply-To"] == thread and thread in message["References"]
    assert message.get_content_type() == "multipart/alternative"
    text, html = list(message.iter_parts())
    assert text.get_content_type() == "text/plain" and html.get_content_type() == "text/html"
    assert text.get_content_charset() == "utf-8"
    body = text.get_content()
    assert body.startswith("张副市长：") and "[新增] 主体完工（主体完工）" not in body
    assert "[新增] 主体完工：红灯，督办" in body
    page = html.get_content()
    assert "<style" not in page and 'style="' in page  # CSS inlined
    assert "#d93025" in page  # the red light
    assert f"lights history {mid}" not in page  # no shell command but to administrators
    assert "mailto:lights@zdxm.example.cn" in page


def test_a_451_is_retried_and_then_accepted(engine, tmp_path):
    with smtp_server() as (server, port):
        server.rcpt[OWNER] = ["451 4.7.1 greylisted, try again later", "250 OK"]
        config = smtp_config(tmp_path, port)
        programme(engine)
        night(engine, config, RED_NIGHT)
    rows = outbox(engine)
    assert rows[OWNER].status == "sent" and rows[OWNER].attempts == 2
    assert len(server.to(OWNER)) == 1
    assert all(rows[a].attempts == 1 for a in ALL - {OWNER})


def test_a_550_fails_one_recipient_and_is_reported_to_the_administrators(engine, tmp_path):
    with smtp_server() as (server, port):
        server.rcpt[SECRETARY] = ["550 5.1.1 <li@example.cn>: mailbox unavailable"]
        config = smtp_config(tmp_path, port)
        programme(engine)
        office_contacts(engine)
        summary = night(engine, config, RED_NIGHT)
        rows = outbox(engine)
        assert rows[SECRETARY].status == "failed" and rows[SECRETARY].attempts == 1
        assert "550 5.1.1 <li@example.cn>: mailbox unavailable" in rows[SECRETARY].last_error
        assert {rows[a].status for a in ALL - {SECRETARY}} == {"sent"}
        assert any("1 deliveries failed" in w for w in summary.warnings)
        night(engine, config, date(2026, 11, 27))  # nothing else new: the admins still hear
        admin = server.to("admin@example.cn")
        assert len(admin) == 1
        body = admin[0].get_body(("plain",)).get_content()
        assert "投递失败（1封）" in body and "li@example.cn" in body and "550 5.1.1" in body
        night(engine, config, date(2026, 11, 28))  # reported once
        assert len(server.to("admin@example.cn")) == 1


def test_smtp_partial_refusals_are_returned_per_recipient(tmp_path):
    with smtp_server() as (server, port):
        server.rcpt["b@example.cn"] = ["550 5.1.1 no such user"]
        transport = SmtpTransport(SmtpConfig(host="127.0.0.1", port=port, security="none"))
        message = EmailMessage()
        message["Subject"], message["From"] = "x", "lights@example.cn"
        message.set_content("hello")
        refused = transport.send(message, "lights@example.cn",
                                 ["a@example.cn", "b@example.cn", "c@example.cn"])
        transport.close()
    assert refused == {"b@example.cn": (550, "550 5.1.1 no such user")}
    assert server.received[0][0] == ["a@example.cn", "c@example.cn"]


def test_the_rate_limit_spaces_the_messages_a_server_receives(tmp_path):
    """rate_per_second: 8 keeps a provider's limit: 6 messages arrive over at least
    5 gaps of 1/8 s, on one connection. (A lower bound only: a slow machine is slower.)"""
    with smtp_server() as (server, port):
        transport = SmtpTransport(SmtpConfig(host="127.0.0.1", port=port, security="none",
                                             rate_per_second=8))
        for i in range(6):
            message = EmailMessage()
            message["Subject"], message["From"] = f"n{i}", "lights@example.cn"
            message.set_content("hello")
            transport.send(message, "lights@example.cn", ["a@example.cn"])
        transport.close()
    gaps = [b - a for a, b in itertools.pairwise(server.arrived)]
    assert len(gaps) == 5 and server.connections == 1
    assert min(gaps) >= 0.125 * 0.8  # the server's clock sees the client's spacing
    assert server.arrived[-1] - server.arrived[0] >= 5 * 0.125 * 0.95


def test_a_connection_dropped_mid_data_is_retried(engine, tmp_path):
    with smtp_server() as (server, port):
        server.data = ["drop"]
        config = smtp_config(tmp_path, port)
        programme(engine)
        night(engine, config, RED_NIGHT)
    rows = outbox(engine)
    assert {r.status for r in rows.values()} == {"sent"}
    first = min(rows.values(), key=lambda r: r.id)
    assert first.attempts == 2
    assert sorted(len(server.to(a)) for a in ALL) == [1, 1, 1, 1]  # nobody got it twice
    assert server.connections >= 2  # it connected again


def test_no_server_leaves_everything_pending_then_delivers_when_it_is_back(engine, tmp_path):
    port = free_port()
    config = smtp_config(tmp_path, port, retry={"base_seconds": 0.1, "wait_seconds": 0})
    programme(engine)
    night(engine, config, RED_NIGHT)
    rows = outbox(engine)
    assert {r.status for r in rows.values()} == {"pending"}
    assert all("cannot connect to 127.0.0.1" in r.last_error for r in rows.values())
    # an outage: every message waits, and none of them has used up a try
    assert sorted(r.attempts for r in rows.values()) == [0, 0, 0, 0]
    time.sleep(0.15)  # past the outage's back-off
    with smtp_server(port) as (server, _):
        result = dispatch(engine, config)
    assert result.sent == 4 and {r.status for r in outbox(engine).values()} == {"sent"}
    assert {a for rcpts, _ in server.received for a in rcpts} == ALL


class CrashAfterSend(SmtpTransport):
    """The process dies right after the server accepted a message, before it is recorded."""

    def send(self, message, sender, recipients):  # type: ignore[no-untyped-def]
        refused = super().send(message, sender, recipients)
        raise SystemExit("killed")
        return refused  # pragma: no cover


def test_a_crash_between_commit_and_send_loses_nothing_and_keeps_the_message_id(engine,
                                                                                tmp_path):
    with smtp_server() as (server, port):
        config = smtp_config(tmp_path, port, send_after_run=False)
        programme(engine)
        night(engine, config, RED_NIGHT)  # committed, never sent: the process "crashed"
        assert server.received == []
        assert {r.status for r in outbox(engine).values()} == {"pending"}
        with pytest.raises(SystemExit):  # now it crashes after the first send
            dispatch(engine, config, CrashAfterSend(config.notices.smtp))
        assert len(server.received) == 1
        dispatch(engine, config)  # recovery
        night(engine, config, RED_NIGHT)  # and the same night again: nothing new
    rows = outbox(engine)
    assert {r.status for r in rows.values()} == {"sent"}
    first = server.received[0][1]
    again = [m for _, m in server.received if m["Message-ID"] == first["Message-ID"]]
    assert len(again) == 2  # at least once; a mail client shows one message
    assert len(server.received) == 5 and len(rows) == 4


def test_header_and_html_injection_from_the_data_stays_data(engine, tmp_path):
    with smtp_server() as (server, port):
        config = smtp_config(tmp_path, port)
        programme(engine, name='<script>alert("x")</script>项目\r\nBcc: evil@example.cn',
                  secretary="李秘书\r\nBcc: evil@example.cn\r\nX-Evil: 1")
        night(engine, config, RED_NIGHT)
    recipients = {a for rcpts, _ in server.received for a in rcpts}
    assert recipients == ALL and "evil@example.cn" not in recipients
    for _, message in server.received:
        assert message["Bcc"] is None and message["X-Evil"] is None
    to = server.to(SECRETARY)[0]
    assert to["To"].addresses[0].addr_spec == SECRETARY
    assert "Bcc" in to["To"].addresses[0].display_name  # kept as a harmless name
    html = to.get_body(("html",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert '&lt;script&gt;alert("x")&lt;/script&gt;项目' in html


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, made once (an RSA key takes a while)."""
    tmp_path = tmp_path_factory.mktemp("certificate")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return key, cert


def test_starttls_verifies_the_server_certificate(tmp_path, certificate):
    key, cert = certificate
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    message = EmailMessage()
    message["Subject"], message["From"] = "tls", "lights@example.cn"
    message.set_content("hello")
    with smtp_server(tls_context=server_tls, require_starttls=True) as (server, port):
        smtp = SmtpConfig(host="127.0.0.1", port=port, security="starttls", timeout_seconds=5)
        with pytest.raises(ConnectionFailure, match="CERTIFICATE_VERIFY_FAILED"):
            SmtpTransport(smtp).send(message, "lights@example.cn", ["a@example.cn"])
        trusted = ssl.create_default_context(cafile=str(cert))
        transport = SmtpTransport(smtp, context=trusted)
        assert transport.send(message, "lights@example.cn", ["a@example.cn"]) == {}
        transport.close()
    assert len(server.received) == 1


def test_a_username_without_password_is_refused_without_trying(tmp_path):
    with smtp_server() as (server, port):
        smtp = SmtpConfig(host="127.0.0.1", port=port, security="none", username="lights")
        message = EmailMessage()
        message.set_content("x")
        with pytest.raises(Exception, match="LIGHTS_SMTP_PASSWORD is not"):
            SmtpTransport(smtp, password=None).send(message, "a@example.cn", ["b@example.cn"])
    assert server.received == []


def test_contacts_from_config_reach_the_office(engine, tmp_path):
    with smtp_server() as (server, port):
        config = smtp_config(tmp_path, port, ladder=[
            {"step": "supervise", "light": "red", "days": 0, "template": "supervise",
             "roles": ["supervision_office"], "zh": "督办", "en": "Supervision"}])
        config.notices.contacts.append(ContactEntry(name="督查室", email="dc@example.cn",
                                                    role="supervision_office"))
        programme(engine)
        night(engine, config, RED_NIGHT)
    assert [rcpts for rcpts, _ in server.received] == [["dc@example.cn"]]


def test_implicit_tls_ssl_mode(tmp_path, certificate):
    key, cert = certificate
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    message = EmailMessage()
    message["Subject"], message["From"] = "ssl", "lights@example.cn"
    message.set_content("hello")
    with smtp_server(ssl_context=server_tls) as (server, port):
        smtp = SmtpConfig(host="127.0.0.1", port=port, security="ssl", timeout_seconds=5)
        transport = SmtpTransport(smtp, context=ssl.create_default_context(cafile=str(cert)))
        assert transport.send(message, "lights@example.cn", ["a@example.cn"]) == {}
        transport.close()
    assert len(server.received) == 1


def test_two_dispatchers_at_once_send_each_message_once(engine, tmp_path):
    """The scheduler's retry and a manual `lights send` may overlap: no message twice."""
    import threading

    from notifications.dispatch import Dispatcher

    with smtp_server() as (server, port):
        config = smtp_config(tmp_path, port, send_after_run=False)
        programme(engine)
        night(engine, config, RED_NIGHT)
        assert {r.status for r in outbox(engine).values()} == {"pending"}
        start = threading.Barrier(2)
        results = []

        def send() -> None:
            dispatcher = Dispatcher(engine, config)
            start.wait()
            results.append(dispatcher.run(wait=False))

        threads = [threading.Thread(target=send) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
    assert sorted(a for rcpts, _ in server.received for a in rcpts) == sorted(ALL)
    assert sum(r.sent for r in results) == len(ALL)
    assert {r.status for r in outbox(engine).values()} == {"sent"}
