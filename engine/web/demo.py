"""The demo on the web: links in the demo's e-mails, accounts to try, the command to serve it.

``lights demo`` composes its e-mails with links to the board at ``web.base_url`` (by
default http://127.0.0.1:8000, where ``lights serve`` listens) signed with
``LIGHTS_WEB_SECRET``, or, when none is set, with a new secret that the printed serve
command carries, so that the links in the .eml files open. Three accounts are opened
with one-time invitation links: the supervision office, a department, and the leader
of the worst project, one per role that sees less than everything.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from engine import accounts
from engine.config import Config
from engine.links import SECRET_VARIABLE, secret_from_env

DEMO_URL = "http://127.0.0.1:8000"


@dataclass(frozen=True)
class DemoBoard:
    config: Config  # the night's configuration, with the board's address
    secret: str
    secret_given: bool  # LIGHTS_WEB_SECRET was set already

    @contextmanager
    def signing(self) -> Iterator[None]:
        """The night inside signs its links with this secret (the composer reads it from
        the environment, where a deployment keeps it); the environment is put back."""
        before = os.environ.get(SECRET_VARIABLE)
        os.environ[SECRET_VARIABLE] = self.secret
        try:
            yield
        finally:
            if before is None:
                os.environ.pop(SECRET_VARIABLE, None)
            else:
                os.environ[SECRET_VARIABLE] = before


def demo_board(config: Config) -> DemoBoard:
    """The demo night's configuration with links to the board, and the secret to sign
    them (the environment's, else a new one for this demo)."""
    copy = config.model_copy(deep=True)
    copy.web.base_url = config.web.base_url or DEMO_URL
    given = secret_from_env()
    return DemoBoard(copy, given or secrets.token_urlsafe(24), given is not None)


def demo_accounts(engine: Engine, base_url: str, leader: str) -> list[tuple[str, str, str]]:
    """Accounts to try the board with: (name, role, invitation link) for each."""
    out = []
    for name, role, unit in (("督查室", "office", ""), ("市发改委", "unit", "市发改委"),
                             (leader, "leader", leader)):
        if not name:
            continue
        created = accounts.add_account(engine, name, role, unit=unit)
        out.append((name, role, f"{base_url}/invite/{created.invitation}"))
    return out
