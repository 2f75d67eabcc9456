"""The demo's notices: the offices the ledger does not name, and the morning's mail.

The demo programme's projects carry their own people (责任人, 服务秘书, 责任单位, 包保领导)
on ``songjiang.example``; the supervising office, the leaders' office and the
administrator come from here. ``.example`` is reserved (RFC 2606): nothing the demo
writes can reach a real mailbox, and it is written as .eml files anyway.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Engine

from engine.config import Config
from notifications.actions import load_contacts
from notifications.config import ContactEntry
from notifications.dispatch import SendResult, dispatch, release_held
from notifications.transports.files import FileTransport

DEMO_DOMAIN = "songjiang.example"

DEMO_CONTACTS = [
    ContactEntry(name="市政府督查室", email=f"ducha@{DEMO_DOMAIN}", role="supervision_office"),
    ContactEntry(name="市政府办公室（领导办公室）", email=f"lingdao@{DEMO_DOMAIN}",
                 role="leaders_office"),
    ContactEntry(name="重点项目办（系统管理员）", email=f"zdxmb@{DEMO_DOMAIN}", role="admin"),
]


@dataclass
class DemoMail:
    sent: SendResult
    directory: Path

    def describe(self, lang: str) -> str:
        if lang == "zh":
            return (f"晨间通知已写入 {self.directory}：{self.sent.sent} 封 .eml 邮件，"
                    f"可用邮件客户端打开（lights notices 查看发件箱）")
        return (f"The morning's notices are in {self.directory}: {self.sent.sent} .eml "
                f"files to open in a mail client (lights notices lists the outbox)")


def demo_config(config: Config) -> Config:
    """The configuration for the demo's night: the file transport, whatever the environment
    says, and delivery left to :func:`deliver_demo_mail`."""
    copy = config.model_copy(deep=True)
    copy.notices.smtp.host = ""
    copy.notices.send_after_run = False
    return copy


def add_demo_contacts(engine: Engine) -> None:
    load_contacts(engine, DEMO_CONTACTS)


def deliver_demo_mail(engine: Engine, config: Config) -> DemoMail:
    """Release what a first night holds as a storm and write every message as .eml.

    Always the file transport, whatever SMTP server the environment names.
    """
    directory = Path(config.notices.outbox_dir)
    release_held(engine)
    sent = dispatch(engine, config, FileTransport(directory), wait=False)
    return DemoMail(sent, directory.resolve())
